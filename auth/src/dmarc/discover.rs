//! Organizational domains and policy discovery, by either specification.
//!
//! RFC 7489 §3.2 takes the organizational domain from the Public Suffix
//! List and §6.6.3 looks for a record at `_dmarc.<author domain>`, then at
//! `_dmarc.<organizational domain>`, nowhere else. RFC 9989 §4.10 walks
//! the DNS tree instead: at most eight queries from the author domain up,
//! stopping at a record with `psd=y` or `psd=n`; §4.10.1 picks the policy
//! record (author domain, organizational domain, public suffix domain)
//! and §4.10.2 the organizational domain from what the walk found.

use std::collections::HashMap;

use mail_auth::hickory_resolver::proto::rr::Name;

use super::record::Record;
use crate::{
    DmarcSpec,
    dns::{DnsError, Lookup},
};

/// A DNS query that failed in a way a later attempt might not: DMARC's
/// `temperror` (RFC 7489 §6.6.3, RFC 9989 §5.3.6).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("temporary DNS failure querying {rtype} {name}: {reason}")]
pub struct DnsTempError {
    pub name: String,
    pub rtype: &'static str,
    pub reason: String,
}

/// The DMARC records at one `_dmarc` name.
#[derive(Clone, Debug)]
pub(crate) enum Fetched {
    /// NXDOMAIN, NODATA, or only TXT records that are not DMARC records.
    Nothing,
    One(Box<Record>),
    /// Several DMARC records: none of them counts (RFC 7489 §6.6.3 step 5,
    /// RFC 9989 §4.10 step 2).
    Several(usize),
}

/// Where the applied record was found (RFC 9989 §4.10.1's three places;
/// RFC 7489 §6.6.3 knows the first two).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordLevel {
    /// `_dmarc.<author domain>`: `p` applies.
    Author,
    /// `_dmarc.<organizational domain>`: `sp` (or `np`) applies.
    Organizational,
    /// A record with `psd=y` above the organizational domain (RFC 9989).
    PublicSuffix,
}

impl RecordLevel {
    pub fn as_str(&self) -> &'static str {
        match self {
            RecordLevel::Author => "author domain",
            RecordLevel::Organizational => "organizational domain",
            RecordLevel::PublicSuffix => "public suffix domain",
        }
    }
}

/// What policy discovery found for one author domain.
#[derive(Clone, Debug)]
pub(crate) struct Discovered {
    /// The record to apply, the domain it was found at and which of the
    /// three it is; `Ok(None)` when no record applies.
    pub policy: Result<Option<(String, Record, RecordLevel)>, DnsTempError>,
    /// The author domain's organizational domain.
    pub org_domain: Result<String, DnsTempError>,
    pub notes: Vec<String>,
}

/// The TXT records at `_dmarc.<domain>` that are DMARC records.
pub(crate) async fn fetch(lookup: &impl Lookup, domain: &str) -> Result<Fetched, DnsTempError> {
    let name = format!("_dmarc.{domain}");
    match lookup.txt(&name).await {
        Ok(texts) => {
            let mut records: Vec<Record> = texts
                .iter()
                .filter_map(|text| Record::parse(&String::from_utf8_lossy(text)).ok())
                .collect();
            Ok(match records.len() {
                0 => Fetched::Nothing,
                1 => Fetched::One(Box::new(records.remove(0))),
                n => Fetched::Several(n),
            })
        }
        Err(DnsError::NxDomain | DnsError::InvalidName(_)) => Ok(Fetched::Nothing),
        Err(DnsError::Temporary(reason)) => Err(DnsTempError {
            name,
            rtype: "TXT",
            reason,
        }),
    }
}

/// `domain` as DMARC compares it: lowercase, no trailing dot, U-labels
/// converted to A-labels (RFC 7489 §6.6.1, RFC 9989 §5.3.1).
pub(crate) fn normalize_domain(domain: &str) -> String {
    let trimmed = domain.trim();
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if trimmed.is_ascii() {
        return trimmed.to_ascii_lowercase();
    }
    match Name::from_utf8(trimmed) {
        Ok(name) => {
            let ascii = name.to_ascii();
            ascii
                .strip_suffix('.')
                .unwrap_or(&ascii)
                .to_ascii_lowercase()
        }
        Err(_) => trimmed.to_lowercase(),
    }
}

