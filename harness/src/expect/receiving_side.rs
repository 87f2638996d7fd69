//! Live mode: the verdict against what the receiving side (SES inbound)
//! wrote in its own `Authentication-Results`.

use mailharness_auth::DkimResult;

use super::Mismatch;
use crate::verify::Verdict;

/// The receiving side's results, as it wrote them.
#[derive(Clone, Debug, Default)]
pub struct ReceivingSide<'a> {
    /// SPF for MAIL FROM.
    pub spf: Option<&'a str>,
    /// Every DKIM result.
    pub dkim: &'a [String],
    pub dmarc: Option<&'a str>,
}

/// Where the receiving side and the harness disagree: SPF's result,
/// whether any DKIM signature passed, DMARC's result. `expected` is the
/// receiving side's, `found` the harness's.
pub fn compare_with_receiving_side(theirs: &ReceivingSide<'_>, verdict: &Verdict) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut check = |field: &str, theirs: Option<&str>, ours: &str| {
        if let Some(theirs) = theirs
            && !theirs.eq_ignore_ascii_case(ours)
        {
            out.push(Mismatch::new(
                &format!("receiver.{field}"),
                format!("{theirs} (the receiving side's Authentication-Results)"),
                format!("{ours} (mailharness)"),
            ));
        }
    };
    check("spf", theirs.spf, verdict.spf.result.as_str());
    let their_dkim = (!theirs.dkim.is_empty()).then(|| {
        if theirs.dkim.iter().any(|r| r.eq_ignore_ascii_case("pass")) {
            "pass"
        } else {
            "no pass"
        }
    });
    let ours_pass = verdict.dkim.iter().any(|d| d.result == DkimResult::Pass);
    check(
        "dkim",
        their_dkim,
        if ours_pass { "pass" } else { "no pass" },
    );
    check("dmarc", theirs.dmarc, verdict.dmarc.result.as_str());
    out
}

#[cfg(test)]
mod tests {
    use mailharness_auth::{DmarcResult, SpfResult};

    use super::*;

    #[test]
    fn disagreements_name_both_sides() {
        let mut verdict = Verdict::default();
        verdict.spf.result = SpfResult::Pass;
        verdict.dmarc.result = DmarcResult::Pass;
        let dkim = vec!["fail".to_string()];
        let theirs = ReceivingSide {
            spf: Some("pass"),
            dkim: &dkim,
            dmarc: Some("fail"),
        };
        let found: Vec<String> = compare_with_receiving_side(&theirs, &verdict)
            .into_iter()
            .map(|m| format!("{}: {} / {}", m.field, m.expected, m.found))
            .collect();
        assert_eq!(
            found,
            [
                "receiver.dmarc: fail (the receiving side's Authentication-Results) / pass (mailharness)"
            ]
        );
    }
}
