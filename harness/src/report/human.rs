use std::io::Write;

use super::{MessageReport, Reporter, RunReport, ScenarioReport, Style};

/// The terminal reporter: per scenario and message, the Return-Path, the
/// DKIM signers, SPF, DMARC and alignment, then each unmet expectation.
///
/// Variants of one file are printed under one header line for the file,
/// each as an indented block with the same layout, so that they can be
/// compared line by line.
pub struct HumanReporter<W: Write> {
    out: W,
    style: Style,
    quiet: bool,
}

impl<W: Write> HumanReporter<W> {
    /// A plain reporter (no colours) that prints every scenario.
    pub fn new(out: W) -> Self {
        HumanReporter {
            out,
            style: Style::plain(),
            quiet: false,
        }
    }

    /// Colours, see [`Style::for_stdout`].
    pub fn with_style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }

    /// Only failing scenarios, with their unmet expectations, and the
    /// summary line.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// One file: a scenario, or the variants of one file. Returns whether
    /// anything was printed.
    fn file(&mut self, group: &[ScenarioReport]) -> std::io::Result<bool> {
        let style = self.style;
        let all_passed = group.iter().all(|s| s.passed);
        if self.quiet && all_passed {
            return Ok(false);
        }
        let [first, ..] = group else {
            return Ok(false);
        };
        writeln!(
            self.out,
            "{} {} ({})",
            style.mark(all_passed),
            first.base_name(),
            first.file
        )?;
        if first.variant.is_none() {
            return self.scenario(first, "  ").map(|()| true);
        }
        for s in group {
            if self.quiet && s.passed {
                continue;
            }
            let variant = s.variant.as_deref().unwrap_or_default();
            writeln!(self.out, "  {} [{variant}]", style.mark(s.passed))?;
            self.scenario(s, "    ")?;
        }
        Ok(true)
    }

    fn scenario(&mut self, s: &ScenarioReport, indent: &str) -> std::io::Result<()> {
        if let Some(error) = &s.error {
            let line = format!("could not run: {error}");
            return writeln!(self.out, "{indent}{}", self.style.failure(&line));
        }
        if !self.quiet {
            write_details(&mut self.out, s, self.style, indent)?;
        }
        for f in &s.failures {
            let line = format!("expected {} = {}, found {}", f.field, f.expected, f.found);
            writeln!(self.out, "{indent}{}", self.style.failure(&line))?;
        }
        Ok(())
    }
}

impl<W: Write> Reporter for HumanReporter<W> {
    fn finish(&mut self, report: &RunReport) -> std::io::Result<()> {
        let mut printed = false;
        for group in file_groups(&report.scenarios) {
            printed |= self.file(group)?;
        }
        let s = &report.summary;
        let failed = if s.errors > 0 {
            format!("{} failed ({} could not run)", s.failed, s.errors)
        } else {
            format!("{} failed", s.failed)
        };
        writeln!(
            self.out,
            "{}{} scenario{}: {} passed, {}",
            if printed { "\n" } else { "" },
            s.total,
            if s.total == 1 { "" } else { "s" },
            s.passed,
            if s.failed > 0 {
                self.style.failure(&failed)
            } else {
                failed
            }
        )
    }
}

/// Consecutive reports of one file that declares variants form one group;
/// every other report is a group of its own.
fn file_groups(scenarios: &[ScenarioReport]) -> impl Iterator<Item = &[ScenarioReport]> {
    scenarios.chunk_by(|a, b| a.file == b.file && a.variant.is_some() && b.variant.is_some())
}

/// The relay's reply and, per message, what the receiver saw: the lines
/// under a scenario's header, each prefixed with `indent`. The JUnit
/// reporter puts the same lines in `<system-out>`.
pub(super) fn write_details(
    out: &mut dyn Write,
    s: &ScenarioReport,
    style: Style,
    indent: &str,
) -> std::io::Result<()> {
    let relay = if s.relay.accepted {
        "accepted"
    } else {
        "refused"
    };
    writeln!(out, "{indent}relay        {relay}: {}", s.relay.reply)?;
    write_attempts(out, &s.relay.attempts, indent)?;
    for (i, m) in s.messages.iter().enumerate() {
        write_message(out, i + 1, m, style, indent)?;
    }
    if let Some(feedback) = &s.feedback {
        super::feedback::write_feedback(out, feedback, style, indent)?;
    }
    Ok(())
}

