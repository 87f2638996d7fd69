//! DMARC by RFC 7489 or RFC 9989: the record, the organizational domain
//! and policy discovery (Public Suffix List or DNS tree walk), identifier
//! alignment, the policy that applies and the disposition.
//!
//! RFC 9989 is followed as draft-ietf-dmarc-dmarcbis-41, the text it was
//! published from; section numbers are the draft's.
//!
//! # Layout
//!
//! - `record`: the record's syntax and how each specification reads it
//!   ([`Record`], [`Tag`]).
//! - `discover`: organizational domains ([`organizational_domain`];
//!   [`aligned_by_psl`] for alignment without DNS) and policy discovery;
//!   [`DnsTempError`], [`RecordLevel`].
//! - `evaluate`: the Author Domain(s), alignment, result, policy and
//!   disposition ([`evaluate`]).
//! - `report`: whether each `rua` destination may receive reports
//!   (RFC 7489 §7.1; [`authorize`] for one destination outside a
//!   message).

mod discover;
mod evaluate;
mod record;
mod report;

pub use discover::{DnsTempError, RecordLevel, aligned_by_psl, organizational_domain};
pub use record::{Record, RecordError, ReportAddress, Tag, UriList, mailto_domain};
pub use report::authorization_name;

use crate::{DkimResult, DmarcResult, DmarcSpec, Policy, SpfResult, dns::Lookup};

/// What DMARC is given: the author domains and the authenticated
/// identifiers, as the receiver found them.
#[derive(Clone, Debug)]
pub struct DmarcInput<'a> {
    /// How many From header fields the message has. Zero means none:
    /// `from_domains` is then not read.
    pub from_fields: usize,
    /// The domains of the addresses in the From field(s), in order
    /// (several for `From: a@x, b@y`); compared case-insensitively,
    /// U-labels converted to A-labels.
    pub from_domains: &'a [String],
    /// SPF's result for the MAIL FROM identity and its domain (RFC 7489
    /// §4.1: the HELO identity when MAIL FROM is null).
    pub spf: (SpfResult, &'a str),
    /// Every DKIM signature's result and `d=`.
    pub dkim: &'a [(DkimResult, &'a str)],
}

/// What DMARC concluded under one specification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DmarcOutcome {
    pub spec: DmarcSpec,
    pub result: DmarcResult,
    /// The Author Domain evaluated (with several, the one whose outcome
    /// decided: the strictest failing policy). Empty when the message has
    /// none.
    pub author_domain: String,
    /// The author domain's organizational domain, by this specification;
    /// `None` when a DNS failure left it undetermined.
    pub org_domain: Option<String>,
    /// The record applied, and the domain it was found at.
    pub record: Option<FoundRecord>,
    /// The policy that applies to the author domain (`p`, `sp` or `np`),
    /// absent when no record applies.
    pub policy: Option<Policy>,
    /// Which tag `policy` came from: `p`, `sp` or `np`.
    pub policy_tag: Option<&'static str>,
    pub spf_aligned: bool,
    /// One entry per `DmarcInput::dkim` signature: it passed, aligned.
    pub dkim_aligned: Vec<bool>,
    /// What the receiver is asked to do with this message: the policy
    /// when DMARC fails (after `t=y` under RFC 9989), else `none`.
    pub disposition: Policy,
    /// RFC 7489 `pct` below 100: the disposition of the messages left out
    /// of the sample (the next policy down, §6.6.4).
    pub unsampled_disposition: Option<Policy>,
    /// Everything the receiver noticed on the way, in words: an invalid
    /// `p=` taken as `none` because `rua` is valid (RFC 7489 §6.6.3),
    /// tags one specification ignores, several From addresses, ….
    pub notes: Vec<String>,
}

/// A DMARC record as found and as a receiver reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundRecord {
    /// The domain whose `_dmarc` name held the record.
    pub domain: String,
    /// Which of the places policy discovery looks at held it.
    pub level: RecordLevel,
    /// The record's text.
    pub text: String,
    /// `adkim`, `aspf`: `r` or `s`.
    pub adkim: char,
    pub aspf: char,
    /// `p` (after the §6.6.3 fallback to `none`), `sp` and `np` as
    /// published (`None` when absent or invalid, and after the fallback,
    /// which reads the record as `p=none` alone).
    pub p: Policy,
    pub sp: Option<Policy>,
    pub np: Option<Policy>,
    /// `pct` (RFC 7489; 100 when absent, and always under RFC 9989), `t`
    /// (RFC 9989), `psd` (RFC 9989: `y`, `n` or `u`; `None` under
    /// RFC 7489, which has no such tag).
    pub pct: u8,
    pub testing: bool,
    pub psd: Option<char>,
    pub fo: String,
    /// Every valid `rua` URI with whether the receiver may send reports
    /// there (RFC 7489 §7.1, RFC 9990 "Verifying External Destinations"):
    /// inside the policy domain's organization, or authorised by
    /// `<domain>._report._dmarc.<host>`.
    pub rua: Vec<ReportUri>,
}

/// One `rua` destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportUri {
    /// The URI, without its size limit.
    pub uri: String,
    /// The `!size` suffix as written (`10m`); RFC 9989 ignores it.
    pub size_limit: Option<String>,
    pub authorized: bool,
    /// Why it is or is not authorised.
    pub reason: String,
}

/// Asks for the policy records [`evaluate`] will read for these author
/// domains, under both specifications, without waiting for SPF and DKIM:
/// through a lookup that answers each question once per message, the
/// evaluation then finds them answered. The results are not kept here.
pub(crate) async fn prefetch(lookup: &impl Lookup, from_fields: usize, from_domains: &[String]) {
    evaluate::prefetch(lookup, from_fields, from_domains).await;
}

/// DMARC for one message under `spec`.
pub async fn evaluate(
    lookup: &impl Lookup,
    spec: DmarcSpec,
    input: &DmarcInput<'_>,
) -> DmarcOutcome {
    evaluate::evaluate(lookup, spec, input).await
}

/// Whether a receiver following `spec` may send aggregate reports about
/// the record found at `policy_domain` to `address` (RFC 7489 §7.1), by
/// the rule [`FoundRecord::rua`] follows: for a record looked at outside
/// a message, such as an audit of what a domain publishes.
pub async fn authorize(
    lookup: &impl Lookup,
    spec: DmarcSpec,
    policy_domain: &str,
    address: &ReportAddress,
) -> ReportUri {
    let policy_domain = discover::normalize_domain(policy_domain);
    let mut orgs = discover::OrgDomains::new(lookup, spec);
    report::authorize_one(lookup, &policy_domain, address, &mut orgs).await
}
