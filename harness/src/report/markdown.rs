//! The Markdown summary (`--format markdown`, `--markdown FILE`): what a
//! CI system shows where people look (GitHub's job summary, a GitLab or
//! Buildkite annotation). A table of the scenarios, then a table per
//! failing scenario (per message: Return-Path, DKIM `d=`, SPF, DKIM,
//! DMARC, alignment, receivers) with its unmet expectations at their
//! lines, and every scenario's findings (errors first: the cause, the
//! chain, the fix with its records); passing scenarios are folded.
//!
//! Everything taken from scenario files and messages is escaped, so that
//! it is shown as written and never read as Markdown or HTML.

use std::io::Write;

use crate::smtp::reply_code;

use super::{ExpectationIndex, MessageReport, Reporter, RunReport, ScenarioReport, markup::escape};

/// The mark of a scenario that met its expectations.
pub const PASSED: &str = "✅";
/// The mark of a scenario that did not.
pub const FAILED: &str = "❌";
/// The mark of a scenario that could not run.
pub const ERROR: &str = "⚠️";

/// Text in a line of Markdown, shown as written: the characters that
/// could start emphasis, code, a link, HTML or a table cell are escaped,
/// and a line break becomes a space.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A value as code: between backticks (more of them than it holds), `|`
/// escaped for tables, line breaks as spaces.
pub fn code(value: &str) -> String {
    let value = value.replace(['\r', '\n'], " ").replace('|', "\\|");
    let mut ticks = 1;
    while value.contains(&"`".repeat(ticks)) {
        ticks += 1;
    }
    let fence = "`".repeat(ticks);
    if value.starts_with('`') || value.ends_with('`') {
        format!("{fence} {value} {fence}")
    } else {
        format!("{fence}{value}{fence}")
    }
}

/// The mark of a scenario.
fn mark(s: &ScenarioReport) -> &'static str {
    if s.error.is_some() {
        ERROR
    } else if s.passed {
        PASSED
    } else {
        FAILED
    }
}

/// Writes the run's summary.
pub fn write_run(
    out: &mut dyn Write,
    report: &RunReport,
    index: &ExpectationIndex,
) -> std::io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "## mailharness: {} scenario{}, {} passed, {} failed{}\n",
        s.total,
        if s.total == 1 { "" } else { "s" },
        s.passed,
        s.failed,
        if s.errors > 0 {
            format!(" ({} could not run)", s.errors)
        } else {
            String::new()
        }
    )?;
    if report.scenarios.is_empty() {
        return Ok(());
    }
    writeln!(out, "| | scenario | file |\n|---|---|---|")?;
    for s in &report.scenarios {
        writeln!(
            out,
            "| {} | {} | {} |",
            mark(s),
            text(&s.name),
            code(&s.file)
        )?;
    }
    for s in &report.scenarios {
        writeln!(out)?;
        write_scenario(out, s, index)?;
    }
    Ok(())
}

/// One scenario: a heading and its details when it failed, a folded
/// block when it passed.
fn write_scenario(
    out: &mut dyn Write,
    s: &ScenarioReport,
    index: &ExpectationIndex,
) -> std::io::Result<()> {
    if s.passed {
        writeln!(
            out,
            "<details><summary>{PASSED} {} ({})</summary>\n",
            escape(&s.name),
            escape(&s.file)
        )?;
        write_messages(out, s)?;
        write_findings(out, s)?;
        return writeln!(out, "\n</details>");
    }
    writeln!(out, "### {} {}\n", mark(s), text(&s.name))?;
    if let Some(error) = &s.error {
        return writeln!(out, "{}: could not run: {}", code(&s.file), text(error));
    }
    write_messages(out, s)?;
    writeln!(out, "\n**Unmet expectations**\n")?;
    for f in &s.failures {
        let place = index
            .position(s, f)
            .map_or_else(|| s.file.clone(), |p| p.to_string());
        writeln!(out, "{}", unmet_line(&place, f))?;
    }
    write_findings(out, s)
}

/// One unmet expectation as a list item: where it is written, the field,
/// what was expected and what was found.
pub fn unmet_line(place: &str, f: &crate::expect::Mismatch) -> String {
    format!(
        "- {}: expected {} = {}, found {}",
        code(place),
        code(&f.field),
        code(&f.expected),
        code(&f.found)
    )
}

