//! DMARC as the From domain's owner needs to read it: failing and why,
//! passing on one mechanism and what breaks it, monitoring only, missing,
//! and where its aggregate reports (do not) go.

use mailharness_auth::{DkimResult, DmarcResult, Policy, PublishedPolicy, SpfResult};

use super::{
    Code, Finding, Fix, Path,
    ses::{dkim_link, easy_dkim_signs, org_domain, restore_dkim, restore_spf, spf_link, under},
};
use crate::{
    receiver::{Disposition, ReceiverOutcome},
    ses::dmarc_record_of,
    verify::Verdict,
};

pub(super) fn findings(
    path: &Path<'_>,
    v: &Verdict,
    outcomes: &[ReceiverOutcome],
    out: &mut Vec<Finding>,
) {
    let d = &v.dmarc;
    if d.domain.is_empty() {
        return;
    }
    match d.result {
        DmarcResult::Fail => out.push(fail(path, v, outcomes)),
        DmarcResult::TempError | DmarcResult::PermError => out.push(
            Finding::new(
                Code::DmarcError,
                format!(
                    "DMARC {} for {}: {}",
                    d.result,
                    d.domain,
                    d.notes
                        .first()
                        .map(String::as_str)
                        .unwrap_or("the policy could not be determined")
                ),
            )
            .chain(d.notes.iter().skip(1).cloned()),
        ),
        DmarcResult::None if d.published.is_none() => out.push(missing(v)),
        DmarcResult::Pass if d.spf_aligned != d.dkim_aligned => {
            out.push(single_mechanism(path, v));
        }
        _ => {}
    }
    if let Some(published) = &d.published {
        if d.policy == Some(Policy::None) {
            out.push(monitoring_only(v, published));
        }
        if d.rua.is_empty() {
            out.push(
                Finding::new(
                    Code::RuaMissing,
                    format!(
                        "the DMARC record of {} has no rua=: nobody receives aggregate reports, so a failure such as a MAIL FROM fallback goes unnoticed",
                        published.domain
                    ),
                )
                .fix(Some(Fix {
                    text: format!(
                        "add rua= with a mailbox you read to the record at _dmarc.{}",
                        published.domain
                    ),
                    records: vec![
                        dmarc_record_of(
                            &published.domain,
                            &record_text(
                                published,
                                published.p,
                                &[format!("dmarc-reports@{}", published.domain)],
                            ),
                        )
                        .to_string(),
                    ],
                    ses: Vec::new(),
                })),
            );
        }
        for rua in d.rua.iter().filter(|r| !r.authorized) {
            let host = mailharness_auth::domain_of(&rua.address);
            let name = format!("{}._report._dmarc.{host}.", published.domain);
            out.push(
                Finding::new(
                    Code::RuaUnauthorised,
                    format!(
                        "{} receives none of {}'s aggregate reports: {host} is outside the policy domain and publishes no {} record",
                        rua.address,
                        published.domain,
                        name.trim_end_matches('.')
                    ),
                )
                .chain([
                    format!("rua=mailto:{}", rua.address),
                    format!("no TXT \"v=DMARC1\" at {}", name.trim_end_matches('.')),
                    "receivers send no reports there (RFC 7489 §7.1)".to_string(),
                ])
                .fix(Some(Fix {
                    text: format!("the owner of {host} authorises the reports with"),
                    records: vec![mock_dns::Record::txt(&name, 300, "v=DMARC1").to_string()],
                    ses: Vec::new(),
                })),
            );
        }
    }
    if let Some(other) = &v.dmarc_other_spec {
        out.push(
            Finding::new(
                Code::DmarcSpecDiffers,
                format!(
                    "under {}, DMARC for {} is {} (disposition {}), where {} says {} (disposition {})",
                    other.spec, d.domain, other.result, other.disposition, d.spec, d.result, d.disposition
                ),
            )
            .chain(other.why.iter().cloned()),
        );
    }
}

