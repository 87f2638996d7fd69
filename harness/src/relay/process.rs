//! What SES does to one message: replace Message-ID and Date, add its own
//! headers, and sign (author signature first, then `d=amazonses.com`).

use chrono::{DateTime, Utc};
use mail_auth::{
    common::{crypto::SigningKey, headers::HeaderWriter},
    dkim::{Canonicalization, DkimSigner},
};

use super::{PublishedKeys, RelayConfig, ses};
use crate::keys::{KeyPair, SigningKeyPair};

/// The message as SES sends it on.
#[derive(Debug)]
pub struct Rewritten {
    pub ses_id: String,
    pub message: Vec<u8>,
}

/// Splits a message into its header block (with the final line break of
/// the last field) and the rest (the empty line and the body).
pub fn split_header(raw: &[u8]) -> (&[u8], &[u8]) {
    let mut pos = 0;
    while pos < raw.len() {
        let end = raw[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |i| pos + i + 1);
        let line = &raw[pos..end];
        if line == b"\r\n" || line == b"\n" {
            return (&raw[..pos], &raw[pos..]);
        }
        pos = end;
    }
    (raw, &[])
}

/// The header fields of a header block, each with its continuation lines.
pub fn header_fields(block: &[u8]) -> Vec<&[u8]> {
    let mut fields: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    while pos < block.len() {
        let end = block[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(block.len(), |i| pos + i + 1);
        let continuation = matches!(block[pos], b' ' | b'\t');
        if !continuation && pos > start {
            fields.push(&block[start..pos]);
            start = pos;
        }
        pos = end;
    }
    if start < block.len() {
        fields.push(&block[start..]);
    }
    fields
}

/// The name of a header field, lowercase.
pub fn field_name(field: &[u8]) -> String {
    let name = field.split(|&b| b == b':').next().unwrap_or_default();
    String::from_utf8_lossy(name).trim().to_ascii_lowercase()
}

/// Rewrites and signs `raw` as SES would when sending it.
pub fn rewrite(
    raw: &[u8],
    config: &RelayConfig,
    keys: &PublishedKeys,
    now: DateTime<Utc>,
    uuid: [u8; 16],
) -> Result<Rewritten, mail_auth::Error> {
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
    let author = match &keys.author {
        Some((token, key)) => Some(sign(
            &out,
            key,
            &config.ses.identity,
            token,
            &author_headers,
        )?),
        None => None,
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

/// One `DKIM-Signature:` header field (relaxed/simple, as SES signs).
pub fn sign(
    message: &[u8],
    key: &KeyPair,
    domain: &str,
    selector: &str,
    headers: &[&str],
) -> Result<String, mail_auth::Error> {
    let signing = SigningKeyPair::from_pair(key)?;
    debug_assert_eq!(signing.algorithm().name(), key.algorithm.dkim_name());
    let signature = DkimSigner::from_key(signing)
        .domain(domain)
        .selector(selector)
        .headers(headers.iter().copied())
        .header_canonicalization(Canonicalization::Relaxed)
        .body_canonicalization(Canonicalization::Simple)
        .sign(message)?;
    Ok(signature.to_header())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_continuation_lines() {
        let block = b"From: a@b\r\nSubject: one\r\n two\r\nTo: c@d\r\n";
        let fields = header_fields(block);
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[1], b"Subject: one\r\n two\r\n");
        assert_eq!(field_name(fields[1]), "subject");
    }

    #[test]
    fn header_split_finds_the_empty_line() {
        let (h, b) = split_header(b"A: 1\r\nB: 2\r\n\r\nbody\r\n");
        assert_eq!(h, b"A: 1\r\nB: 2\r\n");
        assert_eq!(b, b"\r\nbody\r\n");
        let (h, b) = split_header(b"A: 1\n\nbody\n");
        assert_eq!(h, b"A: 1\n");
        assert_eq!(b, b"\nbody\n");
    }
}
