//! What SES did with the identity, from SES's own check of its DNS (the
//! check the relay decided with): an unverified sender, the MAIL FROM
//! refusal or silent fallback, a custom MAIL FROM without SPF, an own key
//! that does not sign. And the SES-side fixes other findings point to.

use mailharness_auth::SpfResult;

use super::{Code, Finding, Fix, Path};
use crate::{
    relay::{MxFailure, SesIdentity},
    ses::{
        self, AuthorKey, KeyRecordProblem, MailFromCheck, MailFromStatus, easy_dkim_records,
        mail_from_records,
    },
    verify::Verdict,
};

/// Whether `domain` is `parent` or below it.
pub(super) fn under(domain: &str, parent: &str) -> bool {
    domain == parent || domain.ends_with(&format!(".{parent}"))
}

/// Findings about the send itself, which hold whether or not a message
/// arrived: SES refusing an unverified sender, or refusing every send while
/// the custom MAIL FROM fails under `REJECT_MESSAGE`.
pub(super) fn send(path: &Path<'_>, out: &mut Vec<Finding>) {
    let Some((id, check)) = path.ses else {
        return;
    };
    let (identity, region) = (&id.identity, &id.region);
    if let Some(from) = path.from_domain
        && !under(from, identity)
    {
        out.push(
            Finding::new(
                Code::SenderNotVerified,
                format!(
                    "SES refuses mail from {from}: it is outside the verified identity {identity} in {region} (MessageRejected)"
                ),
            )
            .chain([
                format!("From domain {from}"),
                format!("not {identity} nor below it"),
                "SES refuses the send: MessageRejected".to_string(),
            ])
            .fix(Some(Fix {
                text: format!(
                    "verify {from} as an identity of its own in {region} (with its own DKIM and MAIL FROM setup), or send from an address at {identity}"
                ),
                records: Vec::new(),
                ses: vec![format!(
                    "aws sesv2 create-email-identity --email-identity {from} --region {region}"
                )],
            })),
        );
        // SES checks the identity first: nothing else happened.
        return;
    }
    if let Some(mf) = &check.mail_from
        && !mf.is_success()
        && id.behavior_on_mx_failure == MxFailure::RejectMessage
    {
        out.push(
            Finding::new(
                Code::MailFromRefused,
                format!(
                    "SES refuses every send while the custom MAIL FROM {} is not verified (BehaviorOnMxFailure REJECT_MESSAGE: MailFromDomainNotVerified): {}",
                    mf.domain,
                    mx_reason(mf)
                ),
            )
            .chain([
                mx_cause(mf),
                format!(
                    "SES wants {}: MAIL FROM status {}",
                    mf.expected_mx,
                    mf.ses_status()
                ),
                "REJECT_MESSAGE: SES refuses the send".to_string(),
            ])
            .fix(Some(mx_fix(mf, region))),
        );
    }
}

