//! What the reports say, per policy domain and sending source: what
//! passes aligned today, what the receivers did, and what `p=quarantine`
//! or `p=reject` (with `sp=` for subdomains) would do to the same mail.
//!
//! The receivers' own verdicts decide (`policy_evaluated`: DMARC passes
//! when DKIM or SPF passed aligned, RFC 7489 §4.2, RFC 9989 §4.4). Which
//! policy would apply follows policy discovery (RFC 7489 §6.6.3, RFC 9989
//! §5.3.3): a message whose header From is the policy domain gets `p`, one
//! from a subdomain that found the record above it gets `sp` (or, under
//! RFC 9989, `np` when the subdomain does not exist, which a report does
//! not say: such mail is counted under `sp`). A receiver's override
//! (`reason`: forwarded, mailing list, local policy) is counted, since it
//! may or may not happen again.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    net::IpAddr,
};

use mailharness_auth::{Policy, dmarc::aligned_by_psl};
use serde::Serialize;

use super::model::{Disposition, Record, Report, ReportFormat};

/// Everything read, and the answer.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// Every report read, in order, duplicates marked.
    pub reports: Vec<ReportSummary>,
    /// The `sp=` the stricter policies are evaluated with (`null`: the
    /// same as their `p=`, as a record without `sp` has it).
    pub what_if_sp: Option<Policy>,
    /// One per policy domain, by name.
    pub domains: Vec<DomainAnalysis>,
}

/// One report read.
#[derive(Clone, Debug, Serialize)]
pub struct ReportSummary {
    pub source: String,
    pub format: ReportFormat,
    pub org_name: String,
    pub report_id: String,
    pub domain: String,
    pub begin: i64,
    pub end: i64,
    pub records: usize,
    pub messages: u64,
    /// The report read earlier with the same reporter, report id and
    /// domain (RFC 9990 §"Handling of Duplicates": a report sent again
    /// keeps its id); a duplicate is not counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
}

/// The DMARC record as the latest report of a domain lists it, defaults
/// filled in (`sp` is `p`, alignment relaxed).
#[derive(Clone, Debug, Serialize)]
pub struct PublishedSummary {
    pub p: Policy,
    pub sp: Policy,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub np: Option<Policy>,
    pub adkim: char,
    pub aspf: char,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pct: Option<u8>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub testing: bool,
}

/// Messages by what the receivers did with them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Dispositions {
    pub none: u64,
    /// RFC 9990's `pass`: no action, DMARC passed under an enforcing
    /// policy.
    pub pass: u64,
    pub quarantine: u64,
    pub reject: u64,
}

impl Dispositions {
    fn add(&mut self, d: Disposition, n: u64) {
        let slot = match d {
            Disposition::None => &mut self.none,
            Disposition::Pass => &mut self.pass,
            Disposition::Quarantine => &mut self.quarantine,
            Disposition::Reject => &mut self.reject,
        };
        *slot = slot.saturating_add(n);
    }
}

/// What one stricter record would do to failing mail.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub p: Policy,
    pub sp: Policy,
    pub quarantined: u64,
    pub rejected: u64,
    /// Failing messages the record would still leave alone (`sp=none` for
    /// mail from subdomains).
    pub untouched: u64,
}

impl Outcome {
    fn of(p: Policy, sp: Policy, failed_at_domain: u64, failed_at_subdomains: u64) -> Outcome {
        let mut out = Outcome {
            p,
            sp,
            ..Outcome::default()
        };
        for (policy, n) in [(p, failed_at_domain), (sp, failed_at_subdomains)] {
            let slot = match policy {
                Policy::None => &mut out.untouched,
                Policy::Quarantine => &mut out.quarantined,
                Policy::Reject => &mut out.rejected,
            };
            *slot = slot.saturating_add(n);
        }
        out
    }

    /// Messages the record would keep from the inbox.
    pub fn affected(&self) -> u64 {
        self.quarantined.saturating_add(self.rejected)
    }
}