/// The relay's delivery attempts when it retried, in simulated time;
/// consecutive attempts with the same reply share a line.
fn write_attempts(
    out: &mut dyn Write,
    attempts: &[crate::relay::Attempt],
    indent: &str,
) -> std::io::Result<()> {
    if attempts.len() <= 1 {
        return Ok(());
    }
    let when = |a: &crate::relay::Attempt| crate::clock::format_duration(a.at);
    let m = attempts.len();
    let mut n = 1;
    for run in attempts.chunk_by(|a, b| a.reply == b.reply) {
        let (first, last) = (&run[0], &run[run.len() - 1]);
        let label = if run.len() == 1 {
            format!("attempt {n}/{m} at {}", when(first))
        } else {
            format!(
                "attempts {n}-{}/{m} at {} to {}",
                n + run.len() - 1,
                when(first),
                when(last)
            )
        };
        writeln!(out, "{indent}             {label}: {}", first.reply)?;
        n += run.len();
    }
    Ok(())
}

fn write_message(
    out: &mut dyn Write,
    n: usize,
    m: &MessageReport,
    style: Style,
    indent: &str,
) -> std::io::Result<()> {
    let v = &m.verdict;
    writeln!(
        out,
        "{indent}message {n} to {} from {} [{}]{}",
        m.envelope.rcpt_to.join(", "),
        m.envelope.helo,
        m.envelope.client_ip,
        m.envelope
            .tls
            .as_deref()
            .map(|v| format!(" over {v}"))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "{indent}  Return-Path  {}  (header From: {})",
        if m.envelope.mail_from.is_empty() {
            "<> (null sender)"
        } else {
            v.return_path_domain.as_str()
        },
        v.header_from_domain.as_deref().unwrap_or("none")
    )?;
    writeln!(
        out,
        "{indent}  SPF          {} for {}  (HELO {}: {})",
        style.result(&v.spf.result.to_string()),
        v.spf.domain,
        v.spf.helo_domain,
        style.result(&v.spf.helo_result.to_string())
    )?;
    if v.spf.result != mailharness_auth::SpfResult::Pass {
        writeln!(out, "{indent}               {}", v.spf.reason)?;
    }
    if let Some(explanation) = &v.spf.explanation {
        writeln!(out, "{indent}               explanation: {explanation}")?;
    }
    if v.dkim.is_empty() {
        writeln!(out, "{indent}  DKIM         none (no signature)")?;
    }
    for d in &v.dkim {
        let mut reason = d
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        if let Some(l) = d.body_length {
            reason.push_str(&format!(
                " (l= signs {} of the {} body octets)",
                l.signed, l.total
            ));
        }
        writeln!(
            out,
            "{indent}  DKIM         {} d={} s={} a={}{reason}",
            style.result(&d.result.to_string()),
            d.domain,
            d.selector,
            d.algorithm
        )?;
    }
    writeln!(
        out,
        "{indent}  DMARC        {} for {}  policy {}  aligned: SPF {}, DKIM {}  disposition {}{}  ({})",
        style.result(&v.dmarc.result.to_string()),
        v.dmarc.domain,
        v.dmarc
            .policy
            .map_or_else(|| "(no record)".to_string(), |p| p.to_string()),
        style.yes_no(v.dmarc.spf_aligned),
        style.yes_no(v.dmarc.dkim_aligned),
        v.dmarc.disposition,
        v.dmarc
            .unsampled_disposition
            .map(|p| format!(" (outside the pct sample: {p})"))
            .unwrap_or_default(),
        v.dmarc.spec
    )?;
    for note in &v.dmarc.notes {
        writeln!(out, "{indent}               {note}")?;
    }
    if let Some(other) = &v.dmarc_other_spec {
        writeln!(
            out,
            "{indent}  under {}  {}  policy {}  aligned: SPF {}, DKIM {}  disposition {}",
            other.spec,
            style.result(&other.result.to_string()),
            other
                .policy
                .map_or_else(|| "(no record)".to_string(), |p| p.to_string()),
            style.yes_no(other.spf_aligned),
            style.yes_no(other.dkim_aligned),
            other.disposition
        )?;
        for why in &other.why {
            writeln!(out, "{indent}               {why}")?;
        }
    }
    write_receivers(out, m, style, indent)
}

