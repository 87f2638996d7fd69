//! The outputs of `mailharness dmarc-reports`: what the aggregate reports
//! say, per policy domain and sending source, and what `p=quarantine` or
//! `p=reject` would do to the same mail; as text for the terminal, as one
//! JSON document, and as a self-contained HTML page in the HTML report's
//! style. They read only [`Analysis`].

use std::{collections::BTreeSet, fmt::Write as _, io::Write};

use serde::Serialize;

use super::{html::CSS, markup::escape};
use crate::dmarc_reports::{
    Analysis, AuthDomain, DomainAnalysis, FileError, Outcome, ReportFormat, ReportSummary,
    SourceAnalysis, SourceClass,
};

/// `n` of `total` as a percentage with one decimal.
fn share(n: u64, total: u64) -> String {
    if total == 0 {
        return "0%".into();
    }
    let tenths = (u128::from(n) * 1000 + u128::from(total) / 2) / u128::from(total);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// A day, from seconds since the epoch (UTC).
fn day(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| seconds.to_string())
}

fn period(begin: i64, end: i64) -> String {
    let (b, e) = (day(begin), day(end));
    if b == e { b } else { format!("{b} to {e}") }
}

/// `12 reports (7 rfc7489, 5 rfc9990), 1 duplicate not counted`.
fn reports_line(reports: &[ReportSummary]) -> String {
    let counted: Vec<&ReportSummary> = reports
        .iter()
        .filter(|r| r.duplicate_of.is_none())
        .collect();
    let of = |f: ReportFormat| counted.iter().filter(|r| r.format == f).count();
    let duplicates = reports.len() - counted.len();
    let mut line = format!(
        "{} report{} ({} rfc7489, {} rfc9990)",
        counted.len(),
        if counted.len() == 1 { "" } else { "s" },
        of(ReportFormat::Rfc7489),
        of(ReportFormat::Rfc9990)
    );
    if duplicates > 0 {
        let _ = write!(
            line,
            ", {duplicates} duplicate{} not counted",
            if duplicates == 1 { "" } else { "s" }
        );
    }
    line
}

