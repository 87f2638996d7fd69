//! The audit as the terminal shows it: the identity's attributes, the DNS
//! checks, the prediction, the notes, the missing records in BIND syntax
//! and the conclusion.

use std::fmt::Write as _;

use mailharness_auth::spf::MAX_DNS_TERMS;

use super::run::Audit;
use crate::live::{DkimAttributes, MailFromAttributes};

impl Audit {
    /// The audit as the terminal shows it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write_identity(&mut out);
        self.write_checks(&mut out);
        self.write_prediction(&mut out);
        self.write_fixes(&mut out);
        out
    }

    fn write_identity(&self, out: &mut String) {
        let a = &self.attributes;
        let kind = if a.identity_type.is_empty() {
            "?"
        } else {
            &a.identity_type
        };
        let _ = writeln!(
            out,
            "Identity {} ({kind}) in {}: verified for sending {}",
            a.identity,
            self.region,
            yes(a.verified_for_sending)
        );
        let _ = writeln!(out, "  DKIM        {}", dkim(a.dkim.as_ref()));
        let _ = writeln!(out, "  MAIL FROM   {}", mail_from(a.mail_from.as_ref()));
    }

    fn write_checks(&self, out: &mut String) {
        let _ = writeln!(out, "DNS");
        for c in &self.checks {
            let found = if c.found.is_empty() {
                "nothing".to_string()
            } else {
                c.found.join(" | ")
            };
            let _ = writeln!(
                out,
                "  {:<7} {} {} ({}): expected {}, found {found}",
                if c.ok { "ok" } else { "MISSING" },
                c.rtype,
                c.name,
                c.what,
                c.expected,
            );
        }
        if let Some(n) = self.spf_lookups {
            let _ = writeln!(
                out,
                "  SPF lookups of the MAIL FROM record: {n} of {MAX_DNS_TERMS}"
            );
        }
    }

    fn write_prediction(&self, out: &mut String) {
        let p = &self.prediction;
        let _ = writeln!(out, "What a receiver sees for mail from {}:", p.from_domain);
        if let Some(r) = &p.refused {
            let _ = writeln!(out, "  SES refuses the send: {r}");
        }
        let fallback = if p.silent_fallback {
            "  (silent fallback: the custom MAIL FROM is not in use)"
        } else {
            ""
        };
        let _ = writeln!(out, "  Return-Path  {}{fallback}", p.return_path_domain);
        let _ = writeln!(out, "  DKIM d=      {}", p.dkim_domains.join(", "));
        let _ = writeln!(
            out,
            "  SPF          {} for {}, aligned {}",
            p.spf,
            p.return_path_domain,
            yes(p.spf_aligned)
        );
        let _ = writeln!(out, "  DKIM         aligned {}", yes(p.dkim_aligned));
        let policy = p
            .dmarc_policy
            .as_deref()
            .map_or_else(String::new, |x| format!("  policy {x}"));
        let _ = writeln!(
            out,
            "  DMARC        {} for {}{policy}",
            p.dmarc, p.from_domain
        );
    }

    fn write_fixes(&self, out: &mut String) {
        for n in &self.notes {
            let _ = writeln!(out, "note: {n}");
        }
        if !self.missing.is_empty() {
            let _ = writeln!(out, "; Records still missing (BIND syntax):");
            for r in &self.missing {
                let _ = writeln!(out, "{r}");
            }
        }
        let _ = writeln!(
            out,
            "{}",
            if self.is_aligned() {
                "aligned: SPF and DKIM pass aligned, DMARC passes"
            } else {
                "not aligned: see the notes and missing records above"
            }
        );
    }
}

/// The DKIM attributes on one line.
fn dkim(dkim: Option<&DkimAttributes>) -> String {
    let Some(d) = dkim else {
        return "not configured".to_string();
    };
    format!(
        "signing {}, status {}, origin {}, key {} (next {}), tokens {}",
        d.signing(),
        d.status,
        d.origin,
        d.current_key_length.as_deref().unwrap_or("-"),
        d.next_key_length.as_deref().unwrap_or("-"),
        if d.tokens.is_empty() {
            "-".to_string()
        } else {
            d.tokens.join(" ")
        }
    )
}

/// The MAIL FROM attributes on one line.
fn mail_from(mail_from: Option<&MailFromAttributes>) -> String {
    match mail_from {
        Some(m) => format!(
            "{}, status {}, on MX failure {}",
            m.domain, m.status, m.behavior_on_mx_failure
        ),
        None => "not configured (SES default)".to_string(),
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}
