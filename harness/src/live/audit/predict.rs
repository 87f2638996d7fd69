//! What a receiver will see for mail from the identity: the envelope SES
//! uses, the signatures it adds, and whether SPF and DKIM pass aligned
//! with the From domain, DMARC's way.

use mailharness_auth::{
    dmarc::{Record, Tag},
    dns::HickoryLookup,
};

use super::probe::{Probe, same_organization};
use crate::{
    live::{IdentityAttributes, MailFromAttributes},
    ses,
};

/// What a receiver will see for mail from the identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prediction {
    pub from_domain: String,
    /// Set when SES refuses the send instead (`REJECT_MESSAGE`).
    pub refused: Option<String>,
    pub return_path_domain: String,
    /// The custom MAIL FROM is configured but not in use: SES silently
    /// falls back to its own domain (`USE_DEFAULT_VALUE`).
    pub silent_fallback: bool,
    /// The DKIM `d=` domains of the signatures SES adds, author first.
    pub dkim_domains: Vec<String>,
    pub spf: String,
    pub spf_aligned: bool,
    pub dkim_aligned: bool,
    /// `pass`, `fail` or `none` (no DMARC record).
    pub dmarc: String,
    pub dmarc_policy: Option<String>,
}

/// The envelope SES sends with.
struct Envelope {
    return_path_domain: String,
    refused: Option<String>,
    silent_fallback: bool,
}

/// The prediction for mail from `from_domain`, given what DNS holds.
pub(super) async fn predict(
    lookup: &HickoryLookup,
    attributes: &IdentityAttributes,
    region: &str,
    from_domain: &str,
    probe: &Probe,
) -> Prediction {
    let identity = &attributes.identity;
    let default_domain = ses::default_mail_from_domain(region);
    let envelope = envelope(attributes.mail_from.as_ref(), &default_domain);
    let uses_custom = envelope.return_path_domain != default_domain;
    let spf_passes = !uses_custom || probe.mail_from.ok();
    let record = probe.dmarc.record.as_ref().map(|(_, r)| r);
    let aspf_strict = record.is_some_and(|r| is_strict(&r.aspf));
    let adkim_strict = record.is_some_and(|r| is_strict(&r.adkim));
    let return_path = &envelope.return_path_domain;
    let spf_aligned =
        spf_passes && uses_custom && aligned(lookup, aspf_strict, from_domain, return_path).await;
    let author_signs = signs_as_author(attributes) && probe.dkim.ok();
    let dkim_aligned = author_signs && aligned(lookup, adkim_strict, from_domain, identity).await;
    let dmarc = match record {
        None => "none",
        Some(_) if spf_aligned || dkim_aligned => "pass",
        Some(_) => "fail",
    };
    Prediction {
        from_domain: from_domain.to_string(),
        refused: envelope.refused,
        return_path_domain: envelope.return_path_domain,
        silent_fallback: envelope.silent_fallback,
        dkim_domains: dkim_domains(identity, author_signs),
        spf: if spf_passes { "pass" } else { "fail or none" }.to_string(),
        spf_aligned,
        dkim_aligned,
        dmarc: dmarc.to_string(),
        dmarc_policy: policy(probe.dmarc.record.as_ref(), identity, from_domain),
    }
}

/// The Return-Path SES uses: the custom MAIL FROM once verified; else its
/// own domain, or a refusal when the identity asks for one.
fn envelope(mail_from: Option<&MailFromAttributes>, default_domain: &str) -> Envelope {
    let default = |refused, silent_fallback| Envelope {
        return_path_domain: default_domain.to_string(),
        refused,
        silent_fallback,
    };
    match mail_from {
        Some(m) if m.status == "SUCCESS" => Envelope {
            return_path_domain: m.domain.clone(),
            refused: None,
            silent_fallback: false,
        },
        Some(m) if m.behavior_on_mx_failure == "REJECT_MESSAGE" => default(
            Some(format!(
                "MailFromDomainNotVerified: the MAIL FROM status is {} and BehaviorOnMxFailure is REJECT_MESSAGE",
                m.status
            )),
            false,
        ),
        Some(_) => default(None, true),
        None => default(None, false),
    }
}

/// SES adds the author signature: signing enabled and DKIM verified.
fn signs_as_author(attributes: &IdentityAttributes) -> bool {
    attributes
        .dkim
        .as_ref()
        .is_some_and(|d| d.signing_enabled && d.status == "SUCCESS")
}

/// The `d=` of the signatures SES adds: the author's first, when it signs.
fn dkim_domains(identity: &str, author_signs: bool) -> Vec<String> {
    let author = author_signs.then(|| identity.to_string());
    author
        .into_iter()
        .chain([ses::SIGNING_DOMAIN.to_string()])
        .collect()
}

/// `adkim=s` or `aspf=s`.
fn is_strict(mode: &Tag<char>) -> bool {
    mode.valid() == Some(&'s')
}

/// Whether `identifier` aligns with the author domain (RFC 7489 §3.1):
/// the same domain in strict mode, the same organizational domain in
/// relaxed mode.
async fn aligned(lookup: &HickoryLookup, strict: bool, author: &str, identifier: &str) -> bool {
    if identifier.eq_ignore_ascii_case(author) {
        return true;
    }
    !strict && same_organization(lookup, author, identifier).await
}

/// The policy published for mail from `from_domain`: `sp` when the record
/// is the identity's and the From domain one of its subdomains, else `p`.
fn policy(found: Option<&(String, Record)>, identity: &str, from_domain: &str) -> Option<String> {
    let (domain, record) = found?;
    let subdomain = from_domain != identity && domain == identity;
    let tag = if subdomain && record.sp.is_present() {
        &record.sp
    } else {
        &record.p
    };
    match tag {
        Tag::Valid(policy) => Some(policy.as_str().to_string()),
        Tag::Invalid(written) => Some(written.to_ascii_lowercase()),
        Tag::Absent => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup() -> HickoryLookup {
        // RFC 7489's organizational domains come from the Public Suffix
        // List: nothing is asked of this nameserver.
        let timeout = std::time::Duration::from_millis(10);
        HickoryLookup::new("127.0.0.1:9".parse().unwrap(), timeout).unwrap()
    }

    #[tokio::test]
    async fn relaxed_alignment_is_by_organizational_domain() {
        let lookup = lookup();
        assert!(aligned(&lookup, false, "example.com", "bounce.example.com").await);
        assert!(aligned(&lookup, false, "news.example.com", "bounce.example.com").await);
        assert!(!aligned(&lookup, true, "example.com", "bounce.example.com").await);
        // herokuapp.com is a public suffix: its subdomains are separate
        // organizations, though they end in the identity's name.
        assert!(!aligned(&lookup, false, "app.herokuapp.com", "herokuapp.com").await);
    }
}
