//! The verdict: everything a receiver concluded about one message, in the
//! shape reports serialise.

use serde::Serialize;

use crate::{DkimResult, DmarcResult, DmarcSpec, Policy, SpfResult};

/// What a receiver concludes about one message.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Verdict {
    /// The first header From address, and its domain (the DMARC author
    /// domain).
    pub header_from: Option<String>,
    pub header_from_domain: Option<String>,
    /// Every other From address, when the message names several (RFC 5322
    /// §3.6.2 allows a list; DMARC treats it specially).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_from: Vec<String>,
    /// The domain of the envelope from (the Return-Path).
    pub return_path_domain: String,
    pub spf: SpfVerdict,
    pub dkim: Vec<DkimVerdict>,
    pub dmarc: DmarcVerdict,
    /// What the other DMARC specification concludes, when it differs from
    /// `dmarc` in result, policy, disposition or alignment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dmarc_other_spec: Option<DmarcDifference>,
    /// The ARC chain (RFC 8617) as the receiver validated it.
    pub arc: ArcVerdict,
    /// The RFC 8601 header field the receiver adds, without the field name.
    pub authentication_results: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct SpfVerdict {
    /// The result for the MAIL FROM identity (`postmaster@<HELO>` when MAIL
    /// FROM is null, RFC 7208 §2.4).
    pub result: SpfResult,
    pub domain: String,
    /// What decided the MAIL FROM result, in words.
    pub reason: String,
    /// The record's `exp=` text, for a `fail` whose record has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// DNS-querying terms the MAIL FROM check evaluated (the limit is 10).
    pub dns_lookups: u32,
    /// The result for the HELO identity.
    pub helo_result: SpfResult,
    pub helo_domain: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct DkimVerdict {
    pub domain: String,
    pub selector: String,
    pub algorithm: String,
    pub result: DkimResult,
    /// The signature passed for a domain aligned with the header From:
    /// DMARC counts it.
    pub aligned: bool,
    /// Why the signature did not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The size of the public key in bits, when a key was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_bits: Option<u32>,
    /// With `l=`: how much of the body the signature covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_length: Option<BodyLengthVerdict>,
}

/// `l=` against the body (RFC 6376 §8.2: content after `l=` is unsigned).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BodyLengthVerdict {
    pub signed: u64,
    pub total: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct DmarcVerdict {
    /// The specification this verdict follows.
    pub spec: DmarcSpec,
    pub result: DmarcResult,
    /// The author domain evaluated.
    pub domain: String,
    /// Its organizational domain, by `spec`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_domain: Option<String>,
    /// The policy that applies to the author domain (`p`, or `sp`/`np` for
    /// subdomains), absent when no DMARC record applies.
    pub policy: Option<Policy>,
    /// SPF passed for a domain aligned with the header From.
    pub spf_aligned: bool,
    /// A DKIM signature passed for a domain aligned with the header From.
    pub dkim_aligned: bool,
    /// What the policy asks the receiver to do with this message.
    pub disposition: Policy,
    /// With RFC 7489 `pct` below 100: the disposition of the messages the
    /// sample leaves out (§6.6.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsampled_disposition: Option<Policy>,
    /// The aggregate-report destinations (`rua`) of the record, each with
    /// whether the receiver may send reports there.
    pub rua: Vec<ReportAddress>,
    /// The DMARC record the receiver applied, as an aggregate report's
    /// `policy_published` lists it; `null` when no record was found.
    pub published: Option<PublishedPolicy>,
    /// What the receiver noticed on the way (a record's invalid tag, a
    /// fallback the RFC prescribes, several From addresses).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A DMARC record as published, defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublishedPolicy {
    /// The domain the record was found at.
    pub domain: String,
    /// DKIM alignment mode: `r` (relaxed) or `s` (strict).
    pub adkim: String,
    /// SPF alignment mode: `r` or `s`.
    pub aspf: String,
    pub p: Policy,
    /// The policy for subdomains (`p` when the record has no `sp`).
    pub sp: Policy,
    /// The policy for non-existent subdomains (RFC 9989), when published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub np: Option<Policy>,
    /// The percentage of failing mail the policy applies to (RFC 7489;
    /// default 100).
    pub pct: u8,
    /// `t=y` (RFC 9989 test mode).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub testing: bool,
    /// `psd=` (RFC 9989), when published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psd: Option<String>,
    /// Failure reporting options (default `0`).
    pub fo: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportAddress {
    pub address: String,
    pub authorized: bool,
}

/// The other specification's conclusion, when it differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DmarcDifference {
    pub spec: DmarcSpec,
    pub result: DmarcResult,
    pub policy: Option<Policy>,
    pub disposition: Policy,
    pub spf_aligned: bool,
    pub dkim_aligned: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_domain: Option<String>,
    /// Where the record came from under that specification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_domain: Option<String>,
    /// Why they differ, in words.
    pub why: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ArcVerdict {
    /// `none` when the message carries no ARC set.
    pub result: DkimResult,
    /// How many ARC sets (hops that sealed) the message carries.
    pub sets: usize,
    /// Why the chain did not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The domain part of an address, lowercase, without brackets or the
/// trailing dot; empty when there is no `@`.
pub fn domain_of(address: &str) -> String {
    address
        .trim()
        .trim_matches(|c| c == '<' || c == '>')
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
        .unwrap_or_default()
}
