//! The DKIM-Signature header field (RFC 6376 §3.5), read from its tag-list
//! (§3.2) with every rule a verifier applies before it asks DNS for a key
//! (§6.1.1), plus `a=` as RFC 8301 and RFC 8463 leave it.
//!
//! Literal strings in the ABNF of §3.5 (`"rsa"`, `"sha256"`, `"simple"`,
//! `"dns/txt"`) match case-insensitively (RFC 5234 §2.3); tag names and
//! every other value are case-sensitive (§3.2).

use base64::{
    Engine, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};
use mail_auth::dkim::Canonicalization;

use super::tag_list::{TagList, TagListError, colon_list, is_fws, without_fws};

/// The signing algorithms a verifier accepts (`a=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// `rsa-sha256` (RFC 6376 §3.3.1).
    RsaSha256,
    /// `ed25519-sha256` (RFC 8463 §3).
    Ed25519Sha256,
}

impl Algorithm {
    /// The `a=` name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "rsa-sha256",
            Algorithm::Ed25519Sha256 => "ed25519-sha256",
        }
    }

    /// The key type (`k=` of the key record) the algorithm needs.
    pub fn key_type(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "rsa",
            Algorithm::Ed25519Sha256 => "ed25519",
        }
    }

    /// The hash (key record `h=`) the algorithm uses: SHA-256 for both.
    pub fn hash(self) -> &'static str {
        "sha256"
    }
}

/// A DKIM-Signature that satisfies every rule of RFC 6376 §3.5 and §6.1.1
/// that does not depend on the time ([`Signature::check_time`] does that).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// `a=`.
    pub algorithm: Algorithm,
    /// `b=`, decoded.
    pub signature: Vec<u8>,
    /// `bh=`, decoded.
    pub body_hash: Vec<u8>,
    /// `c=`, header part (default `simple`).
    pub header_canonicalization: Canonicalization,
    /// `c=`, body part (default `simple`).
    pub body_canonicalization: Canonicalization,
    /// `d=`, lowercase.
    pub domain: String,
    /// `s=` as written.
    pub selector: String,
    /// `h=`, the names as written, in order.
    pub signed_headers: Vec<String>,
    /// `i=` decoded from dkim-quoted-printable; `None` when absent (then
    /// the AUID is `@d`, §6.1.1).
    pub identity: Option<String>,
    /// The domain of the AUID, lowercase: `i=`'s, or `d=`.
    pub identity_domain: String,
    /// `l=`: octets of canonicalised body the signature covers.
    pub body_length: Option<u64>,
    /// `t=`.
    pub timestamp: Option<u64>,
    /// `x=`.
    pub expiration: Option<u64>,
}

