//! One message under one specification: the Author Domain(s) (RFC 7489
//! §6.6.1, RFC 9989 §5.3.1), policy discovery, identifier alignment
//! (RFC 7489 §3.1, RFC 9989 §4.4 and §4.10.2), the result (RFC 7489
//! §6.6.2, RFC 9989 §5.3.5), the policy that applies (`p`, `sp`, `np`) and
//! the disposition (`pct` in RFC 7489 §6.6.4, `t` in RFC 9989 §4.7).

use super::{
    DmarcInput, DmarcOutcome, FoundRecord,
    discover::{DnsTempError, OrgDomains, RecordLevel, discover, domain_exists, normalize_domain},
    record::Usable,
    report,
};
use crate::{DkimResult, DmarcResult, DmarcSpec, Policy, SpfResult, dns::Lookup, join::join_all};

/// The most distinct Author Domains evaluated for one message. RFC 9989
/// §11.5: evaluating many is a denial-of-service risk, and when not all
/// are evaluated the evaluation is incomplete.
const MAX_AUTHOR_DOMAINS: usize = 10;

/// The distinct Author Domains of a message, normalised, in order.
fn author_domains(from_fields: usize, from_domains: &[String]) -> Vec<String> {
    let mut domains: Vec<String> = Vec::new();
    if from_fields > 0 {
        for domain in from_domains {
            let domain = normalize_domain(domain);
            if !domain.is_empty() && !domains.contains(&domain) {
                domains.push(domain);
            }
        }
    }
    domains
}

/// Policy discovery for every Author Domain [`evaluate`] would evaluate,
/// under both specifications, all at once.
pub(crate) async fn prefetch<L: Lookup>(lookup: &L, from_fields: usize, from_domains: &[String]) {
    let domains = author_domains(from_fields, from_domains);
    if domains.len() > MAX_AUTHOR_DOMAINS {
        return;
    }
    join_all(domains.iter().flat_map(|domain| {
        [DmarcSpec::Rfc7489, DmarcSpec::Rfc9989].map(|spec| discover(lookup, spec, domain))
    }))
    .await;
}

pub(crate) async fn evaluate<L: Lookup>(
    lookup: &L,
    spec: DmarcSpec,
    input: &DmarcInput<'_>,
) -> DmarcOutcome {
    let mut notes = Vec::new();
    let domains = author_domains(input.from_fields, input.from_domains);
    if input.from_fields > 1 {
        notes.push(format!(
            "the message has {} From header fields, where RFC 5322 §3.6 allows one; {}",
            input.from_fields,
            match spec {
                DmarcSpec::Rfc7489 => {
                    "RFC 7489 §5 and §6.6.1 leave such messages outside DMARC's scope: every \
                     domain found is evaluated as §6.6.1 does for a From field with several \
                     domains, so that none escapes its policy"
                }
                DmarcSpec::Rfc9989 => {
                    "RFC 9989 §4.4 and §11.5 leave a repeated From field outside its scope and \
                     warn of it as an attack: every domain found is evaluated, so that none \
                     escapes its policy"
                }
            }
        ));
    }
    if input.from_domains.len() > 1 {
        notes.push(format!(
            "the From field(s) hold {} addresses, {} distinct domain(s)",
            input.from_domains.len(),
            domains.len()
        ));
    }

    let mut orgs = OrgDomains::new(lookup, spec);
    let mut outcome = match domains.len() {
        0 => no_author_domain(spec, input, &mut notes),
        1 => evaluate_author(lookup, spec, &domains[0], input, &mut orgs).await,
        n if n > MAX_AUTHOR_DOMAINS => {
            let mut out = blank(spec, "", input.dkim.len());
            out.result = DmarcResult::PermError;
            notes.push(format!(
                "{n} distinct author domains, more than the {MAX_AUTHOR_DOMAINS} evaluated: the \
                 evaluation would be incomplete, permerror (RFC 9989 §11.5)"
            ));
            out
        }
        _ => several_author_domains(lookup, spec, &domains, input, &mut notes, &mut orgs).await,
    };
    notes.append(&mut outcome.notes);
    outcome.notes = notes;
    outcome
}