/// One line per receiver profile: its disposition and reply, then the
/// reasons of its rules, indented under it.
fn write_receivers(
    out: &mut dyn Write,
    m: &MessageReport,
    style: Style,
    indent: &str,
) -> std::io::Result<()> {
    let width = m
        .receivers
        .iter()
        .map(|r| r.profile.chars().count())
        .max()
        .unwrap_or(0);
    for (i, r) in m.receivers.iter().enumerate() {
        let label = if i == 0 { "Receivers" } else { "" };
        let reply = r.reply.as_deref().unwrap_or_default();
        // Replies line up after the longest word, "tempfail".
        let pad = if reply.is_empty() { 0 } else { 10 };
        writeln!(
            out,
            "{indent}  {label:<12} {:<width$}  {}{reply}",
            r.profile,
            style.disposition(r.disposition.as_str(), pad),
        )?;
        if let Some(banner) = &r.banner {
            writeln!(out, "{indent}  {:<12} {:<width$}  banner: {banner}", "", "")?;
        }
        for reason in &r.reasons {
            writeln!(out, "{indent}  {:<12} {:<width$}  {reason}", "", "")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{expect::Mismatch, report::RelayReport};

    fn refused(name: &str, file: &str, variant: Option<&str>, failures: usize) -> ScenarioReport {
        ScenarioReport {
            name: match variant {
                Some(v) => format!("{name} [{v}]"),
                None => name.to_string(),
            },
            file: file.to_string(),
            variant: variant.map(str::to_string),
            description: None,
            passed: failures == 0,
            error: None,
            relay: RelayReport {
                accepted: false,
                reply: "554 5.7.1 MessageRejected".to_string(),
                attempts: Vec::new(),
            },
            messages: Vec::new(),
            failures: (0..failures)
                .map(|_| Mismatch {
                    field: "outcome".into(),
                    expected: "delivered".into(),
                    found: "refused".into(),
                })
                .collect(),
            dns_queries: 0,
            duration_ms: 5,
            route: Vec::new(),
            feedback: None,
            dns: Vec::new(),
        }
    }

    fn render(scenarios: Vec<ScenarioReport>, quiet: bool, style: Style) -> String {
        let mut out = Vec::new();
        HumanReporter::new(&mut out)
            .with_style(style)
            .quiet(quiet)
            .finish(&RunReport::new(scenarios))
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn suite() -> Vec<ScenarioReport> {
        vec![
            refused("Pair", "s/pair.toml", Some("custom"), 0),
            refused("Pair", "s/pair.toml", Some("default"), 1),
            refused("Single", "s/single.toml", None, 0),
        ]
    }

    #[test]
    fn variants_of_one_file_share_a_header() {
        assert_eq!(
            render(suite(), false, Style::plain()),
            "\
FAIL Pair (s/pair.toml)
  PASS [custom]
    relay        refused: 554 5.7.1 MessageRejected
  FAIL [default]
    relay        refused: 554 5.7.1 MessageRejected
    expected outcome = delivered, found refused
PASS Single (s/single.toml)
  relay        refused: 554 5.7.1 MessageRejected

3 scenarios: 2 passed, 1 failed
"
        );
    }

    #[test]
    fn quiet_prints_only_failures_and_the_summary() {
        assert_eq!(
            render(suite(), true, Style::plain()),
            "\
FAIL Pair (s/pair.toml)
  FAIL [default]
    expected outcome = delivered, found refused

3 scenarios: 2 passed, 1 failed
"
        );
        let passing = vec![refused("Single", "s/single.toml", None, 0)];
        assert_eq!(
            render(passing, true, Style::plain()),
            "1 scenario: 1 passed, 0 failed\n"
        );
    }

    /// A relay that retried: one line per run of attempts with the same
    /// reply, in simulated time.
    #[test]
    fn retried_attempts_are_listed() {
        use crate::{relay::Attempt, smtp::Reply};
        let at = |secs, code, text: &str| Attempt {
            at: std::time::Duration::from_secs(secs),
            reply: Reply::new(code, text),
        };
        let mut retried = refused("Grey", "s/grey.toml", None, 0);
        retried.relay = RelayReport {
            accepted: true,
            reply: "250 Ok 0106".into(),
            attempts: vec![
                at(0, 450, "4.2.0 Greylisted"),
                at(300, 450, "4.2.0 Greylisted"),
                at(900, 421, "4.7.28 rate limited"),
                at(8100, 250, "2.0.0 Ok"),
            ],
        };
        assert_eq!(
            render(vec![retried], false, Style::plain()),
            "\
PASS Grey (s/grey.toml)
  relay        accepted: 250 Ok 0106
               attempts 1-2/4 at 0s to 5m: 450 4.2.0 Greylisted
               attempt 3/4 at 15m: 421 4.7.28 rate limited
               attempt 4/4 at 2h15m: 250 2.0.0 Ok

1 scenario: 1 passed, 0 failed
"
        );
    }

    #[test]
    fn colours_only_when_asked() {
        assert!(!render(suite(), false, Style::plain()).contains('\x1b'));
        let colored = render(suite(), false, Style::colored());
        assert!(colored.contains("\x1b[1;31mFAIL\x1b[0m Pair"));
        assert!(colored.contains("\x1b[1;32mPASS\x1b[0m [custom]"));
        assert!(colored.contains("\x1b[31m1 failed\x1b[0m"));
    }
}