/// Why a DKIM-Signature is not valid. Each message names the rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("{0}")]
    TagList(#[from] TagListError),
    #[error("signature missing required tag {} (RFC 6376 §3.5, §6.1.1)", tags.join(", "))]
    MissingTags { tags: Vec<String> },
    #[error("incompatible version: expected v=1, found v={found} (RFC 6376 §6.1.1)")]
    Version { found: String },
    #[error("a=rsa-sha1 is not valid: verifiers must not accept it (RFC 8301 §3.1)")]
    RsaSha1,
    #[error(
        "unsupported algorithm: expected a=rsa-sha256 or a=ed25519-sha256, found a={found} (RFC 6376 §3.5, RFC 8463)"
    )]
    Algorithm { found: String },
    #[error("{tag}= is not base64: {why} (RFC 6376 §2.4)")]
    Base64 { tag: &'static str, why: String },
    #[error(
        "unsupported canonicalization: expected c=simple or relaxed, optionally /simple or /relaxed, found c={found} (RFC 6376 §3.5)"
    )]
    Canonicalization { found: String },
    #[error("d={found} is not a domain name (RFC 6376 §3.5)")]
    Domain { found: String },
    #[error("s={found} is not a selector (RFC 6376 §3.1, §3.5)")]
    Selector { found: String },
    #[error("h={found} is not a colon-separated list of header field names (RFC 6376 §3.5)")]
    HeaderList { found: String },
    #[error("From field not signed: h= does not include From (RFC 6376 §5.4, §6.1.1)")]
    FromNotSigned,
    #[error("i={found} is not [local-part]@domain-name in dkim-quoted-printable (RFC 6376 §3.5)")]
    Identity { found: String },
    #[error(
        "domain mismatch: the domain of i={identity} is neither d={domain} nor a subdomain of it (RFC 6376 §6.1.1)"
    )]
    IdentityOutsideDomain { identity: String, domain: String },
    #[error("{tag}= must be 1 to {max} digits, found {tag}={found} (RFC 6376 §3.5)")]
    Number {
        tag: &'static str,
        max: usize,
        found: String,
    },
    #[error("q={found} lists no dns/txt query method (RFC 6376 §3.5)")]
    QueryMethod { found: String },
    #[error("x={expiration} is not after t={timestamp} (RFC 6376 §3.5)")]
    ExpiresBeforeSigned { timestamp: u64, expiration: u64 },
    // The distances are rounded (`about`), so that a verdict does not
    // change with the second it was reached in.
    #[error(
        "signature expired: x= lies {} in the past, beyond the {} s allowance for clock drift (RFC 6376 §3.5, §6.1.1)",
        about(now.saturating_sub(*expiration)), super::CLOCK_SKEW
    )]
    Expired { expiration: u64, now: u64 },
    #[error(
        "timestamp in the future: t= lies {} ahead, beyond the {} s allowance for clock drift (RFC 6376 §3.5)",
        about(timestamp.saturating_sub(*now)), super::CLOCK_SKEW
    )]
    FutureTimestamp { timestamp: u64, now: u64 },
}

/// A duration in words, rounded: minutes under two hours, hours under two
/// days, days beyond.
fn about(seconds: u64) -> String {
    const HOUR: u64 = 3600;
    const DAY: u64 = 24 * HOUR;
    if seconds < 2 * HOUR {
        format!("about {} min", (seconds + 30) / 60)
    } else if seconds < 2 * DAY {
        format!("about {} h", (seconds + HOUR / 2) / HOUR)
    } else {
        format!("about {} days", (seconds + DAY / 2) / DAY)
    }
}

/// The tags RFC 6376 §3.5 marks REQUIRED, in the order it lists them.
const REQUIRED: [&str; 7] = ["v", "a", "b", "bh", "d", "h", "s"];

impl Signature {
    /// Reads the value of a DKIM-Signature header field (everything after
    /// the colon).
    pub fn parse(value: &[u8]) -> Result<Signature, SignatureError> {
        Signature::from_tags(&TagList::parse(value))
    }

