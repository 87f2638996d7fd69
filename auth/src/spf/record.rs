//! An SPF record parsed into terms (RFC 7208 §4.5, §4.6.1, §5, §6, §12):
//! every syntax error is found here, before any evaluation, as §4.6
//! requires.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
};

use super::macros::{Context, DomainSpecError, MacroError, MacroString};

/// A parsed SPF record: its directives in order and the two modifiers RFC
/// 7208 defines. Unknown modifiers are checked and dropped (§6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub directives: Vec<Directive>,
    pub redirect: Option<MacroString>,
    pub exp: Option<MacroString>,
}

/// `directive = [ qualifier ] mechanism`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub qualifier: Qualifier,
    pub mechanism: Mechanism,
}

/// `qualifier = "+" / "-" / "?" / "~"` (§4.6.2), `+` when absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qualifier {
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

/// The eight mechanisms of §5.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mechanism {
    All,
    Include(MacroString),
    A {
        domain: Option<MacroString>,
        cidr: DualCidr,
    },
    Mx {
        domain: Option<MacroString>,
        cidr: DualCidr,
    },
    Ptr(Option<MacroString>),
    Ip4 {
        network: Ipv4Addr,
        prefix: u8,
    },
    Ip6 {
        network: Ipv6Addr,
        prefix: u8,
    },
    Exists(MacroString),
}

/// `dual-cidr-length` (§5.6): the prefix lengths applied to A and AAAA
/// answers, 32 and 128 when absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DualCidr {
    pub v4: u8,
    pub v6: u8,
}

impl Default for DualCidr {
    fn default() -> Self {
        DualCidr { v4: 32, v6: 128 }
    }
}

/// Why a record is not valid SPF; each is a `permerror` (§4.6).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("expected a record starting with \"v=spf1\" and a space or the end, found {0:?}")]
    NotSpf(String),
    #[error(
        "expected only spaces and visible ASCII characters (RFC 7208 §3.1, §4.6.1), found {found} at byte {at}"
    )]
    BadCharacter { found: String, at: usize },
    #[error("in {term:?}: {error}")]
    Term { term: String, error: TermError },
    #[error("expected at most one {0}= modifier (RFC 7208 §6), found a second")]
    DuplicateModifier(&'static str),
}

