//! `[message]`: the message to send, built from its parts or read from a
//! raw file, with sizes the relay takes.

use toml::Spanned;

use super::{
    super::{
        names::{ADDRESS, FIELD_NAME, FROM_ADDRESS},
        raw::{RawAttachment, RawMessage},
        size,
    },
    context::{Context, span_of},
};
use crate::send::{AttachmentData, AttachmentSpec, MessageSpec};

impl Context<'_> {
    pub(super) fn message(&mut self, mut raw: RawMessage) -> Option<MessageSpec> {
        let mark = self.mark();
        let raw_bytes = match &raw.raw {
            Some(file) => Some(self.raw_file(&raw, file)?),
            None => None,
        };
        let (from, other_from) = self.from(&raw, raw_bytes.as_deref())?;
        if raw_bytes.is_none()
            && raw.subject.is_none()
            && !self.pruned.iter().any(|k| k == "subject")
        {
            let start = raw.to.span().start;
            self.error(start..start, "missing key \"subject\" in [message]");
        }
        self.recipients(&raw);
        for h in &raw.headers {
            self.valid_name(&FIELD_NAME, &h.name);
        }
        let text = [&raw.text, &raw.html]
            .iter()
            .map(|t| t.as_ref().map_or(0, |t| t.len() as u64))
            .sum();
        let attachments = self.attachments(std::mem::take(&mut raw.attachments), text);
        self.clean_since(mark).then(|| MessageSpec {
            other_from,
            from,
            raw: raw_bytes,
            attachments,
            to: raw.to.into_inner(),
            cc: raw.cc,
            subject: raw.subject.map(|s| s.into_inner()).unwrap_or_default(),
            text: raw.text,
            html: raw.html,
            headers: raw
                .headers
                .into_iter()
                .map(|h| (h.name.into_inner(), h.value))
                .collect(),
        })
    }

    /// `raw = "file.eml"`: the message as it is, the other keys refused;
    /// `None` when it cannot be sent.
    fn raw_file(&mut self, raw: &RawMessage, file: &Spanned<String>) -> Option<Vec<u8>> {
        let exclusive = [
            ("from", span_of(&raw.from)),
            ("subject", span_of(&raw.subject)),
        ];
        self.refuse_keys(
            &exclusive,
            "comes from the raw message; remove it or remove raw",
        );
        if !raw.cc.is_empty()
            || raw.text.is_some()
            || raw.html.is_some()
            || !raw.headers.is_empty()
            || !raw.attachments.is_empty()
        {
            self.error(
                file.span(),
                "raw sends the file as it is: cc, text, html, headers and attachments do not apply",
            );
        }
        let path = self.folder().join(file.get_ref());
        if let Some(message) = std::fs::metadata(&path)
            .ok()
            .and_then(|m| size::raw_error(m.len()))
        {
            self.error(file.span(), message);
            return None;
        }
        let read =
            std::fs::read(&path).map_err(|e| format!("cannot read \"{}\": {e}", path.display()));
        self.checked(file.span(), read)
    }

    /// The first From address, and the others; `None` when there is none.
    fn from(&mut self, raw: &RawMessage, bytes: Option<&[u8]>) -> Option<(String, Vec<String>)> {
        match (&raw.from, bytes) {
            (_, Some(bytes)) => self.raw_from(raw, bytes),
            (Some(from), None) => {
                for address in &from.get_ref().0 {
                    self.check_name(&FROM_ADDRESS, from.span(), address);
                }
                // An empty list is refused where it is read.
                Some(split_first(from.get_ref().0.clone()).unwrap_or_default())
            }
            (None, None) => {
                let start = raw.to.span().start;
                self.error(start..start, "missing key \"from\" in [message]");
                None
            }
        }
    }

    /// The From addresses of a raw message.
    fn raw_from(&mut self, raw: &RawMessage, bytes: &[u8]) -> Option<(String, Vec<String>)> {
        let addresses = mail_auth::AuthenticatedMessage::parse(bytes)
            .map(|m| m.from)
            .unwrap_or_default();
        if addresses.is_empty()
            && let Some(file) = &raw.raw
        {
            self.error(file.span(), "the raw message has no From address");
        }
        split_first(addresses)
    }

    fn recipients(&mut self, raw: &RawMessage) {
        if raw.to.get_ref().is_empty() {
            self.error(raw.to.span(), "expected at least one recipient");
        }
        for address in raw.to.get_ref().iter().chain(&raw.cc) {
            self.check_name(&ADDRESS, raw.to.span(), address);
        }
    }

    /// The attachments, each generated (`size`) or read (`path`), that
    /// fit the relay with the `text` bytes of the text and HTML parts.
    fn attachments(&mut self, raw: Vec<RawAttachment>, text: u64) -> Vec<AttachmentSpec> {
        let mut attachments = Vec::new();
        let mut sizes = Vec::new();
        for a in raw {
            let Some((data, size)) = self.attachment_data(&a) else {
                continue;
            };
            sizes.push(size);
            attachments.push(AttachmentSpec {
                name: a.name.into_inner(),
                content_type: a
                    .content_type
                    .unwrap_or_else(|| "application/octet-stream".into()),
                data,
            });
        }
        for (span, message) in size::attachment_errors(text, &sizes) {
            self.error(span, message);
        }
        attachments
    }

    /// An attachment's bytes, and its size where the file gives it.
    fn attachment_data(&mut self, a: &RawAttachment) -> Option<(AttachmentData, size::Attachment)> {
        match (&a.size, &a.path) {
            (Some(size), None) => Some((
                AttachmentData::Generated(*size.get_ref()),
                size::Attachment {
                    size: *size.get_ref(),
                    span: size.span(),
                },
            )),
            (None, Some(path)) => {
                let file = self.folder().join(path.get_ref());
                if !file.is_file() {
                    self.error(path.span(), format!("no such file \"{}\"", file.display()));
                }
                let size = size::Attachment {
                    size: std::fs::metadata(&file).map_or(0, |m| m.len()),
                    span: path.span(),
                };
                Some((AttachmentData::File(file), size))
            }
            _ => {
                self.error(
                    a.name.span(),
                    "an attachment needs exactly one of size (generated bytes) or path (a file)",
                );
                None
            }
        }
    }
}

/// The first of `list` and the rest; `None` when it is empty.
fn split_first(mut list: Vec<String>) -> Option<(String, Vec<String>)> {
    if list.is_empty() {
        return None;
    }
    let first = list.remove(0);
    Some((first, list))
}