    /// Applies §3.5 and §6.1.1 to a tag-list; unknown tags are ignored
    /// (§3.2, §6.1.1).
    pub fn from_tags(tags: &TagList<'_>) -> Result<Signature, SignatureError> {
        if let Some(err) = &tags.error {
            return Err(err.clone().into());
        }
        let missing: Vec<String> = REQUIRED
            .iter()
            .filter(|name| !tags.has(name))
            .map(|name| format!("{name}="))
            .collect();
        if !missing.is_empty() {
            return Err(SignatureError::MissingTags { tags: missing });
        }
        // No duplicates are left (the tag-list would be invalid), so every
        // present tag has exactly one value.
        let get = |name: &str| tags.get(name).unwrap_or_default();

        if get("v") != b"1" {
            return Err(SignatureError::Version {
                found: text(get("v")),
            });
        }
        let algorithm = algorithm(get("a"))?;
        let signature = base64("b", get("b"))?;
        let body_hash = base64("bh", get("bh"))?;
        let (header_canonicalization, body_canonicalization) = match tags.get("c") {
            Some(c) => canonicalization(c)?,
            None => (Canonicalization::Simple, Canonicalization::Simple),
        };
        let domain = domain_name(get("d")).ok_or_else(|| SignatureError::Domain {
            found: text(get("d")),
        })?;
        let selector = selector(get("s")).ok_or_else(|| SignatureError::Selector {
            found: text(get("s")),
        })?;
        let signed_headers = header_names(get("h")).ok_or_else(|| SignatureError::HeaderList {
            found: text(get("h")),
        })?;
        // §5.4: "The From header field MUST be signed"; §6.1.1: a verifier
        // MUST ignore a signature whose h= lacks it.
        if !signed_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case("from"))
        {
            return Err(SignatureError::FromNotSigned);
        }
        let (identity, identity_domain) = match tags.get("i") {
            Some(i) => {
                let (auid, auid_domain) =
                    identity(i).ok_or_else(|| SignatureError::Identity { found: text(i) })?;
                if !is_same_or_subdomain(&auid_domain, &domain) {
                    return Err(SignatureError::IdentityOutsideDomain {
                        identity: auid,
                        domain,
                    });
                }
                (Some(auid), auid_domain)
            }
            None => (None, domain.clone()),
        };
        let body_length = tags.get("l").map(|l| number("l", l, 76)).transpose()?;
        if let Some(q) = tags.get("q") {
            query_methods(q)?;
        }
        let timestamp = tags.get("t").map(|t| number("t", t, 12)).transpose()?;
        let expiration = tags.get("x").map(|x| number("x", x, 12)).transpose()?;
        if let (Some(timestamp), Some(expiration)) = (timestamp, expiration)
            && expiration <= timestamp
        {
            return Err(SignatureError::ExpiresBeforeSigned {
                timestamp,
                expiration,
            });
        }
        Ok(Signature {
            algorithm,
            signature,
            body_hash,
            header_canonicalization,
            body_canonicalization,
            domain,
            selector,
            signed_headers,
            identity,
            identity_domain,
            body_length,
            timestamp,
            expiration,
        })
    }

    /// The rules that depend on the time `now` (seconds since the epoch),
    /// each with [`super::CLOCK_SKEW`] of allowance: `x=` in the past
    /// (§3.5: "Receivers MAY add a 'fudge factor' to allow for such
    /// possible drift"; §6.1.1: PERMFAIL (signature expired)) and `t=` in
    /// the future (§3.5: "Implementations MAY ignore signatures that have a
    /// timestamp in the future", which this verifier does).
    pub fn check_time(&self, now: u64) -> Result<(), SignatureError> {
        if let Some(expiration) = self.expiration
            && now > expiration.saturating_add(super::CLOCK_SKEW)
        {
            return Err(SignatureError::Expired { expiration, now });
        }
        if let Some(timestamp) = self.timestamp
            && timestamp > now.saturating_add(super::CLOCK_SKEW)
        {
            return Err(SignatureError::FutureTimestamp { timestamp, now });
        }
        Ok(())
    }

    /// The name of the key record: `<s>._domainkey.<d>` (§3.6.2.1).
    pub fn key_name(&self) -> String {
        format!("{}._domainkey.{}", self.selector, self.domain)
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn algorithm(a: &[u8]) -> Result<Algorithm, SignatureError> {
    if a.eq_ignore_ascii_case(b"rsa-sha256") {
        Ok(Algorithm::RsaSha256)
    } else if a.eq_ignore_ascii_case(b"ed25519-sha256") {
        Ok(Algorithm::Ed25519Sha256)
    } else if a.eq_ignore_ascii_case(b"rsa-sha1") {
        Err(SignatureError::RsaSha1)
    } else {
        Err(SignatureError::Algorithm { found: text(a) })
    }
}

/// RFC 6376 §2.4 `base64string`: FWS may separate the characters, the
/// padding is optional in the grammar, and an empty string is not one.
pub(crate) fn base64(tag: &'static str, value: &[u8]) -> Result<Vec<u8>, SignatureError> {
    let compact = without_fws(value);
    if compact.is_empty() {
        return Err(SignatureError::Base64 {
            tag,
            why: "empty".to_string(),
        });
    }
    decode_base64(&compact).map_err(|why| SignatureError::Base64 { tag, why })
}

/// Base64 without FWS, padding optional, trailing bits tolerated (the
/// grammar of §2.4 allows any ALPHADIGITPS sequence).
pub(crate) fn decode_base64(compact: &[u8]) -> Result<Vec<u8>, String> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    ENGINE.decode(compact).map_err(|e| e.to_string())
}