/// RFC 7489 §3.2: the public suffix that matches the most labels, plus one
/// label. A domain that is itself a public suffix has no such label: it
/// is its own organizational domain.
pub(crate) fn psl_organizational_domain(domain: &str) -> String {
    psl::domain_str(domain)
        .map(str::to_string)
        .unwrap_or_else(|| domain.to_string())
}

/// The organizational domain of `domain` under `spec` (RFC 7489 §3.2: the
/// Public Suffix List; RFC 9989 §4.10.2: the DNS tree walk).
pub async fn organizational_domain(
    lookup: &impl Lookup,
    spec: DmarcSpec,
    domain: &str,
) -> Result<String, DnsTempError> {
    let domain = normalize_domain(domain);
    match spec {
        DmarcSpec::Rfc7489 => Ok(psl_organizational_domain(&domain)),
        DmarcSpec::Rfc9989 => tree_walk(lookup, &domain).await.organizational_domain(),
    }
}

/// Identifier alignment with organizational domains from the Public
/// Suffix List (RFC 7489 §3.1, §3.2), without DNS: for a reader of
/// aggregate reports, which carry domains and results, not the DNS the
/// receiver saw. `mode` is `s` (strict: the same domain) or `r` (relaxed:
/// the same organizational domain); both names are normalised first, and
/// an empty one aligns with nothing.
pub fn aligned_by_psl(mode: char, author: &str, identifier: &str) -> bool {
    let (author, identifier) = (normalize_domain(author), normalize_domain(identifier));
    if author.is_empty() || identifier.is_empty() {
        return false;
    }
    identifier == author
        || (mode != 's'
            && psl_organizational_domain(&identifier) == psl_organizational_domain(&author))
}

/// Organizational domains already determined during one evaluation.
pub(crate) struct OrgDomains<'a, L> {
    lookup: &'a L,
    spec: DmarcSpec,
    memo: HashMap<String, Result<String, DnsTempError>>,
}

impl<'a, L: Lookup> OrgDomains<'a, L> {
    pub fn new(lookup: &'a L, spec: DmarcSpec) -> Self {
        OrgDomains {
            lookup,
            spec,
            memo: HashMap::new(),
        }
    }

    pub fn remember(&mut self, domain: &str, org: Result<String, DnsTempError>) {
        self.memo.insert(domain.to_string(), org);
    }

    /// The organizational domain of `domain` (normalised).
    pub async fn get(&mut self, domain: &str) -> Result<String, DnsTempError> {
        if let Some(known) = self.memo.get(domain) {
            return known.clone();
        }
        let org = organizational_domain(self.lookup, self.spec, domain).await;
        self.memo.insert(domain.to_string(), org.clone());
        org
    }
}

/// A DNS tree walk (RFC 9989 §4.10) and what it found.
#[derive(Clone, Debug)]
pub(crate) struct Walk {
    pub start: String,
    /// Each name queried (without `_dmarc.`), longest first.
    pub steps: Vec<(String, Fetched)>,
    /// The temporary failure that ended the walk early.
    pub error: Option<DnsTempError>,
}

/// RFC 9989 §4.10: `_dmarc.<start>`, then, when `start` has eight labels or
/// more, the name of its last seven, then one label less at a time down to
/// the top-level domain; a single record with `psd=y` or `psd=n` stops
/// the walk. At most eight queries.
pub(crate) async fn tree_walk(lookup: &impl Lookup, start: &str) -> Walk {
    let mut walk = Walk {
        start: start.to_string(),
        steps: Vec::new(),
        error: None,
    };
    if start.is_empty() {
        return walk;
    }
    let labels: Vec<&str> = start.split('.').collect();
    let mut count = labels.len();
    loop {
        let name = labels[labels.len() - count..].join(".");
        match fetch(lookup, &name).await {
            Err(error) => {
                walk.error = Some(error);
                break;
            }
            Ok(fetched) => {
                let stop = matches!(&fetched, Fetched::One(r) if r.psd_flag() != 'u');
                walk.steps.push((name, fetched));
                if stop {
                    break;
                }
            }
        }
        if count <= 1 {
            break;
        }
        count = if count >= 8 { 7 } else { count - 1 };
    }
    walk
}

impl Walk {
    /// The single records found, longest name first.
    fn records(&self) -> impl Iterator<Item = (&String, &Record)> {
        self.steps
            .iter()
            .filter_map(|(name, fetched)| match fetched {
                Fetched::One(record) => Some((name, record.as_ref())),
                _ => None,
            })
    }

