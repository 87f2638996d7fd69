//! SPF and DKIM as the sender needs to read them: what does not pass and
//! what on the path did it, and passes that are close to failing (the
//! lookup limit, short keys, `l=`).

use mailharness_auth::{DkimResult, SpfResult};

use super::{Code, Finding, Fix, Path};
use crate::{hop::HopKind, ses::AuthorKey, verify::Verdict};

/// RFC 7208 §4.6.4: at most 10 DNS-querying terms.
const SPF_LOOKUP_LIMIT: u32 = 10;
/// From how many lookups a pass counts as near the limit.
const SPF_LOOKUPS_NEAR: u32 = 8;
/// RFC 8301 §3.2: signers SHOULD use RSA keys of at least 2048 bits.
const RECOMMENDED_RSA_BITS: u32 = 2048;

pub(super) fn findings(path: &Path<'_>, v: &Verdict, out: &mut Vec<Finding>) {
    spf(path, v, out);
    for sig in &v.dkim {
        if sig.result != DkimResult::Pass {
            let mut chain = hop_steps(path, true);
            if !chain.is_empty() {
                chain.push(format!(
                    "DKIM {} for d={} s={}",
                    sig.result, sig.domain, sig.selector
                ));
            }
            out.push(
                Finding::new(
                    Code::DkimNotPassing,
                    format!(
                        "DKIM {} for d={} s={}: {}",
                        sig.result,
                        sig.domain,
                        sig.selector,
                        sig.reason.as_deref().unwrap_or("no reason given")
                    ),
                )
                .chain(chain)
                .fix(if sig.result == DkimResult::Fail {
                    list_fix(path)
                } else {
                    None
                }),
            );
            continue;
        }
        if sig.aligned
            && let Some(bits) = sig.key_bits.filter(|b| *b < RECOMMENDED_RSA_BITS)
            && sig.algorithm.starts_with("rsa")
        {
            out.push(
                Finding::new(
                    Code::DkimKeyShort,
                    format!(
                        "the key of d={} s={} is {bits} bits: receivers take it (RFC 8301's minimum is 1024), but 2048 is what RFC 8301 and SES recommend",
                        sig.domain, sig.selector
                    ),
                )
                .fix(Some(longer_key(path, &sig.domain, &sig.selector))),
            );
        }
        if let Some(l) = sig.body_length.filter(|l| l.signed < l.total) {
            out.push(
                Finding::new(
                    Code::DkimBodyLength,
                    format!(
                        "d={} signs {} of the {} body octets (l=): the rest is unsigned, and anyone can append content without breaking the signature",
                        sig.domain, l.signed, l.total
                    ),
                )
                .fix(Some(Fix {
                    text: format!("sign the whole body: drop l= from d={}'s signatures", sig.domain),
                    ..Fix::default()
                })),
            );
        }
    }
}

fn spf(path: &Path<'_>, v: &Verdict, out: &mut Vec<Finding>) {
    let s = &v.spf;
    if s.result != SpfResult::Pass {
        // SES's custom MAIL FROM without SPF has its own finding.
        let custom_without_spf = s.result == SpfResult::None
            && path.ses.is_some_and(|(_, check)| {
                check
                    .mail_from
                    .as_ref()
                    .is_some_and(|m| m.is_success() && m.domain == s.domain)
            });
        if !custom_without_spf {
            let mut chain = hop_steps(path, false);
            if !chain.is_empty() {
                chain.push(format!("SPF {} for {}", s.result, s.domain));
            }
            chain.extend(s.explanation.iter().map(|e| format!("explanation: {e}")));
            out.push(
                Finding::new(
                    Code::SpfNotPassing,
                    format!("SPF {} for {}: {}", s.result, s.domain, s.reason),
                )
                .chain(chain)
                .fix(srs_fix(path)),
            );
        }
    } else if (SPF_LOOKUPS_NEAR..=SPF_LOOKUP_LIMIT).contains(&s.dns_lookups) {
        out.push(
            Finding::new(
                Code::SpfLookupsNearLimit,
                format!(
                    "the SPF check of {} took {} of the {SPF_LOOKUP_LIMIT} DNS lookups RFC 7208 allows: {} more include and SPF is permerror",
                    s.domain,
                    s.dns_lookups,
                    if s.dns_lookups == SPF_LOOKUP_LIMIT { "one" } else { "a few" }
                ),
            )
            .chain([
                format!("{} lookups for {}", s.dns_lookups, s.domain),
                format!("over {SPF_LOOKUP_LIMIT}: permerror (RFC 7208 §4.6.4)"),
                "SPF no longer passes, for every message".to_string(),
            ])
            .fix(Some(Fix {
                text: format!(
                    "shorten the SPF record of {}: replace include: terms by the ip4:/ip6: ranges they list, drop the ones no longer used",
                    s.domain
                ),
                ..Fix::default()
            })),
        );
    }
}