fn canonicalization(c: &[u8]) -> Result<(Canonicalization, Canonicalization), SignatureError> {
    let one = |word: &[u8]| {
        if word.eq_ignore_ascii_case(b"simple") {
            Some(Canonicalization::Simple)
        } else if word.eq_ignore_ascii_case(b"relaxed") {
            Some(Canonicalization::Relaxed)
        } else {
            None
        }
    };
    let mut parts = c.splitn(2, |&b| b == b'/');
    let header = parts.next().and_then(one);
    let body = match parts.next() {
        Some(word) => one(word),
        // "If only one algorithm is named, that algorithm is used for the
        // header and "simple" is used for the body" (§3.5).
        None => Some(Canonicalization::Simple),
    };
    match (header, body) {
        (Some(header), Some(body)) => Ok((header, body)),
        _ => Err(SignatureError::Canonicalization { found: text(c) }),
    }
}

/// `domain-name = sub-domain 1*("." sub-domain)` (§3.5, from RFC 5321
/// without address literals); A-labels only, so ASCII. Lowercased.
pub(crate) fn domain_name(d: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(d).ok()?;
    (name.split('.').count() >= 2 && dotted_sub_domains(name)).then(|| name.to_ascii_lowercase())
}

/// `selector = sub-domain *( "." sub-domain )` (§3.1).
fn selector(s: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(s).ok()?;
    dotted_sub_domains(name).then(|| name.to_string())
}

/// Labels that are each RFC 5321 `sub-domain = Let-dig [Ldh-str]`.
fn dotted_sub_domains(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            let bytes = label.as_bytes();
            !bytes.is_empty()
                && bytes.len() <= 63
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
                && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
                && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        })
}

/// `h=`: `hdr-name *( [FWS] ":" [FWS] hdr-name )`, each an RFC 5322
/// field-name (printable ASCII except ":").
fn header_names(h: &[u8]) -> Option<Vec<String>> {
    colon_list(h)?
        .into_iter()
        .map(|name| {
            name.iter()
                .all(|b| (33..=126).contains(b) && *b != b':')
                .then(|| text(name))
        })
        .collect()
}

/// `i=`: `[ Local-part ] "@" domain-name` in dkim-quoted-printable
/// (§2.11, FWS ignored). The decoded AUID and its domain, lowercase.
fn identity(i: &[u8]) -> Option<(String, String)> {
    let decoded = quoted_printable(&without_fws(i))?;
    let auid = String::from_utf8(decoded).ok()?;
    let (_, domain) = auid.rsplit_once('@')?;
    let domain = domain_name(domain.as_bytes())?;
    Some((auid, domain))
}

/// dkim-quoted-printable (§2.11): `=XX` is the octet XX.
fn quoted_printable(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'=' {
            let hex = tail.get(..2)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            rest = tail.get(2..)?;
        } else {
            out.push(first);
            rest = tail;
        }
    }
    Some(out)
}

/// Whether `sub` is `domain` or below it (both lowercase).
fn is_same_or_subdomain(sub: &str, domain: &str) -> bool {
    sub == domain
        || sub
            .strip_suffix(domain)
            .is_some_and(|head| head.ends_with('.'))
}

