use std::net::SocketAddr;

use lettre::{
    Address,
    address::Envelope,
    transport::smtp::{client::AsyncSmtpConnection, extension::ClientId},
};

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
    let parse = |a: &str| {
        a.parse::<Address>()
            .map_err(|e| SubmitError::Envelope(format!("{a:?}: {e}")))
    };
    let envelope = Envelope::new(
        Some(parse(mail_from)?),
        rcpt_to.iter().map(|r| parse(r)).collect::<Result<_, _>>()?,
    )
    .map_err(|e| SubmitError::Envelope(e.to_string()))?;
    let mut connection = AsyncSmtpConnection::connect_tokio1(
        addr,
        Some(std::time::Duration::from_secs(60)),
        &ClientId::Domain(helo.to_string()),
        None,
        None,
    )
    .await
    .map_err(|e| SubmitError::Connect {
        addr,
        reason: e.to_string(),
    })?;
    // lettre ends the data with CRLF "." CRLF itself: hand it the message
    // without its final line break so the bytes arrive unchanged.
    let data = message.strip_suffix(b"\r\n").unwrap_or(message);
    let result = connection.send(&envelope, data).await;
    let _ = connection.quit().await;
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
