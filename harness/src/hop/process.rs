//! The changes each kind of intermediary makes.

use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use sha2::{Digest, Sha256};

use super::HopKind;
use crate::headers::{field_name, header_fields, split_header};

/// The SRS0 form of `mail_from` in `domain` (draft-mengwong-sender-rewrite
/// shape: hash, timestamp, original domain, original local part).
pub fn srs_address(mail_from: &str, domain: &str, day: u64) -> String {
    let Some((local, original_domain)) = mail_from.rsplit_once('@') else {
        return mail_from.to_string();
    };
    const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tt: String = [
        BASE32[((day >> 5) & 31) as usize] as char,
        BASE32[(day & 31) as usize] as char,
    ]
    .iter()
    .collect();
    let digest = Sha256::digest(format!("{tt}{original_domain}{local}").as_bytes());
    let hash = &STANDARD_NO_PAD.encode(digest)[..4];
    let full = format!("SRS0={hash}={tt}={original_domain}={local}");
    if full.len() <= 64 {
        return format!("{full}@{domain}");
    }
    // A local part is at most 64 octets (RFC 5321 §4.5.3.1.1); SES's long
    // ids overflow it. Keep the shape and store a digest of the original
    // local part instead, as database-backed SRS implementations do.
    let short: String = Sha256::digest(local.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("SRS0={hash}={tt}={original_domain}={short}@{domain}")
}

/// The envelope from the hop sends with.
pub fn envelope_from(kind: &HopKind, domain: &str, original: &str, day: u64) -> String {
    match kind {
        HopKind::Forwarder { srs: false } => original.to_string(),
        HopKind::Forwarder { srs: true } if original.is_empty() => String::new(),
        HopKind::Forwarder { srs: true } => srs_address(original, domain, day),
        HopKind::MailingList { list_address, .. } => {
            let local = list_address.split('@').next().unwrap_or("list");
            format!("{local}-bounces@{domain}")
        }
    }
}

/// The message the hop sends on: a Received line on top, and for a list
/// its tag, footer, list headers and optional From rewrite.
pub fn rewrite(kind: &HopKind, raw: &[u8], received: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 512);
    out.extend_from_slice(received.as_bytes());
    let HopKind::MailingList {
        list_address,
        subject_tag,
        footer,
        rewrite_from,
    } = kind
    else {
        out.extend_from_slice(raw);
        return out;
    };
    let (block, rest) = split_header(raw);
    let mut author = None;
    for field in header_fields(block) {
        match field_name(field).as_str() {
            "subject" => match subject_tag {
                Some(tag) => {
                    let value =
                        &field[field.iter().position(|&b| b == b':').map_or(0, |i| i + 1)..];
                    let value = String::from_utf8_lossy(value);
                    out.extend_from_slice(
                        format!("Subject: {tag} {}", value.trim_start()).as_bytes(),
                    );
                }
                None => out.extend_from_slice(field),
            },
            "from" if *rewrite_from => {
                // The value after the colon; a field named `From` need not
                // have one (a fuzzed `From` with no colon and no line end
                // once sliced past its end here).
                let value = &field[field
                    .iter()
                    .position(|&b| b == b':')
                    .map_or(field.len(), |i| i + 1)..];
                author = Some(String::from_utf8_lossy(value).trim().to_string());
                let local = list_address.split('@').next().unwrap_or("list");
                out.extend_from_slice(
                    format!("From: \"{local} list\" <{list_address}>\r\n").as_bytes(),
                );
            }
            _ => out.extend_from_slice(field),
        }
    }
    if let Some(author) = author {
        out.extend_from_slice(format!("Reply-To: {author}\r\n").as_bytes());
    }
    let list_id = list_address.replace('@', ".");
    out.extend_from_slice(
        format!(
            "List-Id: <{list_id}>\r\nList-Unsubscribe: <mailto:{}>\r\nPrecedence: list\r\n",
            list_address.replacen('@', "-unsubscribe@", 1)
        )
        .as_bytes(),
    );
    out.extend_from_slice(rest);
    if let Some(footer) = footer {
        if !out.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(
            footer
                .replace("\r\n", "\n")
                .replace('\n', "\r\n")
                .as_bytes(),
        );
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srs_keeps_the_original_address_recoverable() {
        let srs = srs_address("bounce@example.com", "forwarder.test", 20_000);
        assert!(srs.starts_with("SRS0="), "{srs}");
        assert!(srs.ends_with("=example.com=bounce@forwarder.test"), "{srs}");
    }

    #[test]
    fn long_local_parts_stay_within_64_octets() {
        let ses = "010601a21efaf94b-298ec9e5-0835-6c8c-ec83-14aba4136460-000000@bounce.example.com";
        let srs = srs_address(ses, "alumni.test", 20_000);
        let local = srs.rsplit_once('@').unwrap().0;
        assert!(local.len() <= 64, "{srs}");
        assert!(local.starts_with("SRS0=") && local.contains("=bounce.example.com="));
    }

    #[test]
    fn list_tags_subject_adds_footer_and_rewrites_from() {
        let kind = HopKind::MailingList {
            list_address: "team@lists.example.org".into(),
            subject_tag: Some("[team]".into()),
            footer: Some("--\nunsubscribe: https://lists.example.org".into()),
            rewrite_from: true,
        };
        let raw = b"From: Shop <noreply@example.com>\r\nSubject: Hello\r\n\r\nbody\r\n";
        let out = String::from_utf8(rewrite(&kind, raw, "Received: x\r\n")).unwrap();
        assert!(out.starts_with("Received: x\r\n"));
        assert!(out.contains("Subject: [team] Hello\r\n"));
        assert!(out.contains("From: \"team list\" <team@lists.example.org>\r\n"));
        assert!(out.contains("Reply-To: Shop <noreply@example.com>\r\n"));
        assert!(out.ends_with("body\r\n--\r\nunsubscribe: https://lists.example.org\r\n"));
        assert_eq!(
            envelope_from(&kind, "lists.example.org", "x@y", 0),
            "team-bounces@lists.example.org"
        );
    }

    #[test]
    fn forwarder_keeps_the_message() {
        let kind = HopKind::Forwarder { srs: false };
        assert_eq!(
            rewrite(&kind, b"A: 1\r\n\r\nb\r\n", "R: 1\r\n"),
            b"R: 1\r\nA: 1\r\n\r\nb\r\n"
        );
        assert_eq!(envelope_from(&kind, "f.test", "a@b.test", 1), "a@b.test");
    }
}
