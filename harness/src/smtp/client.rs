use std::net::{IpAddr, SocketAddr};

use lettre::transport::smtp::{
    client::AsyncSmtpConnection,
    extension::{ClientId, Extension},
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

/// A TCP connection to an SMTP server with Nagle's algorithm off. An SMTP
/// client writes small pieces and waits for the reply (lettre writes a
/// message and its final `CRLF . CRLF` separately): with Nagle on, the
/// second write waits for the peer's delayed acknowledgement, about 40 ms
/// on Linux, once per message and hop.
pub async fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
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
    let mut stream = connect(next_hop)
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
    check_envelope(mail_from, rcpt_to)?;
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
    let result = transaction(&mut connection, mail_from, rcpt_to, data).await;
    let _ = connection.quit().await;
    let response = result.map_err(smtp_error)?;
    Ok(Reply::new(
        u16::from(response.code()),
        response.message().collect::<Vec<_>>().join("\n"),
    ))
}

/// One mail transaction with the envelope exactly as written: `MAIL
/// FROM:<mail_from>` (the null sender as `<>`), each `RCPT TO`, `DATA`.
/// lettre's `send` would first parse the addresses into its own type, which
/// refuses forms a receiver must be tested with: quoted local parts with
/// spaces, address literals, an empty local part (RFC 7208 §4.3).
async fn transaction(
    connection: &mut AsyncSmtpConnection,
    mail_from: &str,
    rcpt_to: &[String],
    data: &[u8],
) -> Result<lettre::transport::smtp::response::Response, lettre::transport::smtp::Error> {
    let mut parameters = String::new();
    let info = connection.server_info();
    if (!mail_from.is_ascii() || rcpt_to.iter().any(|r| !r.is_ascii()))
        && info.supports_feature(Extension::SmtpUtfEight)
    {
        parameters.push_str(" SMTPUTF8");
    }
    if !data.is_ascii() && info.supports_feature(Extension::EightBitMime) {
        parameters.push_str(" BODY=8BITMIME");
    }
    connection
        .command(format!("MAIL FROM:<{mail_from}>{parameters}\r\n"))
        .await?;
    for rcpt in rcpt_to {
        connection.command(format!("RCPT TO:<{rcpt}>\r\n")).await?;
    }
    connection.command("DATA\r\n").await?;
    connection.message(data).await
}

/// What no SMTP command may carry: a line break or a NUL would end the
/// command early or smuggle in another one. Anything else goes out as
/// written, for the next hop to judge.
fn check_envelope(mail_from: &str, rcpt_to: &[String]) -> Result<(), DeliveryError> {
    let bad = |a: &str| a.contains(['\r', '\n', '\0']);
    if bad(mail_from) {
        return Err(DeliveryError::Address(mail_from.to_string()));
    }
    match rcpt_to.iter().find(|r| r.is_empty() || bad(r)) {
        Some(r) => Err(DeliveryError::Address(r.to_string())),
        None if rcpt_to.is_empty() => Err(DeliveryError::Address(String::new())),
        None => Ok(()),
    }
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