/// What is wrong with one term.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TermError {
    #[error(
        "expected a mechanism (all, include, a, mx, ptr, ip4, ip6, exists) or a modifier (name=value), found {0:?}"
    )]
    UnknownMechanism(String),
    #[error(
        "expected a modifier name (a letter, then letters, digits, \"-\", \"_\" or \".\"), found {0:?}"
    )]
    BadModifierName(String),
    #[error("expected a mechanism after the qualifier, found a modifier")]
    QualifiedModifier,
    #[error("expected nothing after \"{mechanism}\", found {found:?}")]
    UnexpectedArgument {
        mechanism: &'static str,
        found: String,
    },
    #[error("expected \":\" and a domain-spec after \"{0}\", found nothing")]
    MissingDomain(&'static str),
    #[error("expected \":\" and an address after \"{0}\", found nothing")]
    MissingNetwork(&'static str),
    #[error("{0}")]
    DomainSpec(#[from] DomainSpecError),
    #[error("{0}")]
    Macro(#[from] MacroError),
    #[error("expected an IPv4 address in dotted-quad form without leading zeros, found {0:?}")]
    BadIp4(String),
    #[error("expected an IPv6 address (RFC 4291 §2.2), found {0:?}")]
    BadIp6(String),
    #[error("expected an IPv4 prefix length from 0 to 32 without leading zeros, found {0:?}")]
    BadIp4Cidr(String),
    #[error("expected an IPv6 prefix length from 0 to 128 without leading zeros, found {0:?}")]
    BadIp6Cidr(String),
    #[error("expected \"/<ip4-length>\", \"//<ip6-length>\" or both, found {0:?}")]
    BadDualCidr(String),
}

/// Whether a TXT record is an SPF record: `v=spf1` in any case (ABNF
/// strings are case-insensitive, RFC 5234 §2.3), then a space or the end
/// (§4.5).
pub fn is_spf_record(txt: &[u8]) -> bool {
    const VERSION: &[u8] = b"v=spf1";
    txt.len() >= VERSION.len()
        && txt[..VERSION.len()].eq_ignore_ascii_case(VERSION)
        && matches!(txt.get(VERSION.len()), None | Some(b' '))
}

impl Record {
    /// Parses a record selected by [`is_spf_record`], given as the bytes of
    /// its joined character-strings.
    pub fn parse(txt: &[u8]) -> Result<Record, RecordError> {
        if !is_spf_record(txt) {
            return Err(RecordError::NotSpf(
                String::from_utf8_lossy(&txt[..txt.len().min(40)]).into_owned(),
            ));
        }
        // §3.1 and the ABNF of §4.6.1 and §7.1: only SP separates terms, and
        // terms hold visible ASCII only.
        if let Some(at) = txt.iter().position(|b| *b != b' ' && !b.is_ascii_graphic()) {
            let found = describe_character(txt, at);
            return Err(RecordError::BadCharacter { found, at });
        }
        // Everything is ASCII now.
        let text = std::str::from_utf8(txt).map_err(|e| RecordError::BadCharacter {
            found: "invalid UTF-8".to_string(),
            at: e.valid_up_to(),
        })?;
        let mut record = Record {
            directives: Vec::new(),
            redirect: None,
            exp: None,
        };
        for term in text.split(' ').skip(1).filter(|t| !t.is_empty()) {
            let wrap = |error: TermError| RecordError::Term {
                term: term.to_string(),
                error,
            };
            match parse_term(term).map_err(wrap)? {
                Term::Directive(directive) => record.directives.push(directive),
                Term::Redirect(target) => {
                    if record.redirect.replace(target).is_some() {
                        return Err(RecordError::DuplicateModifier("redirect"));
                    }
                }
                Term::Exp(target) => {
                    if record.exp.replace(target).is_some() {
                        return Err(RecordError::DuplicateModifier("exp"));
                    }
                }
                Term::Unknown => {}
            }
        }
        Ok(record)
    }

    /// Whether an `all` mechanism is anywhere in the record, which makes
    /// `redirect=` ignored (§6.1).
    pub fn has_all(&self) -> bool {
        self.directives
            .iter()
            .any(|d| matches!(d.mechanism, Mechanism::All))
    }
}

/// The character at `at`, quoted, or the byte when it starts no UTF-8
/// character.
fn describe_character(txt: &[u8], at: usize) -> String {
    for len in 1..=4 {
        if let Some(slice) = txt.get(at..at + len)
            && let Ok(text) = std::str::from_utf8(slice)
            && let Some(c) = text.chars().next()
        {
            return format!("{c:?}");
        }
    }
    format!("byte 0x{:02x}", txt.get(at).copied().unwrap_or(0))
}

enum Term {
    Directive(Directive),
    Redirect(MacroString),
    Exp(MacroString),
    Unknown,
}

/// One term. A name followed by `=` is a modifier (§4.6.1: "Modifiers
/// always contain an equals ('=') character immediately after the name,
/// and before any ":" or "/" characters"); anything else is a mechanism.
fn parse_term(term: &str) -> Result<Term, TermError> {
    let qualifier = match term.as_bytes().first() {
        Some(b'+') => Some(Qualifier::Pass),
        Some(b'-') => Some(Qualifier::Fail),
        Some(b'~') => Some(Qualifier::SoftFail),
        Some(b'?') => Some(Qualifier::Neutral),
        _ => None,
    };
    let rest = if qualifier.is_some() {
        &term[1..]
    } else {
        term
    };
    let name_end = rest
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at(name_end);
    if let Some(value) = after.strip_prefix('=') {
        if qualifier.is_some() {
            return Err(TermError::QualifiedModifier);
        }
        return parse_modifier(name, value);
    }
    let mechanism = parse_mechanism(name, after)?;
    Ok(Term::Directive(Directive {
        qualifier: qualifier.unwrap_or(Qualifier::Pass),
        mechanism,
    }))
}

/// `name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )` (§4.6.1, §12).
fn parse_modifier(name: &str, value: &str) -> Result<Term, TermError> {
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(TermError::BadModifierName(name.to_string()));
    }
    if name.eq_ignore_ascii_case("redirect") {
        // §6.1: redirect = "redirect" "=" domain-spec. A known name is never
        // an unknown-modifier, so a bad domain-spec is a syntax error.
        Ok(Term::Redirect(MacroString::parse_domain_spec(value)?))
    } else if name.eq_ignore_ascii_case("exp") {
        // §6.2: explanation = "exp" "=" domain-spec. An empty one is a
        // syntax error too (the erratum to RFC 4408 §6.2 the suites follow).
        Ok(Term::Exp(MacroString::parse_domain_spec(value)?))
    } else {
        // §6: unknown-modifier = name "=" macro-string, checked and ignored.
        MacroString::parse(value, Context::Modifier)?;
        Ok(Term::Unknown)
    }
}

fn parse_mechanism(name: &str, after: &str) -> Result<Mechanism, TermError> {
    let unknown = || TermError::UnknownMechanism(name.to_string());
    // After the name comes nothing, ":" or "/"; the name scan stopped at
    // any other character, which makes the name no mechanism.
    if !(after.is_empty() || after.starts_with([':', '/'])) {
        return Err(unknown());
    }
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "all" => {
            no_argument("all", after)?;
            Ok(Mechanism::All)
        }
        "include" => Ok(Mechanism::Include(required_domain("include", after)?)),
        "exists" => Ok(Mechanism::Exists(required_domain("exists", after)?)),
        "ptr" => {
            if after.is_empty() {
                return Ok(Mechanism::Ptr(None));
            }
            match after.strip_prefix(':') {
                Some(spec) => Ok(Mechanism::Ptr(Some(MacroString::parse_domain_spec(spec)?))),
                None => Err(TermError::UnexpectedArgument {
                    mechanism: "ptr",
                    found: after.to_string(),
                }),
            }
        }
        "a" | "mx" => {
            let (domain, cidr) = match after.strip_prefix(':') {
                Some(arg) => {
                    let (spec, cidr) = split_dual_cidr(arg);
                    let spec = MacroString::parse_domain_spec(spec)?;
                    (Some(spec), parse_dual_cidr(cidr)?)
                }
                None => (None, parse_dual_cidr(after)?),
            };
            Ok(if lower == "a" {
                Mechanism::A { domain, cidr }
            } else {
                Mechanism::Mx { domain, cidr }
            })
        }
        "ip4" => {
            let arg = after
                .strip_prefix(':')
                .ok_or(TermError::MissingNetwork("ip4"))?;
            let (network, cidr) = arg
                .split_once('/')
                .map_or((arg, None), |(n, c)| (n, Some(c)));
            let network =
                parse_ip4(network).ok_or_else(|| TermError::BadIp4(network.to_string()))?;
            let prefix = match cidr {
                Some(c) => {
                    parse_prefix(c, 32).ok_or_else(|| TermError::BadIp4Cidr(c.to_string()))?
                }
                None => 32,
            };
            Ok(Mechanism::Ip4 { network, prefix })
        }
        "ip6" => {
            let arg = after
                .strip_prefix(':')
                .ok_or(TermError::MissingNetwork("ip6"))?;
            let (network, cidr) = arg
                .split_once('/')
                .map_or((arg, None), |(n, c)| (n, Some(c)));
            let network: Ipv6Addr = network
                .parse()
                .map_err(|_| TermError::BadIp6(network.to_string()))?;
            let prefix = match cidr {
                Some(c) => {
                    parse_prefix(c, 128).ok_or_else(|| TermError::BadIp6Cidr(c.to_string()))?
                }
                None => 128,
            };
            Ok(Mechanism::Ip6 { network, prefix })
        }
        _ => Err(unknown()),
    }
}

fn no_argument(mechanism: &'static str, after: &str) -> Result<(), TermError> {
    if after.is_empty() {
        Ok(())
    } else {
        Err(TermError::UnexpectedArgument {
            mechanism,
            found: after.to_string(),
        })
    }
}

/// `":" domain-spec`, required (include, exists).
fn required_domain(mechanism: &'static str, after: &str) -> Result<MacroString, TermError> {
    match after.strip_prefix(':') {
        Some(spec) => Ok(MacroString::parse_domain_spec(spec)?),
        None if after.is_empty() => Err(TermError::MissingDomain(mechanism)),
        None => Err(TermError::UnexpectedArgument {
            mechanism,
            found: after.to_string(),
        }),
    }
}

/// Splits `domain-spec [ dual-cidr-length ]` at the start of a trailing
/// `/digits`, `//digits` or `/digits//digits`. A domain-spec never ends in
/// `/digits` (its `domain-end` is a toplabel or a macro), so the split is
/// unambiguous.
fn split_dual_cidr(arg: &str) -> (&str, &str) {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut end = arg.len();
    if let Some(pos) = arg.rfind("//")
        && digits(&arg[pos + 2..])
    {
        end = pos;
    }
    if let Some(pos) = arg[..end].rfind('/')
        && digits(&arg[pos + 1..end])
        // Not the second slash of "//" (then the ip4 length is empty).
        && !arg[..pos].ends_with('/')
    {
        end = pos;
    }
    arg.split_at(end)
}

/// `dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]` (§5.6).
fn parse_dual_cidr(text: &str) -> Result<DualCidr, TermError> {
    let mut cidr = DualCidr::default();
    if text.is_empty() {
        return Ok(cidr);
    }
    let bad = || TermError::BadDualCidr(text.to_string());
    let (v4, v6) = if let Some(v6) = text.strip_prefix("//") {
        (None, Some(v6))
    } else if let Some(rest) = text.strip_prefix('/') {
        match rest.split_once("//") {
            Some((v4, v6)) => (Some(v4), Some(v6)),
            None => (Some(rest), None),
        }
    } else {
        return Err(bad());
    };
    if let Some(v4) = v4 {
        cidr.v4 = parse_prefix(v4, 32).ok_or_else(|| TermError::BadIp4Cidr(v4.to_string()))?;
    }
    if let Some(v6) = v6 {
        cidr.v6 = parse_prefix(v6, 128).ok_or_else(|| TermError::BadIp6Cidr(v6.to_string()))?;
    }
    Ok(cidr)
}

/// `ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT)`, `ip6-cidr-length = "/"
/// ("0" / %x31-39 0*2DIGIT)`, values up to `max` (§5.6): no leading zeros.
fn parse_prefix(text: &str, max: u8) -> Option<u8> {
    let bytes = text.as_bytes();
    let well_formed = !bytes.is_empty()
        && bytes.len() <= 3
        && bytes.iter().all(u8::is_ascii_digit)
        && (bytes[0] != b'0' || bytes.len() == 1);
    if !well_formed {
        return None;
    }
    text.parse::<u8>().ok().filter(|v| *v <= max)
}

/// `ip4-network = qnum "." qnum "." qnum "." qnum` with `qnum` a decimal
/// from 0 to 255 without leading zeros (§5.6); no parts may be omitted.
fn parse_ip4(text: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        let bytes = part.as_bytes();
        let well_formed = !bytes.is_empty()
            && bytes.len() <= 3
            && bytes.iter().all(u8::is_ascii_digit)
            && (bytes[0] != b'0' || bytes.len() == 1);
        if !well_formed {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(Ipv4Addr::from(octets))
}

impl Qualifier {
    pub fn result(self) -> crate::SpfResult {
        match self {
            Qualifier::Pass => crate::SpfResult::Pass,
            Qualifier::Fail => crate::SpfResult::Fail,
            Qualifier::SoftFail => crate::SpfResult::SoftFail,
            Qualifier::Neutral => crate::SpfResult::Neutral,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Qualifier::Pass => "",
            Qualifier::Fail => "-",
            Qualifier::SoftFail => "~",
            Qualifier::Neutral => "?",
        }
    }
}

impl Mechanism {
    /// Whether evaluating it queries DNS, and so counts toward the limit
    /// of 10 (§4.6.4).
    pub fn queries_dns(&self) -> bool {
        !matches!(
            self,
            Mechanism::All | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. }
        )
    }
}

/// Whether `ip` is in `network/prefix`; addresses of different families
/// never match (§5.6).
pub fn in_network(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(prefix.min(32)))
                .unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(prefix.min(128)))
                .unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// The directive as it reads in a record.
impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.qualifier.prefix())?;
        write!(f, "{}", self.mechanism)
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cidr = |f: &mut fmt::Formatter<'_>, cidr: &DualCidr| {
            if cidr.v4 != 32 {
                write!(f, "/{}", cidr.v4)?;
            }
            if cidr.v6 != 128 {
                write!(f, "//{}", cidr.v6)?;
            }
            Ok(())
        };
        match self {
            Mechanism::All => f.write_str("all"),
            Mechanism::Include(spec) => write!(f, "include:{spec}"),
            Mechanism::Exists(spec) => write!(f, "exists:{spec}"),
            Mechanism::Ptr(None) => f.write_str("ptr"),
            Mechanism::Ptr(Some(spec)) => write!(f, "ptr:{spec}"),
            Mechanism::A { domain, cidr: c } | Mechanism::Mx { domain, cidr: c } => {
                f.write_str(if matches!(self, Mechanism::A { .. }) {
                    "a"
                } else {
                    "mx"
                })?;
                if let Some(spec) = domain {
                    write!(f, ":{spec}")?;
                }
                cidr(f, c)
            }
            Mechanism::Ip4 { network, prefix } => {
                write!(f, "ip4:{network}")?;
                if *prefix != 32 {
                    write!(f, "/{prefix}")?;
                }
                Ok(())
            }
            Mechanism::Ip6 { network, prefix } => {
                write!(f, "ip6:{network}")?;
                if *prefix != 128 {
                    write!(f, "/{prefix}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Record, RecordError> {
        Record::parse(text.as_bytes())
    }

    fn error(text: &str) -> String {
        match parse(text) {
            Ok(record) => panic!("{text}: parsed as {record:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn terms(text: &str) -> Vec<String> {
        parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .directives
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn selection() {
        assert!(is_spf_record(b"v=spf1"));
        assert!(is_spf_record(b"v=spf1 -all"));
        assert!(is_spf_record(b"V=SpF1 -all"));
        assert!(!is_spf_record(b"v=spf10"));
        assert!(!is_spf_record(b"v=spf1-all"));
        assert!(!is_spf_record(b" v=spf1 -all"));
        assert!(!is_spf_record(b"v=spf"));
        assert!(!is_spf_record(b""));
        assert!(!is_spf_record(b"\x96"));
    }

    #[test]
    fn valid_records() {
        assert_eq!(terms("v=spf1"), Vec::<String>::new());
        assert_eq!(terms("v=spf1 a  -all "), ["a", "-all"]);
        assert_eq!(
            terms("v=spf1 +a ?mx:example.com/24//64 ~ptr -exists:%{i}.x.example.com ALL"),
            [
                "a",
                "?mx:example.com/24//64",
                "~ptr",
                "-exists:%{i}.x.example.com",
                "all"
            ]
        );
        assert_eq!(
            terms(
                "v=spf1 a//0 a/0 mx:foo:bar/baz.example.com ptr:example.Com include:_spf.example.com."
            ),
            [
                "a//0",
                "a/0",
                "mx:foo:bar/baz.example.com",
                "ptr:example.Com",
                "include:_spf.example.com."
            ]
        );
        assert_eq!(
            terms(
                "v=spf1 ip4:192.0.2.0/24 ip4:1.1.1.1/0 ip6:2001:DB8::/32 ip6:::1.1.1.1/0 ip6:Cafe:Babe:8000::/33 ip4:1.2.3.4/32"
            ),
            [
                "ip4:192.0.2.0/24",
                "ip4:1.1.1.1/0",
                "ip6:2001:db8::/32",
                "ip6:::101:101/0",
                "ip6:cafe:babe:8000::/33",
                "ip4:1.2.3.4"
            ]
        );
        let record = parse(
            "v=spf1 moo.cow-far_out=man:dog/cat default=+ Redirect=_spf.%{d2} exp=explain.example.com a:%{H}",
        )
        .unwrap();
        assert_eq!(record.redirect.unwrap().to_string(), "_spf.%{d2}");
        assert_eq!(record.exp.unwrap().to_string(), "explain.example.com");
        assert_eq!(record.directives.len(), 1);
        assert!(
            parse("v=spf1 redirect=x.example.com -all")
                .unwrap()
                .has_all()
        );
    }

    #[test]
    fn character_errors() {
        assert_eq!(
            error("v=spf1 a:ctrl.example.com\rptr -all"),
            "expected only spaces and visible ASCII characters (RFC 7208 §3.1, §4.6.1), found '\\r' at byte 25"
        );
        assert_eq!(
            error("v=spf1 a:\u{feff}garbage.example.net -all"),
            "expected only spaces and visible ASCII characters (RFC 7208 §3.1, §4.6.1), found '\\u{feff}' at byte 9"
        );
        assert_eq!(
            Record::parse(b"v=spf1 \x80a:example.net")
                .unwrap_err()
                .to_string(),
            "expected only spaces and visible ASCII characters (RFC 7208 §3.1, §4.6.1), found byte 0x80 at byte 7"
        );
        assert!(error("v=spf1 a:foo.example.com\0").contains("'\\0' at byte 24"));
        assert!(error("v=spf1 ip4:192.0.2.5\n include:x.example.com").contains("'\\n'"));
        assert!(error("v=spf1 -all\t").contains("'\\t'"));
        // A tab right after the version makes it no SPF record (§4.5).
        assert!(error("v=spf1\t-all").starts_with("expected a record starting with"));
        assert_eq!(
            error("v=spf10 -all"),
            "expected a record starting with \"v=spf1\" and a space or the end, found \"v=spf10 -all\""
        );
    }

    #[test]
    fn term_errors() {
        let cases = [
            (
                "v=spf1 ip4:1.2.3.4 -all moo",
                r#"in "moo": expected a mechanism (all, include, a, mx, ptr, ip4, ip6, exists) or a modifier (name=value), found "moo""#,
            ),
            (
                "v=spf1 moo.cow/far_out=man:dog/cat",
                r#"in "moo.cow/far_out=man:dog/cat": expected a mechanism (all, include, a, mx, ptr, ip4, ip6, exists) or a modifier (name=value), found "moo.cow""#,
            ),
            (
                "v=spf1 redirect:t2.example.com",
                r#"in "redirect:t2.example.com": expected a mechanism (all, include, a, mx, ptr, ip4, ip6, exists) or a modifier (name=value), found "redirect""#,
            ),
            (
                "v=spf1 -all.",
                r#"in "-all.": expected a mechanism (all, include, a, mx, ptr, ip4, ip6, exists) or a modifier (name=value), found "all.""#,
            ),
            (
                "v=spf1 a!",
                r#"in "a!": expected a mechanism (all, include, a, mx, ptr, ip4, ip6, exists) or a modifier (name=value), found "a""#,
            ),
            (
                "v=spf1 1up=foo",
                r#"in "1up=foo": expected a modifier name (a letter, then letters, digits, "-", "_" or "."), found "1up""#,
            ),
            (
                "v=spf1 =all",
                r#"in "=all": expected a modifier name (a letter, then letters, digits, "-", "_" or "."), found """#,
            ),
            (
                "v=spf1 -foo=bar",
                r#"in "-foo=bar": expected a mechanism after the qualifier, found a modifier"#,
            ),
            (
                "v=spf1 -all:foobar",
                r#"in "-all:foobar": expected nothing after "all", found ":foobar""#,
            ),
            (
                "v=spf1 -all/8",
                r#"in "-all/8": expected nothing after "all", found "/8""#,
            ),
            (
                "v=spf1 include",
                r#"in "include": expected ":" and a domain-spec after "include", found nothing"#,
            ),
            (
                "v=spf1 exists",
                r#"in "exists": expected ":" and a domain-spec after "exists", found nothing"#,
            ),
            (
                "v=spf1 include/24",
                r#"in "include/24": expected nothing after "include", found "/24""#,
            ),
            (
                "v=spf1 include:",
                r#"in "include:": expected a domain-spec, found nothing"#,
            ),
            (
                "v=spf1 ptr/0",
                r#"in "ptr/0": expected nothing after "ptr", found "/0""#,
            ),
            (
                "v=spf1 ptr:",
                r#"in "ptr:": expected a domain-spec, found nothing"#,
            ),
            (
                "v=spf1 a:",
                r#"in "a:": expected a domain-spec, found nothing"#,
            ),
            (
                "v=spf1 exists:mail.example.com/24",
                r#"in "exists:mail.example.com/24": expected a top label of letters, digits and inner hyphens, not all digits, found "com/24" in "mail.example.com/24""#,
            ),
            (
                "v=spf1 a:foo-bar",
                r#"in "a:foo-bar": expected a domain-spec ending in "." and a top label, or in a macro, found "foo-bar""#,
            ),
            (
                "v=spf1 a:example.com:8080",
                r#"in "a:example.com:8080": expected a top label of letters, digits and inner hyphens, not all digits, found "com:8080" in "example.com:8080""#,
            ),
            (
                "v=spf1 a:111.222.33.44",
                r#"in "a:111.222.33.44": expected a top label of letters, digits and inner hyphens, not all digits, found "44" in "111.222.33.44""#,
            ),
            (
                "v=spf1 a/33",
                r#"in "a/33": expected an IPv4 prefix length from 0 to 32 without leading zeros, found "33""#,
            ),
            (
                "v=spf1 a//129",
                r#"in "a//129": expected an IPv6 prefix length from 0 to 128 without leading zeros, found "129""#,
            ),
            (
                "v=spf1 a/24/64",
                r#"in "a/24/64": expected an IPv4 prefix length from 0 to 32 without leading zeros, found "24/64""#,
            ),
            (
                "v=spf1 mx:example.com/24/64",
                r#"in "mx:example.com/24/64": expected a top label of letters, digits and inner hyphens, not all digits, found "com/24" in "example.com/24""#,
            ),
            (
                "v=spf1 a:example.com///64",
                r#"in "a:example.com///64": expected a top label of letters, digits and inner hyphens, not all digits, found "com/" in "example.com/""#,
            ),
            (
                "v=spf1 ip4",
                r#"in "ip4": expected ":" and an address after "ip4", found nothing"#,
            ),
            (
                "v=spf1 -all ip6",
                r#"in "ip6": expected ":" and an address after "ip6", found nothing"#,
            ),
            (
                "v=spf1 ip4:1.2.3.4/33",
                r#"in "ip4:1.2.3.4/33": expected an IPv4 prefix length from 0 to 32 without leading zeros, found "33""#,
            ),
            (
                "v=spf1 ip4:1.2.3.4/032",
                r#"in "ip4:1.2.3.4/032": expected an IPv4 prefix length from 0 to 32 without leading zeros, found "032""#,
            ),
            (
                "v=spf1 ip4:1.2.3.4//32",
                r#"in "ip4:1.2.3.4//32": expected an IPv4 prefix length from 0 to 32 without leading zeros, found "/32""#,
            ),
            (
                "v=spf1 ip4:1.2.3.4:8080",
                r#"in "ip4:1.2.3.4:8080": expected an IPv4 address in dotted-quad form without leading zeros, found "1.2.3.4:8080""#,
            ),
            (
                "v=spf1 ip4:1.2.3",
                r#"in "ip4:1.2.3": expected an IPv4 address in dotted-quad form without leading zeros, found "1.2.3""#,
            ),
            (
                "v=spf1 ip4:01.2.3.4",
                r#"in "ip4:01.2.3.4": expected an IPv4 address in dotted-quad form without leading zeros, found "01.2.3.4""#,
            ),
            (
                "v=spf1 ip4:1.2.3.256",
                r#"in "ip4:1.2.3.256": expected an IPv4 address in dotted-quad form without leading zeros, found "1.2.3.256""#,
            ),
            (
                "v=spf1 ip6:::1.1.1.1/129",
                r#"in "ip6:::1.1.1.1/129": expected an IPv6 prefix length from 0 to 128 without leading zeros, found "129""#,
            ),
            (
                "v=spf1 ip6:::1.1.1.1//33",
                r#"in "ip6:::1.1.1.1//33": expected an IPv6 prefix length from 0 to 128 without leading zeros, found "/33""#,
            ),
            (
                "v=spf1 ip6::CAFE::BABE",
                r#"in "ip6::CAFE::BABE": expected an IPv6 address (RFC 4291 §2.2), found ":CAFE::BABE""#,
            ),
            (
                "v=spf1 redirect=-all ?all",
                r#"in "redirect=-all": expected a domain-spec ending in "." and a top label, or in a macro, found "-all""#,
            ),
            (
                "v=spf1 ?all redirect=",
                r#"in "redirect=": expected a domain-spec, found nothing"#,
            ),
            (
                "v=spf1 exp=-all",
                r#"in "exp=-all": expected a domain-spec ending in "." and a top label, or in a macro, found "-all""#,
            ),
            (
                "v=spf1 exp= -all",
                r#"in "exp=": expected a domain-spec, found nothing"#,
            ),
            (
                "v=spf1 -all foo=%abc",
                r#"in "foo=%abc": expected "{", "%", "_" or "-" after "%", found 'a'"#,
            ),
            (
                "v=spf1 -all exp=%{r}.example.com",
                r#"in "exp=%{r}.example.com": expected the macro letter 'r' only in explanation text (exp=), found it here"#,
            ),
            (
                "v=spf1 a:%{a}.example.com -all",
                r#"in "a:%{a}.example.com": expected a macro letter (s, l, o, d, i, p, h, v, c, r, t) after "%{", found 'a'"#,
            ),
            (
                "v=spf1 exists:foo%.sbl.example.com",
                r#"in "exists:foo%.sbl.example.com": expected "{", "%", "_" or "-" after "%", found '.'"#,
            ),
            (
                "v=spf1 exp=a.example.com -all exp=b.example.com",
                "expected at most one exp= modifier (RFC 7208 §6), found a second",
            ),
            (
                "v=spf1 redirect=a.example.com -all REDIRECT=a.example.com",
                "expected at most one redirect= modifier (RFC 7208 §6), found a second",
            ),
        ];
        for (record, expected) in cases {
            assert_eq!(error(record), expected, "{record}");
        }
    }

    #[test]
    fn dual_cidr_split() {
        assert_eq!(
            split_dual_cidr("example.com/24//64"),
            ("example.com", "/24//64")
        );
        assert_eq!(split_dual_cidr("example.com//64"), ("example.com", "//64"));
        assert_eq!(split_dual_cidr("example.com/24"), ("example.com", "/24"));
        assert_eq!(
            split_dual_cidr("foo:bar/baz.example.com"),
            ("foo:bar/baz.example.com", "")
        );
        assert_eq!(split_dual_cidr("%{d}/0"), ("%{d}", "/0"));
        assert_eq!(split_dual_cidr("x.com///64"), ("x.com/", "//64"));
    }

    #[test]
    fn networks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_network(ip("192.0.2.3"), ip("192.0.2.0"), 24));
        assert!(!in_network(ip("192.0.3.3"), ip("192.0.2.0"), 24));
        assert!(in_network(ip("1.2.3.4"), ip("1.1.1.1"), 0));
        assert!(!in_network(ip("1.2.3.4"), ip("::"), 0));
        assert!(in_network(
            ip("cafe:babe:8000::"),
            ip("cafe:babe:8000::"),
            33
        ));
        assert!(!in_network(ip("cafe:babe::"), ip("cafe:babe:8000::"), 33));
        assert!(in_network(ip("2001:db8::1"), ip("::"), 0));
        assert!(in_network(ip("2001:db8::1"), ip("2001:db8::1"), 128));
    }
}