/// One policy domain.
#[derive(Clone, Debug, Serialize)]
pub struct DomainAnalysis {
    pub domain: String,
    pub published: PublishedSummary,
    /// How many different records the reports list (a record changed
    /// during the period, RFC 9990 §"Changes in Policy During Reporting
    /// Period"); `published` is the latest.
    pub distinct_records: usize,
    /// The reporting organisations.
    pub reporters: Vec<String>,
    /// The earliest begin and the latest end of the reports' periods.
    pub begin: i64,
    pub end: i64,
    pub reports: usize,
    pub messages: u64,
    /// DMARC passed (DKIM or SPF aligned, by the receiver's verdict).
    pub passed: u64,
    pub failed: u64,
    /// What the receivers did.
    pub today: Dispositions,
    /// `p=quarantine` and `p=reject`, with `sp` as asked.
    pub if_quarantine: Outcome,
    pub if_reject: Outcome,
    /// Sources by failing messages, then all messages.
    pub sources: Vec<SourceAnalysis>,
}

/// How a source's mail stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceClass {
    /// Every message passed DMARC.
    Aligned,
    /// Some passed, some did not.
    PartlyAligned,
    /// None passed, though SPF or DKIM passed for another domain: a
    /// service sending for the domain without its own DKIM or MAIL FROM.
    AuthenticatedNotAligned,
    /// Nothing passed at all: spoofing, a forwarder, or a source never set
    /// up.
    Unauthenticated,
}

impl SourceClass {
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceClass::Aligned => "aligned",
            SourceClass::PartlyAligned => "partly aligned",
            SourceClass::AuthenticatedNotAligned => "authenticated, not aligned",
            SourceClass::Unauthenticated => "unauthenticated",
        }
    }
}

/// A DKIM or SPF domain seen for a source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthDomain {
    pub domain: String,
    pub result: String,
    /// It passed for a domain aligned with the header From (by the
    /// report's `adkim`/`aspf`, organizational domains from the Public
    /// Suffix List).
    pub aligned: bool,
    pub messages: u64,
}

/// One sending source of one policy domain.
#[derive(Clone, Debug, Serialize)]
pub struct SourceAnalysis {
    pub ip: IpAddr,
    /// Its PTR name, when a nameserver was given to look it up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverse_name: Option<String>,
    pub class: SourceClass,
    pub messages: u64,
    pub passed: u64,
    pub failed: u64,
    /// Messages that passed with aligned DKIM, with aligned SPF.
    pub dkim_aligned: u64,
    pub spf_aligned: u64,
    /// Failing messages from a subdomain of the policy domain (`sp`).
    pub failed_at_subdomains: u64,
    pub header_from: Vec<String>,
    pub envelope_from: Vec<String>,
    pub dkim: Vec<AuthDomain>,
    pub spf: Vec<AuthDomain>,
    /// Failing messages a receiver let through by override, per reason.
    pub overridden: BTreeMap<String, u64>,
    pub today: Dispositions,
    pub if_quarantine: Outcome,
    pub if_reject: Outcome,
}

#[derive(Default)]
struct SourceTotals {
    messages: u64,
    passed: u64,
    failed: u64,
    dkim_aligned: u64,
    spf_aligned: u64,
    failed_at_subdomains: u64,
    header_from: BTreeSet<String>,
    envelope_from: BTreeSet<String>,
    dkim: BTreeMap<(String, String), (bool, u64)>,
    spf: BTreeMap<(String, String), (bool, u64)>,
    overridden: BTreeMap<String, u64>,
    today: Dispositions,
}

fn add(n: &mut u64, m: u64) {
    *n = n.saturating_add(m);
}