/// `example.com pass (aligned) 90, amazonses.com pass 90`.
fn auth_list(list: &[AuthDomain]) -> String {
    if list.is_empty() {
        return "none reported".into();
    }
    list.iter()
        .map(|a| {
            format!(
                "{} {}{} ×{}",
                a.domain,
                a.result,
                if a.aligned { " aligned" } else { "" },
                a.messages
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn stricter(o: &Outcome) -> String {
    let mut parts = Vec::new();
    if o.quarantined > 0 {
        parts.push(format!("{} quarantined", o.quarantined));
    }
    if o.rejected > 0 {
        parts.push(format!("{} rejected", o.rejected));
    }
    if o.untouched > 0 {
        parts.push(format!(
            "{} failing but left alone by sp={}",
            o.untouched, o.sp
        ));
    }
    if parts.is_empty() {
        "nothing changes".into()
    } else {
        parts.join(", ")
    }
}

/// What to do about a source, in a sentence.
fn hint(domain: &str, s: &SourceAnalysis) -> Option<String> {
    let passing: BTreeSet<&str> = s
        .dkim
        .iter()
        .chain(&s.spf)
        .filter(|a| a.result == "pass" && !a.aligned)
        .map(|a| a.domain.as_str())
        .collect();
    let names = passing.into_iter().collect::<Vec<_>>().join(", ");
    match s.class {
        SourceClass::Aligned => None,
        SourceClass::AuthenticatedNotAligned => Some(format!(
            "authenticated as {names}, not as {domain}: if this source sends for you, have it sign with d={domain} (DKIM) or use a MAIL FROM domain under {domain}"
        )),
        SourceClass::Unauthenticated => Some(
            "nothing passes: a source that is not yours (spoofing), a forwarder that broke DKIM, or one never set up".into(),
        ),
        SourceClass::PartlyAligned => Some(
            "some of its mail fails: a stream sent without DKIM or without its MAIL FROM, or mail forwarded on".into(),
        ),
    }
}

fn source_title(s: &SourceAnalysis) -> String {
    match &s.reverse_name {
        Some(name) => format!("{} ({name})", s.ip),
        None => s.ip.to_string(),
    }
}

/// The terminal text.
pub fn write_dmarc_reports_human(analysis: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "DMARC aggregate reports: {}",
        reports_line(&analysis.reports)
    )?;
    for d in &analysis.domains {
        domain_human(d, out)?;
    }
    Ok(())
}

fn domain_human(d: &DomainAnalysis, out: &mut dyn Write) -> std::io::Result<()> {
    let p = &d.published;
    let mut record = format!("p={} sp={}", p.p, p.sp);
    if let Some(np) = p.np {
        let _ = write!(record, " np={np}");
    }
    let _ = write!(record, " adkim={} aspf={}", p.adkim, p.aspf);
    if let Some(pct) = p.pct.filter(|p| *p != 100) {
        let _ = write!(record, " pct={pct}");
    }
    if p.testing {
        record.push_str(" t=y");
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}  published {record}  ({} report{} from {}, {})",
        d.domain,
        d.reports,
        if d.reports == 1 { "" } else { "s" },
        d.reporters.join(", "),
        period(d.begin, d.end)
    )?;
    if d.distinct_records > 1 {
        writeln!(
            out,
            "  note          the reports list {} different records for the domain; the latest is shown",
            d.distinct_records
        )?;
    }
    writeln!(out, "  messages      {}", d.messages)?;
    let by = |n: u64, what: &str| format!("{what} {n}");
    writeln!(
        out,
        "  pass aligned  {} ({})",
        d.passed,
        share(d.passed, d.messages)
    )?;
    writeln!(
        out,
        "  fail          {} ({})",
        d.failed,
        share(d.failed, d.messages)
    )?;
    let t = &d.today;
    let today: Vec<String> = [
        (t.none, "none"),
        (t.pass, "pass"),
        (t.quarantine, "quarantine"),
        (t.reject, "reject"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| by(*n, w))
    .collect();
    writeln!(out, "  today         {}", today.join(", "))?;
    for (label, o) in [
        ("p=quarantine", &d.if_quarantine),
        ("p=reject", &d.if_reject),
    ] {
        let sources = d
            .sources
            .iter()
            .filter(|s| {
                if o.p == d.if_quarantine.p {
                    s.if_quarantine.affected() > 0
                } else {
                    s.if_reject.affected() > 0
                }
            })
            .count();
        writeln!(
            out,
            "  {label:<12}  {} ({} of all mail, from {} source{}; sp={})",
            stricter(o),
            share(o.affected(), d.messages),
            sources,
            if sources == 1 { "" } else { "s" },
            o.sp
        )?;
    }
    for s in &d.sources {
        writeln!(out, "  source {}  {}", source_title(s), s.class.as_str())?;
        let mut line = format!(
            "    {} message{}: {} pass",
            s.messages,
            if s.messages == 1 { "" } else { "s" },
            s.passed
        );
        if s.passed > 0 {
            let _ = write!(
                line,
                " (DKIM aligned {}, SPF aligned {})",
                s.dkim_aligned, s.spf_aligned
            );
        }
        let _ = write!(line, ", {} fail", s.failed);
        if s.failed > 0 {
            let _ = write!(
                line,
                " → p=quarantine: {}; p=reject: {}",
                stricter(&s.if_quarantine),
                stricter(&s.if_reject)
            );
        }
        writeln!(out, "{line}")?;
        writeln!(out, "    header From   {}", s.header_from.join(", "))?;
        if !s.envelope_from.is_empty() {
            writeln!(out, "    envelope      {}", s.envelope_from.join(", "))?;
        }
        writeln!(out, "    DKIM          {}", auth_list(&s.dkim))?;
        writeln!(out, "    SPF           {}", auth_list(&s.spf))?;
        if !s.overridden.is_empty() {
            let reasons: Vec<String> = s
                .overridden
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            writeln!(
                out,
                "    overridden    {} (failing mail the receiver let through; a stricter policy counts on the override happening again)",
                reasons.join(", ")
            )?;
        }
        if let Some(h) = hint(&d.domain, s) {
            writeln!(out, "    hint          {h}")?;
        }
    }
    Ok(())
}

/// The JSON document: the analysis and the files that could not be read.
#[derive(Serialize)]
struct JsonDocument<'a> {
    reports: &'a [ReportSummary],
    what_if_sp: Option<mailharness_auth::Policy>,
    domains: &'a [DomainAnalysis],
    errors: Vec<String>,
}

/// One JSON document.
pub fn write_dmarc_reports_json(
    analysis: &Analysis,
    errors: &[FileError],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let doc = JsonDocument {
        reports: &analysis.reports,
        what_if_sp: analysis.what_if_sp,
        domains: &analysis.domains,
        errors: errors.iter().map(ToString::to_string).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// The section's own styles, on top of the HTML report's.
const EXTRA_CSS: &str = r#"
section.domain { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 14px 16px; margin: 0 0 18px; }
.bar { display: flex; height: 12px; border-radius: 6px; overflow: hidden; background: var(--mute-bg);
  margin: 8px 0 10px; max-width: 720px; }
.bar .ok { background: var(--ok); }
.bar .bad { background: #e5534b; }
table.whatif { max-width: 720px; margin-bottom: 12px; }
table.whatif td.n, table.sources td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.sources td { font-size: 12.5px; overflow-wrap: anywhere; }
table.sources td.ip { font-family: var(--mono); font-size: 12px; min-width: 16ch; }
table.sources .hint { color: var(--muted); font-size: 12px; }
ul.errors { margin: 0 0 16px; padding: 6px 10px 6px 26px; background: var(--bad-bg);
  border: 1px solid #ffcecb; border-radius: 6px; color: #82071e; font-size: 12.5px; }
"#;

fn class_badge(class: SourceClass) -> String {
    let tone = match class {
        SourceClass::Aligned => "ok",
        SourceClass::PartlyAligned => "warn",
        SourceClass::AuthenticatedNotAligned | SourceClass::Unauthenticated => "bad",
    };
    format!(
        r#"<span class="badge small {tone}">{}</span>"#,
        class.as_str()
    )
}

fn auth_html(list: &[AuthDomain]) -> String {
    if list.is_empty() {
        return r#"<span class="empty">none reported</span>"#.into();
    }
    list.iter()
        .map(|a| {
            let tone = match (a.result.as_str(), a.aligned) {
                ("pass", true) => "ok",
                ("pass", false) => "warn",
                _ => "bad",
            };
            format!(
                r#"<code>{}</code> <span class="badge small {tone}">{}{}</span> ×{}"#,
                escape(&a.domain),
                escape(&a.result),
                if a.aligned { " aligned" } else { "" },
                a.messages
            )
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// The whole page: the HTML report's stylesheet, one section per policy
/// domain; everything taken from a report is escaped.
pub fn dmarc_reports_html(analysis: &Analysis, errors: &[FileError]) -> String {
    let mut x = String::with_capacity(32 * 1024);
    let _ = write!(
        x,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<link rel="icon" href="data:,">
<title>mailharness: DMARC aggregate reports</title>
<style>{CSS}{EXTRA_CSS}</style>
</head>
<body>
<header class="top">
<h1>DMARC aggregate reports</h1>
<p class="summary">{}</p>
<p class="legend">What the receivers reported, per policy domain and sending source: what passes DMARC aligned today (by the receivers' own verdicts), and what a stricter record would do to the same mail. Mail from a subdomain gets <code>sp</code>.</p>
</header>
<main>
"#,
        escape(&reports_line(&analysis.reports))
    );
    if !errors.is_empty() {
        x.push_str(r#"<ul class="errors">"#);
        for e in errors {
            let _ = write!(x, "<li><code>{}</code></li>", escape(&e.to_string()));
        }
        x.push_str("</ul>\n");
    }
    for d in &analysis.domains {
        domain_html(&mut x, d);
    }
    x.push_str(r#"<section class="overview"><h2>Reports read</h2><table class="overview"><thead><tr><th>file</th><th>format</th><th>reporter</th><th>report id</th><th>domain</th><th>period</th><th>records</th><th>messages</th></tr></thead><tbody>"#);
    for r in &analysis.reports {
        let _ = write!(
            x,
            r#"<tr><td class="dom">{}{}</td><td>{}</td><td>{}</td><td class="dom">{}</td><td class="dom">{}</td><td class="nowrap">{}</td><td>{}</td><td>{}</td></tr>"#,
            escape(&r.source),
            r.duplicate_of
                .as_ref()
                .map(|d| format!(
                    r#"<br><span class="badge small muted">duplicate of {}</span>"#,
                    escape(d)
                ))
                .unwrap_or_default(),
            r.format.as_str(),
            escape(&r.org_name),
            escape(&r.report_id),
            escape(&r.domain),
            period(r.begin, r.end),
            r.records,
            r.messages
        );
    }
    x.push_str("</tbody></table></section>\n</main>\n</body>\n</html>\n");
    x
}

fn domain_html(x: &mut String, d: &DomainAnalysis) {
    let p = &d.published;
    let _ = write!(
        x,
        r#"<section class="domain"><div class="file-head"><h2><code>{}</code></h2><span class="file-path">published p={} sp={} adkim={} aspf={} · {} report{} from {} · {}</span></div>"#,
        escape(&d.domain),
        p.p,
        p.sp,
        p.adkim,
        p.aspf,
        d.reports,
        if d.reports == 1 { "" } else { "s" },
        escape(&d.reporters.join(", ")),
        period(d.begin, d.end)
    );
    let width = |n: u64| {
        if d.messages == 0 {
            0.0
        } else {
            n as f64 * 100.0 / d.messages as f64
        }
    };
    let _ = write!(
        x,
        r#"<div class="bar" title="{} pass, {} fail"><span class="ok" style="width:{:.2}%"></span><span class="bad" style="width:{:.2}%"></span></div>"#,
        d.passed,
        d.failed,
        width(d.passed),
        width(d.failed)
    );
    let _ = write!(
        x,
        r#"<table class="whatif"><thead><tr><th></th><th>messages</th><th>share</th></tr></thead><tbody><tr><td>all mail</td><td class="n">{}</td><td class="n">100%</td></tr><tr><td><span class="badge small ok">pass</span> aligned</td><td class="n">{}</td><td class="n">{}</td></tr><tr><td><span class="badge small bad">fail</span></td><td class="n">{}</td><td class="n">{}</td></tr>"#,
        d.messages,
        d.passed,
        share(d.passed, d.messages),
        d.failed,
        share(d.failed, d.messages)
    );
    for o in [&d.if_quarantine, &d.if_reject] {
        let _ = write!(
            x,
            r#"<tr><td>with <code>p={}; sp={}</code>: {}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            o.p,
            o.sp,
            escape(&stricter(o)),
            o.affected(),
            share(o.affected(), d.messages)
        );
    }
    x.push_str("</tbody></table>");
    x.push_str(r#"<table class="sources"><thead><tr><th>source</th><th>class</th><th>messages</th><th>pass</th><th>fail</th><th>p=quarantine</th><th>p=reject</th><th>header From · envelope</th><th>DKIM</th><th>SPF</th></tr></thead><tbody>"#);
    for s in &d.sources {
        let _ = write!(
            x,
            r#"<tr><td class="ip">{}{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td><code>{}</code><br><code>{}</code></td><td>{}</td><td>{}</td></tr>"#,
            s.ip,
            s.reverse_name
                .as_ref()
                .map(|n| format!("<br>{}", escape(n)))
                .unwrap_or_default(),
            class_badge(s.class),
            s.messages,
            s.passed,
            s.failed,
            s.if_quarantine.affected(),
            s.if_reject.affected(),
            escape(&s.header_from.join(", ")),
            escape(&s.envelope_from.join(", ")),
            auth_html(&s.dkim),
            auth_html(&s.spf)
        );
        let mut notes = Vec::new();
        if !s.overridden.is_empty() {
            let reasons: Vec<String> = s
                .overridden
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            notes.push(format!(
                "overridden by the receiver: {}",
                reasons.join(", ")
            ));
        }
        notes.extend(hint(&d.domain, s));
        if !notes.is_empty() {
            let _ = write!(
                x,
                r#"<tr><td></td><td colspan="9" class="hint">{}</td></tr>"#,
                escape(&notes.join(" · "))
            );
        }
    }
    x.push_str("</tbody></table></section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_to_a_tenth() {
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(share(2, 3), "66.7%");
        assert_eq!(share(0, 0), "0%");
        assert_eq!(share(u64::MAX, u64::MAX), "100.0%");
    }
}