/// An outcome with nothing found yet: result `none`, nothing aligned.
fn blank(spec: DmarcSpec, author: &str, signatures: usize) -> DmarcOutcome {
    DmarcOutcome {
        spec,
        result: DmarcResult::None,
        author_domain: author.to_string(),
        org_domain: None,
        record: None,
        policy: None,
        policy_tag: None,
        spf_aligned: false,
        dkim_aligned: vec![false; signatures],
        disposition: Policy::None,
        unsampled_disposition: None,
        notes: Vec::new(),
    }
}

/// No From field, or one without a domain.
fn no_author_domain(
    spec: DmarcSpec,
    input: &DmarcInput<'_>,
    notes: &mut Vec<String>,
) -> DmarcOutcome {
    let mut out = blank(spec, "", input.dkim.len());
    notes.push(
        if input.from_fields == 0 {
            "the message has no From header field, so no Author Domain"
        } else {
            "the From field holds no address with a domain, so no Author Domain"
        }
        .to_string(),
    );
    match spec {
        DmarcSpec::Rfc7489 => {
            out.result = DmarcResult::None;
            notes.push(
                "RFC 7489 §5 and §6.6.1 leave such a message outside DMARC's scope; result none, \
                 which RFC 7489 §11.2 defines for \"no aligned identifier could be extracted\""
                    .to_string(),
            );
        }
        DmarcSpec::Rfc9989 => {
            out.result = DmarcResult::PermError;
            notes.push(
                "RFC 9989 §5.3.1: with zero domains DMARC validation is not possible and the \
                 process terminates; permerror (§9.2: an unrecoverable error), since none would \
                 say that no DMARC Policy Record exists"
                    .to_string(),
            );
        }
    }
    out
}

/// Several Author Domains: RFC 7489 §6.6.1 evaluates each and applies the
/// strictest policy among those that fail. RFC 9989 §5.3.1 says DMARC
/// validation is not possible but lets the receiver go on; the judge goes
/// on the way §11.5 recommends, which is RFC 7489's.
async fn several_author_domains<L: Lookup>(
    lookup: &L,
    spec: DmarcSpec,
    domains: &[String],
    input: &DmarcInput<'_>,
    notes: &mut Vec<String>,
    orgs: &mut OrgDomains<'_, L>,
) -> DmarcOutcome {
    notes.push(match spec {
        DmarcSpec::Rfc7489 => format!(
            "{} author domains: each is evaluated and the strictest policy among those that \
             fail applies (RFC 7489 §6.6.1)",
            domains.len()
        ),
        DmarcSpec::Rfc9989 => format!(
            "{} author domains: RFC 9989 §5.3.1 says DMARC validation is not possible but the \
             receiver MAY go on; the judge goes on as §11.5 recommends: each is evaluated and \
             the strictest policy among those that fail applies",
            domains.len()
        ),
    });
    let mut outcomes = Vec::with_capacity(domains.len());
    for domain in domains {
        outcomes.push(evaluate_author(lookup, spec, domain, input, orgs).await);
    }
    for o in &outcomes {
        notes.push(format!(
            "author domain {}: {}{}",
            o.author_domain,
            o.result,
            o.policy
                .map(|p| format!(", policy {p}, disposition {}", o.disposition))
                .unwrap_or_default()
        ));
    }
    let pick = decisive(&outcomes);
    let chosen = outcomes.swap_remove(pick);
    notes.push(format!("{} decides", chosen.author_domain));
    chosen
}

/// The outcome that decides among several: the failing one with the
/// strictest disposition (then policy), else a temperror, a permerror, a
/// pass, and last a none; the first one on ties.
fn decisive(outcomes: &[DmarcOutcome]) -> usize {
    let strictness = |o: &DmarcOutcome| (o.disposition, o.policy);
    let mut best: Option<usize> = None;
    for (i, o) in outcomes.iter().enumerate() {
        if o.result == DmarcResult::Fail
            && best.is_none_or(|b| strictness(o) > strictness(&outcomes[b]))
        {
            best = Some(i);
        }
    }
    if let Some(best) = best {
        return best;
    }
    for wanted in [
        DmarcResult::TempError,
        DmarcResult::PermError,
        DmarcResult::Pass,
    ] {
        if let Some(i) = outcomes.iter().position(|o| o.result == wanted) {
            return i;
        }
    }
    0
}