/// Findings about what SES did to a message that arrived.
pub(super) fn message(path: &Path<'_>, v: &Verdict, out: &mut Vec<Finding>) {
    let Some((id, check)) = path.ses else {
        return;
    };
    let from = v.dmarc.domain.as_str();
    if let Some(mf) = &check.mail_from {
        if !mf.is_success() && id.behavior_on_mx_failure == MxFailure::UseDefaultValue {
            let mut fix = mx_fix(mf, &id.region);
            fix.text.push_str(
                "; with BehaviorOnMxFailure REJECT_MESSAGE, SES would refuse sends instead of falling back unnoticed",
            );
            out.push(
                Finding::new(
                    Code::MailFromFallback,
                    format!(
                        "SES did not use the custom MAIL FROM {} and fell back to {} (BehaviorOnMxFailure USE_DEFAULT_VALUE): {}",
                        mf.domain,
                        ses::default_mail_from_domain(&id.region),
                        mx_reason(mf)
                    ),
                )
                .chain([
                    mx_cause(mf),
                    format!(
                        "SES wants {}: MAIL FROM status {}",
                        mf.expected_mx,
                        mf.ses_status()
                    ),
                    format!("USE_DEFAULT_VALUE: Return-Path …@{}", v.return_path_domain),
                    format!("SPF {}, {}", v.spf.result, aligned_word(v.dmarc.spf_aligned)),
                    dmarc_step(v),
                ])
                .fix(Some(fix)),
            );
        } else if mf.is_success() && v.spf.domain == mf.domain && v.spf.result == SpfResult::None {
            out.push(
                Finding::new(
                    Code::MailFromSpfMissing,
                    format!(
                        "SES uses the custom MAIL FROM {d}, but {d} has no SPF record: SPF is none, so it cannot align with {from}",
                        d = mf.domain
                    ),
                )
                .chain([
                    format!("Return-Path …@{}", mf.domain),
                    format!("no SPF record at {}", mf.domain),
                    format!("SPF {}, {}", v.spf.result, aligned_word(v.dmarc.spf_aligned)),
                    dmarc_step(v),
                ])
                .fix(Some(spf_record_fix(mf, &id.region))),
            );
        }
    }
    let key = &check.author_key;
    if key.signs() {
        return;
    }
    let (code, what) = match &key.key {
        AuthorKey::None => return,
        AuthorKey::EasyDkim(_) => (Code::EasyDkimNotSigning, "Easy DKIM"),
        AuthorKey::Byodkim(_) => (Code::ByodkimNotSigning, "BYODKIM"),
    };
    let missing = match key.problems.as_slice() {
        [one] => one.to_string(),
        many => format!(
            "{} of its records are missing or wrong: {}",
            many.len(),
            problem_list(many)
        ),
    };
    out.push(
        Finding::new(
            code,
            format!(
                "SES does not sign with d={}: {what} needs every record in place, and {missing}",
                id.identity
            ),
        )
        .chain([
            problem_list(&key.problems),
            format!(
                "{what} status {}: only d=amazonses.com signs",
                key.ses_status()
            ),
            if v.dmarc.dkim_aligned {
                "another signature is aligned".to_string()
            } else {
                format!("no DKIM signature aligned with {from}")
            },
            dmarc_step(v),
        ])
        .fix(restore_dkim(path, v)),
    );
}

/// The fix that makes SPF pass aligned again on this path; `None` when
/// forwarding is what breaks it (no record can restore SPF alignment
/// after a forwarder: DKIM is what survives) or nothing is known.
pub(super) fn restore_spf(path: &Path<'_>, v: &Verdict) -> Option<Fix> {
    if !path.hops.is_empty() {
        return None;
    }
    let Some((id, check)) = path.ses else {
        let org = org_domain(v);
        let passes_in_org = v.spf.result == SpfResult::Pass && under(&v.spf.domain, &org);
        return (!org.is_empty() && !passes_in_org).then(|| Fix {
            text: format!(
                "send with a Return-Path (MAIL FROM) under {org} whose SPF record lists the sending address"
            ),
            ..Fix::default()
        });
    };
    match &check.mail_from {
        Some(mf) if !mf.is_success() => Some(mx_fix(mf, &id.region)),
        Some(mf) if v.spf.domain == mf.domain && v.spf.result != SpfResult::Pass => {
            Some(spf_record_fix(mf, &id.region))
        }
        Some(_) => None,
        None => {
            let (identity, region) = (&id.identity, &id.region);
            let bounce = format!("bounce.{identity}");
            Some(Fix {
                text: format!(
                    "give {identity} a custom MAIL FROM domain in SES (a subdomain that receives no mail, such as {bounce}) and publish its MX and SPF records"
                ),
                records: mail_from_records(&bounce, region)
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                ses: vec![format!(
                    "aws sesv2 put-email-identity-mail-from-attributes --email-identity {identity} --mail-from-domain {bounce} --region {region}"
                )],
            })
        }
    }
}