/// DMARC fails: what passed and for whom, why nothing aligned, and the
/// fixes that make each mechanism align.
fn fail(path: &Path<'_>, v: &Verdict, outcomes: &[ReceiverOutcome]) -> Finding {
    let d = &v.dmarc;
    let mut passed = Vec::new();
    let mut mechanisms = Vec::new();
    if v.spf.result == SpfResult::Pass {
        passed.push(v.spf.domain.clone());
        mechanisms.push("SPF");
    }
    for sig in v.dkim.iter().filter(|s| s.result == DkimResult::Pass) {
        if !passed.contains(&sig.domain) {
            passed.push(sig.domain.clone());
        }
        if !mechanisms.contains(&"DKIM") {
            mechanisms.push("DKIM");
        }
    }
    let strict = d
        .published
        .as_ref()
        .is_some_and(|p| p.adkim == "s" || p.aspf == "s");
    let message = if passed.is_empty() {
        format!(
            "DMARC fails for {}: neither SPF nor a DKIM signature passes",
            d.domain
        )
    } else {
        format!(
            "DMARC fails for {}: {} pass{}, but for {}, none aligned with {}{}",
            d.domain,
            mechanisms.join(" and "),
            if mechanisms.len() == 1 { "es" } else { "" },
            passed.join(" and "),
            d.domain,
            if strict { " (strict alignment)" } else { "" }
        )
    };
    let mut chain = vec![
        spf_link(path, v),
        dkim_link(path, v),
        format!(
            "DMARC fail (p={})",
            d.policy
                .map_or_else(|| "none published".to_string(), |p| p.to_string())
        ),
    ];
    let refused: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.disposition == Disposition::Reject)
        .map(|o| o.profile.as_str())
        .collect();
    if !refused.is_empty() {
        chain.push(format!("refused by {}", refused.join(", ")));
    }
    let mut fix = relax_alignment(v);
    if !d.spf_aligned {
        fix = either_fix(fix, restore_spf(path, v));
    }
    if !d.dkim_aligned {
        fix = either_fix(fix, restore_dkim(path, v));
    }
    Finding::new(Code::DmarcFail, message).chain(chain).fix(fix)
}

/// DMARC passes through one mechanism: which, why the other does not
/// count, what would break the one left, and how to restore the other.
fn single_mechanism(path: &Path<'_>, v: &Verdict) -> Finding {
    let d = &v.dmarc;
    let policy = d.policy.unwrap_or_default();
    let consequence = match policy {
        Policy::Reject => "p=reject refuses the message",
        Policy::Quarantine => "p=quarantine sends it to spam",
        Policy::None => "p=none, but Gmail's, Yahoo's and Outlook.com's bulk rules refuse it",
    };
    let mut chain = Vec::new();
    let (mechanism, other, breaker, fix) = if d.dkim_aligned {
        chain.push(spf_link(path, v));
        let mut signers: Vec<String> = v
            .dkim
            .iter()
            .filter(|s| s.aligned)
            .map(|s| format!("d={}", s.domain))
            .collect();
        signers.dedup();
        chain.push(format!("DMARC passes on DKIM {} alone", signers.join(", ")));
        let lost_key = if easy_dkim_signs(path) {
            "one lost Easy DKIM CNAME"
        } else {
            "a lost key record"
        };
        (
            "DKIM",
            format!("SPF {} for {}, not aligned", v.spf.result, v.spf.domain),
            format!("a forwarder or list that changes the body, or {lost_key}, fails DKIM"),
            either_fix(relax_alignment(v), restore_spf(path, v)),
        )
    } else {
        chain.push(dkim_link(path, v));
        chain.push(format!("DMARC passes on SPF for {} alone", v.spf.domain));
        (
            "SPF",
            if v.dkim.iter().any(|s| s.result == DkimResult::Pass) {
                "no passing DKIM signature is aligned".to_string()
            } else {
                "no DKIM signature passes".to_string()
            },
            "a forwarder re-sending from its own address fails SPF".to_string(),
            either_fix(relax_alignment(v), restore_dkim(path, v)),
        )
    };
    chain.push(breaker);
    chain.push(format!("then DMARC fails: {consequence}"));
    Finding::new(
        Code::DmarcSingleMechanism,
        format!(
            "DMARC for {} (p={policy}) rests on {mechanism} alone: {other}",
            d.domain
        ),
    )
    .chain(chain)
    .fix(fix)
}

fn either_fix(a: Option<Fix>, b: Option<Fix>) -> Option<Fix> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.and(b)),
        (a, b) => a.or(b),
    }
}

