use std::{
    collections::BTreeMap,
    fmt::Write as _,
    io::Write,
    net::IpAddr,
    path::{Path, PathBuf},
};

use chrono::{DateTime, Utc};
use mailharness_auth::{DmarcSpec, Policy};

use super::{MessageReport, Reporter, RunReport, markup::escape};
use crate::verify::PublishedPolicy;

mod rfc9990;

/// The folder inside `--dmarc-reports DIR` that holds the RFC 9990 copy of
/// each report, under the same file name.
pub const RFC9990_FOLDER: &str = "rfc9990";

/// The receiving organisation that signs the reports.
const ORG_NAME: &str = "mailharness capture (mx.capture.test)";
const ORG_EMAIL: &str = "noreply-dmarc@capture.test";
/// RFC 7489 §7.2.1.1: `receiver "!" policy-domain "!" begin "!" end`.
const RECEIVER_DOMAIN: &str = "mx.capture.test";

/// Writes, as the receiving side, one RFC 7489 aggregate report (Appendix
/// C) per DMARC policy domain of the run into a folder: what the domain
/// owner's `rua` destination would receive. Scenarios each bring their own
/// DNS, so one domain can publish different records in one run; each
/// distinct record (policy and `rua` destinations) gets a report of its
/// own, told apart by a unique id in the file name. A report is written
/// only when at least one of its `rua` destinations is authorised (RFC
/// 7489 §7.1); the others are listed as skipped, on `notes`. Each report
/// is written twice: as RFC 7489 Appendix C has it, in the folder, and as
/// RFC 9990 (DMARCbis aggregate reporting, namespace
/// `urn:ietf:params:xml:ns:dmarc-2.0`) has it, in [`RFC9990_FOLDER`].
pub struct AggregateReporter<W: Write> {
    dir: PathBuf,
    notes: W,
    begin: DateTime<Utc>,
}

impl<W: Write> AggregateReporter<W> {
    /// Reports go to `dir` (created if missing); what was written and
    /// skipped is said on `notes` (stderr).
    pub fn new(dir: &Path, notes: W) -> Self {
        AggregateReporter {
            dir: dir.to_path_buf(),
            notes,
            begin: Utc::now(),
        }
    }
}

impl<W: Write> Reporter for AggregateReporter<W> {
    fn run_started(&mut self, _total: usize) {
        self.begin = Utc::now();
    }

    fn finish(&mut self, report: &RunReport) -> std::io::Result<()> {
        let end = Utc::now();
        let domains = aggregate(report);
        std::fs::create_dir_all(&self.dir).map_err(|e| with_path(&self.dir, e))?;
        let dir_9990 = self.dir.join(RFC9990_FOLDER);
        if domains.iter().any(|d| d.rua.iter().any(|(_, ok)| *ok)) {
            std::fs::create_dir_all(&dir_9990).map_err(|e| with_path(&dir_9990, e))?;
        }
        // Reports go only to authorised destinations; a domain with more
        // than one report numbers them.
        let written = |d: &DomainReport| d.rua.iter().any(|(_, ok)| *ok);
        for (i, domain) in domains.iter().enumerate() {
            let same: Vec<usize> = (0..domains.len())
                .filter(|&j| {
                    domains[j].policy.domain == domain.policy.domain && written(&domains[j])
                })
                .collect();
            let unique = match same.iter().position(|&j| j == i) {
                Some(n) if same.len() > 1 => format!("!{}", n + 1),
                _ => String::new(),
            };
            let authorized: Vec<&str> = domain
                .rua
                .iter()
                .filter(|(_, ok)| *ok)
                .map(|(a, _)| a.as_str())
                .collect();
            let refused: Vec<&str> = domain
                .rua
                .iter()
                .filter(|(_, ok)| !*ok)
                .map(|(a, _)| a.as_str())
                .collect();
            let name = &domain.policy.domain;
            for address in &refused {
                writeln!(
                    self.notes,
                    "dmarc reports: {name}: skipped {address}: not authorised (no TXT record at {name}._report._dmarc.{})",
                    crate::verify::domain_of(address)
                )?;
            }
            if authorized.is_empty() {
                if domain.rua.is_empty() {
                    writeln!(
                        self.notes,
                        "dmarc reports: {name}: no report, the record has no rua="
                    )?;
                }
                continue;
            }
            let file_name = format!(
                "{RECEIVER_DOMAIN}!{name}!{}!{}{unique}.xml",
                self.begin.timestamp(),
                end.timestamp()
            );
            let file = self.dir.join(&file_name);
            let xml = render(domain, &unique, self.begin, end);
            std::fs::write(&file, xml).map_err(|e| with_path(&file, e))?;
            let file_9990 = dir_9990.join(&file_name);
            let xml = rfc9990::render(domain, &unique, self.begin, end);
            std::fs::write(&file_9990, xml).map_err(|e| with_path(&file_9990, e))?;
            writeln!(
                self.notes,
                "dmarc reports: {name}: wrote {} and {} ({} record{}, {} message{}) for {}",
                file.display(),
                file_9990.display(),
                domain.rows.len(),
                if domain.rows.len() == 1 { "" } else { "s" },
                domain.messages(),
                if domain.messages() == 1 { "" } else { "s" },
                authorized.join(", ")
            )?;
        }
        Ok(())
    }
}