impl SourceTotals {
    fn record(&mut self, domain: &str, r: &Record, adkim: char, aspf: char) {
        let n = r.count;
        add(&mut self.messages, n);
        if r.passed() {
            add(&mut self.passed, n);
            if r.dkim_aligned {
                add(&mut self.dkim_aligned, n);
            }
            if r.spf_aligned {
                add(&mut self.spf_aligned, n);
            }
        } else {
            add(&mut self.failed, n);
            if r.header_from != domain {
                add(&mut self.failed_at_subdomains, n);
            }
            let kinds: BTreeSet<&str> = r.reasons.iter().map(|x| x.kind.as_str()).collect();
            for kind in kinds {
                add(self.overridden.entry(kind.to_string()).or_default(), n);
            }
        }
        self.today.add(r.disposition, n);
        self.header_from.insert(r.header_from.clone());
        if let Some(e) = r.envelope_from.as_ref().filter(|e| !e.is_empty()) {
            self.envelope_from.insert(e.clone());
        }
        for d in &r.dkim {
            let aligned = d.result == "pass" && aligned_by_psl(adkim, &r.header_from, &d.domain);
            let slot = self
                .dkim
                .entry((d.domain.clone(), d.result.clone()))
                .or_default();
            slot.0 |= aligned;
            add(&mut slot.1, n);
        }
        for s in &r.spf {
            let aligned = s.result == "pass" && aligned_by_psl(aspf, &r.header_from, &s.domain);
            let slot = self
                .spf
                .entry((s.domain.clone(), s.result.clone()))
                .or_default();
            slot.0 |= aligned;
            add(&mut slot.1, n);
        }
    }

    fn finish(self, ip: IpAddr, sp: Option<Policy>) -> SourceAnalysis {
        let auth = |m: BTreeMap<(String, String), (bool, u64)>| -> Vec<AuthDomain> {
            m.into_iter()
                .map(|((domain, result), (aligned, messages))| AuthDomain {
                    domain,
                    result,
                    aligned,
                    messages,
                })
                .collect()
        };
        let (dkim, spf) = (auth(self.dkim), auth(self.spf));
        let any_pass = dkim.iter().chain(&spf).any(|a| a.result == "pass");
        let class = if self.failed == 0 {
            SourceClass::Aligned
        } else if self.passed > 0 {
            SourceClass::PartlyAligned
        } else if any_pass {
            SourceClass::AuthenticatedNotAligned
        } else {
            SourceClass::Unauthenticated
        };
        let at_domain = self.failed - self.failed_at_subdomains;
        SourceAnalysis {
            ip,
            reverse_name: None,
            class,
            messages: self.messages,
            passed: self.passed,
            failed: self.failed,
            dkim_aligned: self.dkim_aligned,
            spf_aligned: self.spf_aligned,
            failed_at_subdomains: self.failed_at_subdomains,
            header_from: self.header_from.into_iter().collect(),
            envelope_from: self.envelope_from.into_iter().collect(),
            dkim,
            spf,
            overridden: self.overridden,
            today: self.today,
            if_quarantine: Outcome::of(
                Policy::Quarantine,
                sp.unwrap_or(Policy::Quarantine),
                at_domain,
                self.failed_at_subdomains,
            ),
            if_reject: Outcome::of(
                Policy::Reject,
                sp.unwrap_or(Policy::Reject),
                at_domain,
                self.failed_at_subdomains,
            ),
        }
    }
}

