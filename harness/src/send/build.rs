use lettre::{
    Message,
    message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType},
};

use crate::scenario::{AttachmentData, MessageSpec};

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("invalid address {address:?}: {reason}")]
    Address { address: String, reason: String },
    #[error("cannot build the message: {0}")]
    Message(String),
}

fn mailbox(address: &str) -> Result<Mailbox, BuildError> {
    address
        .parse()
        .map_err(|e: lettre::address::AddressError| BuildError::Address {
            address: address.to_string(),
            reason: e.to_string(),
        })
}

/// The RFC 5322 bytes of the scenario's message. Extra headers come first,
/// in the order the scenario gives them. A raw message is sent as its file
/// holds it, except that a file without a single CRLF (LF line endings,
/// as editors on Unix save it) gets CRLF line endings ([`crlf_if_lf_only`]).
pub fn build_message(spec: &MessageSpec) -> Result<Vec<u8>, BuildError> {
    if let Some(raw) = &spec.raw {
        return Ok(crlf_if_lf_only(raw));
    }
    let mut builder = Message::builder()
        .from(mailbox(&spec.from)?)
        .subject(spec.subject.clone());
    for to in &spec.to {
        builder = builder.to(mailbox(to)?);
    }
    for cc in &spec.cc {
        builder = builder.cc(mailbox(cc)?);
    }
    let text = spec.text.clone().unwrap_or_default();
    let text_part = || {
        SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(text.clone())
    };
    let message = if spec.attachments.is_empty() {
        match &spec.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                text.clone(),
                html.clone(),
            )),
            None => builder.singlepart(text_part()),
        }
    } else {
        let mut mixed = match &spec.html {
            Some(html) => MultiPart::mixed().multipart(MultiPart::alternative_plain_html(
                text.clone(),
                html.clone(),
            )),
            None => MultiPart::mixed().singlepart(text_part()),
        };
        for a in &spec.attachments {
            let bytes = match &a.data {
                AttachmentData::Generated(size) => generated(&a.name, *size),
                AttachmentData::File(path) => std::fs::read(path).map_err(|e| {
                    BuildError::Message(format!("cannot read {}: {e}", path.display()))
                })?,
            };
            let content_type = ContentType::parse(&a.content_type).map_err(|e| {
                BuildError::Message(format!("content type {:?}: {e}", a.content_type))
            })?;
            mixed = mixed.singlepart(Attachment::new(a.name.clone()).body(bytes, content_type));
        }
        builder.multipart(mixed)
    }
    .map_err(|e| BuildError::Message(e.to_string()))?;
    let mut out = Vec::new();
    for (name, value) in &spec.headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(&message.formatted());
    Ok(out)
}

/// `raw` with every LF turned into CRLF when it holds no CRLF at all;
/// otherwise `raw` as it is. SMTP ends lines with CRLF only: sent as they
/// are, the lines of an LF file would start no line for the dot-stuffing
/// of the client (a line `.x` would arrive as `x` at a lenient receiver)
/// and be refused by a strict one. A file that uses CRLF is taken to mean
/// every byte, bare LFs included (that is how a scenario smuggles).
pub(crate) fn crlf_if_lf_only(raw: &[u8]) -> Vec<u8> {
    if raw.windows(2).any(|w| w == b"\r\n") || !raw.contains(&b'\n') {
        return raw.to_vec();
    }
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 32);
    for &b in raw {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// `size` deterministic pseudo-random bytes (xorshift seeded by `name`), so
/// a large attachment costs no file and is the same in every run.
fn generated(name: &str, size: u64) -> Vec<u8> {
    let mut state = name.bytes().fold(0x9e37_79b9_7f4a_7c15_u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    }) | 1;
    let mut out = Vec::with_capacity(size as usize);
    while (out.len() as u64) < size {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(size as usize);
    out
}

/// The envelope recipients of the message: To and Cc, each once.
pub fn envelope_recipients(spec: &MessageSpec) -> Result<Vec<String>, BuildError> {
    let mut out: Vec<String> = Vec::new();
    for address in spec.to.iter().chain(&spec.cc) {
        let email = mailbox(address)?.email.to_string();
        if !out.contains(&email) {
            out.push(email);
        }
    }
    Ok(out)
}

/// The bare address of the header From.
pub(crate) fn sender_address(spec: &MessageSpec) -> Result<String, BuildError> {
    Ok(mailbox(&spec.from)?.email.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> MessageSpec {
        MessageSpec {
            from: "Example <noreply@example.com>".into(),
            raw: None,
            attachments: vec![],
            to: vec![
                "user@receiver.test".into(),
                "User <user@receiver.test>".into(),
            ],
            cc: vec![],
            subject: "ご注文の確認".into(),
            text: Some("hello\r\n.leading dot\r\n".into()),
            html: None,
            headers: vec![("X-Campaign".into(), "welcome".into())],
        }
    }

    #[test]
    fn message_has_extra_headers_first_and_encoded_subject() {
        let bytes = build_message(&spec()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("X-Campaign: welcome\r\n"));
        assert!(text.contains("Subject: =?utf-8?"));
        assert!(text.contains("From: Example <noreply@example.com>"));
    }

    #[test]
    fn attachments_make_a_mixed_message() {
        let mut spec = spec();
        spec.attachments.push(crate::scenario::AttachmentSpec {
            name: "data.bin".into(),
            content_type: "application/octet-stream".into(),
            data: AttachmentData::Generated(3000),
        });
        let text = String::from_utf8(build_message(&spec).unwrap()).unwrap();
        assert!(text.contains("multipart/mixed"));
        assert!(text.contains("filename=\"data.bin\""));
        assert_eq!(generated("x", 10), generated("x", 10));
        assert_ne!(generated("x", 10), generated("y", 10));
    }

    #[test]
    fn lf_files_get_crlf_and_crlf_files_stay() {
        assert_eq!(crlf_if_lf_only(b"a\n.b\n\n"), b"a\r\n.b\r\n\r\n");
        assert_eq!(crlf_if_lf_only(b"a\r\nb\nc\r\n"), b"a\r\nb\nc\r\n");
        assert_eq!(crlf_if_lf_only(b"no line end"), b"no line end");
        // A bare CR stays what it is either way.
        assert_eq!(crlf_if_lf_only(b"a\rb\n"), b"a\rb\r\n");
    }

    #[test]
    fn recipients_are_unique() {
        assert_eq!(
            envelope_recipients(&spec()).unwrap(),
            vec!["user@receiver.test"]
        );
    }
}