fn with_path(path: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// The messages of one policy domain.
struct DomainReport {
    policy: PublishedPolicy,
    /// The specification the receiver followed for every message of the
    /// report (RFC 9990's `discovery_method`); `None` when they differ.
    spec: Option<DmarcSpec>,
    /// Every `rua` destination seen for the domain, with its authorisation.
    rua: Vec<(String, bool)>,
    /// Rows with the same source and outcome are counted together.
    rows: BTreeMap<Row, usize>,
}

impl DomainReport {
    fn messages(&self) -> usize {
        self.rows.values().sum()
    }
}

/// One `<record>`: a source IP, what DMARC made of it, the identifiers and
/// the raw SPF and DKIM results.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    source_ip: IpAddr,
    disposition: String,
    dkim_aligned: bool,
    spf_aligned: bool,
    envelope_to: String,
    envelope_from: String,
    header_from: String,
    /// (domain, selector, result, human result, passed aligned)
    dkim: Vec<(String, String, String, Option<String>, bool)>,
    /// (domain, scope, result)
    spf: (String, String, String),
    /// The policy that applied (`p`, `sp` or `np`): with the record's
    /// `t=y`, what RFC 9990's disposition `pass` and override reason
    /// `policy_test_mode` are made of.
    policy: Option<Policy>,
}

/// Groups the run's messages by the DMARC record that applied to them:
/// its domain, its policy and its `rua` destinations (with their
/// authorisation); sorted by domain, in the order first seen within one.
fn aggregate(report: &RunReport) -> Vec<DomainReport> {
    let mut groups: Vec<DomainReport> = Vec::new();
    for scenario in &report.scenarios {
        for m in &scenario.messages {
            let Some(policy) = &m.verdict.dmarc.published else {
                continue;
            };
            let rua: Vec<(String, bool)> = m
                .verdict
                .dmarc
                .rua
                .iter()
                .map(|r| (r.address.clone(), r.authorized))
                .collect();
            let spec = m.verdict.dmarc.spec;
            let index = match groups
                .iter()
                .position(|g| g.policy == *policy && g.rua == rua)
            {
                Some(i) => {
                    if groups[i].spec != Some(spec) {
                        groups[i].spec = None;
                    }
                    i
                }
                None => {
                    groups.push(DomainReport {
                        policy: policy.clone(),
                        spec: Some(spec),
                        rua,
                        rows: BTreeMap::new(),
                    });
                    groups.len() - 1
                }
            };
            *groups[index].rows.entry(row(m)).or_insert(0) += 1;
        }
    }
    // Stable: reports of one domain keep the order they were first seen in.
    groups.sort_by(|a, b| a.policy.domain.cmp(&b.policy.domain));
    groups
}

fn row(m: &MessageReport) -> Row {
    let v = &m.verdict;
    let scope = if m.envelope.mail_from.is_empty() {
        "helo"
    } else {
        "mfrom"
    };
    Row {
        source_ip: m.envelope.client_ip,
        disposition: v.dmarc.disposition.to_string(),
        dkim_aligned: v.dmarc.dkim_aligned,
        spf_aligned: v.dmarc.spf_aligned,
        envelope_to: m
            .envelope
            .rcpt_to
            .first()
            .map(|r| crate::verify::domain_of(r))
            .unwrap_or_default(),
        envelope_from: v.return_path_domain.clone(),
        header_from: v.header_from_domain.clone().unwrap_or_default(),
        dkim: v
            .dkim
            .iter()
            .map(|d| {
                (
                    d.domain.clone(),
                    d.selector.clone(),
                    d.result.to_string(),
                    d.reason.clone(),
                    d.aligned,
                )
            })
            .collect(),
        spf: (
            v.spf.domain.clone(),
            scope.to_string(),
            v.spf.result.to_string(),
        ),
        policy: v.dmarc.policy,
    }
}

