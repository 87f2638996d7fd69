use std::io::Write;

use super::{MessageReport, Reporter, RunReport, ScenarioReport};

/// The terminal reporter: per scenario and message, the Return-Path, the
/// DKIM signers, SPF, DMARC and alignment, then each unmet expectation.
pub struct HumanReporter<W: Write> {
    out: W,
}

impl<W: Write> HumanReporter<W> {
    pub fn new(out: W) -> Self {
        HumanReporter { out }
    }

    fn scenario(&mut self, s: &ScenarioReport) -> std::io::Result<()> {
        let mark = if s.passed { "PASS" } else { "FAIL" };
        writeln!(self.out, "{mark} {} ({})", s.name, s.file)?;
        let relay = if s.relay.accepted {
            "accepted"
        } else {
            "refused"
        };
        writeln!(self.out, "  relay        {relay}: {}", s.relay.reply)?;
        for (i, m) in s.messages.iter().enumerate() {
            self.message(i + 1, m)?;
        }
        for f in &s.failures {
            writeln!(
                self.out,
                "  expected {} = {}, found {}",
                f.field, f.expected, f.found
            )?;
        }
        Ok(())
    }

    fn message(&mut self, n: usize, m: &MessageReport) -> std::io::Result<()> {
        let v = &m.verdict;
        writeln!(
            self.out,
            "  message {n} to {} from {} [{}]",
            m.envelope.rcpt_to.join(", "),
            m.envelope.helo,
            m.envelope.client_ip
        )?;
        writeln!(
            self.out,
            "    Return-Path  {}  (header From: {})",
            v.return_path_domain,
            v.header_from_domain.as_deref().unwrap_or("none")
        )?;
        writeln!(
            self.out,
            "    SPF          {} for {}  (HELO {}: {})",
            v.spf.result, v.spf.domain, v.spf.helo_domain, v.spf.helo_result
        )?;
        if v.dkim.is_empty() {
            writeln!(self.out, "    DKIM         none (no signature)")?;
        }
        for d in &v.dkim {
            let reason = d
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            writeln!(
                self.out,
                "    DKIM         {} d={} s={} a={}{reason}",
                d.result, d.domain, d.selector, d.algorithm
            )?;
        }
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        writeln!(
            self.out,
            "    DMARC        {} for {}  policy {}  aligned: SPF {}, DKIM {}  disposition {}",
            v.dmarc.result,
            v.dmarc.domain,
            v.dmarc
                .policy
                .map_or_else(|| "(no record)".to_string(), |p| p.to_string()),
            yes_no(v.dmarc.spf_aligned),
            yes_no(v.dmarc.dkim_aligned),
            v.dmarc.disposition
        )
    }
}

impl<W: Write> Reporter for HumanReporter<W> {
    fn finish(&mut self, report: &RunReport) -> std::io::Result<()> {
        for s in &report.scenarios {
            self.scenario(s)?;
        }
        let s = &report.summary;
        writeln!(
            self.out,
            "\n{} scenario{}: {} passed, {} failed",
            s.total,
            if s.total == 1 { "" } else { "s" },
            s.passed,
            s.failed
        )
    }
}