/// Whether an identifier aligns with the author domain.
async fn aligned<L: Lookup>(
    mode: char,
    author: &str,
    author_org: &Result<String, DnsTempError>,
    identifier: &str,
    orgs: &mut OrgDomains<'_, L>,
) -> Result<bool, DnsTempError> {
    // Strict: identical (RFC 7489 §3.1.1, §3.1.2; RFC 9989 §3.2.10.2),
    // compared case-insensitively, both being normalised.
    if identifier == author {
        return Ok(true);
    }
    if mode == 's' {
        return Ok(false);
    }
    // Relaxed: the same organizational domain. An organizational domain is
    // always the domain itself or one of its parents, so an identifier
    // outside the author's organizational domain needs no lookup.
    let author_org = author_org.clone()?;
    if identifier != author_org && !identifier.ends_with(&format!(".{author_org}")) {
        return Ok(false);
    }
    Ok(orgs.get(identifier).await? == author_org)
}

/// DMARC for one Author Domain (normalised).
async fn evaluate_author<L: Lookup>(
    lookup: &L,
    spec: DmarcSpec,
    author: &str,
    input: &DmarcInput<'_>,
    orgs: &mut OrgDomains<'_, L>,
) -> DmarcOutcome {
    let mut out = blank(spec, author, input.dkim.len());
    let discovered = discover(lookup, spec, author).await;
    out.notes.extend(discovered.notes);
    orgs.remember(author, discovered.org_domain.clone());
    out.org_domain = discovered.org_domain.as_ref().ok().cloned();

    let (policy_domain, record, level) = match discovered.policy {
        Err(e) => {
            out.result = DmarcResult::TempError;
            out.notes.push(format!(
                "{e}: DMARC temperror, a later attempt might reach a result ({})",
                match spec {
                    DmarcSpec::Rfc7489 =>
                        "RFC 7489 §6.6.3: a transient error is not an absent record",
                    DmarcSpec::Rfc9989 => "RFC 9989 §4.10.1, §5.3.6",
                }
            ));
            return out;
        }
        Ok(None) => {
            out.notes.push(format!(
                "no DMARC record applies to {author}: DMARC does not apply ({})",
                match spec {
                    DmarcSpec::Rfc7489 => "RFC 7489 §6.6.3",
                    DmarcSpec::Rfc9989 => "RFC 9989 §4.10.1, §5.3.2",
                }
            ));
            return out;
        }
        Ok(Some(found)) => found,
    };

    let reading = record.read(spec);
    out.notes.extend(
        reading
            .notes
            .iter()
            .map(|n| format!("_dmarc.{policy_domain}: {n}")),
    );
    if reading.usable == Usable::NotApplied {
        out.notes.push(format!(
            "the record at _dmarc.{policy_domain} ({:?}) is not applied",
            record.text
        ));
        return out;
    }
    if level != RecordLevel::Author {
        out.notes.push(format!(
            "policy from the {} record at _dmarc.{policy_domain}",
            level.as_str()
        ));
    }

    // The policy: p for the author domain's own record; for a record found
    // above it, sp (RFC 7489 §6.3; RFC 9989 §4.10.1: np when the author
    // domain does not exist), else p.
    let inherited = reading.sp.map(|sp| (sp, "sp")).unwrap_or((reading.p, "p"));
    let chosen: Option<(Policy, &'static str)> = match (level, spec, reading.np) {
        (RecordLevel::Author, _, _) => Some((reading.p, "p")),
        (_, DmarcSpec::Rfc9989, Some(np)) => match domain_exists(lookup, author).await {
            Ok(true) => Some(inherited),
            Ok(false) => {
                out.notes.push(format!(
                    "{author} does not exist (NXDOMAIN, RFC 9989 §3.2.13): np applies"
                ));
                Some((np, "np"))
            }
            Err(e) => {
                out.notes.push(format!(
                    "whether {author} exists, which decides between np and sp, is unknown: {e}"
                ));
                None
            }
        },
        _ => Some(inherited),
    };
    out.policy = chosen.map(|(p, _)| p);
    out.policy_tag = chosen.map(|(_, tag)| tag);

    // Alignment: only a passing SPF result and passing DKIM signatures are
    // authenticated identifiers (RFC 7489 §4.2, RFC 9989 §4.4.1, §4.4.2).
    let author_org = orgs.get(author).await;
    let mut undetermined = Vec::new();
    let (spf_result, spf_domain) = input.spf;
    let spf_domain = normalize_domain(spf_domain);
    if spf_result == SpfResult::Pass && !spf_domain.is_empty() {
        match aligned(reading.aspf, author, &author_org, &spf_domain, orgs).await {
            Ok(yes) => out.spf_aligned = yes,
            Err(e) => undetermined.push(format!("SPF domain {spf_domain}: {e}")),
        }
    } else if spf_result == SpfResult::TempError {
        out.notes.push(format!(
            "SPF temperror for {spf_domain} is not a pass and does not count; a later attempt \
             might pass"
        ));
    }
    for (i, (result, domain)) in input.dkim.iter().enumerate() {
        let domain = normalize_domain(domain);
        if *result == DkimResult::Pass && !domain.is_empty() {
            match aligned(reading.adkim, author, &author_org, &domain, orgs).await {
                Ok(yes) => out.dkim_aligned[i] = yes,
                Err(e) => undetermined.push(format!("DKIM d={domain}: {e}")),
            }
        } else if *result == DkimResult::TempError {
            out.notes.push(format!(
                "DKIM temperror for d={domain} is not a pass and does not count; a later \
                 attempt might pass"
            ));
        }
    }

    let passed = out.spf_aligned || out.dkim_aligned.iter().any(|a| *a);
    out.result = if passed {
        DmarcResult::Pass
    } else if !undetermined.is_empty() {
        out.notes.push(format!(
            "alignment undetermined ({}): DMARC temperror ({})",
            undetermined.join("; "),
            match spec {
                DmarcSpec::Rfc7489 => "RFC 7489 §6.6.3",
                DmarcSpec::Rfc9989 => "RFC 9989 §5.3.6",
            }
        ));
        DmarcResult::TempError
    } else if out.policy.is_none() {
        out.notes
            .push("DMARC fails but the policy is unknown: temperror (RFC 9989 §5.3.6)".to_string());
        DmarcResult::TempError
    } else {
        out.notes.push(format!(
            "no authenticated identifier aligned with {author} (aspf={}, adkim={})",
            reading.aspf, reading.adkim
        ));
        DmarcResult::Fail
    };

    // The disposition.
    if let (DmarcResult::Fail, Some(policy)) = (out.result, out.policy) {
        match spec {
            DmarcSpec::Rfc7489 => {
                out.disposition = policy;
                if reading.pct < 100 {
                    let rest = policy.next_lower();
                    out.unsampled_disposition = Some(rest);
                    out.notes.push(format!(
                        "pct={}: {policy} for {}% of failing messages, {rest} for the others \
                         (RFC 7489 §6.6.4)",
                        reading.pct, reading.pct
                    ));
                }
            }
            DmarcSpec::Rfc9989 => {
                if reading.testing && policy != Policy::None {
                    out.disposition = policy.next_lower();
                    out.notes.push(format!(
                        "t=y: {} instead of {policy}, one level below (RFC 9989 §4.7)",
                        out.disposition
                    ));
                } else {
                    out.disposition = policy;
                }
            }
        }
    }

    let rua = report::authorize(lookup, &policy_domain, &reading.rua, orgs).await;
    out.record = Some(FoundRecord {
        domain: policy_domain,
        level,
        text: record.text,
        adkim: reading.adkim,
        aspf: reading.aspf,
        p: reading.p,
        sp: reading.sp,
        np: reading.np,
        pct: reading.pct,
        testing: reading.testing,
        psd: reading.psd,
        fo: reading.fo,
        rua,
    });
    out
}