/// What the hops did that breaks SPF (`dkim` false) or DKIM (`dkim`
/// true), one step each.
fn hop_steps(path: &Path<'_>, dkim: bool) -> Vec<String> {
    path.hops
        .iter()
        .filter_map(|hop| match (&hop.kind, dkim) {
            (HopKind::Forwarder { srs: false }, false) => Some(format!(
                "forwarder {} re-sends from {} keeping the original envelope",
                hop.domain, hop.egress_ip
            )),
            (
                HopKind::MailingList {
                    list_address,
                    subject_tag,
                    footer,
                    ..
                },
                true,
            ) => {
                let mut changes = Vec::new();
                if subject_tag.is_some() {
                    changes.push("tags the Subject");
                }
                if footer.is_some() {
                    changes.push("adds a footer to the body");
                }
                (!changes.is_empty())
                    .then(|| format!("list {list_address} {}", changes.join(" and ")))
            }
            _ => None,
        })
        .collect()
}

/// A forwarder that keeps the envelope breaks SPF: SRS is its fix.
fn srs_fix(path: &Path<'_>) -> Option<Fix> {
    let hop = path
        .hops
        .iter()
        .find(|h| h.kind == HopKind::Forwarder { srs: false })?;
    Some(Fix {
        text: format!(
            "the forwarder {} rewrites the envelope sender into its own domain (SRS), so that SPF is checked against it; DMARC then rests on DKIM",
            hop.domain
        ),
        ..Fix::default()
    })
}

/// A list that changes the message breaks DKIM: ARC or a From rewrite.
pub(super) fn list_fix(path: &Path<'_>) -> Option<Fix> {
    path.hops.iter().find_map(|hop| match &hop.kind {
        HopKind::MailingList {
            list_address,
            rewrite_from: false,
            ..
        } => Some(Fix {
            text: format!(
                "the list {list_address} ARC-seals what it re-sends (receivers that trust it keep the first hop's results) or rewrites From to its own domain"
            ),
            ..Fix::default()
        }),
        _ => None,
    })
}

/// How to sign with a 2048-bit key: SES's setting when SES's Easy DKIM
/// signs for the domain, else a new key at the selector.
fn longer_key(path: &Path<'_>, domain: &str, selector: &str) -> Fix {
    if let Some((id, check)) = path.ses
        && id.identity == domain
        && matches!(check.author_key.key, AuthorKey::EasyDkim(_))
    {
        return Fix {
            text: format!(
                "let SES sign {domain}'s mail with a 2048-bit key (it rotates to the new length itself)"
            ),
            records: Vec::new(),
            ses: vec![format!(
                "aws sesv2 put-email-identity-dkim-signing-attributes --email-identity {domain} --signing-attributes-origin AWS_SES --signing-attributes NextSigningKeyLength=RSA_2048_BIT --region {}",
                id.region
            )],
        };
    }
    Fix {
        text: format!(
            "generate a 2048-bit RSA key and publish it at {selector}._domainkey.{domain} (or a new selector, then switch signing to it)"
        ),
        ..Fix::default()
    }
}
