//! DKIM signers: a direct sender's `dkim = [...]` and a managed relay's
//! (`[sender.postfix] dkim`), with the tags a direct signer may set.

use toml::Spanned;

use super::{
    super::{
        names::{DOMAIN, SELECTOR, is_field_name},
        raw::{KeyName, PublishName, RawBodyLength, RawSigner},
    },
    context::{Context, span_of},
};
use crate::keys::{BodyLength, KeyAlgorithm, Publish, Signer, SignerTags};

/// How far `t=` and `x=` may lie from the send time: a year either way is
/// room enough for any test and keeps the arithmetic far from overflow.
const YEAR: i64 = 366 * 24 * 3600;

impl Context<'_> {
    /// `tags`: whether the signers may set their own tags (a direct sender
    /// writes its signatures; OpenDKIM writes the managed relay's).
    pub(super) fn signers(&mut self, raw: Vec<RawSigner>, tags: bool) -> Vec<Signer> {
        raw.into_iter().map(|s| self.signer(s, tags)).collect()
    }

    fn signer(&mut self, signer: RawSigner, tags: bool) -> Signer {
        if !tags {
            let keys = [
                ("h", span_of(&signer.h)),
                ("c", span_of(&signer.c)),
                ("l", span_of(&signer.l)),
                ("t", span_of(&signer.t)),
                ("x", span_of(&signer.x)),
            ];
            self.refuse_keys(
                &keys,
                "applies only to via = \"direct\" signers; OpenDKIM writes the managed relay's tags",
            );
        }
        let signer_tags = self.signer_tags(&signer);
        self.valid_name(&DOMAIN, &signer.domain);
        self.valid_name(&SELECTOR, &signer.selector);
        let domain = signer.domain.into_inner();
        Signer {
            domain: if tags {
                domain
            } else {
                domain.to_ascii_lowercase()
            },
            tags: signer_tags,
            selector: signer.selector.into_inner(),
            algorithm: algorithm(signer.key.unwrap_or(KeyName::Rsa2048)),
            publish: publish(signer.publish.unwrap_or(PublishName::Key)),
        }
    }

    /// The tags a direct signer sets, each checked where it is written.
    fn signer_tags(&mut self, signer: &RawSigner) -> SignerTags {
        let mut out = SignerTags::default();
        if let Some(h) = &signer.h {
            self.signed_fields(h);
            out.headers = Some(h.get_ref().clone());
        }
        out.relaxed = signer.c.as_ref().and_then(|c| self.canonicalization(c));
        out.body_length = signer.l.as_ref().and_then(|l| self.body_length(l));
        out.timestamp_offset = signer.t.as_ref().and_then(|t| self.offset("t", t));
        out.expires_after = signer.x.as_ref().and_then(|x| self.offset("x", x));
        out
    }

    /// `h=`: a non-empty list of header field names (`;` separates them in
    /// the signature).
    fn signed_fields(&mut self, h: &Spanned<Vec<String>>) {
        let bad = h
            .get_ref()
            .iter()
            .find(|name| !is_field_name(name) || name.contains(';'));
        if h.get_ref().is_empty() || bad.is_some() {
            self.error(
                h.span(),
                format!(
                    "expected a list of header field names (RFC 5322 field names: visible characters but ':' and ';'), found {:?}",
                    bad.map_or("an empty list", |b| b.as_str())
                ),
            );
        }
    }

    /// `c=`: whether the header and the body are canonicalized relaxed.
    fn canonicalization(&mut self, c: &Spanned<String>) -> Option<(bool, bool)> {
        let word = |w: &str| match w {
            "relaxed" => Some(true),
            "simple" => Some(false),
            _ => None,
        };
        let parsed = match c.get_ref().split_once('/') {
            Some((h, b)) => word(h).zip(word(b)),
            // RFC 6376 §3.5: a lone algorithm names the header one; the
            // body's is simple.
            None => word(c.get_ref()).map(|h| (h, false)),
        };
        if parsed.is_none() {
            self.error(
                c.span(),
                format!(
                    "expected \"relaxed/relaxed\", \"relaxed/simple\", \"simple/relaxed\" or \"simple/simple\", found {:?}",
                    c.get_ref()
                ),
            );
        }
        parsed
    }

    /// `l=`: `true` for the body as sent, a number of octets, or `false`
    /// for none.
    fn body_length(&mut self, l: &Spanned<RawBodyLength>) -> Option<BodyLength> {
        match l.get_ref() {
            RawBodyLength::AsSent(true) => Some(BodyLength::AsSent),
            RawBodyLength::AsSent(false) => None,
            RawBodyLength::Octets(n) if *n >= 0 => Some(BodyLength::Octets(*n as u64)),
            RawBodyLength::Octets(n) => {
                self.error(
                    l.span(),
                    format!("expected true or a number of octets (0 or more), found {n}"),
                );
                None
            }
        }
    }

    /// `t=` or `x=` (`key`): seconds from the send time, within a year.
    fn offset(&mut self, key: &str, value: &Spanned<i64>) -> Option<i64> {
        if value.get_ref().abs() > YEAR {
            self.error(
                value.span(),
                format!(
                    "expected {key} as seconds from the send time, within a year ({YEAR}) either way, found {}",
                    value.get_ref()
                ),
            );
            return None;
        }
        Some(*value.get_ref())
    }
}

fn algorithm(key: KeyName) -> KeyAlgorithm {
    match key {
        KeyName::Rsa512 => KeyAlgorithm::Rsa(512),
        KeyName::Rsa1024 => KeyAlgorithm::Rsa(1024),
        KeyName::Rsa2048 => KeyAlgorithm::Rsa(2048),
        KeyName::Ed25519 => KeyAlgorithm::Ed25519,
    }
}

fn publish(publish: PublishName) -> Publish {
    match publish {
        PublishName::Key => Publish::Key,
        PublishName::Revoked => Publish::Revoked,
        PublishName::None => Publish::Nothing,
    }
}
