//! What SES does to one message: replace Message-ID and Date, add its own
//! headers, and sign (author signature first, then `d=amazonses.com`).

use super::{PublishedKeys, RelayConfig};
use crate::headers::{field_name, header_fields, split_header};
use crate::keys::sign;
use crate::ses;
use chrono::{DateTime, Utc};

/// The message as SES sends it on.
#[derive(Debug)]
pub struct Rewritten {
    pub ses_id: String,
    pub message: Vec<u8>,
}

/// Rewrites and signs `raw` as SES would when sending it.
pub fn rewrite(
    raw: &[u8],
    config: &RelayConfig,
    keys: &PublishedKeys,
    author_signs: bool,
    now: DateTime<Utc>,
    uuid: [u8; 16],
) -> Result<Rewritten, crate::keys::SignError> {
    let ses_id = ses::message_id(&config.ses.region, now.timestamp_millis() as u64, uuid);
    let (block, rest) = split_header(raw);
    let mut out = Vec::with_capacity(raw.len() + 2048);
    for field in header_fields(block) {
        let name = field_name(field);
        if name != "message-id" && name != "date" {
            out.extend_from_slice(field);
        }
    }
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
    let added = format!(
        "Message-ID: <{ses_id}@{}>\r\nDate: {}\r\nFeedback-ID: {}\r\nX-SES-Outgoing: {}\r\n",
        ses::message_id_domain(&config.ses.region),
        now.to_rfc2822(),
        ses::feedback_id(&config.ses.region, &config.ses.identity),
        ses::ses_outgoing(now, config.ses.egress_ip),
    );
    out.extend_from_slice(added.as_bytes());
    if rest.is_empty() {
        out.extend_from_slice(b"\r\n");
    } else {
        out.extend_from_slice(rest);
    }

    let present: Vec<String> = header_fields(split_header(&out).0)
        .iter()
        .map(|f| field_name(f))
        .collect();
    let author_headers: Vec<&str> = ses::SIGNED_HEADERS
        .iter()
        .copied()
        .filter(|h| present.contains(&h.to_ascii_lowercase()))
        .collect();
    let mut ses_headers = author_headers.clone();
    ses_headers.push("Feedback-ID");

    let amazonses = sign(
        &out,
        &keys.amazonses,
        "amazonses.com",
        &keys.amazonses_selector,
        &ses_headers,
    )?;
    let author = match (&keys.author, author_signs) {
        (Some((selector, key)), true) => Some(sign(
            &out,
            key,
            &config.ses.identity,
            selector,
            &author_headers,
        )?),
        _ => None,
    };
    let mut signed = Vec::with_capacity(out.len() + 1600);
    if let Some(author) = author {
        signed.extend_from_slice(author.as_bytes());
    }
    signed.extend_from_slice(amazonses.as_bytes());
    signed.extend_from_slice(&out);
    Ok(Rewritten {
        ses_id,
        message: signed,
    })
}