/// The fix that makes an aligned DKIM signature pass again on this path:
/// a list that changed the message seals or rewrites, SES signs with the
/// identity's key, or (another sender) a signature of the From domain.
pub(super) fn restore_dkim(path: &Path<'_>, v: &Verdict) -> Option<Fix> {
    let org = org_domain(v);
    let own_failed = v
        .dkim
        .iter()
        .any(|s| under(&s.domain, &org) && s.result == mailharness_auth::DkimResult::Fail);
    if own_failed && let Some(fix) = super::auth::list_fix(path) {
        return Some(fix);
    }
    let Some((id, check)) = path.ses else {
        let from = v.dmarc.domain.as_str();
        let signs_in_org = v.dkim.iter().any(|s| under(&s.domain, &org));
        return (!from.is_empty() && !signs_in_org).then(|| Fix {
            text: format!("sign with a key of {from} (d={from}) and publish its public key"),
            ..Fix::default()
        });
    };
    let (identity, region) = (&id.identity, &id.region);
    let key = &check.author_key;
    match &key.key {
        AuthorKey::None => Some(Fix {
            text: format!(
                "turn on Easy DKIM for {identity} and publish the three CNAMEs SES lists for it{}",
                tokens_note(id)
            ),
            records: easy_dkim_records(identity, &id.easy_dkim_tokens())
                .iter()
                .map(ToString::to_string)
                .collect(),
            ses: vec![format!(
                "aws sesv2 put-email-identity-dkim-attributes --email-identity {identity} --signing-enabled --region {region}"
            )],
        }),
        AuthorKey::EasyDkim(tokens) if !key.problems.is_empty() => {
            let records: Vec<String> = easy_dkim_records(identity, tokens)
                .iter()
                .filter(|r| {
                    key.problems
                        .iter()
                        .any(|p| r.name.trim_end_matches('.') == p.name)
                })
                .map(ToString::to_string)
                .collect();
            Some(Fix {
                text: format!(
                    "publish the Easy DKIM CNAME{} SES looks for{}",
                    if records.len() == 1 { "" } else { "s" },
                    tokens_note(id)
                ),
                records,
                ses: Vec::new(),
            })
        }
        AuthorKey::Byodkim(selector) if !key.problems.is_empty() => Some(Fix {
            text: format!(
                "publish your public key at {selector}._domainkey.{identity} (TXT \"v=DKIM1; k=rsa; p=<your public key>\")"
            ),
            ..Fix::default()
        }),
        _ => None,
    }
}

/// SPF as one step: `Return-Path …@amazonses.com (no custom MAIL FROM):
/// SPF pass, not aligned`, saying why the Return-Path is SES's own when
/// it is.
pub(super) fn spf_link(path: &Path<'_>, v: &Verdict) -> String {
    let aligned = aligned_word(v.dmarc.spf_aligned);
    let why = path.ses.and_then(|(id, check)| {
        if v.return_path_domain != ses::default_mail_from_domain(&id.region) {
            return None;
        }
        match &check.mail_from {
            Some(mf) if !mf.is_success() => Some("custom MAIL FROM not in use"),
            Some(_) => None,
            None => Some("no custom MAIL FROM"),
        }
    });
    match why {
        Some(why) => format!(
            "Return-Path …@{} ({why}): SPF {}, {aligned}",
            v.return_path_domain, v.spf.result
        ),
        None => format!("SPF {} for {}, {aligned}", v.spf.result, v.spf.domain),
    }
}