    fn record_at(&self, domain: &str) -> Option<&Record> {
        self.records()
            .find(|(name, _)| name.as_str() == domain)
            .map(|(_, record)| record)
    }

    /// RFC 9989 §4.10.2, over the records from the longest name to the
    /// shortest: `psd=n` is the organizational domain; `psd=y` (other than
    /// at the start) makes it the domain one label below; else the record
    /// with the fewest labels; with no record, the start domain.
    pub fn organizational_domain(&self) -> Result<String, DnsTempError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let mut shortest = None;
        for (name, record) in self.records() {
            match record.psd_flag() {
                'n' => return Ok(name.clone()),
                'y' if *name != self.start => return Ok(one_label_below(name, &self.start)),
                _ => {}
            }
            shortest = Some(name);
        }
        Ok(shortest.cloned().unwrap_or_else(|| self.start.clone()))
    }

    /// The record with `psd=y` the walk stopped at, when not at the start.
    fn public_suffix_record(&self) -> Option<(&String, &Record)> {
        self.records()
            .find(|(name, record)| record.psd_flag() == 'y' && **name != self.start)
    }
}

/// The domain one label longer than `suffix` on the way to `start`.
fn one_label_below(suffix: &str, start: &str) -> String {
    let keep = suffix.split('.').count() + 1;
    let labels: Vec<&str> = start.split('.').collect();
    labels[labels.len().saturating_sub(keep)..].join(".")
}

/// Policy discovery for `author` (normalised) under `spec`.
pub(crate) async fn discover(lookup: &impl Lookup, spec: DmarcSpec, author: &str) -> Discovered {
    match spec {
        DmarcSpec::Rfc7489 => discover_rfc7489(lookup, author).await,
        DmarcSpec::Rfc9989 => discover_rfc9989(lookup, author).await,
    }
}

/// RFC 7489 §6.6.3: the author domain's record, else the organizational
/// domain's (by the PSL), else none. Several records at the first name
/// end discovery there (step 5); a record at a public suffix is never
/// consulted.
async fn discover_rfc7489(lookup: &impl Lookup, author: &str) -> Discovered {
    let org = psl_organizational_domain(author);
    let mut notes = Vec::new();
    if psl::domain_str(author).is_none() {
        notes.push(format!(
            "{author} is a public suffix or has no registrable domain by the Public Suffix \
             List: it is its own organizational domain (RFC 7489 §3.2)"
        ));
    }
    let policy = async {
        match fetch(lookup, author).await? {
            Fetched::One(record) => {
                return Ok(Some((author.to_string(), *record, RecordLevel::Author)));
            }
            Fetched::Several(n) => {
                notes.push(format!(
                    "{n} DMARC records at _dmarc.{author}: none is used and policy discovery \
                     ends (RFC 7489 §6.6.3 step 5)"
                ));
                return Ok(None);
            }
            Fetched::Nothing => notes.push(format!("no DMARC record at _dmarc.{author}")),
        }
        if org == author {
            return Ok(None);
        }
        match fetch(lookup, &org).await? {
            Fetched::One(record) => Ok(Some((org.clone(), *record, RecordLevel::Organizational))),
            Fetched::Several(n) => {
                notes.push(format!(
                    "{n} DMARC records at _dmarc.{org}: none is used (RFC 7489 §6.6.3 step 5)"
                ));
                Ok(None)
            }
            Fetched::Nothing => {
                notes.push(format!(
                    "no DMARC record at _dmarc.{org}, the organizational domain by the Public \
                     Suffix List; RFC 7489 §6.6.3 looks no higher"
                ));
                Ok(None)
            }
        }
    }
    .await;
    Discovered {
        policy,
        org_domain: Ok(org),
        notes,
    }
}

/// RFC 9989 §4.10.1: one tree walk from the author domain gives both the
/// policy record (author domain, organizational domain, public suffix
/// domain, in that order) and the organizational domain (§4.10.2).
async fn discover_rfc9989(lookup: &impl Lookup, author: &str) -> Discovered {
    let walk = tree_walk(lookup, author).await;
    let mut notes = Vec::new();
    let labels = author.split('.').count();
    if labels > 8 {
        notes.push(format!(
            "{author} has {labels} labels: the tree walk goes on at its last seven \
             (RFC 9989 §4.10 step 4)"
        ));
    }
    for (name, fetched) in &walk.steps {
        if let Fetched::Several(n) = fetched {
            notes.push(format!(
                "{n} DMARC records at _dmarc.{name}: all discarded, the walk goes on \
                 (RFC 9989 §4.10 step 2)"
            ));
        }
    }
    let org_domain = walk.organizational_domain();
    let policy = policy_from_walk(&walk, author, &org_domain, &mut notes);
    Discovered {
        policy,
        org_domain,
        notes,
    }
}

