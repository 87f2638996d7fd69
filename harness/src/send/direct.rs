use std::net::SocketAddr;

use super::{DirectSender, SubmitReply};
use crate::{
    keys::{BodyLength, KeyPair, SignOptions, SignerTags, sign_with},
    smtp::{ClientTls, deliver_tls},
};

/// The headers a direct sender's signatures cover, where present.
const SIGNED: &[&str] = &[
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Reply-To",
];

#[derive(Debug, thiserror::Error)]
pub enum DirectError {
    #[error("cannot sign for {domain}: {reason}")]
    Sign { domain: String, reason: String },
    #[error("cannot deliver: {0}")]
    Deliver(String),
}

/// The message with the sender's signatures on top, the first signer's
/// outermost, each made with its key in `keys` (the signers' order; their
/// public halves published beforehand by [`crate::publish::signers`]).
pub fn sign_direct(
    sender: &DirectSender,
    keys: &[KeyPair],
    message: &[u8],
) -> Result<Vec<u8>, DirectError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut headers = Vec::new();
    for (signer, key) in sender.signers.iter().zip(keys) {
        let header = sign_with(
            message,
            key,
            &signer.domain,
            &signer.selector,
            &options(&signer.tags, message, now),
        )
        .map_err(|e| DirectError::Sign {
            domain: signer.domain.clone(),
            reason: e.to_string(),
        })?;
        headers.push(header);
    }
    let mut out = Vec::with_capacity(message.len() + 1024 * headers.len());
    for header in &headers {
        out.extend_from_slice(header.as_bytes());
    }
    out.extend_from_slice(message);
    Ok(out)
}

/// The signature's tags: what the scenario sets, SES's way for the rest
/// (relaxed/simple, the usual header fields, dated `now`).
fn options(tags: &SignerTags, message: &[u8], now: u64) -> SignOptions {
    let mut options = SignOptions::ses(message, SIGNED, now);
    if let Some(headers) = &tags.headers {
        options.headers = headers.clone();
    }
    if let Some((header, body)) = tags.relaxed {
        let canon = |relaxed: bool| {
            if relaxed {
                mail_auth::dkim::Canonicalization::Relaxed
            } else {
                mail_auth::dkim::Canonicalization::Simple
            }
        };
        options.header_canonicalization = canon(header);
        options.body_canonicalization = canon(body);
    }
    options.body_length = tags.body_length.unwrap_or(BodyLength::Unbounded);
    options.timestamp = now.saturating_add_signed(tags.timestamp_offset.unwrap_or(0));
    options.expiration = tags.expires_after.map(|x| now.saturating_add_signed(x));
    options
}

/// Sends the signed message straight to `next_hop` from the sender's
/// address (over STARTTLS when offered and `tls` says whom to trust); the
/// next hop's reply is the outcome.
pub async fn send_direct(
    sender: &DirectSender,
    mail_from: &str,
    rcpt_to: &[String],
    message: &[u8],
    next_hop: SocketAddr,
    tls: Option<&ClientTls>,
) -> Result<SubmitReply, DirectError> {
    match deliver_tls(
        next_hop,
        sender.egress_ip,
        &sender.helo,
        mail_from,
        rcpt_to,
        message,
        tls,
    )
    .await
    {
        Ok(reply) => Ok(SubmitReply {
            accepted: reply.is_positive(),
            code: reply.code,
            text: reply.text,
        }),
        Err(e) if e.is_permanent() || matches!(e, crate::smtp::DeliveryError::Refused { .. }) => {
            let reply = e.reply();
            Ok(SubmitReply {
                accepted: false,
                code: reply.code,
                text: reply.text,
            })
        }
        Err(e) => Err(DirectError::Deliver(e.to_string())),
    }
}