/// The answer for `reports` (in the order read), the stricter records
/// evaluated with `sp` for subdomains (`None`: the same as `p`).
pub fn analyze(reports: &[Report], sp: Option<Policy>) -> Analysis {
    let mut summaries = Vec::new();
    let mut first_seen: HashMap<(String, String, String), String> = HashMap::new();
    let mut counted: Vec<&Report> = Vec::new();
    for r in reports {
        let key = (
            r.metadata.org_name.to_ascii_lowercase(),
            r.metadata.report_id.clone(),
            r.policy.domain.to_ascii_lowercase(),
        );
        let duplicate_of = first_seen.get(&key).cloned();
        if duplicate_of.is_none() {
            first_seen.insert(key, r.source.clone());
            counted.push(r);
        }
        summaries.push(ReportSummary {
            source: r.source.clone(),
            format: r.format,
            org_name: r.metadata.org_name.clone(),
            report_id: r.metadata.report_id.clone(),
            domain: r.policy.domain.to_ascii_lowercase(),
            begin: r.metadata.begin,
            end: r.metadata.end,
            records: r.records.len(),
            messages: r
                .records
                .iter()
                .fold(0u64, |n, x| n.saturating_add(x.count)),
            duplicate_of,
        });
    }

    let mut by_domain: BTreeMap<String, Vec<&Report>> = BTreeMap::new();
    for r in counted {
        by_domain
            .entry(r.policy.domain.trim_end_matches('.').to_ascii_lowercase())
            .or_default()
            .push(r);
    }
    let domains = by_domain
        .into_iter()
        .map(|(domain, reports)| analyze_domain(domain, &reports, sp))
        .collect();
    Analysis {
        reports: summaries,
        what_if_sp: sp,
        domains,
    }
}

