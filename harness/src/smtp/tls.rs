//! STARTTLS (RFC 3207) for both sides, on the one TLS stack of the
//! harness: rustls with the aws-lc provider (the one lettre uses).
//!
//! A receiving server offers STARTTLS with a [`SelfSigned`] certificate
//! made for its host name when it starts; a sender that should trust that
//! server for the run is given a [`ClientTls`] naming the host and holding
//! that certificate as its only root. Nothing else is trusted and nothing
//! skips verification.

use std::sync::Arc;

use lettre::transport::smtp::client::{Certificate, CertificateStore, TlsParameters};
use tokio_rustls::rustls::{
    self, ProtocolVersion,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot generate a self-signed certificate for {host}: {source}")]
    Generate { host: String, source: rcgen::Error },
    #[error("cannot build the server's TLS configuration: {0}")]
    Server(#[from] rustls::Error),
    #[error("cannot build the client's TLS parameters: {0}")]
    Client(#[from] lettre::transport::smtp::Error),
}

/// A certificate and key made for one server, valid for its host name.
#[derive(Clone, Debug)]
pub struct SelfSigned {
    /// The host name the certificate names (its only subject alternative
    /// name).
    pub host: String,
    /// The certificate, DER.
    pub certificate: Vec<u8>,
    /// What the server needs to accept TLS.
    pub server_config: Arc<rustls::ServerConfig>,
}

impl SelfSigned {
    /// A fresh ECDSA P-256 key and a certificate for `host`.
    pub fn generate(host: &str) -> Result<SelfSigned, TlsError> {
        let generated =
            rcgen::generate_simple_self_signed(vec![host.to_string()]).map_err(|source| {
                TlsError::Generate {
                    host: host.to_string(),
                    source,
                }
            })?;
        let certificate = generated.cert.der().to_vec();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            generated.signing_key.serialize_der(),
        ));
        let server_config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(certificate.clone())], key)?;
        Ok(SelfSigned {
            host: host.to_string(),
            certificate,
            server_config: Arc::new(server_config),
        })
    }

    /// What a client needs to trust this certificate, and only it.
    pub fn client(&self) -> ClientTls {
        ClientTls {
            host: self.host.clone(),
            root: self.certificate.clone(),
        }
    }
}

/// How a sender verifies the next hop's certificate: the host name it must
/// name, and the one root certificate trusted (the next hop's own
/// self-signed certificate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientTls {
    pub host: String,
    /// The trusted root, DER.
    pub root: Vec<u8>,
}

impl ClientTls {
    /// lettre's parameters: no system roots, this root only, full
    /// verification of the chain and the host name.
    pub fn parameters(&self) -> Result<TlsParameters, TlsError> {
        Ok(TlsParameters::builder(self.host.clone())
            .certificate_store(CertificateStore::None)
            .add_root_certificate(Certificate::from_der(self.root.clone())?)
            .build_rustls()?)
    }
}

/// The crypto provider of every TLS connection of the harness.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The name of a negotiated protocol version: `TLSv1.3`, `TLSv1.2`.
pub fn version_name(version: ProtocolVersion) -> String {
    match version {
        ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
        ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
        ProtocolVersion::TLSv1_1 => "TLSv1.1".to_string(),
        ProtocolVersion::TLSv1_0 => "TLSv1.0".to_string(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_a_certificate_for_the_host() {
        let tls = SelfSigned::generate("mx.capture.test").unwrap();
        assert!(!tls.certificate.is_empty());
        let client = tls.client();
        assert_eq!(client.host, "mx.capture.test");
        assert_eq!(client.root, tls.certificate);
        client.parameters().unwrap();
        // A new run, a new key.
        let other = SelfSigned::generate("mx.capture.test").unwrap();
        assert_ne!(other.certificate, tls.certificate);
    }

    #[test]
    fn version_names() {
        assert_eq!(version_name(ProtocolVersion::TLSv1_3), "TLSv1.3");
        assert_eq!(version_name(ProtocolVersion::TLSv1_2), "TLSv1.2");
    }
}
