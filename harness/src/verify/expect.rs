use serde::Serialize;

use super::Verdict;
use crate::scenario::{Expectations, Outcome};

/// One unmet expectation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The expectation's key, e.g. `dmarc.result`.
    pub field: String,
    pub expected: String,
    pub found: String,
}

impl Mismatch {
    fn new(field: &str, expected: impl ToString, found: impl ToString) -> Mismatch {
        Mismatch {
            field: field.to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }
}

/// Compares the relay's answer with `expect.outcome`. `reply` is the final
/// SMTP reply the sender got; `None` when the message was delivered.
pub fn compare_outcome(expect: &Expectations, refused: Option<&str>) -> Vec<Mismatch> {
    let found = match refused {
        None => "delivered".to_string(),
        Some(reply) => format!("refused: {reply}"),
    };
    let ok = match (&expect.outcome, refused) {
        (None, _) => true,
        (Some(Outcome::Delivered), None) => true,
        (Some(Outcome::Refused(None)), Some(_)) => true,
        (Some(Outcome::Refused(Some(code))), Some(reply)) => reply.contains(code.as_str()),
        _ => false,
    };
    if ok {
        Vec::new()
    } else {
        vec![Mismatch::new(
            "outcome",
            expect
                .outcome
                .as_ref()
                .map_or_else(String::new, |o| o.to_string()),
            found,
        )]
    }
}

/// Every way `verdict` differs from `expect`.
pub fn compare(expect: &Expectations, verdict: &Verdict) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(pattern) = &expect.return_path_domain
        && !glob_match(pattern, &verdict.return_path_domain)
    {
        out.push(Mismatch::new(
            "return_path_domain",
            pattern,
            &verdict.return_path_domain,
        ));
    }
    if let Some(spf) = &expect.spf {
        if let Some(result) = &spf.result
            && !result.accepts(&verdict.spf.result)
        {
            out.push(Mismatch::new("spf.result", result, verdict.spf.result));
        }
        if let Some(domain) = &spf.domain
            && !glob_match(domain, &verdict.spf.domain)
        {
            out.push(Mismatch::new("spf.domain", domain, &verdict.spf.domain));
        }
        if let Some(result) = &spf.helo_result
            && !result.accepts(&verdict.spf.helo_result)
        {
            out.push(Mismatch::new(
                "spf.helo_result",
                result,
                verdict.spf.helo_result,
            ));
        }
    }
    if let Some(expected) = &expect.dkim {
        let mut found: Vec<Option<&super::DkimVerdict>> = verdict.dkim.iter().map(Some).collect();
        let mut missing = Vec::new();
        for e in expected {
            let hit = found.iter_mut().find(|f| {
                f.is_some_and(|f| {
                    f.domain == e.domain
                        && e.result.accepts(&f.result)
                        && e.selector.as_ref().is_none_or(|s| *s == f.selector)
                })
            });
            match hit {
                Some(slot) => *slot = None,
                None => missing.push(e),
            }
        }
        let extra: Vec<_> = found.into_iter().flatten().collect();
        if !missing.is_empty() || !extra.is_empty() {
            let expected = expected
                .iter()
                .map(|e| format!("{}: {}", e.domain, e.result))
                .collect::<Vec<_>>();
            let found = verdict
                .dkim
                .iter()
                .map(|f| format!("{}: {}", f.domain, f.result))
                .collect::<Vec<_>>();
            out.push(Mismatch::new(
                "dkim",
                format!("{{{}}}", expected.join(", ")),
                format!("{{{}}}", found.join(", ")),
            ));
        }
    }
    if let Some(dmarc) = &expect.dmarc {
        let d = &verdict.dmarc;
        if let Some(result) = &dmarc.result
            && !result.accepts(&d.result)
        {
            out.push(Mismatch::new("dmarc.result", result, d.result));
        }
        if let Some(policy) = dmarc.policy
            && Some(policy) != d.policy
        {
            out.push(Mismatch::new(
                "dmarc.policy",
                policy,
                d.policy
                    .map_or_else(|| "no record".to_string(), |p| p.to_string()),
            ));
        }
        if let Some(aligned) = dmarc.spf_aligned
            && aligned != d.spf_aligned
        {
            out.push(Mismatch::new("dmarc.spf_aligned", aligned, d.spf_aligned));
        }
        if let Some(aligned) = dmarc.dkim_aligned
            && aligned != d.dkim_aligned
        {
            out.push(Mismatch::new("dmarc.dkim_aligned", aligned, d.dkim_aligned));
        }
        if let Some(disposition) = &dmarc.disposition
            && !disposition.accepts(&d.disposition)
        {
            out.push(Mismatch::new(
                "dmarc.disposition",
                disposition,
                d.disposition,
            ));
        }
        if let Some(authorized) = dmarc.rua_authorized {
            let found = !d.rua.is_empty() && d.rua.iter().all(|r| r.authorized);
            if authorized != found {
                let list = d
                    .rua
                    .iter()
                    .map(|r| {
                        let state = if r.authorized {
                            "authorized"
                        } else {
                            "not authorized"
                        };
                        format!("{} ({state})", r.address)
                    })
                    .collect::<Vec<_>>();
                let found = if list.is_empty() {
                    "no rua".to_string()
                } else {
                    list.join(", ")
                };
                out.push(Mismatch::new("dmarc.rua_authorized", authorized, found));
            }
        }
    }
    if let Some(arc) = &expect.arc {
        if let Some(result) = &arc.result
            && !result.accepts(&verdict.arc.result)
        {
            out.push(Mismatch::new("arc.result", result, verdict.arc.result));
        }
        if let Some(sets) = arc.sets
            && sets != verdict.arc.sets
        {
            out.push(Mismatch::new("arc.sets", sets, verdict.arc.sets));
        }
    }
    out
}

