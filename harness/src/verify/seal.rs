use mail_auth::{
    AuthenticatedMessage, AuthenticationResults, MessageAuthenticator, arc::ArcSealer,
    common::headers::HeaderWriter, dkim::Canonicalization, spf::verify::SpfParameters,
};

use super::{Verifier, VerifyInput};
use crate::keys::{KeyPair, SigningKeyPair};

/// The headers an ARC-Message-Signature covers, where present.
const SEALED_HEADERS: &[&str] = &[
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "MIME-Version",
    "Content-Type",
    "DKIM-Signature",
    "List-Id",
];

/// Why a hop could not seal.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the message cannot be parsed")]
    Parse,
    #[error("the incoming ARC chain failed (cv=fail); RFC 8617 forbids sealing it")]
    BrokenChain,
    #[error("sealing failed: {0}")]
    Seal(String),
    #[error("no nameserver to seal with: {0}")]
    Resolver(String),
}

impl Verifier {
    /// What an intermediary (forwarder, mailing list) does under RFC 8617:
    /// authenticate the message as it arrived (`incoming`), then seal the
    /// message it sends on (`outgoing`, after its own changes) with an ARC
    /// set recording those results. Returns the three ARC header fields to
    /// put above `outgoing`.
    pub async fn arc_seal(
        &self,
        incoming: VerifyInput<'_>,
        outgoing: &[u8],
        key: &KeyPair,
        domain: &str,
        selector: &str,
    ) -> Result<String, SealError> {
        // The hop's own record of what it saw (its ARC-Authentication-
        // Results) comes from mail-auth's checks, as a forwarder built on
        // it would write it; the receiver's verdict is the judge's.
        let (config, opts) = crate::dns::resolver_config(
            self.nameserver
                .ok_or_else(|| SealError::Resolver("the verifier uses the system's".into()))?,
        );
        let authenticator = MessageAuthenticator::new(config, opts)
            .map_err(|e| SealError::Resolver(e.to_string()))?;
        let arrived = AuthenticatedMessage::parse(incoming.raw).ok_or(SealError::Parse)?;
        let dkim = authenticator.verify_dkim(&arrived).await;
        let arc = authenticator.verify_arc(&arrived).await;
        if !arc.can_be_sealed() {
            return Err(SealError::BrokenChain);
        }
        let spf = authenticator
            .verify_spf(SpfParameters::verify_mail_from(
                incoming.client_ip,
                incoming.helo,
                self.judge.authserv_id(),
                incoming.mail_from,
            ))
            .await;
        let header_from = arrived.from.first().cloned().unwrap_or_default();
        let results = AuthenticationResults::new(self.judge.authserv_id())
            .with_dkim_results(&dkim, &header_from)
            .with_spf_mailfrom_result(&spf, incoming.client_ip, incoming.mail_from, incoming.helo)
            .with_arc_result(&arc, incoming.client_ip);
        let message = AuthenticatedMessage::parse(outgoing).ok_or(SealError::Parse)?;
        let signing = SigningKeyPair::from_pair(key).map_err(|e| SealError::Seal(e.to_string()))?;
        let set = ArcSealer::from_key(signing)
            .domain(domain.to_string())
            .selector(selector.to_string())
            .headers(SEALED_HEADERS.iter().copied())
            .header_canonicalization(Canonicalization::Relaxed)
            .body_canonicalization(Canonicalization::Relaxed)
            .seal(&message, &results, &arc)
            .map_err(|e| SealError::Seal(e.to_string()))?;
        Ok(set.to_header())
    }
}