/// The report document, valid against RFC 7489 Appendix C's schema.
/// Opens `report_metadata` with what both formats put first: the
/// reporter, the report's id and its date range. RFC 9990 adds
/// `generator` after them; the caller closes the element.
fn open_metadata(
    x: &mut String,
    domain: &str,
    unique: &str,
    begin: DateTime<Utc>,
    end: DateTime<Utc>,
) {
    let _ = writeln!(x, "  <report_metadata>");
    element(x, 4, "org_name", ORG_NAME);
    element(x, 4, "email", ORG_EMAIL);
    element(x, 4, "report_id", &report_id(domain, begin, unique));
    let _ = writeln!(x, "    <date_range>");
    element(x, 6, "begin", &begin.timestamp().to_string());
    element(x, 6, "end", &end.timestamp().to_string());
    let _ = writeln!(x, "    </date_range>");
}

fn render(domain: &DomainReport, unique: &str, begin: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let p = &domain.policy;
    let mut x = String::new();
    let _ = writeln!(x, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(x, "<feedback>");
    let _ = writeln!(x, "  <version>1.0</version>");
    open_metadata(&mut x, &p.domain, unique, begin, end);
    let _ = writeln!(x, "  </report_metadata>");
    let _ = writeln!(x, "  <policy_published>");
    element(&mut x, 4, "domain", &p.domain);
    element(&mut x, 4, "adkim", &p.adkim);
    element(&mut x, 4, "aspf", &p.aspf);
    element(&mut x, 4, "p", p.p.as_str());
    element(&mut x, 4, "sp", p.sp.as_str());
    element(&mut x, 4, "pct", &p.pct.to_string());
    element(&mut x, 4, "fo", &p.fo);
    let _ = writeln!(x, "  </policy_published>");
    for (row, count) in &domain.rows {
        let pass_fail = |b: bool| if b { "pass" } else { "fail" };
        let _ = writeln!(x, "  <record>");
        let _ = writeln!(x, "    <row>");
        element(&mut x, 6, "source_ip", &ip_text(row.source_ip));
        element(&mut x, 6, "count", &count.to_string());
        let _ = writeln!(x, "      <policy_evaluated>");
        element(&mut x, 8, "disposition", &row.disposition);
        element(&mut x, 8, "dkim", pass_fail(row.dkim_aligned));
        element(&mut x, 8, "spf", pass_fail(row.spf_aligned));
        let _ = writeln!(x, "      </policy_evaluated>");
        let _ = writeln!(x, "    </row>");
        let _ = writeln!(x, "    <identifiers>");
        if !row.envelope_to.is_empty() {
            element(&mut x, 6, "envelope_to", &row.envelope_to);
        }
        element(&mut x, 6, "envelope_from", &row.envelope_from);
        element(&mut x, 6, "header_from", &row.header_from);
        let _ = writeln!(x, "    </identifiers>");
        let _ = writeln!(x, "    <auth_results>");
        for (d, s, result, human, _) in &row.dkim {
            let _ = writeln!(x, "      <dkim>");
            element(&mut x, 8, "domain", d);
            if !s.is_empty() {
                element(&mut x, 8, "selector", s);
            }
            element(&mut x, 8, "result", result);
            if let Some(h) = human {
                element(&mut x, 8, "human_result", h);
            }
            let _ = writeln!(x, "      </dkim>");
        }
        let (d, scope, result) = &row.spf;
        let _ = writeln!(x, "      <spf>");
        element(&mut x, 8, "domain", d);
        element(&mut x, 8, "scope", scope);
        element(&mut x, 8, "result", result);
        let _ = writeln!(x, "      </spf>");
        let _ = writeln!(x, "    </auth_results>");
        let _ = writeln!(x, "  </record>");
    }
    let _ = writeln!(x, "</feedback>");
    x
}

/// The report's id (the same in both formats: one report, two renderings).
fn report_id(domain: &str, begin: DateTime<Utc>, unique: &str) -> String {
    format!(
        "{domain}.{}{}@{RECEIVER_DOMAIN}",
        begin.timestamp(),
        unique.replace('!', ".")
    )
}

fn element(out: &mut String, indent: usize, name: &str, text: &str) {
    let _ = writeln!(
        out,
        "{:indent$}<{name}>{}</{name}>",
        "",
        escape(text),
        indent = indent
    );
}

/// IPv6 in full form: the schema's `IPAddress` pattern has no `::`.
fn ip_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6
            .segments()
            .iter()
            .map(|s| format!("{s:x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_is_written_without_compression() {
        assert_eq!(
            ip_text("2001:db8::1".parse().unwrap()),
            "2001:db8:0:0:0:0:0:1"
        );
        assert_eq!(ip_text("54.240.27.10".parse().unwrap()), "54.240.27.10");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("a<b>&\"c'\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&#39;\u{fffd}"
        );
    }
}