type Found = Result<Option<(String, Record, RecordLevel)>, DnsTempError>;

fn policy_from_walk(
    walk: &Walk,
    author: &str,
    org_domain: &Result<String, DnsTempError>,
    notes: &mut Vec<String>,
) -> Found {
    if let Some(record) = walk.record_at(author) {
        return Ok(Some((
            author.to_string(),
            record.clone(),
            RecordLevel::Author,
        )));
    }
    if let Some(error) = &walk.error {
        return Err(error.clone());
    }
    let org = org_domain.clone()?;
    if let Some(record) = walk.record_at(&org) {
        return Ok(Some((org, record.clone(), RecordLevel::Organizational)));
    }
    if let Some((name, record)) = walk.public_suffix_record() {
        notes.push(format!(
            "no DMARC record at the author domain or at its organizational domain {org}: the \
             public suffix domain's record at _dmarc.{name} (psd=y) applies (RFC 9989 §4.10.1)"
        ));
        return Ok(Some((
            name.clone(),
            record.clone(),
            RecordLevel::PublicSuffix,
        )));
    }
    notes.push(format!(
        "the tree walk from {author} found no DMARC record (RFC 9989 §4.10.1)"
    ));
    Ok(None)
}

/// Whether `domain` exists (RFC 9989 §3.2.13, Appendix A.4): NXDOMAIN
/// means it does not (RFC 8020); any other answer, records or NODATA,
/// means it does. A, AAAA and MX are asked in turn, so a temporary
/// failure of one type is made up by the next.
pub(crate) async fn domain_exists(
    lookup: &impl Lookup,
    domain: &str,
) -> Result<bool, DnsTempError> {
    let mut failures = Vec::new();
    for rtype in ["A", "AAAA", "MX"] {
        let answer = match rtype {
            "A" => lookup.a(domain).await.map(|r| r.len()),
            "AAAA" => lookup.aaaa(domain).await.map(|r| r.len()),
            _ => lookup.mx(domain).await.map(|r| r.len()),
        };
        match answer {
            Ok(_) => return Ok(true),
            Err(DnsError::NxDomain | DnsError::InvalidName(_)) => return Ok(false),
            Err(DnsError::Temporary(reason)) => failures.push(format!("{rtype}: {reason}")),
        }
    }
    Err(DnsTempError {
        name: domain.to_string(),
        rtype: "A/AAAA/MX",
        reason: failures.join("; "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_suffix_list_organizational_domains() {
        for (domain, org) in [
            ("example.com", "example.com"),
            ("a.b.example.com", "example.com"),
            ("mail.example.co.uk", "example.co.uk"),
            ("example.co.uk", "example.co.uk"),
            ("co.uk", "co.uk"),
            ("com", "com"),
        ] {
            assert_eq!(psl_organizational_domain(domain), org, "{domain}");
        }
    }

    #[test]
    fn alignment_by_the_public_suffix_list() {
        assert!(aligned_by_psl('r', "example.com", "bounce.example.com"));
        assert!(aligned_by_psl('r', "News.Example.com.", "example.com"));
        assert!(!aligned_by_psl('s', "example.com", "bounce.example.com"));
        assert!(aligned_by_psl('s', "example.com", "EXAMPLE.com"));
        assert!(!aligned_by_psl(
            'r',
            "example.com",
            "ap-northeast-1.amazonses.com"
        ));
        // Two registrations under one public suffix are two organizations.
        assert!(!aligned_by_psl('r', "a.example.co.uk", "other.co.uk"));
        assert!(!aligned_by_psl('r', "example.com", ""));
    }

    #[test]
    fn one_label_below_a_suffix() {
        assert_eq!(one_label_below("com", "a.mail.example.com"), "example.com");
        assert_eq!(
            one_label_below("example.com", "mail.example.com"),
            "mail.example.com"
        );
    }

    #[test]
    fn normalised_domains() {
        assert_eq!(normalize_domain("Mail.Example.COM."), "mail.example.com");
        assert_eq!(normalize_domain("bücher.example"), "xn--bcher-kva.example");
    }
}