fn analyze_domain(domain: String, reports: &[&Report], sp: Option<Policy>) -> DomainAnalysis {
    let mut sources: BTreeMap<IpAddr, SourceTotals> = BTreeMap::new();
    let mut today = Dispositions::default();
    for r in reports {
        let adkim = r.policy.adkim.unwrap_or('r');
        let aspf = r.policy.aspf.unwrap_or('r');
        for record in &r.records {
            sources
                .entry(record.source_ip)
                .or_default()
                .record(&domain, record, adkim, aspf);
            today.add(record.disposition, record.count);
        }
    }
    // The latest report's record (the last of those ending latest).
    let latest = reports
        .iter()
        .max_by_key(|r| r.metadata.end)
        .map(|r| &r.policy);
    let published = latest.map_or(
        PublishedSummary {
            p: Policy::None,
            sp: Policy::None,
            np: None,
            adkim: 'r',
            aspf: 'r',
            pct: None,
            testing: false,
        },
        |p| PublishedSummary {
            p: p.p,
            sp: p.sp.unwrap_or(p.p),
            np: p.np,
            adkim: p.adkim.unwrap_or('r'),
            aspf: p.aspf.unwrap_or('r'),
            pct: p.pct,
            testing: p.testing.unwrap_or(false),
        },
    );
    let distinct_records = reports
        .iter()
        .map(|r| {
            let p = &r.policy;
            (
                p.p,
                p.sp.unwrap_or(p.p),
                p.np,
                p.adkim,
                p.aspf,
                p.pct,
                p.testing,
            )
        })
        .collect::<BTreeSet<_>>()
        .len();
    let mut sources: Vec<SourceAnalysis> = sources
        .into_iter()
        .map(|(ip, totals)| totals.finish(ip, sp))
        .collect();
    sources.sort_by(|a, b| {
        b.failed
            .cmp(&a.failed)
            .then(b.messages.cmp(&a.messages))
            .then(a.ip.cmp(&b.ip))
    });
    let sum =
        |f: fn(&SourceAnalysis) -> u64| sources.iter().fold(0u64, |n, s| n.saturating_add(f(s)));
    let (messages, passed, failed) = (sum(|s| s.messages), sum(|s| s.passed), sum(|s| s.failed));
    let at_subdomains = sum(|s| s.failed_at_subdomains);
    let reporters: BTreeSet<String> = reports
        .iter()
        .map(|r| r.metadata.org_name.clone())
        .collect();
    DomainAnalysis {
        published,
        distinct_records,
        reporters: reporters.into_iter().collect(),
        begin: reports.iter().map(|r| r.metadata.begin).min().unwrap_or(0),
        end: reports.iter().map(|r| r.metadata.end).max().unwrap_or(0),
        reports: reports.len(),
        messages,
        passed,
        failed,
        today,
        if_quarantine: Outcome::of(
            Policy::Quarantine,
            sp.unwrap_or(Policy::Quarantine),
            failed - at_subdomains,
            at_subdomains,
        ),
        if_reject: Outcome::of(
            Policy::Reject,
            sp.unwrap_or(Policy::Reject),
            failed - at_subdomains,
            at_subdomains,
        ),
        sources,
        domain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dmarc_reports::{DkimAuth, Metadata, PolicyPublished, Reason, SpfAuth};

    fn record(ip: &str, count: u64, from: &str, dkim: (&str, &str), aligned: bool) -> Record {
        Record {
            source_ip: ip.parse().unwrap(),
            count,
            disposition: Disposition::None,
            dkim_aligned: aligned,
            spf_aligned: false,
            reasons: Vec::new(),
            header_from: from.into(),
            envelope_from: Some("ap-northeast-1.amazonses.com".into()),
            envelope_to: None,
            dkim: vec![DkimAuth {
                domain: dkim.0.into(),
                selector: None,
                result: dkim.1.into(),
            }],
            spf: vec![SpfAuth {
                domain: "ap-northeast-1.amazonses.com".into(),
                scope: None,
                result: "pass".into(),
            }],
        }
    }

    fn report(source: &str, id: &str, records: Vec<Record>) -> Report {
        Report {
            source: source.into(),
            format: ReportFormat::Rfc7489,
            metadata: Metadata {
                org_name: "Example".into(),
                report_id: id.into(),
                ..Metadata::default()
            },
            policy: PolicyPublished {
                domain: "example.com".into(),
                ..PolicyPublished::default()
            },
            records,
        }
    }

    #[test]
    fn what_a_stricter_policy_would_do() {
        let mut forwarded = record(
            "198.51.100.7",
            2,
            "example.com",
            ("example.com", "fail"),
            false,
        );
        forwarded.spf[0].result = "fail".into();
        forwarded.reasons.push(Reason {
            kind: "mailing_list".into(),
            comment: None,
        });
        let reports = [
            report(
                "a.xml",
                "1",
                vec![
                    record(
                        "54.240.27.10",
                        90,
                        "example.com",
                        ("example.com", "pass"),
                        true,
                    ),
                    record(
                        "54.240.27.11",
                        7,
                        "example.com",
                        ("amazonses.com", "pass"),
                        false,
                    ),
                    record(
                        "54.240.27.11",
                        3,
                        "news.example.com",
                        ("amazonses.com", "pass"),
                        false,
                    ),
                    forwarded,
                ],
            ),
            // The same report again: counted once.
            report(
                "b.xml",
                "1",
                vec![record(
                    "203.0.113.9",
                    1000,
                    "example.com",
                    ("x.test", "none"),
                    false,
                )],
            ),
        ];
        let a = analyze(&reports, None);
        assert_eq!(a.reports[1].duplicate_of.as_deref(), Some("a.xml"));
        let d = &a.domains[0];
        assert_eq!((d.messages, d.passed, d.failed), (102, 90, 12));
        assert_eq!((d.if_reject.rejected, d.if_reject.quarantined), (12, 0));
        assert_eq!(d.if_quarantine.quarantined, 12);
        let ses = &d.sources[0];
        assert_eq!(ses.ip.to_string(), "54.240.27.11");
        assert_eq!(ses.class, SourceClass::AuthenticatedNotAligned);
        assert_eq!(ses.failed_at_subdomains, 3);
        assert!(!ses.dkim[0].aligned && ses.dkim[0].result == "pass");
        let list = &d.sources[1];
        assert_eq!(list.class, SourceClass::Unauthenticated);
        assert_eq!(list.overridden.get("mailing_list"), Some(&2));
        assert_eq!(d.sources[2].class, SourceClass::Aligned);
        assert!(d.sources[2].dkim[0].aligned);

        // sp=none spares the subdomain's mail.
        let a = analyze(&reports, Some(Policy::None));
        let d = &a.domains[0];
        assert_eq!(
            (d.if_reject.rejected, d.if_reject.untouched, d.if_reject.sp),
            (9, 3, Policy::None)
        );
    }
}
