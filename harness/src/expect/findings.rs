//! `[expect] findings` and `no_findings` against the findings of a run.

use super::Mismatch;
use crate::{findings::Finding, scenario::Expectations};

/// Every code `findings` names must be among `found`; none that
/// `no_findings` names may be.
pub fn compare_findings<'a>(
    expect: &Expectations,
    found: impl IntoIterator<Item = &'a Finding>,
) -> Vec<Mismatch> {
    let found: Vec<&Finding> = found.into_iter().collect();
    let mut codes: Vec<&str> = found.iter().map(|f| f.code.as_str()).collect();
    codes.dedup();
    let mut out = Vec::new();
    for code in &expect.findings {
        if !found.iter().any(|f| f.code == *code) {
            out.push(Mismatch::new(
                "findings",
                code,
                if codes.is_empty() {
                    "no findings".to_string()
                } else {
                    format!("only {}", codes.join(", "))
                },
            ));
        }
    }
    for code in &expect.no_findings {
        if let Some(f) = found.iter().find(|f| f.code == *code) {
            out.push(Mismatch::new(
                "no_findings",
                code,
                format!("{} {code}: {}", f.severity, f.message),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Code;

    #[test]
    fn expected_and_unwanted_codes() {
        let expect = Expectations {
            findings: vec![Code::MailFromFallback],
            no_findings: vec![Code::DmarcSingleMechanism],
            ..Default::default()
        };
        let fallback = Finding::new(Code::MailFromFallback, "fell back");
        let single = Finding::new(Code::DmarcSingleMechanism, "rests on DKIM alone");
        assert!(compare_findings(&expect, [&fallback]).is_empty());
        let both = compare_findings(&expect, [&fallback, &single]);
        assert_eq!(both.len(), 1);
        assert_eq!(both[0].field, "no_findings");
        assert_eq!(
            both[0].found,
            "warning dmarc-single-mechanism: rests on DKIM alone"
        );
        let none = compare_findings(&expect, []);
        assert_eq!(none[0].expected, "mail-from-fallback");
        assert_eq!(none[0].found, "no findings");
    }
}