/// Strict alignment (`aspf=s`, `adkim=s`) that refuses an identifier which
/// passed inside the From domain's organization: relaxed alignment would
/// accept it.
fn relax_alignment(v: &Verdict) -> Option<Fix> {
    let d = &v.dmarc;
    let published = d.published.as_ref()?;
    let org = org_domain(v);
    let spf_strict = published.aspf == "s"
        && !d.spf_aligned
        && v.spf.result == SpfResult::Pass
        && under(&v.spf.domain, &org);
    let dkim_strict = published.adkim == "s"
        && !d.dkim_aligned
        && v.dkim
            .iter()
            .any(|s| s.result == DkimResult::Pass && under(&s.domain, &org));
    if !spf_strict && !dkim_strict {
        return None;
    }
    let mut relaxed = published.clone();
    let mut what = Vec::new();
    if spf_strict {
        relaxed.aspf = "r".into();
        what.push(format!("aspf=s refuses SPF for {}", v.spf.domain));
    }
    if dkim_strict {
        relaxed.adkim = "r".into();
        what.push("adkim=s refuses the signature of another domain of the organization".into());
    }
    let rua: Vec<String> = d.rua.iter().map(|r| r.address.clone()).collect();
    Some(Fix {
        text: format!(
            "{}: relaxed alignment accepts any domain of {org}",
            what.join(", ")
        ),
        records: vec![
            dmarc_record_of(&published.domain, &record_text(&relaxed, relaxed.p, &rua)).to_string(),
        ],
        ses: Vec::new(),
    })
}

/// `p=none`: the step to take next.
fn monitoring_only(v: &Verdict, published: &PublishedPolicy) -> Finding {
    let d = &v.dmarc;
    let passes = d.result == DmarcResult::Pass;
    let chain: Vec<String> = if passes {
        vec![
            "DMARC passes aligned".into(),
            "next: p=quarantine, once the aggregate reports show all your mail aligned".into(),
            "then p=reject".into(),
        ]
    } else {
        vec![
            "DMARC does not pass yet".into(),
            "fix that first (above): a stricter policy now junks or refuses this mail".into(),
            "then p=quarantine, then p=reject".into(),
        ]
    };
    let rua: Vec<String> = d.rua.iter().map(|r| r.address.clone()).collect();
    let fix = passes.then(|| Fix {
        text: format!(
            "when the reports show all your mail aligned, move {} to quarantine",
            if published.domain == d.domain || published.p == Policy::None {
                "p"
            } else {
                "sp"
            }
        ),
        records: vec![
            dmarc_record_of(
                &published.domain,
                &record_text(published, Policy::Quarantine, &rua),
            )
            .to_string(),
        ],
        ses: Vec::new(),
    });
    Finding::new(
        Code::DmarcMonitoringOnly,
        format!(
            "DMARC for {} is p=none: receivers report failures but act on none of them",
            d.domain
        ),
    )
    .chain(chain)
    .fix(fix)
}

/// No DMARC record anywhere up the tree.
fn missing(v: &Verdict) -> Finding {
    let d = &v.dmarc;
    let org = org_domain(v);
    let at = if under(&d.domain, &org) && d.domain != org {
        format!("{} nor {org}", d.domain)
    } else {
        d.domain.clone()
    };
    Finding::new(
        Code::DmarcMissing,
        format!(
            "no DMARC record for {at}: receivers apply no policy, and Gmail's, Yahoo's and Outlook.com's bulk rules require one"
        ),
    )
    .chain([
        format!("no TXT \"v=DMARC1…\" at _dmarc.{org}"),
        "DMARC none".to_string(),
        "bulk senders are deferred or refused (Gmail 4.7.31/5.7.26, Outlook.com 5.7.515)"
            .to_string(),
    ])
    .fix(Some(Fix {
        text: format!(
            "publish a DMARC record for {org}, monitoring first (p=none) with reports to a mailbox you read"
        ),
        records: vec![
            dmarc_record_of(
                &org,
                &format!("v=DMARC1; p=none; rua=mailto:dmarc-reports@{org}"),
            )
            .to_string(),
        ],
        ses: Vec::new(),
    }))
}

/// A DMARC record's text with policy `p` and reports to `rua`, keeping
/// the published record's other choices.
fn record_text(published: &PublishedPolicy, p: Policy, rua: &[String]) -> String {
    let mut text = format!("v=DMARC1; p={p}");
    if published.sp != published.p {
        text.push_str(&format!("; sp={}", published.sp));
    }
    if published.adkim == "s" {
        text.push_str("; adkim=s");
    }
    if published.aspf == "s" {
        text.push_str("; aspf=s");
    }
    if published.pct != 100 {
        text.push_str(&format!("; pct={}", published.pct));
    }
    if !rua.is_empty() {
        let list: Vec<String> = rua.iter().map(|a| format!("mailto:{a}")).collect();
        text.push_str(&format!("; rua={}", list.join(",")));
    }
    text
}
