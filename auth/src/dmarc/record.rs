//! The DMARC record: its syntax (RFC 7489 §6.3–§6.4, RFC 9989 §4.7–§4.8),
//! parsed once into a [`Record`], and how a receiver under each
//! specification reads it ([`Record::read`]).
//!
//! Parsing keeps every tag as written and marks what does not fit the
//! grammar; reading applies one specification's rules: which tags exist,
//! their defaults, and whether the record can be applied at all
//! (RFC 7489 §6.6.3 step 6, RFC 9989 §4.10.1: an invalid `p`, `sp` or `np`
//! turns the record into `p=none` when `rua` holds a valid URI, and into
//! no DMARC processing otherwise).

use std::collections::HashSet;

use crate::{DmarcSpec, Policy};

/// One tag of a record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Tag<T> {
    /// Not in the record.
    #[default]
    Absent,
    Valid(T),
    /// In the record but not of the tag's syntax, or given twice: the
    /// value as written (RFC 9989 §4.8: such values are discarded in
    /// favour of the default).
    Invalid(String),
}

impl<T> Tag<T> {
    /// The value, when present and valid.
    pub fn valid(&self) -> Option<&T> {
        match self {
            Tag::Valid(value) => Some(value),
            _ => None,
        }
    }

    pub fn is_present(&self) -> bool {
        !matches!(self, Tag::Absent)
    }
}

/// One URI of `rua` or `ruf` (RFC 7489 §6.2, RFC 9989 §4.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportAddress {
    /// The URI without its size limit.
    pub uri: String,
    /// The `!size` suffix (`10m`), when given: RFC 7489 §6.2; obsolete
    /// syntax in RFC 9989 §4.8, to be ignored.
    pub size_limit: Option<String>,
}

/// The URIs of a `rua` or `ruf` tag, valid and not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UriList {
    pub valid: Vec<ReportAddress>,
    /// Entries that are not URIs, as written.
    pub invalid: Vec<String>,
}

/// A DMARC record as published: every tag either specification defines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The record's text.
    pub text: String,
    pub p: Tag<Policy>,
    pub sp: Tag<Policy>,
    /// RFC 9989 only.
    pub np: Tag<Policy>,
    /// `r` or `s`.
    pub adkim: Tag<char>,
    pub aspf: Tag<char>,
    /// The `fo` options, normalised (`0:d`).
    pub fo: Tag<String>,
    /// RFC 7489 only.
    pub pct: Tag<u8>,
    /// RFC 7489 only.
    pub rf: Tag<String>,
    /// RFC 7489 only.
    pub ri: Tag<u32>,
    /// `t=y` (RFC 9989 only).
    pub t: Tag<bool>,
    /// `y`, `n` or `u` (RFC 9989 only).
    pub psd: Tag<char>,
    /// `None` when absent.
    pub rua: Option<UriList>,
    pub ruf: Option<UriList>,
    /// Names of tags neither specification defines, lowercase.
    pub unknown: Vec<String>,
    /// Whether `p` is the tag right after `v`, where RFC 7489 §6.4's ABNF
    /// puts it.
    pub p_second: bool,
    /// What does not fit the grammar, in words.
    pub problems: Vec<String>,
}

/// Why a text is not a DMARC record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// RFC 7489 §6.6.3 step 2, RFC 9989 §4.7 `v`: the record must start
    /// with `v=DMARC1` (the value case-sensitive), else it is ignored.
    #[error("expected a record starting with \"v=DMARC1\", found {found:?}")]
    NotDmarc { found: String },
}

/// The tags both specifications define, and those only one does.
const KNOWN_TAGS: [&str; 14] = [
    "v", "p", "sp", "np", "adkim", "aspf", "fo", "pct", "rf", "ri", "t", "psd", "rua", "ruf",
];