/// `*` matches any run of characters (including dots); everything else
/// matches itself, case-insensitively.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let text = text.to_ascii_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(
            "*.amazonses.com",
            "ap-northeast-1.amazonses.com"
        ));
        assert!(!glob_match("*.amazonses.com", "amazonses.com"));
        assert!(glob_match("*amazonses.com", "amazonses.com"));
        assert!(glob_match("bounce.example.com", "BOUNCE.example.com"));
        assert!(glob_match("a*c*e", "abcde"));
        assert!(!glob_match("a*c*e", "abde"));
    }

    #[test]
    fn arc_and_rua_expectations_are_compared() {
        use crate::scenario::{ArcExpectation, DmarcExpectation};
        let expect = Expectations {
            arc: Some(ArcExpectation {
                result: Some(crate::scenario::AnyOf::one(
                    mailharness_auth::DkimResult::Pass,
                )),
                sets: Some(1),
            }),
            dmarc: Some(DmarcExpectation {
                rua_authorized: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        };
        let verdict = Verdict::default();
        let fields: Vec<String> = compare(&expect, &verdict)
            .into_iter()
            .map(|m| m.field)
            .collect();
        assert_eq!(fields, ["dmarc.rua_authorized", "arc.result", "arc.sets"]);
    }

    #[test]
    fn a_list_of_results_accepts_any_of_them() {
        use crate::scenario::{AnyOf, DmarcExpectation, SpfExpectation};
        use mailharness_auth::{DmarcResult, Policy, SpfResult};
        let expect = Expectations {
            spf: Some(SpfExpectation {
                result: Some(AnyOf(vec![SpfResult::TempError, SpfResult::PermError])),
                ..Default::default()
            }),
            dmarc: Some(DmarcExpectation {
                disposition: Some(AnyOf(vec![Policy::Quarantine, Policy::Reject])),
                result: Some(AnyOf::one(DmarcResult::Fail)),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut verdict = Verdict::default();
        verdict.spf.result = SpfResult::PermError;
        verdict.dmarc.result = DmarcResult::Fail;
        verdict.dmarc.disposition = Policy::Reject;
        assert!(compare(&expect, &verdict).is_empty());
        verdict.spf.result = SpfResult::Fail;
        verdict.dmarc.disposition = Policy::None;
        let found: Vec<String> = compare(&expect, &verdict)
            .into_iter()
            .map(|m| format!("{}: expected {}, found {}", m.field, m.expected, m.found))
            .collect();
        assert_eq!(
            found,
            [
                "spf.result: expected temperror or permerror, found fail",
                "dmarc.disposition: expected quarantine or reject, found none",
            ]
        );
    }

    #[test]
    fn refused_outcome_matches_the_error_code() {
        let expect = Expectations {
            outcome: Some(Outcome::Refused(Some("MailFromDomainNotVerified".into()))),
            ..Default::default()
        };
        assert!(
            compare_outcome(&expect, Some("554 5.7.1 MailFromDomainNotVerified: x")).is_empty()
        );
        assert_eq!(compare_outcome(&expect, None).len(), 1);
        assert_eq!(compare_outcome(&expect, Some("554 other")).len(), 1);
    }
}
