use base64::Engine;
use lettre::{
    Message,
    message::{
        Attachment, Body, Mailbox, MultiPart, SinglePart,
        header::{ContentTransferEncoding, ContentType},
    },
};

use super::Outgoing;
use super::{AttachmentData, MessageSpec};

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

/// The RFC 5322 bytes of the scenario's message, whole: see
/// [`prepare_message`].
pub fn build_message(spec: &MessageSpec) -> Result<Vec<u8>, BuildError> {
    prepare_message(spec).map(|m| m.to_bytes())
}

/// The scenario's message, with its generated attachments left to be
/// produced while it is sent ([`Outgoing::chunks`]). Extra headers come
/// first, in the order the scenario gives them. A raw message is sent as
/// its file holds it, except that a file without a single CRLF (LF line
/// endings, as editors on Unix save it) gets CRLF line endings
/// ([`crlf_if_lf_only`]).
pub fn prepare_message(spec: &MessageSpec) -> Result<Outgoing, BuildError> {
    if let Some(raw) = &spec.raw {
        return Ok(Outgoing::from_bytes(crlf_if_lf_only(raw)));
    }
    // Each generated body is built with a short stand-in, found again in
    // the formatted message by its base64 and replaced there by the real
    // lines when the message is sent.
    let mut generated = Vec::new();
    let mut builder = Message::builder()
        .from(mailbox(&spec.from)?)
        .subject(spec.subject.clone());
    // Several authors: RFC 5322 §3.6.2 wants a Sender, the first of them.
    for other in &spec.other_from {
        builder = builder.from(mailbox(other)?);
    }
    if !spec.other_from.is_empty() {
        builder = builder.sender(mailbox(&spec.from)?);
    }
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
            let content_type = ContentType::parse(&a.content_type).map_err(|e| {
                BuildError::Message(format!("content type {:?}: {e}", a.content_type))
            })?;
            let attachment = Attachment::new(a.name.clone());
            mixed = mixed.singlepart(match &a.data {
                AttachmentData::Generated(size) => {
                    let stand_in = format!("\0mailharness generated body {}\0", generated.len());
                    let encoded = base64::engine::general_purpose::STANDARD.encode(&stand_in);
                    generated.push((encoded, a.name.clone(), *size));
                    let body = Body::new_with_encoding(
                        stand_in.into_bytes(),
                        ContentTransferEncoding::Base64,
                    )
                    .map_err(|_| BuildError::Message("cannot encode an attachment".into()))?;
                    attachment.body(body, content_type)
                }
                AttachmentData::File(path) => {
                    let bytes = std::fs::read(path).map_err(|e| {
                        BuildError::Message(format!("cannot read {}: {e}", path.display()))
                    })?;
                    attachment.body(bytes, content_type)
                }
            });
        }
        builder.multipart(mixed)
    }
    .map_err(|e| BuildError::Message(e.to_string()))?;
    let mut skeleton = Vec::new();
    for (name, value) in &spec.headers {
        skeleton.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    skeleton.extend_from_slice(&message.formatted());
    let mut out = Outgoing::new();
    let mut rest = &skeleton[..];
    for (encoded, seed, size) in &generated {
        let at = rest
            .windows(encoded.len())
            .position(|w| w == encoded.as_bytes())
            .ok_or_else(|| BuildError::Message("a generated attachment went missing".into()))?;
        out.push_bytes(&rest[..at]);
        out.push_generated(seed, *size);
        rest = &rest[at + encoded.len()..];
    }
    out.push_bytes(rest);
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
            other_from: Vec::new(),
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
    fn several_authors_bring_a_sender_field() {
        let mut spec = spec();
        spec.other_from = vec!["Partner <news@partner.test>".into()];
        let text = String::from_utf8(build_message(&spec).unwrap()).unwrap();
        assert!(
            text.contains("From: Example <noreply@example.com>, Partner <news@partner.test>\r\n"),
            "{text}"
        );
        // RFC 5322 §3.6.2: with several authors, Sender names one of them.
        assert!(
            text.contains("Sender: Example <noreply@example.com>\r\n"),
            "{text}"
        );
    }

    #[test]
    fn attachments_make_a_mixed_message() {
        let mut spec = spec();
        spec.attachments.push(crate::send::AttachmentSpec {
            name: "data.bin".into(),
            content_type: "application/octet-stream".into(),
            data: AttachmentData::Generated(3000),
        });
        let text = String::from_utf8(build_message(&spec).unwrap()).unwrap();
        assert!(text.contains("multipart/mixed"));
        assert!(text.contains("filename=\"data.bin\""));
    }

    /// The message built with its generated body left for later is the
    /// one lettre builds with the body in place, byte for byte.
    #[test]
    fn generated_bodies_are_filled_in_as_lettre_would_write_them() {
        let mut spec = spec();
        for (name, size) in [("a.bin", 3000u64), ("b.pdf", 10), ("c.bin", 100_000)] {
            spec.attachments.push(crate::send::AttachmentSpec {
                name: name.into(),
                content_type: "application/octet-stream".into(),
                data: AttachmentData::Generated(size),
            });
        }
        let prepared = prepare_message(&spec).unwrap();
        // The same message with the bytes in place, through lettre.
        let generator_bytes = |name: &str, size: u64| {
            let mut out = Vec::new();
            super::super::outgoing::Generator::new(name, size).fill(&mut out, usize::MAX);
            out
        };
        let text = spec.text.clone().unwrap();
        let mut mixed = MultiPart::mixed().singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(text),
        );
        for a in &spec.attachments {
            let AttachmentData::Generated(size) = a.data else {
                unreachable!()
            };
            let body = Body::new_with_encoding(
                generator_bytes(&a.name, size),
                ContentTransferEncoding::Base64,
            )
            .unwrap();
            mixed = mixed.singlepart(
                Attachment::new(a.name.clone())
                    .body(body, ContentType::parse(&a.content_type).unwrap()),
            );
        }
        let mut builder = Message::builder()
            .from(mailbox(&spec.from).unwrap())
            .subject(spec.subject.clone());
        for to in &spec.to {
            builder = builder.to(mailbox(to).unwrap());
        }
        let whole = builder.multipart(mixed).unwrap().formatted();
        let bytes = prepared.to_bytes();
        let headers = b"X-Campaign: welcome\r\n";
        assert!(bytes.starts_with(headers));
        // Boundaries, Date and Message-ID differ per build: compare the
        // base64 bodies, which are all that was left out.
        let bodies = |m: &[u8]| -> Vec<String> {
            String::from_utf8_lossy(m)
                .split("Content-Transfer-Encoding: base64\r\n\r\n")
                .skip(1)
                .map(|part| part.split("\r\n--").next().unwrap().to_string())
                .collect()
        };
        assert_eq!(bodies(&bytes).len(), 3);
        assert_eq!(bodies(&bytes), bodies(&whole));
        assert_eq!(prepared.len(), bytes.len() as u64);
    }

    /// A 37 MB attachment (about 50 MB on the wire) costs the sender its
    /// headers and MIME structure only, until it is sent.
    #[test]
    fn a_generated_attachment_is_not_held_in_memory() {
        let mut spec = spec();
        spec.attachments.push(crate::send::AttachmentSpec {
            name: "big.bin".into(),
            content_type: "application/octet-stream".into(),
            data: AttachmentData::Generated(37_000_000),
        });
        let message = prepare_message(&spec).unwrap();
        assert!(message.len() > 49_000_000, "{}", message.len());
        assert!(message.held() < 4096, "{} bytes held", message.held());
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