impl Record {
    /// Parses a TXT record's text. Only a missing or wrong `v=DMARC1` at the
    /// start is an error; everything else is kept as a [`Tag`] with its
    /// validity, because RFC 7489 §6.3 and RFC 9989 §4.8 discard syntax
    /// errors in favour of defaults instead of rejecting the record.
    pub fn parse(text: &str) -> Result<Record, RecordError> {
        let rest = after_version(text).ok_or_else(|| RecordError::NotDmarc {
            found: shortened(text),
        })?;
        let mut record = Record {
            text: text.to_string(),
            p: Tag::Absent,
            sp: Tag::Absent,
            np: Tag::Absent,
            adkim: Tag::Absent,
            aspf: Tag::Absent,
            fo: Tag::Absent,
            pct: Tag::Absent,
            rf: Tag::Absent,
            ri: Tag::Absent,
            t: Tag::Absent,
            psd: Tag::Absent,
            rua: None,
            ruf: None,
            unknown: Vec::new(),
            p_second: false,
            problems: Vec::new(),
        };
        let mut seen = HashSet::new();
        let mut first = true;
        for segment in rest.split(';') {
            let segment = trim_wsp(segment);
            if segment.is_empty() {
                continue;
            }
            let Some((name, value)) = segment.split_once('=') else {
                record
                    .problems
                    .push(format!("expected tag=value, found {segment:?}: ignored"));
                continue;
            };
            let name = trim_wsp(name);
            let value = trim_wsp(value);
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphabetic()) {
                record.problems.push(format!(
                    "expected a tag name of letters, found {name:?}: ignored"
                ));
                continue;
            }
            let name = name.to_ascii_lowercase();
            if first {
                record.p_second = name == "p";
                first = false;
            }
            if !KNOWN_TAGS.contains(&name.as_str()) {
                record.unknown.push(name);
                continue;
            }
            if !seen.insert(name.clone()) {
                record.problems.push(format!(
                    "tag {name} given more than once: its values are discarded"
                ));
                record.discard(&name, value);
                continue;
            }
            record.set(&name, value);
        }
        Ok(record)
    }

    fn set(&mut self, name: &str, value: &str) {
        match name {
            "p" => self.p = tag(value, policy),
            "sp" => self.sp = tag(value, policy),
            "np" => self.np = tag(value, policy),
            "adkim" => self.adkim = tag(value, rors),
            "aspf" => self.aspf = tag(value, rors),
            "fo" => self.fo = tag(value, fo),
            "pct" => self.pct = tag(value, pct),
            "rf" => self.rf = tag(value, rf),
            "ri" => self.ri = tag(value, |v| digits(v).then(|| v.parse().ok()).flatten()),
            "t" => self.t = tag(value, yorn),
            "psd" => self.psd = tag(value, psd),
            "rua" => self.rua = Some(uri_list(value)),
            "ruf" => self.ruf = Some(uri_list(value)),
            // "v" again: `after_version` took the first one.
            _ => self
                .problems
                .push(format!("tag {name} given more than once: ignored")),
        }
    }

    /// A tag given twice: neither value is trusted.
    fn discard(&mut self, name: &str, value: &str) {
        fn invalid<T>(value: &str) -> Tag<T> {
            Tag::Invalid(value.to_string())
        }
        match name {
            "p" => self.p = invalid(value),
            "sp" => self.sp = invalid(value),
            "np" => self.np = invalid(value),
            "adkim" => self.adkim = invalid(value),
            "aspf" => self.aspf = invalid(value),
            "fo" => self.fo = invalid(value),
            "pct" => self.pct = invalid(value),
            "rf" => self.rf = invalid(value),
            "ri" => self.ri = invalid(value),
            "t" => self.t = invalid(value),
            "psd" => self.psd = invalid(value),
            "rua" => {
                self.rua = Some(UriList {
                    valid: Vec::new(),
                    invalid: vec![value.to_string()],
                })
            }
            "ruf" => {
                self.ruf = Some(UriList {
                    valid: Vec::new(),
                    invalid: vec![value.to_string()],
                })
            }
            _ => {}
        }
    }

    /// The record as a receiver following `spec` reads it.
    pub(crate) fn read(&self, spec: DmarcSpec) -> Reading {
        let mut notes: Vec<String> = self
            .problems
            .iter()
            .map(|p| format!("{p} ({})", syntax_rule(spec)))
            .collect();
        let rfc9989 = spec == DmarcSpec::Rfc9989;
        for name in &self.unknown {
            notes.push(format!(
                "unknown tag {name}= ignored ({})",
                unknown_rule(spec)
            ));
        }
        if rfc9989 {
            for (name, present) in [
                ("pct", self.pct.is_present()),
                ("rf", self.rf.is_present()),
                ("ri", self.ri.is_present()),
            ] {
                if present {
                    notes.push(format!(
                        "{name}= was removed by RFC 9989 (Appendix C.5.2): ignored"
                    ));
                }
            }
        } else {
            for (name, present) in [
                ("np", self.np.is_present()),
                ("psd", self.psd.is_present()),
                ("t", self.t.is_present()),
            ] {
                if present {
                    notes.push(format!(
                        "{name}= is an RFC 9989 tag, unknown to RFC 7489: ignored (RFC 7489 §6.3)"
                    ));
                }
            }
            if self.p.is_present() && !self.p_second {
                notes.push(
                    "p= is not the tag right after v= where RFC 7489 §6.4's ABNF puts it: \
                     read anyway, as RFC 9989 §4.8 allows"
                        .to_string(),
                );
            }
        }

        let alignment = |tag: &Tag<char>, name: &str, notes: &mut Vec<String>| match tag {
            Tag::Valid(mode) => *mode,
            Tag::Invalid(v) => {
                notes.push(format!(
                    "{name}={v} is not r or s: relaxed, the default ({})",
                    syntax_rule(spec)
                ));
                'r'
            }
            Tag::Absent => 'r',
        };
        let adkim = alignment(&self.adkim, "adkim", &mut notes);
        let aspf = alignment(&self.aspf, "aspf", &mut notes);

        let fo = match &self.fo {
            Tag::Valid(fo) if rfc9989 && !fo_9989(fo) => {
                notes.push(format!(
                    "fo={fo} does not follow RFC 9989 §4.8 (0 and 1 exclusive, d and s once): \
                     0, the default"
                ));
                "0".to_string()
            }
            Tag::Valid(fo) => fo.clone(),
            Tag::Invalid(v) => {
                notes.push(format!(
                    "fo={v} is not a list of 0, 1, d, s: 0, the default"
                ));
                "0".to_string()
            }
            Tag::Absent => "0".to_string(),
        };

        let pct = if rfc9989 {
            100
        } else {
            match &self.pct {
                Tag::Valid(pct) => *pct,
                Tag::Invalid(v) => {
                    notes.push(format!(
                        "pct={v} is not an integer from 0 to 100: 100, the default (RFC 7489 §6.3)"
                    ));
                    100
                }
                Tag::Absent => 100,
            }
        };
        let testing = rfc9989
            && match &self.t {
                Tag::Valid(t) => *t,
                Tag::Invalid(v) => {
                    notes.push(format!(
                        "t={v} is not y or n: n, the default (RFC 9989 §4.7)"
                    ));
                    false
                }
                Tag::Absent => false,
            };
        let psd = rfc9989.then(|| psd_value(&self.psd, &mut notes));

        let rua = match &self.rua {
            Some(list) => {
                for bad in &list.invalid {
                    notes.push(format!("rua entry {bad:?} is not a URI: ignored"));
                }
                if rfc9989 {
                    for address in &list.valid {
                        if let Some(size) = &address.size_limit {
                            notes.push(format!(
                                "rua size limit !{size} is obsolete syntax (RFC 9989 §4.8, \
                                 Appendix C.4): ignored"
                            ));
                        }
                    }
                }
                list.valid.clone()
            }
            None => Vec::new(),
        };

        // The policy tags: RFC 7489 §6.3 makes p required; RFC 9989 §4.7
        // reads a record without p as p=none.
        let mut bad = Vec::new();
        let p = match &self.p {
            Tag::Valid(p) => Some(*p),
            Tag::Invalid(v) => {
                bad.push(format!("p={v} is not none, quarantine or reject"));
                None
            }
            Tag::Absent if rfc9989 => {
                notes.push("no p=: read as p=none (RFC 9989 §4.7)".to_string());
                Some(Policy::None)
            }
            Tag::Absent => {
                bad.push("no p=, which RFC 7489 §6.3 requires".to_string());
                None
            }
        };
        let sp = match &self.sp {
            Tag::Valid(sp) => Some(*sp),
            Tag::Invalid(v) => {
                bad.push(format!("sp={v} is not none, quarantine or reject"));
                None
            }
            Tag::Absent => None,
        };
        let np = match (&self.np, rfc9989) {
            (Tag::Valid(np), true) => Some(*np),
            (Tag::Invalid(v), true) => {
                bad.push(format!("np={v} is not none, quarantine or reject"));
                None
            }
            _ => None,
        };

        let (usable, p, sp, np) = if bad.is_empty() {
            (Usable::Applies, p.unwrap_or(Policy::None), sp, np)
        } else if rua.is_empty() {
            notes.push(format!(
                "{}, and no valid rua= URI: no DMARC processing for this message ({})",
                bad.join("; "),
                invalid_policy_rule(spec)
            ));
            (Usable::NotApplied, Policy::None, None, None)
        } else {
            notes.push(format!(
                "{}, with a valid rua= URI: read as a record with p=none ({})",
                bad.join("; "),
                invalid_policy_rule(spec)
            ));
            (Usable::AsNone, Policy::None, None, None)
        };

        Reading {
            usable,
            p,
            sp,
            np,
            adkim,
            aspf,
            fo,
            pct,
            testing,
            psd,
            rua,
            notes,
        }
    }

    /// `psd`, read as RFC 9989 reads it: `u` unless `y` or `n`.
    pub(crate) fn psd_flag(&self) -> char {
        self.psd.valid().copied().unwrap_or('u')
    }
}

