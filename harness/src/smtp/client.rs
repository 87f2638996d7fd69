use std::net::{IpAddr, SocketAddr};

use lettre::{
    Address,
    address::Envelope,
    transport::smtp::{client::AsyncSmtpConnection, extension::ClientId},
};
use tokio::{io::AsyncWriteExt, net::TcpStream};

use super::{ClientTls, Reply, proxy_v1_line};

/// Why onward delivery did not end in a 250.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("cannot connect to the next hop {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid address {0:?}")]
    Address(String),
    #[error("the next hop answered {code} {text}")]
    Refused { code: u16, text: String },
    #[error("smtp error: {0}")]
    Smtp(String),
    #[error("starttls with the next hop failed: {0}")]
    Tls(String),
}

impl DeliveryError {
    /// True when the next hop refused for good (a 5xx reply).
    pub fn is_permanent(&self) -> bool {
        matches!(self, DeliveryError::Refused { code, .. } if *code >= 500)
    }

    /// The reply to give the client that handed the message over.
    pub fn reply(&self) -> Reply {
        match self {
            DeliveryError::Refused { code, text } => Reply::new(*code, text.clone()),
            other => Reply::new(451, format!("4.4.0 {other}")),
        }
    }
}

/// Delivers `message` to `next_hop` from `egress_ip` (declared with a PROXY
/// v1 header, which the capture trusts from loopback peers), saying `helo`.
/// Returns the next hop's final reply. Always in plain text: see
/// [`deliver_tls`].
pub async fn deliver(
    next_hop: SocketAddr,
    egress_ip: IpAddr,
    helo: &str,
    mail_from: &str,
    rcpt_to: &[String],
    message: &[u8],
) -> Result<Reply, DeliveryError> {
    deliver_tls(next_hop, egress_ip, helo, mail_from, rcpt_to, message, None).await
}

/// [`deliver`], upgrading the connection with STARTTLS when the next hop
/// offers it and `tls` says whom to trust; the certificate must then verify
/// against that root for that host name, or the delivery fails. Without
/// `tls` the message goes in plain text even when TLS is offered.
pub async fn deliver_tls(
    next_hop: SocketAddr,
    egress_ip: IpAddr,
    helo: &str,
    mail_from: &str,
    rcpt_to: &[String],
    message: &[u8],
    tls: Option<&ClientTls>,
) -> Result<Reply, DeliveryError> {
    let mut stream =
        TcpStream::connect(next_hop)
            .await
            .map_err(|source| DeliveryError::Connect {
                addr: next_hop,
                source,
            })?;
    let local = stream
        .local_addr()
        .map_err(|source| DeliveryError::Connect {
            addr: next_hop,
            source,
        })?;
    let declared = SocketAddr::new(egress_ip, local.port());
    stream
        .write_all(proxy_v1_line(declared, next_hop).as_bytes())
        .await
        .map_err(|source| DeliveryError::Connect {
            addr: next_hop,
            source,
        })?;
    let parse = |a: &str| {
        a.parse::<Address>()
            .map_err(|_| DeliveryError::Address(a.to_string()))
    };
    let from = if mail_from.is_empty() {
        None
    } else {
        Some(parse(mail_from)?)
    };
    let to = rcpt_to
        .iter()
        .map(|r| parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    let envelope = Envelope::new(from, to).map_err(|e| DeliveryError::Smtp(e.to_string()))?;
    let client_id = ClientId::Domain(helo.into());
    let mut connection = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &client_id)
        .await
        .map_err(smtp_error)?;
    if let Some(tls) = tls
        && connection.can_starttls()
    {
        let parameters = tls
            .parameters()
            .map_err(|e| DeliveryError::Tls(e.to_string()))?;
        connection
            .starttls(parameters, &client_id)
            .await
            .map_err(|e| match e.status() {
                Some(_) => smtp_error(e),
                None => DeliveryError::Tls(e.to_string()),
            })?;
    }
    // lettre ends the data with CRLF "." CRLF itself: hand it the message
    // without its final line break so the bytes arrive unchanged.
    let data = message.strip_suffix(b"\r\n").unwrap_or(message);
    let result = connection.send(&envelope, data).await;
    let _ = connection.quit().await;
    let response = result.map_err(smtp_error)?;
    Ok(Reply::new(
        u16::from(response.code()),
        response.message().collect::<Vec<_>>().join("\n"),
    ))
}

fn smtp_error(e: lettre::transport::smtp::Error) -> DeliveryError {
    match e.status() {
        Some(code) => DeliveryError::Refused {
            code: u16::from(code),
            text: e
                .to_string()
                .split_once(": ")
                .map_or_else(|| e.to_string(), |(_, t)| t.to_string()),
        },
        None => DeliveryError::Smtp(e.to_string()),
    }
}
