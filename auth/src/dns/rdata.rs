//! What both DNS clients share: names as they go on the wire and come
//! back, and the record data of each type the [`Lookup`](super::Lookup)
//! trait answers with.

use std::net::{Ipv4Addr, Ipv6Addr};

use mail_auth::hickory_resolver::proto::rr::{Name, RData};

use super::{DnsError, Mx};

/// The wire name of `name`: ASCII names label by label as written (any
/// byte a DNS label may hold), others through IDNA to A-labels.
pub(super) fn to_name(name: &str) -> Result<Name, DnsError> {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    let invalid = |why: &str| DnsError::InvalidName(format!("{name:?}: {why}"));
    if trimmed.is_empty() {
        return Err(invalid("empty name"));
    }
    if trimmed.len() > 253 {
        return Err(invalid("longer than 253 characters"));
    }
    let labels: Vec<&str> = trimmed.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Err(invalid("empty label"));
    }
    if labels.iter().any(|l| l.len() > 63) {
        return Err(invalid("label longer than 63 bytes"));
    }
    let result = if trimmed.is_ascii() {
        Name::from_labels(labels.iter().map(|l| l.as_bytes()))
    } else {
        Name::from_labels(labels.iter().copied())
    };
    result.map_err(|e| invalid(&e.to_string()))
}

/// The labels of `name` as they are on the wire, joined with dots: the
/// form [`to_name`] reads back. (`Name::to_ascii` escapes characters such
/// as `:` and `/`, which a DNS label may hold and SPF names do use.)
pub(super) fn without_dot(name: &Name) -> String {
    joined(name.iter())
}

/// Labels joined with dots, each read as UTF-8 (lossily): a name as
/// [`without_dot`] writes it, from labels read off the wire.
pub(super) fn joined<'a>(labels: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut out = String::new();
    for label in labels {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&String::from_utf8_lossy(label));
    }
    out
}

/// A TXT record's character-strings joined.
pub(super) fn txt(data: RData) -> Option<Vec<u8>> {
    match data {
        RData::TXT(txt) => Some(
            txt.txt_data
                .iter()
                .flat_map(|s| s.iter().copied())
                .collect(),
        ),
        _ => None,
    }
}

pub(super) fn a(data: RData) -> Option<Ipv4Addr> {
    match data {
        RData::A(a) => Some(a.0),
        _ => None,
    }
}

pub(super) fn aaaa(data: RData) -> Option<Ipv6Addr> {
    match data {
        RData::AAAA(a) => Some(a.0),
        _ => None,
    }
}

pub(super) fn mx(data: RData) -> Option<Mx> {
    match data {
        RData::MX(mx) => Some(Mx {
            preference: mx.preference,
            exchange: without_dot(&mx.exchange),
        }),
        _ => None,
    }
}

pub(super) fn ptr(data: RData) -> Option<String> {
    match data {
        RData::PTR(ptr) => Some(without_dot(&ptr.0)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_cannot_be_queried() {
        assert!(matches!(to_name(""), Err(DnsError::InvalidName(_))));
        assert!(matches!(
            to_name("a..example.com"),
            Err(DnsError::InvalidName(_))
        ));
        assert!(matches!(
            to_name(&format!("{}.example.com", "a".repeat(64))),
            Err(DnsError::InvalidName(_))
        ));
        assert!(to_name(&format!("{}.example.com.", "a".repeat(63))).is_ok());
        assert!(to_name("_dmarc.example.com").is_ok());
        assert!(to_name("bücher.example").is_ok());
    }

    #[test]
    fn answer_names_keep_their_labels() {
        let name = Name::from_labels([&b"foo:bar/baz"[..], b"example", b"com"]).unwrap();
        assert_eq!(without_dot(&name), "foo:bar/baz.example.com");
        assert_eq!(to_name(&without_dot(&name)).unwrap(), name);
        assert_eq!(without_dot(&Name::root()), "");
    }
}
