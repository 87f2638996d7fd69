use lettre::{
    Message,
    message::{Mailbox, MultiPart, SinglePart, header::ContentType},
};

use crate::scenario::MessageSpec;

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
/// in the order the scenario gives them.
pub fn build_message(spec: &MessageSpec) -> Result<Vec<u8>, BuildError> {
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
    let message = match &spec.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(text, html.clone())),
        None => builder.singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(text),
        ),
    }
    .map_err(|e| BuildError::Message(e.to_string()))?;
    let mut out = Vec::new();
    for (name, value) in &spec.headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(&message.formatted());
    Ok(out)
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
    fn recipients_are_unique() {
        assert_eq!(
            envelope_recipients(&spec()).unwrap(),
            vec!["user@receiver.test"]
        );
    }
}