/// DKIM as one step: `only d=amazonses.com signs (no Easy DKIM): pass, not
/// aligned`, or each signature's result and alignment.
pub(super) fn dkim_link(path: &Path<'_>, v: &Verdict) -> String {
    let why = path.ses.and_then(|(_, check)| {
        let key = &check.author_key;
        match &key.key {
            AuthorKey::None => Some("no Easy DKIM"),
            _ if key.signs() => None,
            AuthorKey::EasyDkim(_) => Some("Easy DKIM not signing"),
            AuthorKey::Byodkim(_) => Some("BYODKIM not signing"),
        }
    });
    let aligned = aligned_word;
    match (why, v.dkim.as_slice()) {
        (_, []) => "no DKIM signature".to_string(),
        (Some(why), [one]) => format!(
            "only d={} signs ({why}): DKIM {}, {}",
            one.domain,
            one.result,
            aligned(one.aligned)
        ),
        (_, all) => all
            .iter()
            .map(|s| {
                format!(
                    "DKIM {} for d={}, {}",
                    s.result,
                    s.domain,
                    aligned(s.aligned)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Whether the path is SES with Easy DKIM signing.
pub(super) fn easy_dkim_signs(path: &Path<'_>) -> bool {
    path.ses.is_some_and(|(_, check)| {
        matches!(check.author_key.key, AuthorKey::EasyDkim(_)) && check.author_key.signs()
    })
}

fn aligned_word(aligned: bool) -> &'static str {
    if aligned { "aligned" } else { "not aligned" }
}

/// Where DMARC stands after the step before it.
pub(super) fn dmarc_step(v: &Verdict) -> String {
    let d = &v.dmarc;
    match (d.result, d.spf_aligned, d.dkim_aligned) {
        (mailharness_auth::DmarcResult::Pass, false, true) => {
            format!("DMARC for {} rests on DKIM alone", d.domain)
        }
        (mailharness_auth::DmarcResult::Pass, true, false) => {
            format!("DMARC for {} rests on SPF alone", d.domain)
        }
        (result, _, _) => format!("DMARC {result} for {}", d.domain),
    }
}

/// The From domain's organizational domain (the From domain when unknown).
pub(super) fn org_domain(v: &Verdict) -> String {
    v.dmarc
        .org_domain
        .clone()
        .unwrap_or_else(|| v.dmarc.domain.clone())
}

/// `MX mail.shop.example → feedback-smtp.us-east-2.amazonses.com (us-east-2's feedback endpoint)`.
fn mx_cause(mf: &MailFromCheck) -> String {
    let d = &mf.domain;
    let first = mf.found.first().map(String::as_str).unwrap_or_default();
    match &mf.status {
        MailFromStatus::Success => format!("MX {d} → {first}"),
        MailFromStatus::NoMx => format!("no MX record at {d}"),
        MailFromStatus::WrongMx { region: Some(r) } => {
            format!("MX {d} → {first} ({r}'s feedback endpoint)")
        }
        MailFromStatus::WrongMx { region: None } => format!("MX {d} → {first}"),
        MailFromStatus::SeveralMx => {
            format!(
                "{} MX records at {d}: {}",
                mf.found.len(),
                mf.found.join(", ")
            )
        }
        MailFromStatus::LookupFailed(e) => format!("the MX lookup of {d} failed ({e})"),
    }
}

/// Why SES does not use the custom MAIL FROM, as the end of a sentence
/// about the domain.
fn mx_reason(mf: &MailFromCheck) -> String {
    let (d, expected) = (&mf.domain, &mf.expected_mx);
    let first = mf.found.first().map(String::as_str).unwrap_or_default();
    match &mf.status {
        MailFromStatus::Success => String::new(),
        MailFromStatus::NoMx => format!("{d} has no MX record (SES looks for one to {expected})"),
        MailFromStatus::WrongMx { region: Some(r) } => format!(
            "the MX record of {d} points to {first}, the feedback endpoint of {r}, not {expected}"
        ),
        MailFromStatus::WrongMx { region: None } => {
            format!("the MX record of {d} points to {first}, not {expected}")
        }
        MailFromStatus::SeveralMx => format!(
            "{d} has {} MX records ({}); SES requires exactly one, to {expected}",
            mf.found.len(),
            mf.found.join(", ")
        ),
        MailFromStatus::LookupFailed(e) => {
            format!("the MX lookup of {d} failed ({e}), so SES could not read the record")
        }
    }
}

/// The MX record SES looks for, and what to do with the ones there.
fn mx_fix(mf: &MailFromCheck, region: &str) -> Fix {
    let d = &mf.domain;
    let text = match &mf.status {
        MailFromStatus::Success | MailFromStatus::NoMx => {
            format!("publish the MX record SES looks for at {d}")
        }
        MailFromStatus::WrongMx { .. } => format!(
            "replace the MX record of {d} (it names {}) by the one SES looks for",
            mf.found.first().map(String::as_str).unwrap_or_default()
        ),
        MailFromStatus::SeveralMx => {
            let others: Vec<&str> = mf
                .found
                .iter()
                .map(String::as_str)
                .filter(|f| *f != mf.expected_mx)
                .collect();
            format!(
                "leave only the MX record SES looks for at {d}, removing the one{} to {}",
                if others.len() == 1 { "" } else { "s" },
                others.join(", ")
            )
        }
        MailFromStatus::LookupFailed(_) => {
            format!(
                "make the nameservers of {d} answer its MX query (SES could not read it), with the record SES looks for"
            )
        }
    };
    Fix {
        text,
        records: mail_from_records(d, region)
            .first()
            .map(ToString::to_string)
            .into_iter()
            .collect(),
        ses: Vec::new(),
    }
}

/// The SPF record the custom MAIL FROM domain needs.
fn spf_record_fix(mf: &MailFromCheck, region: &str) -> Fix {
    Fix {
        text: format!("publish the SPF record SES asks for at {}", mf.domain),
        records: mail_from_records(&mf.domain, region)
            .get(1)
            .map(ToString::to_string)
            .into_iter()
            .collect(),
        ses: Vec::new(),
    }
}

fn problem_list(problems: &[KeyRecordProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Said beside Easy DKIM records whose tokens the emulation derived: they
/// are this scenario's, not the reader's.
fn tokens_note(id: &SesIdentity) -> String {
    if id.dkim_tokens.is_some() {
        return String::new();
    }
    format!(
        " (the tokens shown are the emulated relay's; `mailharness ses-records {} --from-ses` prints your identity's)",
        id.identity
    )
}