/// What a receiver under one specification reads from a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reading {
    pub usable: Usable,
    /// `p` after the invalid-policy rule.
    pub p: Policy,
    pub sp: Option<Policy>,
    pub np: Option<Policy>,
    pub adkim: char,
    pub aspf: char,
    pub fo: String,
    pub pct: u8,
    pub testing: bool,
    pub psd: Option<char>,
    pub rua: Vec<ReportAddress>,
    pub notes: Vec<String>,
}

/// Whether a record applies (RFC 7489 §6.6.3 step 6, RFC 9989 §4.10.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Usable {
    Applies,
    /// Invalid `p`/`sp`/`np` with a valid `rua`: as if `p=none`.
    AsNone,
    /// Invalid `p`/`sp`/`np` without a valid `rua`: no DMARC processing.
    NotApplied,
}

fn psd_value(tag: &Tag<char>, notes: &mut Vec<String>) -> char {
    match tag {
        Tag::Valid(psd) => *psd,
        Tag::Invalid(v) => {
            notes.push(format!(
                "psd={v} is not y, n or u: u, the default (RFC 9989 §4.7)"
            ));
            'u'
        }
        Tag::Absent => 'u',
    }
}

fn syntax_rule(spec: DmarcSpec) -> &'static str {
    match spec {
        DmarcSpec::Rfc7489 => "RFC 7489 §6.3: syntax errors are discarded in favour of defaults",
        DmarcSpec::Rfc9989 => "RFC 9989 §4.8: syntax errors are discarded in favour of defaults",
    }
}

