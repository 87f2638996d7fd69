use std::{net::SocketAddr, time::Duration};

use lettre::{
    Address,
    address::Envelope,
    transport::smtp::{
        client::AsyncSmtpConnection,
        commands::{Data, Mail, Rcpt},
        extension::{ClientId, Extension, MailBodyParameter, MailParameter},
        response::Response,
    },
};

use super::Outgoing;

/// How long connecting to the relay may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// The relay's final answer to the message.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SubmitReply {
    pub accepted: bool,
    pub code: u16,
    pub text: String,
}

impl std::fmt::Display for SubmitReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.text)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("cannot reach the relay at {addr}: {reason}")]
    Connect { addr: SocketAddr, reason: String },
    #[error("invalid envelope: {0}")]
    Envelope(String),
}

/// Sends `message` to the relay at `addr` and returns its final reply; an
/// SMTP refusal is a reply, not an error.
pub async fn submit(
    addr: SocketAddr,
    helo: &str,
    mail_from: &str,
    rcpt_to: &[String],
    message: &[u8],
) -> Result<SubmitReply, SubmitError> {
    let envelope = Envelope::new(
        Some(parse_address(mail_from)?),
        rcpt_to
            .iter()
            .map(|r| parse_address(r))
            .collect::<Result<_, _>>()?,
    )
    .map_err(|e| SubmitError::Envelope(e.to_string()))?;
    let mut connection = connect(addr, helo).await?;
    // lettre ends the data with CRLF "." CRLF itself: hand it the message
    // without its final line break so the bytes arrive unchanged.
    let data = message.strip_suffix(b"\r\n").unwrap_or(message);
    let result = connection.send(&envelope, data).await;
    let _ = connection.quit().await;
    reply(result, addr)
}

/// [`submit`] for an [`Outgoing`] message: its generated attachments are
/// produced while they are written to the relay, a chunk at a time, so
/// the sender never holds the whole message. The same commands as
/// lettre's `send` (MAIL with SMTPUTF8 and BODY=8BITMIME where needed,
/// RCPT, DATA), the same dot-stuffing.
pub async fn submit_outgoing(
    addr: SocketAddr,
    helo: &str,
    mail_from: &str,
    rcpt_to: &[String],
    message: &Outgoing,
) -> Result<SubmitReply, SubmitError> {
    let from = parse_address(mail_from)?;
    let to: Vec<Address> = rcpt_to
        .iter()
        .map(|r| parse_address(r))
        .collect::<Result<_, _>>()?;
    let mut connection = connect(addr, helo).await?;
    let mut params = Vec::new();
    let info = connection.server_info();
    if !(mail_from.is_ascii() && rcpt_to.iter().all(|r| r.is_ascii())) {
        if !info.supports_feature(Extension::SmtpUtfEight) {
            return Err(SubmitError::Envelope(
                "non-ASCII addresses, and the relay does not offer SMTPUTF8".into(),
            ));
        }
        params.push(MailParameter::SmtpUtfEight);
    }
    if !message.is_ascii() && info.supports_feature(Extension::EightBitMime) {
        params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    // lettre ends the data with CRLF "." CRLF itself: the message goes
    // without its final line break so the bytes arrive unchanged.
    let ends_with_crlf = message
        .chunks()
        .last()
        .is_some_and(|c| c.ends_with(b"\r\n"));
    let total = message.len();
    let mut sent = 0u64;
    let chunks = message.chunks().map(move |mut chunk| {
        sent += chunk.len() as u64;
        if ends_with_crlf && sent == total {
            chunk.truncate(chunk.len() - 2);
        }
        chunk
    });
    let result: Result<Response, lettre::transport::smtp::Error> = async {
        connection.command(Mail::new(Some(from), params)).await?;
        for rcpt in to {
            connection.command(Rcpt::new(rcpt, Vec::new())).await?;
        }
        connection.command(Data).await?;
        connection.message_iter(chunks).await
    }
    .await;
    let _ = connection.quit().await;
    reply(result, addr)
}

/// The relay's final answer, or why there is none.
fn reply(
    result: Result<Response, lettre::transport::smtp::Error>,
    addr: SocketAddr,
) -> Result<SubmitReply, SubmitError> {
    Ok(match result {
        Ok(response) => SubmitReply {
            accepted: response.is_positive(),
            code: u16::from(response.code()),
            text: response.message().collect::<Vec<_>>().join(" "),
        },
        Err(e) => match e.status() {
            Some(code) => SubmitReply {
                accepted: false,
                code: u16::from(code),
                text: reply_text(&e.to_string()),
            },
            None => {
                return Err(SubmitError::Connect {
                    addr,
                    reason: e.to_string(),
                });
            }
        },
    })
}

/// lettre renders a refusal as "permanent error (554): text"; keep the text.
fn reply_text(rendered: &str) -> String {
    rendered
        .split_once("): ")
        .map_or(rendered, |(_, text)| text)
        .to_string()
}

/// An envelope address as lettre takes it; an application submits only
/// ordinary addresses (a direct sender writes odd ones itself).
fn parse_address(address: &str) -> Result<Address, SubmitError> {
    address
        .parse::<Address>()
        .map_err(|e| SubmitError::Envelope(format!("{address:?}: {e}")))
}

/// An SMTP session with the relay at `addr`, greeted with `helo`, on a
/// connection without Nagle's delay ([`crate::smtp::connect`]).
async fn connect(addr: SocketAddr, helo: &str) -> Result<AsyncSmtpConnection, SubmitError> {
    let failed = |reason: String| SubmitError::Connect { addr, reason };
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, crate::smtp::connect(addr))
        .await
        .map_err(|_| failed("connection timed out".into()))?
        .map_err(|e| failed(e.to_string()))?;
    AsyncSmtpConnection::connect_with_transport(
        Box::new(stream),
        &ClientId::Domain(helo.to_string()),
    )
    .await
    .map_err(|e| failed(e.to_string()))
}
