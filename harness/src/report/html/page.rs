use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
};

use super::{
    diagram,
    style::CSS,
    text::{esc, slug, tone},
};
use crate::report::{DnsClient, Reporter, RunReport, ScenarioReport};

/// Writes the whole run as one self-contained HTML page (`--html FILE`):
/// inline CSS and SVG, no script, no network fetches. Everything that comes
/// from a message or a scenario file is escaped.
pub struct HtmlReporter {
    path: PathBuf,
}

impl HtmlReporter {
    /// The page goes to `path`; missing folders are created.
    pub fn new(path: &Path) -> Self {
        HtmlReporter {
            path: path.to_path_buf(),
        }
    }
}

impl Reporter for HtmlReporter {
    fn finish(&mut self, report: &RunReport) -> std::io::Result<()> {
        let with_path = |e: std::io::Error| {
            std::io::Error::new(e.kind(), format!("{}: {e}", self.path.display()))
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(with_path)?;
        }
        std::fs::write(&self.path, render(report)).map_err(with_path)
    }
}

/// The page.
pub fn render(report: &RunReport) -> String {
    let s = &report.summary;
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<link rel="icon" href="data:,">
<title>mailharness: {} scenarios, {} passed, {} failed</title>
<style>{CSS}</style>
</head>
<body>
<header class="top">
<h1>mailharness report</h1>
<p class="summary">{} scenario{} · <span class="badge big {}">{} passed</span> <span class="badge big {}">{} failed</span></p>
<p class="legend">For each message: the hosts it passed, then the header From (the author domain DMARC protects) beside the identifiers the receiver authenticated — the Return-Path for SPF and every DKIM signer. A solid green line: that identifier passed and is <b>aligned</b> with the From domain, so DMARC can rest on it; a dashed red line: it passed, but for a domain that is not aligned.</p>
</header>
<main>
"#,
        s.total,
        s.passed,
        s.failed,
        s.total,
        if s.total == 1 { "" } else { "s" },
        if s.passed > 0 { "ok" } else { "muted" },
        s.passed,
        if s.failed > 0 { "bad" } else { "muted" },
        s.failed,
    );
    overview(&mut out, report);
    for group in file_groups(&report.scenarios) {
        file_section(&mut out, group);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// Consecutive reports of one file that declares variants form a group.
fn file_groups(scenarios: &[ScenarioReport]) -> impl Iterator<Item = &[ScenarioReport]> {
    scenarios.chunk_by(|a, b| a.file == b.file && a.variant.is_some() && b.variant.is_some())
}

fn anchor(s: &ScenarioReport) -> String {
    format!(
        "s-{}",
        slug(&format!(
            "{} {}",
            s.file,
            s.variant.as_deref().unwrap_or_default()
        ))
    )
}

/// A domain name, escaped, that may wrap only after its dots.
fn breakable(domain: &str) -> String {
    esc(domain).replace('.', ".<wbr>")
}

fn mark(passed: bool) -> &'static str {
    if passed {
        r#"<span class="badge ok">PASS</span>"#
    } else {
        r#"<span class="badge bad">FAIL</span>"#
    }
}

