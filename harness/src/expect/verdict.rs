use super::{Mismatch, fields::read};
use crate::{scenario::Expectations, verify::Verdict};

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
            out.push(Mismatch::new(
                "spf.result",
                result,
                read("spf.result", verdict),
            ));
        }
        if let Some(domain) = &spf.domain
            && !glob_match(domain, &verdict.spf.domain)
        {
            out.push(Mismatch::new(
                "spf.domain",
                domain,
                read("spf.domain", verdict),
            ));
        }
        if let Some(result) = &spf.helo_result
            && !result.accepts(&verdict.spf.helo_result)
        {
            out.push(Mismatch::new(
                "spf.helo_result",
                result,
                read("spf.helo_result", verdict),
            ));
        }
    }
    if let Some(expected) = &expect.dkim {
        let mut found: Vec<Option<&crate::verify::DkimVerdict>> =
            verdict.dkim.iter().map(Some).collect();
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
            out.push(Mismatch::new(
                "dkim",
                format!("{{{}}}", expected.join(", ")),
                read("dkim", verdict),
            ));
        }
    }
    if let Some(dmarc) = &expect.dmarc {
        let d = &verdict.dmarc;
        if let Some(result) = &dmarc.result
            && !result.accepts(&d.result)
        {
            out.push(Mismatch::new(
                "dmarc.result",
                result,
                read("dmarc.result", verdict),
            ));
        }
        if let Some(policy) = dmarc.policy
            && Some(policy) != d.policy
        {
            out.push(Mismatch::new(
                "dmarc.policy",
                policy,
                read("dmarc.policy", verdict),
            ));
        }
        if let Some(aligned) = dmarc.spf_aligned
            && aligned != d.spf_aligned
        {
            out.push(Mismatch::new(
                "dmarc.spf_aligned",
                aligned,
                read("dmarc.spf_aligned", verdict),
            ));
        }
        if let Some(aligned) = dmarc.dkim_aligned
            && aligned != d.dkim_aligned
        {
            out.push(Mismatch::new(
                "dmarc.dkim_aligned",
                aligned,
                read("dmarc.dkim_aligned", verdict),
            ));
        }
        if let Some(disposition) = &dmarc.disposition
            && !disposition.accepts(&d.disposition)
        {
            out.push(Mismatch::new(
                "dmarc.disposition",
                disposition,
                read("dmarc.disposition", verdict),
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
            out.push(Mismatch::new(
                "arc.result",
                result,
                read("arc.result", verdict),
            ));
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
}
