//! One aggregate report, either format, as the reader keeps it: the parts
//! the analysis reads, values checked and typed.

use std::net::IpAddr;

use mailharness_auth::Policy;
use serde::Serialize;

/// Which specification a report follows, told by its root element's
/// namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ReportFormat {
    /// RFC 7489 Appendix C: `feedback` in no namespace (or in the schema's
    /// `http://dmarc.org/dmarc-xml/0.1`).
    #[serde(rename = "rfc7489")]
    Rfc7489,
    /// RFC 9990: `feedback` in `urn:ietf:params:xml:ns:dmarc-2.0`.
    #[serde(rename = "rfc9990")]
    Rfc9990,
}

impl ReportFormat {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportFormat::Rfc7489 => "rfc7489",
            ReportFormat::Rfc9990 => "rfc9990",
        }
    }
}

/// One report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Where it was read from (`path`, or `archive.zip[member]`).
    pub source: String,
    pub format: ReportFormat,
    pub metadata: Metadata,
    pub policy: PolicyPublished,
    pub records: Vec<Record>,
}

/// `report_metadata`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    pub org_name: String,
    pub email: String,
    pub report_id: String,
    /// `date_range`, seconds since the epoch.
    pub begin: i64,
    pub end: i64,
    pub extra_contact_info: Option<String>,
    pub errors: Vec<String>,
    pub generator: Option<String>,
}

/// `policy_published`: the record the receiver found, as it reports it.
/// Absent optional elements stay `None` (their defaults are the analysis's
/// business: `sp` is `p`, alignment relaxed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyPublished {
    pub domain: String,
    pub p: Policy,
    pub sp: Option<Policy>,
    pub np: Option<Policy>,
    pub adkim: Option<char>,
    pub aspf: Option<char>,
    /// RFC 7489 only.
    pub pct: Option<u8>,
    pub fo: Option<String>,
    /// RFC 9990 `testing` (the record's `t=`).
    pub testing: Option<bool>,
    /// RFC 9990 `discovery_method`: `psl` or `treewalk`.
    pub discovery_method: Option<String>,
}

/// What the receiver did with the messages of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Disposition {
    None,
    /// RFC 9990: no action, the messages passed DMARC under an enforcing
    /// policy.
    Pass,
    Quarantine,
    Reject,
}

impl Disposition {
    pub fn as_str(&self) -> &'static str {
        match self {
            Disposition::None => "none",
            Disposition::Pass => "pass",
            Disposition::Quarantine => "quarantine",
            Disposition::Reject => "reject",
        }
    }
}

/// A policy override (`reason`): its type and comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub kind: String,
    pub comment: Option<String>,
}

/// One `record`: messages from one source with one outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub source_ip: IpAddr,
    pub count: u64,
    pub disposition: Disposition,
    /// `policy_evaluated`: the receiver's DMARC alignment verdicts.
    pub dkim_aligned: bool,
    pub spf_aligned: bool,
    pub reasons: Vec<Reason>,
    /// `identifiers`.
    pub header_from: String,
    pub envelope_from: Option<String>,
    pub envelope_to: Option<String>,
    /// `auth_results`: raw results, uninterpreted with respect to DMARC.
    pub dkim: Vec<DkimAuth>,
    pub spf: Vec<SpfAuth>,
}

impl Record {
    /// DMARC passed: one aligned identifier passed (RFC 7489 §4.2).
    pub fn passed(&self) -> bool {
        self.dkim_aligned || self.spf_aligned
    }
}

/// One DKIM result of `auth_results`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkimAuth {
    pub domain: String,
    pub selector: Option<String>,
    /// RFC 8601 §2.7.1's word, lowercase.
    pub result: String,
}

/// One SPF result of `auth_results`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpfAuth {
    pub domain: String,
    /// `mfrom` or `helo` (RFC 7489); RFC 9990 knows only `mfrom`.
    pub scope: Option<String>,
    /// RFC 8601 §2.7.2's word, lowercase.
    pub result: String,
}