fn unknown_rule(spec: DmarcSpec) -> &'static str {
    match spec {
        DmarcSpec::Rfc7489 => "RFC 7489 §6.3",
        DmarcSpec::Rfc9989 => "RFC 9989 §4.7",
    }
}

fn invalid_policy_rule(spec: DmarcSpec) -> &'static str {
    match spec {
        DmarcSpec::Rfc7489 => "RFC 7489 §6.6.3 step 6",
        DmarcSpec::Rfc9989 => "RFC 9989 §4.10.1",
    }
}

/// What follows `v=DMARC1` and its separator, or `None` when the text does
/// not start with it (`dmarc-version` of RFC 7489 §6.4 and RFC 9989 §4.8:
/// `"v"` is case-insensitive as ABNF strings are, `DMARC1` is not).
fn after_version(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('v').or_else(|| text.strip_prefix('V'))?;
    let rest = trim_wsp_start(rest).strip_prefix('=')?;
    let rest = trim_wsp_start(rest).strip_prefix("DMARC1")?;
    let rest = trim_wsp_start(rest);
    if rest.is_empty() {
        Some(rest)
    } else {
        rest.strip_prefix(';')
    }
}

fn shortened(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}…")
    }
}

fn is_wsp(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn trim_wsp(s: &str) -> &str {
    s.trim_matches(is_wsp)
}

fn trim_wsp_start(s: &str) -> &str {
    s.trim_start_matches(is_wsp)
}

/// A tag's value through `parse`; RFC 9989 §4.8 `1*dmarc-value`: an empty
/// value is invalid.
fn tag<T>(value: &str, parse: impl Fn(&str) -> Option<T>) -> Tag<T> {
    match (!value.is_empty()).then(|| parse(value)).flatten() {
        Some(v) => Tag::Valid(v),
        None => Tag::Invalid(value.to_string()),
    }
}

fn policy(value: &str) -> Option<Policy> {
    [Policy::None, Policy::Quarantine, Policy::Reject]
        .into_iter()
        .find(|p| p.as_str().eq_ignore_ascii_case(value))
}

fn rors(value: &str) -> Option<char> {
    one_of(value, &['r', 's'])
}

fn psd(value: &str) -> Option<char> {
    one_of(value, &['y', 'n', 'u'])
}

fn yorn(value: &str) -> Option<bool> {
    one_of(value, &['y', 'n']).map(|c| c == 'y')
}

fn one_of(value: &str, allowed: &[char]) -> Option<char> {
    let mut chars = value.chars();
    let c = chars.next()?.to_ascii_lowercase();
    (chars.next().is_none() && allowed.contains(&c)).then_some(c)
}

fn digits(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

/// `pct`: `1*3DIGIT`, 0 to 100 (RFC 7489 §6.3, §6.4).
fn pct(value: &str) -> Option<u8> {
    if !digits(value) || value.len() > 3 {
        return None;
    }
    value.parse::<u8>().ok().filter(|p| *p <= 100)
}

/// `fo` (RFC 7489 §6.4 `dmarc-fo`): `0`, `1`, `d`, `s` separated by colons.
fn fo(value: &str) -> Option<String> {
    let options: Option<Vec<char>> = value
        .split(':')
        .map(|o| one_of(trim_wsp(o), &['0', '1', 'd', 's']))
        .collect();
    let options = options?;
    Some(
        options
            .iter()
            .map(char::to_string)
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// RFC 9989 §4.8 `dmarc-fo`: at most one of `0` and `1`, `d` and `s` at
/// most once each.
fn fo_9989(fo: &str) -> bool {
    let count = |c: &str| fo.split(':').filter(|o| *o == c).count();
    count("0") + count("1") <= 1 && count("d") <= 1 && count("s") <= 1
}

/// `rf` (RFC 7489 §6.4): `Keyword *(":" Keyword)`.
fn rf(value: &str) -> Option<String> {
    let keywords: Vec<&str> = value.split(':').map(trim_wsp).collect();
    let keyword = |k: &&str| {
        !k.is_empty()
            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && k.bytes()
                .next_back()
                .is_some_and(|b| b.is_ascii_alphanumeric())
            && k.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
    };
    keywords
        .iter()
        .all(keyword)
        .then(|| keywords.join(":").to_ascii_lowercase())
}

/// `dmarc-urilist`: URIs separated by commas, each with an optional
/// `!size` suffix.
fn uri_list(value: &str) -> UriList {
    let mut list = UriList::default();
    for entry in value.split(',') {
        let entry = trim_wsp(entry);
        match report_address(entry) {
            Some(address) => list.valid.push(address),
            None => list.invalid.push(entry.to_string()),
        }
    }
    list
}

/// One `dmarc-uri` (RFC 7489 §6.4; `obs-dmarc-uri` in RFC 9989 §4.8): an
/// RFC 3986 URI, then optionally `!` 1*DIGIT [k/m/g/t]. A `mailto:` URI
/// must name an address with a domain, since reports go there.
fn report_address(entry: &str) -> Option<ReportAddress> {
    let (uri, size_limit) = match entry.split_once('!') {
        Some((uri, size)) => {
            let digits_end = size
                .bytes()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(size.len());
            let unit = &size[digits_end..];
            let unit_ok = unit.is_empty() || (unit.len() == 1 && "kmgtKMGT".contains(unit));
            if digits_end == 0 || !unit_ok {
                return None;
            }
            (uri, Some(size.to_ascii_lowercase()))
        }
        None => (entry, None),
    };
    let (scheme, rest) = uri.split_once(':')?;
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if !scheme_ok || rest.is_empty() || !uri_characters(rest) {
        return None;
    }
    if scheme.eq_ignore_ascii_case("mailto") {
        mailto_domain(uri)?;
    }
    Some(ReportAddress {
        uri: uri.to_string(),
        size_limit,
    })
}

/// Every character one RFC 3986 allows in a URI (commas and `!` excluded,
/// as RFC 7489 §6.2 requires them encoded), `%` followed by two hex digits.
fn uri_characters(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        let allowed = b.is_ascii_alphanumeric() || b"-._~:/?#[]@$&'()*+;=".contains(&b);
        if !allowed {
            return false;
        }
        i += 1;
    }
    true
}

/// The domain of a `mailto:` URI's address, lowercase (RFC 6068: the part
/// after the last `@` of the path, before any `?`).
pub fn mailto_domain(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once(':')?;
    if !scheme.eq_ignore_ascii_case("mailto") {
        return None;
    }
    let path = rest.split('?').next().unwrap_or(rest);
    // One address: several (comma-separated in RFC 6068) cannot appear, as
    // commas split the URI list.
    let (local, domain) = path.rsplit_once('@')?;
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (!local.is_empty() && !domain.is_empty() && domain.split('.').all(label_ok))
        .then(|| domain.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Record {
        Record::parse(text).unwrap()
    }

    #[test]
    fn version_must_come_first_and_match_exactly() {
        for text in [
            "v=DMARC1",
            "v=DMARC1;",
            "v=DMARC1; p=none",
            "v = DMARC1 ;p=none",
            "V=DMARC1; p=none",
            "v=DMARC1\t;\tp=none",
        ] {
            assert!(Record::parse(text).is_ok(), "{text}");
        }
        for text in [
            "",
            "p=reject; v=DMARC1",
            "v=dmarc1; p=reject",
            "v=DMARC2; p=reject",
            "v=DMARC10; p=reject",
            "v=DMARC1 p=reject",
            " v=DMARC1; p=reject",
            "v=spf1 -all",
        ] {
            let err = Record::parse(text).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("expected a record starting with \"v=DMARC1\""),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn not_dmarc_message_shows_what_was_found() {
        let err = Record::parse("v=spf1 include:_spf.example.com ~all").unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected a record starting with \"v=DMARC1\", found \"v=spf1 include:_spf.example.com ~all\""
        );
    }

    #[test]
    fn every_tag_of_both_specifications() {
        let r = parse(
            "v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; aspf=r; fo=0:d; pct=20; \
             rf=afrf; ri=3600; t=y; psd=n; rua=mailto:a@example.com!10m, mailto:b@example.net; \
             ruf=mailto:f@example.com",
        );
        assert_eq!(r.p, Tag::Valid(Policy::Reject));
        assert_eq!(r.sp, Tag::Valid(Policy::Quarantine));
        assert_eq!(r.np, Tag::Valid(Policy::None));
        assert_eq!(r.adkim, Tag::Valid('s'));
        assert_eq!(r.aspf, Tag::Valid('r'));
        assert_eq!(r.fo, Tag::Valid("0:d".to_string()));
        assert_eq!(r.pct, Tag::Valid(20));
        assert_eq!(r.rf, Tag::Valid("afrf".to_string()));
        assert_eq!(r.ri, Tag::Valid(3600));
        assert_eq!(r.t, Tag::Valid(true));
        assert_eq!(r.psd, Tag::Valid('n'));
        let rua = r.rua.unwrap();
        assert_eq!(
            rua.valid,
            vec![
                ReportAddress {
                    uri: "mailto:a@example.com".into(),
                    size_limit: Some("10m".into())
                },
                ReportAddress {
                    uri: "mailto:b@example.net".into(),
                    size_limit: None
                },
            ]
        );
        assert!(rua.invalid.is_empty());
        assert_eq!(r.ruf.unwrap().valid.len(), 1);
        assert!(r.p_second);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert!(r.unknown.is_empty());
    }

    #[test]
    fn values_are_case_insensitive_and_whitespace_tolerant() {
        let r = parse("v=DMARC1;  P = Reject ; ADKIM=S;psd=Y ;t=N");
        assert_eq!(r.p, Tag::Valid(Policy::Reject));
        assert_eq!(r.adkim, Tag::Valid('s'));
        assert_eq!(r.psd, Tag::Valid('y'));
        assert_eq!(r.t, Tag::Valid(false));
    }

    #[test]
    fn invalid_values_are_kept_as_invalid() {
        let r = parse(
            "v=DMARC1; p=block; sp=; adkim=x; pct=101; t=maybe; psd=yes; fo=2; ri=-1; rf=a:b c",
        );
        assert_eq!(r.p, Tag::Invalid("block".into()));
        assert_eq!(r.sp, Tag::Invalid("".into()));
        assert_eq!(r.adkim, Tag::Invalid("x".into()));
        assert_eq!(r.pct, Tag::Invalid("101".into()));
        assert_eq!(r.t, Tag::Invalid("maybe".into()));
        assert_eq!(r.psd, Tag::Invalid("yes".into()));
        assert_eq!(r.fo, Tag::Invalid("2".into()));
        assert_eq!(r.ri, Tag::Invalid("-1".into()));
        assert_eq!(r.rf, Tag::Invalid("a:b c".into()));
        for (text, pct) in [
            ("0", Some(0)),
            ("100", Some(100)),
            ("007", Some(7)),
            ("1000", None),
            ("5.5", None),
        ] {
            assert_eq!(super::pct(text), pct, "{text}");
        }
    }

    #[test]
    fn unknown_tags_and_broken_segments_are_ignored() {
        let r = parse("v=DMARC1; foo=bar; p=none; 9x=1; noequals; ;; x-y=2");
        assert_eq!(r.p, Tag::Valid(Policy::None));
        assert_eq!(r.unknown, vec!["foo".to_string()]);
        assert!(!r.p_second, "foo came first");
        assert_eq!(r.problems.len(), 3, "{:?}", r.problems);
        assert!(r.problems[1].contains("\"noequals\""));
    }

    #[test]
    fn a_tag_given_twice_is_discarded() {
        let r =
            parse("v=DMARC1; p=none; p=reject; rua=mailto:a@example.com; rua=mailto:b@example.com");
        assert_eq!(r.p, Tag::Invalid("reject".into()));
        let rua = r.rua.unwrap();
        assert!(rua.valid.is_empty());
        assert_eq!(r.problems.len(), 2);
        assert!(r.problems[0].starts_with("tag p given more than once"));
    }

    #[test]
    fn report_uris() {
        let list = uri_list(
            "mailto:a@example.com!50k , https://r.example.net/dmarc, notauri, mailto:nobody, mailto:x@y.example!10q, mailto:a b@example.com",
        );
        let uris: Vec<&str> = list.valid.iter().map(|a| a.uri.as_str()).collect();
        assert_eq!(
            uris,
            ["mailto:a@example.com", "https://r.example.net/dmarc"]
        );
        assert_eq!(list.valid[0].size_limit.as_deref(), Some("50k"));
        assert_eq!(
            list.invalid,
            [
                "notauri",
                "mailto:nobody",
                "mailto:x@y.example!10q",
                "mailto:a b@example.com"
            ]
        );
        assert_eq!(
            mailto_domain("mailto:Reports@DMARC.Example.NET?subject=x").as_deref(),
            Some("dmarc.example.net")
        );
        assert_eq!(mailto_domain("https://example.com/"), None);
    }

    #[test]
    fn reading_per_specification() {
        let r = parse("v=DMARC1; p=reject; np=quarantine; psd=y; t=y; pct=50; ri=60");
        let old = r.read(DmarcSpec::Rfc7489);
        assert_eq!(old.usable, Usable::Applies);
        assert_eq!(
            (old.np, old.psd, old.testing, old.pct),
            (None, None, false, 50)
        );
        assert!(
            old.notes
                .iter()
                .any(|n| n.starts_with("np= is an RFC 9989 tag"))
        );
        assert!(
            old.notes
                .iter()
                .any(|n| n.starts_with("t= is an RFC 9989 tag"))
        );
        let new = r.read(DmarcSpec::Rfc9989);
        assert_eq!(
            (new.np, new.psd, new.testing, new.pct),
            (Some(Policy::Quarantine), Some('y'), true, 100)
        );
        assert!(
            new.notes
                .iter()
                .any(|n| n.starts_with("pct= was removed by RFC 9989"))
        );
        assert!(
            new.notes
                .iter()
                .any(|n| n.starts_with("ri= was removed by RFC 9989"))
        );
    }

    #[test]
    fn missing_p_differs_between_specifications() {
        let r = parse("v=DMARC1; sp=reject");
        assert_eq!(r.read(DmarcSpec::Rfc7489).usable, Usable::NotApplied);
        let new = r.read(DmarcSpec::Rfc9989);
        assert_eq!(new.usable, Usable::Applies);
        assert_eq!((new.p, new.sp), (Policy::None, Some(Policy::Reject)));
    }

    #[test]
    fn invalid_policy_with_and_without_rua() {
        let with = parse("v=DMARC1; p=bogus; sp=reject; rua=mailto:d@example.com")
            .read(DmarcSpec::Rfc7489);
        assert_eq!(with.usable, Usable::AsNone);
        assert_eq!((with.p, with.sp), (Policy::None, None));
        let without = parse("v=DMARC1; p=bogus").read(DmarcSpec::Rfc9989);
        assert_eq!(without.usable, Usable::NotApplied);
        let bad_rua = parse("v=DMARC1; p=bogus; rua=bogus").read(DmarcSpec::Rfc7489);
        assert_eq!(bad_rua.usable, Usable::NotApplied);
        // An invalid np only matters where np exists.
        let np = parse("v=DMARC1; p=reject; np=bogus");
        assert_eq!(np.read(DmarcSpec::Rfc7489).usable, Usable::Applies);
        assert_eq!(np.read(DmarcSpec::Rfc9989).usable, Usable::NotApplied);
    }

    #[test]
    fn fo_rules() {
        assert_eq!(fo("0:d:s"), Some("0:d:s".into()));
        assert_eq!(fo("1 : D"), Some("1:d".into()));
        assert_eq!(fo("0:x"), None);
        let r = parse("v=DMARC1; p=none; fo=0:1");
        assert_eq!(r.read(DmarcSpec::Rfc7489).fo, "0:1");
        assert_eq!(r.read(DmarcSpec::Rfc9989).fo, "0");
    }

    #[test]
    fn p_position_noted_under_rfc7489_only() {
        let r = parse("v=DMARC1; rua=mailto:d@example.com; p=reject");
        assert!(!r.p_second);
        let old = r.read(DmarcSpec::Rfc7489);
        assert_eq!(old.p, Policy::Reject);
        assert!(old.notes.iter().any(|n| n.contains("§6.4")));
        assert!(
            !r.read(DmarcSpec::Rfc9989)
                .notes
                .iter()
                .any(|n| n.contains("§6.4"))
        );
    }
}