/// One row per scenario (per variant): the verdict at a glance, linked to
/// its section.
fn overview(out: &mut String, report: &RunReport) {
    out.push_str(
        r#"<section class="overview" id="overview"><h2>Overview</h2><table class="overview"><thead><tr><th>scenario</th><th>Return-Path</th><th>header From</th><th>SPF</th><th>DKIM</th><th>DMARC</th><th>aligned</th><th>receivers</th></tr></thead><tbody>"#,
    );
    for s in &report.scenarios {
        let variant = s
            .variant
            .as_deref()
            .map(|v| format!(r#" <span class="badge muted">{}</span>"#, esc(v)))
            .unwrap_or_default();
        let _ = write!(
            out,
            r##"<tr><td class="name">{} <a href="#{}" title="{}">{}</a>{variant}</td>"##,
            mark(s.passed),
            anchor(s),
            esc(&s.file),
            esc(s.base_name()),
        );
        if let Some(error) = &s.error {
            let _ = write!(
                out,
                r#"<td colspan="7"><span class="badge bad">could not run</span> <span class="mono">{}</span></td></tr>"#,
                esc(error)
            );
            continue;
        }
        let Some(m) = s.messages.first() else {
            let _ = write!(
                out,
                r#"<td colspan="7"><span class="badge bad">relay refused</span> <span class="mono">{}</span></td></tr>"#,
                esc(&s.relay.reply)
            );
            continue;
        };
        let v = &m.verdict;
        let dkim = if v.dkim.is_empty() {
            r#"<span class="badge muted">none</span>"#.to_string()
        } else {
            v.dkim
                .iter()
                .map(|d| {
                    format!(
                        r#"<span class="badge {}">{} {}</span>"#,
                        tone(d.result.as_str()),
                        esc(&d.domain),
                        d.result
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let yes_no = |b: bool, what: &str| {
            format!(
                r#"<span class="badge {}">{what} {}</span>"#,
                if b { "ok" } else { "muted" },
                if b { "✓" } else { "✗" }
            )
        };
        let receivers = m
            .receivers
            .iter()
            .map(|r| {
                let d = serde_json::to_value(r.disposition)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                format!(
                    r#"<span class="badge small {}" title="{}">{}: {}</span>"#,
                    tone(&d),
                    esc(r.reply.as_deref().unwrap_or("")),
                    esc(&r.profile),
                    esc(&d)
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        let _ = write!(
            out,
            r#"<td class="dom">{}</td><td class="dom">{}</td><td><span class="badge {}">{}</span></td><td><div class="pill-row">{dkim}</div></td><td><span class="badge {}">{}</span></td><td class="nowrap">{} {}</td><td class="receivers"><div class="pill-row">{}</div></td></tr>"#,
            breakable(&v.return_path_domain),
            breakable(v.header_from_domain.as_deref().unwrap_or("")),
            tone(v.spf.result.as_str()),
            v.spf.result,
            tone(v.dmarc.result.as_str()),
            v.dmarc.result,
            yes_no(v.dmarc.spf_aligned, "SPF"),
            yes_no(v.dmarc.dkim_aligned, "DKIM"),
            if receivers.is_empty() {
                r#"<span class="empty">—</span>"#.to_string()
            } else {
                receivers
            }
        );
    }
    out.push_str("</tbody></table></section>\n");
}

/// One scenario file: its variants side by side, one column each.
fn file_section(out: &mut String, group: &[ScenarioReport]) {
    let Some(first) = group.first() else {
        return;
    };
    let all_passed = group.iter().all(|s| s.passed);
    let _ = write!(
        out,
        r#"<section class="file" id="f-{}"><div class="file-head">{}<h2>{}</h2><span class="file-path">{}</span></div>"#,
        slug(&first.file),
        mark(all_passed),
        esc(first.base_name()),
        esc(&first.file)
    );
    let columns = group.len();
    let _ = write!(
        out,
        r#"<div class="variants{}" style="grid-template-columns: repeat({columns}, minmax(0, 1fr))">"#,
        if columns == 1 { " single" } else { "" }
    );
    for s in group {
        variant(out, s);
    }
    out.push_str("</div></section>\n");
}

fn variant(out: &mut String, s: &ScenarioReport) {
    let _ = write!(
        out,
        r#"<article class="variant{}" id="{}">"#,
        if s.passed { "" } else { " failed" },
        anchor(s),
    );
    // A file without variants has its mark and name in the section head.
    if let Some(v) = &s.variant {
        let _ = write!(out, "<h3>{}{}</h3>", mark(s.passed), esc(v));
    }
    if let Some(d) = &s.description {
        let _ = write!(out, r#"<p class="desc">{}</p>"#, esc(d));
    }
    if let Some(error) = &s.error {
        let _ = write!(
            out,
            r#"<p class="relay bad">could not run: <span class="mono">{}</span></p></article>"#,
            esc(error)
        );
        return;
    }
    let _ = write!(
        out,
        r#"<p class="relay {}">relay {}: <span class="mono">{}</span></p>"#,
        if s.relay.accepted { "ok" } else { "bad" },
        if s.relay.accepted {
            "accepted"
        } else {
            "refused"
        },
        esc(&s.relay.reply)
    );
    if s.messages.is_empty() {
        out.push_str(r#"<p class="empty">no message reached the receiver</p>"#);
    }
    for (i, m) in s.messages.iter().enumerate() {
        diagram::message(out, i + 1, m, &s.route);
    }
    if let Some(f) = &s.feedback {
        super::feedback::feedback(out, f);
    }
    if !s.failures.is_empty() {
        out.push_str(r#"<ul class="failures">"#);
        for f in &s.failures {
            let _ = write!(
                out,
                "<li>expected <code>{}</code> = <b>{}</b>, found <b>{}</b></li>",
                esc(&f.field),
                esc(&f.expected),
                esc(&f.found)
            );
        }
        out.push_str("</ul>");
    }
    dns(out, s);
    out.push_str("</article>");
}

/// The DNS questions of the scenario with their answers: first the
/// sending path's (the relay's MAIL FROM check, the hops), then the
/// receiver's.
fn dns(out: &mut String, s: &ScenarioReport) {
    if s.dns.is_empty() {
        return;
    }
    let receiver = s
        .dns
        .iter()
        .filter(|q| q.client == DnsClient::Receiver)
        .count();
    let _ = write!(
        out,
        r#"<details><summary>DNS: {} question{} the receiver asked, {} by the sending path</summary><table class="dns"><thead><tr><th>by</th><th>question</th><th>rcode</th><th>answer</th></tr></thead><tbody>"#,
        receiver,
        if receiver == 1 { "" } else { "s" },
        s.dns.len() - receiver
    );
    for q in &s.dns {
        let by = match q.client {
            DnsClient::Path => "path",
            DnsClient::Receiver => "receiver",
        };
        let times = if q.count > 1 {
            format!(" ×{}", q.count)
        } else {
            String::new()
        };
        let answers = if q.answers.is_empty() {
            "—".to_string()
        } else {
            q.answers
                .iter()
                .map(|a| esc(a))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let _ = write!(
            out,
            r#"<tr><td class="q">{by}</td><td class="q">{} {}{times}</td><td class="q"><span class="badge {}">{}</span></td><td>{answers}</td></tr>"#,
            esc(&q.name),
            esc(&q.qtype),
            if q.rcode == "NOERROR" { "ok" } else { "warn" },
            esc(&q.rcode)
        );
    }
    out.push_str("</tbody></table></details>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RelayReport;

    fn scenario(name: &str, reply: &str) -> ScenarioReport {
        ScenarioReport {
            name: name.to_string(),
            file: "scenarios/<x>.toml".to_string(),
            variant: None,
            description: Some("a \"quoted\" <description>".into()),
            passed: false,
            error: None,
            relay: RelayReport {
                accepted: false,
                reply: reply.to_string(),
                attempts: Vec::new(),
            },
            messages: Vec::new(),
            failures: Vec::new(),
            dns_queries: 0,
            duration_ms: 1,
            route: Vec::new(),
            feedback: None,
            dns: Vec::new(),
        }
    }

    #[test]
    fn everything_from_scenarios_is_escaped() {
        let page = render(&RunReport::new(vec![scenario(
            "<script>alert(1)</script>",
            "554 <refused> & gone",
        )]));
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("554 &lt;refused&gt; &amp; gone"));
        assert!(page.contains("a &quot;quoted&quot; &lt;description&gt;"));
        assert!(!page.contains("http://") && !page.contains("https://"));
    }
}