/// `1*max DIGIT`, saturating at `u64::MAX` (an `l=` that large exceeds
/// any body).
fn number(tag: &'static str, value: &[u8], max: usize) -> Result<u64, SignatureError> {
    if value.is_empty() || value.len() > max || !value.iter().all(u8::is_ascii_digit) {
        return Err(SignatureError::Number {
            tag,
            max,
            found: text(value),
        });
    }
    Ok(value.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

/// `q=`: colon-separated query methods; `dns/txt` must be among them
/// (§3.5: "the only valid value is dns/txt"; others are unknown to us).
fn query_methods(q: &[u8]) -> Result<(), SignatureError> {
    let supported = colon_list(q)
        .is_some_and(|methods| methods.iter().any(|m| m.eq_ignore_ascii_case(b"dns/txt")));
    if supported {
        Ok(())
    } else {
        Err(SignatureError::QueryMethod { found: text(q) })
    }
}

/// The first `n` characters of `b=` without FWS, as RFC 6008 lets an
/// Authentication-Results `header.b` shorten it.
pub(crate) fn header_b(b: &[u8], n: usize) -> String {
    b.iter()
        .copied()
        .filter(|&c| !is_fws(c))
        .take(n)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=Example.COM; s=sel;\r\n\
        \th=from : to :\r\n subject; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n\
        \tb=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGe\r\n eruD00lszZVoG4ZHRNiYzR";

    fn with(replace: &str, by: &str) -> String {
        assert!(GOOD.contains(replace), "{replace}");
        GOOD.replacen(replace, by, 1)
    }

    fn parse(value: &str) -> Result<Signature, SignatureError> {
        Signature::parse(value.as_bytes())
    }

    #[test]
    fn a_good_signature() {
        let sig = parse(GOOD).unwrap();
        assert_eq!(sig.algorithm, Algorithm::RsaSha256);
        assert_eq!(sig.domain, "example.com");
        assert_eq!(sig.selector, "sel");
        assert_eq!(sig.signed_headers, ["from", "to", "subject"]);
        assert_eq!(sig.header_canonicalization, Canonicalization::Relaxed);
        assert_eq!(sig.body_canonicalization, Canonicalization::Relaxed);
        assert_eq!(sig.body_hash.len(), 32);
        assert_eq!(sig.signature.len(), 48);
        assert_eq!(sig.identity, None);
        assert_eq!(sig.identity_domain, "example.com");
        assert_eq!(sig.key_name(), "sel._domainkey.example.com");
        assert_eq!(
            (sig.body_length, sig.timestamp, sig.expiration),
            (None, None, None)
        );
    }

    #[test]
    fn required_tags() {
        for tag in REQUIRED {
            let value: Vec<&str> = GOOD
                .split(';')
                .filter(|spec| spec.trim().split('=').next() != Some(tag))
                .collect();
            let err = parse(&value.join(";")).unwrap_err();
            assert_eq!(
                err,
                SignatureError::MissingTags {
                    tags: vec![format!("{tag}=")]
                },
                "{tag}"
            );
        }
        let err = parse("v=1; a=rsa-sha256").unwrap_err();
        assert_eq!(
            err.to_string(),
            "signature missing required tag b=, bh=, d=, h=, s= (RFC 6376 §3.5, §6.1.1)"
        );
    }

    #[test]
    fn unknown_tags_are_ignored_and_duplicates_are_not() {
        assert!(parse(&format!("{GOOD}; foo=bar; X_1=whatever")).is_ok());
        assert!(matches!(
            parse(&format!("{GOOD}; s=other")),
            Err(SignatureError::TagList(TagListError::Duplicate { .. }))
        ));
        // Tag names are case-sensitive: V= is an unknown tag.
        assert!(parse(&format!("{GOOD}; V=2")).is_ok());
    }

    #[test]
    fn version() {
        assert_eq!(
            parse(&with("v=1", "v=2")).unwrap_err().to_string(),
            "incompatible version: expected v=1, found v=2 (RFC 6376 §6.1.1)"
        );
        assert!(parse(&with("v=1", "v=01")).is_err());
    }

    #[test]
    fn algorithms() {
        assert_eq!(
            parse(&with("rsa-sha256", "ed25519-sha256"))
                .unwrap()
                .algorithm,
            Algorithm::Ed25519Sha256
        );
        assert_eq!(
            parse(&with("rsa-sha256", "RSA-SHA256")).unwrap().algorithm,
            Algorithm::RsaSha256
        );
        assert_eq!(
            parse(&with("rsa-sha256", "rsa-sha1")),
            Err(SignatureError::RsaSha1)
        );
        assert_eq!(
            parse(&with("rsa-sha256", "rsa-sha512")),
            Err(SignatureError::Algorithm {
                found: "rsa-sha512".into()
            })
        );
        assert!(parse(&with("rsa-sha256", "rsa - sha256")).is_err());
    }

    #[test]
    fn base64_values() {
        assert!(matches!(
            parse(&with("bh=2jUSOH9N", "bh=2j!SOH9N")),
            Err(SignatureError::Base64 { tag: "bh", .. })
        ));
        assert!(matches!(
            parse(&with(
                "b=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGe\r\n eruD00lszZVoG4ZHRNiYzR",
                "b="
            )),
            Err(SignatureError::Base64 { tag: "b", .. })
        ));
        // Padding may be left out (§2.4 makes it optional).
        assert!(parse(&with("Ozv8=;", "Ozv8;")).is_ok());
        assert_eq!(base64("b", b"QU\r\n JD").unwrap(), b"ABC");
    }

    #[test]
    fn canonicalizations() {
        let c = |v: &str| parse(&with("c=relaxed/relaxed", v));
        let pair = |s: Signature| (s.header_canonicalization, s.body_canonicalization);
        use Canonicalization::{Relaxed, Simple};
        assert_eq!(pair(c("c=relaxed").unwrap()), (Relaxed, Simple));
        assert_eq!(pair(c("c=simple/relaxed").unwrap()), (Simple, Relaxed));
        assert_eq!(pair(c("c=Relaxed/Simple").unwrap()), (Relaxed, Simple));
        let absent = parse(&with("c=relaxed/relaxed; ", "")).unwrap();
        assert_eq!(pair(absent), (Simple, Simple));
        for bad in ["c=relaxed/", "c=loose", "c=", "c=simple/relaxed/simple"] {
            assert!(
                matches!(c(bad), Err(SignatureError::Canonicalization { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn domains_and_selectors() {
        assert!(matches!(
            parse(&with("d=Example.COM", "d=example..com")),
            Err(SignatureError::Domain { .. })
        ));
        assert!(matches!(
            parse(&with("d=Example.COM", "d=com")),
            Err(SignatureError::Domain { .. })
        ));
        assert!(matches!(
            parse(&with("d=Example.COM", "d=-bad.example")),
            Err(SignatureError::Domain { .. })
        ));
        assert_eq!(
            parse(&with("s=sel", "s=2024.eu-west")).unwrap().selector,
            "2024.eu-west"
        );
        assert!(matches!(
            parse(&with("s=sel", "s=a_b")),
            Err(SignatureError::Selector { .. })
        ));
    }

    #[test]
    fn signed_headers_must_include_from() {
        assert_eq!(
            parse(&with("h=from : to :\r\n subject", "h=to:subject")),
            Err(SignatureError::FromNotSigned)
        );
        assert_eq!(
            parse(&with("h=from : to :\r\n subject", "h=FROM:from"))
                .unwrap()
                .signed_headers,
            ["FROM", "from"]
        );
        assert!(matches!(
            parse(&with("h=from : to :\r\n subject", "h=from::to")),
            Err(SignatureError::HeaderList { .. })
        ));
    }

    #[test]
    fn identities() {
        let i = |v: &str| parse(&format!("{GOOD}; i={v}"));
        let sig = i("joe=40home@Mail.Example.com").unwrap();
        assert_eq!(sig.identity.as_deref(), Some("joe@home@Mail.Example.com"));
        assert_eq!(sig.identity_domain, "mail.example.com");
        assert_eq!(i("@example.com").unwrap().identity_domain, "example.com");
        assert_eq!(
            i("joe@example.net").unwrap_err().to_string(),
            "domain mismatch: the domain of i=joe@example.net is neither d=example.com nor a subdomain of it (RFC 6376 §6.1.1)"
        );
        assert!(matches!(
            i("joe@badexample.com"),
            Err(SignatureError::IdentityOutsideDomain { .. })
        ));
        assert!(matches!(i("joe"), Err(SignatureError::Identity { .. })));
        assert!(matches!(
            i("joe=4@example.com"),
            Err(SignatureError::Identity { .. })
        ));
    }

    #[test]
    fn numbers() {
        let n = |v: &str| parse(&format!("{GOOD}; {v}"));
        assert_eq!(n("l=0").unwrap().body_length, Some(0));
        assert_eq!(n("l=1234").unwrap().body_length, Some(1234));
        assert_eq!(
            n(&format!("l={}", "9".repeat(76))).unwrap().body_length,
            Some(u64::MAX)
        );
        assert!(n(&format!("l={}", "9".repeat(77))).is_err());
        assert_eq!(
            n("l=12a").unwrap_err().to_string(),
            "l= must be 1 to 76 digits, found l=12a (RFC 6376 §3.5)"
        );
        assert!(n("t=-1").is_err());
        assert!(n("t=1234567890123").is_err());
        assert!(n("x=").is_err());
        let sig = n("t=100; x=200").unwrap();
        assert_eq!((sig.timestamp, sig.expiration), (Some(100), Some(200)));
        assert_eq!(
            n("t=200; x=200"),
            Err(SignatureError::ExpiresBeforeSigned {
                timestamp: 200,
                expiration: 200
            })
        );
    }

    #[test]
    fn query_method() {
        let q = |v: &str| parse(&format!("{GOOD}; q={v}"));
        assert!(q("dns/txt").is_ok());
        assert!(q("DNS/TXT").is_ok());
        assert!(q("http/well-known : dns/txt").is_ok());
        assert!(matches!(q("dns"), Err(SignatureError::QueryMethod { .. })));
        assert!(matches!(
            q("http/well-known"),
            Err(SignatureError::QueryMethod { .. })
        ));
    }

    #[test]
    fn times() {
        let sig = parse(&format!("{GOOD}; t=1000; x=2000")).unwrap();
        let skew = crate::dkim::CLOCK_SKEW;
        assert_eq!(sig.check_time(1500), Ok(()));
        assert_eq!(sig.check_time(2000 + skew), Ok(()));
        assert_eq!(
            sig.check_time(2001 + skew),
            Err(SignatureError::Expired {
                expiration: 2000,
                now: 2001 + skew
            })
        );
        assert_eq!(sig.check_time(1000 - skew), Ok(()));
        assert!(matches!(
            sig.check_time(999 - skew),
            Err(SignatureError::FutureTimestamp { .. })
        ));
        assert!(
            sig.check_time(5000)
                .unwrap_err()
                .to_string()
                .starts_with("signature expired: x= lies about 50 min in the past")
        );
        assert_eq!(about(7199), "about 120 min");
        assert_eq!(about(86_401), "about 24 h");
        assert_eq!(about(3 * 86_400 - 5), "about 3 days");
    }

    #[test]
    fn header_b_drops_folding() {
        assert_eq!(header_b(b"ab\r\n cd ef+/gh", 8), "abcdef+/");
        assert_eq!(header_b(b"abc", 8), "abc");
    }
}
