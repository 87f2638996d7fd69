use serde::Serialize;

use crate::scenario::{DkimResultName, DmarcResultName, PolicyName, SpfResultName};

/// What a receiver concludes about one message.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// The header From address, and its domain (the DMARC identifier).
    pub header_from: Option<String>,
    pub header_from_domain: Option<String>,
    /// The domain of the envelope from (the Return-Path).
    pub return_path_domain: String,
    pub spf: SpfVerdict,
    pub dkim: Vec<DkimVerdict>,
    pub dmarc: DmarcVerdict,
    /// The ARC chain (RFC 8617) as the receiver validated it.
    pub arc: ArcVerdict,
    /// The RFC 8601 header field the receiver adds, without the field name.
    pub authentication_results: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SpfVerdict {
    /// The result for the MAIL FROM identity (HELO when MAIL FROM is null).
    pub result: SpfResultName,
    pub domain: String,
    /// The result for the HELO identity.
    pub helo_result: SpfResultName,
    pub helo_domain: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct DkimVerdict {
    pub domain: String,
    pub selector: String,
    pub algorithm: String,
    pub result: DkimResultName,
    /// The signature passed for a domain aligned with the header From:
    /// DMARC counts it.
    pub aligned: bool,
    /// Why the signature did not pass, as the verifier says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DmarcVerdict {
    pub result: DmarcResultName,
    /// The author domain evaluated.
    pub domain: String,
    /// The policy that applies to the author domain (`p`, or `sp`/`np` for
    /// subdomains), absent when no DMARC record was found.
    pub policy: Option<PolicyName>,
    /// SPF passed for a domain aligned with the header From.
    pub spf_aligned: bool,
    /// A DKIM signature passed for a domain aligned with the header From.
    pub dkim_aligned: bool,
    /// What the policy asks the receiver to do with this message.
    pub disposition: PolicyName,
    /// The aggregate-report destinations (`rua`) of the record, each with
    /// whether the receiver may send reports there: destinations outside
    /// the policy domain must publish `<domain>._report._dmarc.<host>`.
    pub rua: Vec<ReportAddress>,
    /// The DMARC record the receiver applied, as an aggregate report's
    /// `policy_published` lists it; `null` when no record was found.
    pub published: Option<PublishedPolicy>,
}

/// A DMARC record as published (RFC 7489 §6.3), defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublishedPolicy {
    /// The domain the record was found at: the author domain, or its
    /// organizational domain when only that publishes one.
    pub domain: String,
    /// DKIM alignment mode: `r` (relaxed) or `s` (strict).
    pub adkim: String,
    /// SPF alignment mode: `r` or `s`.
    pub aspf: String,
    pub p: PolicyName,
    /// The policy for subdomains (`p` when the record has no `sp`).
    pub sp: PolicyName,
    /// The percentage of failing mail the policy applies to (default 100).
    pub pct: u8,
    /// Failure reporting options (default `0`).
    pub fo: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportAddress {
    pub address: String,
    pub authorized: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ArcVerdict {
    /// `none` when the message carries no ARC set.
    pub result: DkimResultName,
    /// How many ARC sets (hops that sealed) the message carries.
    pub sets: usize,
}

/// The domain part of an address, lowercase, without brackets.
pub fn domain_of(address: &str) -> String {
    address
        .trim_matches(|c| c == '<' || c == '>')
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
        .unwrap_or_default()
}