/// The scenario's findings, errors first: each with its code, the cause,
/// the chain that led to it and the fix (its records and SES commands as
/// code, ready to copy).
fn write_findings(out: &mut dyn Write, s: &ScenarioReport) -> std::io::Result<()> {
    let mut findings: Vec<_> = s.all_findings().collect();
    if findings.is_empty() {
        return Ok(());
    }
    findings.sort_by_key(|f| f.severity);
    writeln!(out, "\n**Findings**\n")?;
    for f in findings {
        writeln!(
            out,
            "- **{}** {}: {}",
            f.severity,
            code(&f.code.to_string()),
            text(&f.message)
        )?;
        if !f.chain.is_empty() {
            writeln!(out, "  - why: {}", text(&f.chain.join(" → ")))?;
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "  - fix: {}", text(&fix.text))?;
            for line in fix.records.iter().chain(&fix.ses) {
                writeln!(out, "  - {}", code(line))?;
            }
        }
    }
    Ok(())
}

/// The file, the relay's reply and a row per message.
fn write_messages(out: &mut dyn Write, s: &ScenarioReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{} · relay {}: {}\n",
        code(&s.file),
        if s.relay.accepted {
            "accepted"
        } else {
            "refused"
        },
        code(&s.relay.reply)
    )?;
    if s.messages.is_empty() {
        return writeln!(out, "No message reached the receiver.");
    }
    writeln!(
        out,
        "| message | Return-Path | DKIM d= | SPF | DKIM | DMARC | aligned | receivers |\n\
         |---|---|---|---|---|---|---|---|"
    )?;
    for (i, m) in s.messages.iter().enumerate() {
        writeln!(out, "{}", message_row(i + 1, m))?;
    }
    Ok(())
}

/// One message as a table row.
pub fn message_row(n: usize, m: &MessageReport) -> String {
    let v = &m.verdict;
    let return_path = if m.envelope.mail_from.is_empty() {
        "<>"
    } else {
        v.return_path_domain.as_str()
    };
    let (signers, results) = if v.dkim.is_empty() {
        ("none".to_string(), "none".to_string())
    } else {
        (
            v.dkim
                .iter()
                .map(|d| code(&d.domain))
                .collect::<Vec<_>>()
                .join(", "),
            v.dkim
                .iter()
                .map(|d| d.result.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        )
    };
    let policy = v
        .dmarc
        .policy
        .map_or_else(|| "no record".to_string(), |p| format!("p={p}"));
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let receivers = if m.receivers.is_empty() {
        "—".to_string()
    } else {
        m.receivers
            .iter()
            .map(|r| {
                let reply = r
                    .reply
                    .as_deref()
                    .map(|reply| format!(" {}", code(&reply_code(reply))))
                    .unwrap_or_default();
                let disposition = r.disposition.as_str();
                let disposition = if disposition == "inbox" {
                    disposition.to_string()
                } else {
                    format!("**{disposition}**")
                };
                format!("{} {disposition}{reply}", text(&r.profile))
            })
            .collect::<Vec<_>>()
            .join("<br>")
    };
    format!(
        "| {n} → {} | {} | {signers} | {} | {results} | {} for {} ({policy}) | SPF {}, DKIM {} | {receivers} |",
        code(&m.envelope.rcpt_to.join(", ")),
        code(return_path),
        v.spf.result,
        v.dmarc.result,
        code(&v.dmarc.domain),
        yes_no(v.dmarc.spf_aligned),
        yes_no(v.dmarc.dkim_aligned),
    )
}

/// Prints the run's summary in Markdown.
pub struct MarkdownReporter<W: Write> {
    out: W,
    index: ExpectationIndex,
}

impl<W: Write> MarkdownReporter<W> {
    pub fn new(out: W, index: ExpectationIndex) -> Self {
        MarkdownReporter { out, index }
    }
}

impl<W: Write> Reporter for MarkdownReporter<W> {
    fn finish(&mut self, report: &RunReport) -> std::io::Result<()> {
        write_run(&mut self.out, report, &self.index)?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_shown_as_written() {
        assert_eq!(
            text("<b>*x*</b> | _y_ [z](u) `c` & #1\nnext"),
            "\\<b\\>\\*x\\*\\</b\\> \\| \\_y\\_ \\[z\\](u) \\`c\\` \\& \\#1 next"
        );
    }

    #[test]
    fn code_holds_any_value() {
        assert_eq!(code("*.amazonses.com"), "`*.amazonses.com`");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x `y` z"), "``x `y` z``");
        assert_eq!(code("`edge"), "`` `edge ``");
    }
}
