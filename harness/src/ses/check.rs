//! How SES decides, from the identity's DNS, whether it uses the custom
//! MAIL FROM domain and whether it signs with the identity's own key: the
//! two statuses `GetEmailIdentity` reports (`MailFromDomainStatus`,
//! `DkimAttributes.Status`). The SES-like relay decides every send with
//! [`mail_from_status`] and [`author_key_status`]; the runner asks the same
//! questions of the scenario's DNS ([`check_identity`]) to say why a
//! message looks the way it does. One place decides, so the explanation
//! cannot drift from the behaviour.

use std::future::Future;

use mail_auth::hickory_resolver::proto::rr::{RData, RecordType};
use mailharness_auth::{
    dkim::KeyRecord,
    dns::{Answer, DnsError, HickoryLookup, Lookup},
};

use super::conventions::feedback_mx;

/// The judge's DNS client, plus the one question SES asks that a receiver
/// never does: where a CNAME points (Easy DKIM's records).
pub trait SesLookup: Lookup {
    /// The target of the CNAME record at `name`, without the final dot;
    /// `Ok` with none when the name holds no CNAME.
    fn cname(&self, name: &str) -> impl Future<Output = Answer<String>> + Send;
}

impl SesLookup for HickoryLookup {
    async fn cname(&self, name: &str) -> Answer<String> {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self
            .resolver()
            .lookup(fqdn.as_str(), RecordType::CNAME)
            .await
        {
            Ok(lookup) => Ok(lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::CNAME(target) => Some(
                        target
                            .0
                            .to_ascii()
                            .trim_end_matches('.')
                            .to_ascii_lowercase(),
                    ),
                    _ => None,
                })
                .collect()),
            Err(e) if e.is_nx_domain() => Err(DnsError::NxDomain),
            Err(e) if e.is_no_records_found() => Ok(Vec::new()),
            Err(e) => Err(DnsError::Temporary(e.to_string())),
        }
    }
}

/// The custom MAIL FROM domain as SES checks it before a send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailFromCheck {
    /// The custom MAIL FROM domain, e.g. `bounce.example.com`.
    pub domain: String,
    /// The host its one MX record must name,
    /// `feedback-smtp.<region>.amazonses.com`.
    pub expected_mx: String,
    /// The MX exchanges DNS holds, lowercase, without the final dot.
    pub found: Vec<String>,
    pub status: MailFromStatus,
}

/// Whether SES uses the custom MAIL FROM domain, and why not. SES
/// "detected the required MX record" or did not: the MX alone decides
/// (SESv2 API reference, `MailFromAttributes.MailFromDomainStatus`); an
/// SPF record is needed for SPF to pass, not for the status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailFromStatus {
    /// Exactly one MX, to the region's feedback endpoint: SES uses the
    /// domain.
    Success,
    /// No MX record (NODATA or NXDOMAIN).
    NoMx,
    /// One MX, to another host; `region` names the region when that host
    /// is SES's feedback endpoint of another region.
    WrongMx { region: Option<String> },
    /// More than one MX record (SES-FACTS.md: "More than one MX fails
    /// setup"), even when one of them is right.
    SeveralMx,
    /// The lookup failed for now (a timeout, SERVFAIL).
    LookupFailed(String),
}

impl MailFromCheck {
    pub fn is_success(&self) -> bool {
        self.status == MailFromStatus::Success
    }

    /// The status `GetEmailIdentity` would report.
    pub fn ses_status(&self) -> &'static str {
        match self.status {
            MailFromStatus::Success => "SUCCESS",
            MailFromStatus::LookupFailed(_) => "TEMPORARY_FAILURE",
            _ => "FAILED",
        }
    }

    /// Why SES does not use the domain, in a clause; empty on success.
    pub fn reason(&self) -> String {
        let domain = &self.domain;
        match &self.status {
            MailFromStatus::Success => String::new(),
            MailFromStatus::NoMx => format!("no MX record at {domain}"),
            MailFromStatus::WrongMx { .. } => format!(
                "the MX record of {domain} points to {}, not {}",
                self.found.first().map(String::as_str).unwrap_or_default(),
                self.expected_mx
            ),
            MailFromStatus::SeveralMx => format!(
                "{domain} has {} MX records, SES requires exactly one",
                self.found.len()
            ),
            MailFromStatus::LookupFailed(e) => format!("the MX lookup of {domain} failed: {e}"),
        }
    }
}

/// The region whose feedback endpoint `host` is, if it is one
/// (`feedback-smtp.us-east-2.amazonses.com` → `us-east-2`).
pub fn feedback_region(host: &str) -> Option<&str> {
    host.strip_prefix("feedback-smtp.")?
        .strip_suffix(".amazonses.com")
        .filter(|r| !r.is_empty() && !r.contains('.'))
}

/// Checks the custom MAIL FROM `domain` of an identity in `region` as SES
/// does before each send: exactly one MX, naming
/// `feedback-smtp.<region>.amazonses.com`.
pub async fn mail_from_status(dns: &impl Lookup, domain: &str, region: &str) -> MailFromCheck {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let expected_mx = feedback_mx(region);
    let (found, status) = match dns.mx(&domain).await {
        Ok(records) => {
            let found: Vec<String> = records
                .iter()
                .map(|mx| mx.exchange.trim_end_matches('.').to_ascii_lowercase())
                .collect();
            let status = match found.as_slice() {
                [] => MailFromStatus::NoMx,
                [one] if *one == expected_mx => MailFromStatus::Success,
                [one] => MailFromStatus::WrongMx {
                    region: feedback_region(one).map(str::to_string),
                },
                _ => MailFromStatus::SeveralMx,
            };
            (found, status)
        }
        Err(DnsError::NxDomain) => (Vec::new(), MailFromStatus::NoMx),
        Err(e) => (Vec::new(), MailFromStatus::LookupFailed(e.to_string())),
    };
    MailFromCheck {
        domain,
        expected_mx,
        found,
        status,
    }
}

/// The key an identity signs with besides `d=amazonses.com`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorKey {
    /// Neither Easy DKIM nor BYODKIM: SES signs with amazonses.com only.
    None,
    /// Easy DKIM: the three tokens whose CNAMEs must point to
    /// `<token>.dkim.amazonses.com`.
    EasyDkim([String; 3]),
    /// BYODKIM: the selector whose TXT record holds the user's key.
    Byodkim(String),
}

/// One record SES looks for before it signs with the identity's key, and
/// what DNS holds instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecordProblem {
    /// `<token>._domainkey.<identity>` or `<selector>._domainkey.<identity>`.
    pub name: String,
    /// `CNAME` (Easy DKIM) or `TXT` (BYODKIM).
    pub rtype: &'static str,
    /// The CNAME target SES expects, or `a DKIM key record`.
    pub expected: String,
    pub held: Held,
}

/// What a name holds where SES expects a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Held {
    /// Nothing of the type (NODATA or NXDOMAIN).
    Nothing,
    /// Something else: another CNAME target, a TXT that is no usable key.
    Other(String),
    /// The lookup failed for now.
    LookupFailed(String),
}

/// Whether SES signs with the identity's key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorKeyCheck {
    pub identity: String,
    pub key: AuthorKey,
    /// Every record that is not as SES needs it; empty when SES signs.
    pub problems: Vec<KeyRecordProblem>,
}

impl AuthorKeyCheck {
    /// SES signs with the identity's key (`DkimAttributes.Status` SUCCESS).
    pub fn signs(&self) -> bool {
        self.key != AuthorKey::None && self.problems.is_empty()
    }

    /// The status `GetEmailIdentity` would report: `NOT_STARTED` without
    /// a key, `TEMPORARY_FAILURE` when only lookups failed, `PENDING`
    /// (then `FAILED` after 72 hours) when a record is missing or wrong.
    pub fn ses_status(&self) -> &'static str {
        if self.key == AuthorKey::None {
            "NOT_STARTED"
        } else if self.problems.is_empty() {
            "SUCCESS"
        } else if self
            .problems
            .iter()
            .all(|p| matches!(p.held, Held::LookupFailed(_)))
        {
            "TEMPORARY_FAILURE"
        } else {
            "PENDING"
        }
    }
}

impl std::fmt::Display for KeyRecordProblem {
    /// `CNAME x._domainkey.example.com missing (expected x.dkim.amazonses.com)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (rtype, name, expected) = (self.rtype, &self.name, &self.expected);
        match &self.held {
            Held::Nothing => write!(f, "{rtype} {name} missing (expected {expected})"),
            Held::Other(found) => {
                write!(f, "{rtype} {name} is {found}, not {expected}")
            }
            Held::LookupFailed(e) => write!(f, "{rtype} {name} could not be looked up: {e}"),
        }
    }
}

/// Checks the records SES needs before it signs with the identity's own
/// key: Easy DKIM's three CNAMEs `<token>._domainkey.<identity>` →
/// `<token>.dkim.amazonses.com` (all three, or the status stays PENDING),
/// BYODKIM's key record at `<selector>._domainkey.<identity>`
/// (SES-FACTS.md, "DKIM in SES").
pub async fn author_key_status(
    dns: &impl SesLookup,
    identity: &str,
    key: &AuthorKey,
) -> AuthorKeyCheck {
    let identity = identity.trim_end_matches('.').to_ascii_lowercase();
    let mut problems = Vec::new();
    match key {
        AuthorKey::None => {}
        AuthorKey::EasyDkim(tokens) => {
            for token in tokens {
                let name = format!("{token}._domainkey.{identity}");
                let expected = format!("{token}.dkim.amazonses.com");
                let held = match dns.cname(&name).await {
                    Ok(targets) if targets.contains(&expected) => continue,
                    Ok(targets) => match targets.first() {
                        Some(other) => Held::Other(other.clone()),
                        None => Held::Nothing,
                    },
                    Err(DnsError::NxDomain) => Held::Nothing,
                    Err(e) => Held::LookupFailed(e.to_string()),
                };
                problems.push(KeyRecordProblem {
                    name,
                    rtype: "CNAME",
                    expected,
                    held,
                });
            }
        }
        AuthorKey::Byodkim(selector) => {
            let name = format!("{selector}._domainkey.{identity}");
            let held = match dns.txt(&name).await {
                Ok(records) => {
                    let usable = records
                        .iter()
                        .any(|r| KeyRecord::parse(r).is_ok_and(|k| k.material().is_ok()));
                    match (usable, records.first()) {
                        (true, _) => None,
                        (false, Some(first)) => {
                            Some(Held::Other(String::from_utf8_lossy(first).into_owned()))
                        }
                        (false, None) => Some(Held::Nothing),
                    }
                }
                Err(DnsError::NxDomain) => Some(Held::Nothing),
                Err(e) => Some(Held::LookupFailed(e.to_string())),
            };
            if let Some(held) = held {
                problems.push(KeyRecordProblem {
                    name,
                    rtype: "TXT",
                    expected: "a DKIM key record".into(),
                    held,
                });
            }
        }
    }
    AuthorKeyCheck {
        identity,
        key: key.clone(),
        problems,
    }
}

/// An identity's setup as SES holds it: what [`check_identity`] checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentitySetup {
    pub identity: String,
    pub region: String,
    pub mail_from_domain: Option<String>,
    pub key: AuthorKey,
}

/// Both of SES's checks of an identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityCheck {
    pub setup: IdentitySetup,
    /// `None` without a custom MAIL FROM domain.
    pub mail_from: Option<MailFromCheck>,
    pub author_key: AuthorKeyCheck,
}

/// What SES concludes about `setup` from DNS, by the same functions the
/// relay decides with.
pub async fn check_identity(dns: &impl SesLookup, setup: &IdentitySetup) -> IdentityCheck {
    let mail_from = match &setup.mail_from_domain {
        Some(domain) => Some(mail_from_status(dns, domain, &setup.region).await),
        None => None,
    };
    let author_key = author_key_status(dns, &setup.identity, &setup.key).await;
    IdentityCheck {
        setup: setup.clone(),
        mail_from,
        author_key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_endpoints_name_their_region() {
        assert_eq!(
            feedback_region("feedback-smtp.us-east-2.amazonses.com"),
            Some("us-east-2")
        );
        assert_eq!(feedback_region("mail.example.com"), None);
        assert_eq!(feedback_region("feedback-smtp..amazonses.com"), None);
        assert_eq!(feedback_region("feedback-smtp.a.b.amazonses.com"), None);
    }

    #[test]
    fn reasons_name_what_dns_holds() {
        let check = |found: &[&str], status| MailFromCheck {
            domain: "bounce.example.com".into(),
            expected_mx: "feedback-smtp.us-east-1.amazonses.com".into(),
            found: found.iter().map(|s| s.to_string()).collect(),
            status,
        };
        assert_eq!(
            check(&[], MailFromStatus::NoMx).reason(),
            "no MX record at bounce.example.com"
        );
        let wrong = check(
            &["feedback-smtp.us-east-2.amazonses.com"],
            MailFromStatus::WrongMx {
                region: Some("us-east-2".into()),
            },
        );
        assert_eq!(
            wrong.reason(),
            "the MX record of bounce.example.com points to feedback-smtp.us-east-2.amazonses.com, not feedback-smtp.us-east-1.amazonses.com"
        );
        assert_eq!(wrong.ses_status(), "FAILED");
        assert_eq!(
            check(&["a", "b"], MailFromStatus::SeveralMx).reason(),
            "bounce.example.com has 2 MX records, SES requires exactly one"
        );
        assert_eq!(
            check(&[], MailFromStatus::LookupFailed("timeout".into())).ses_status(),
            "TEMPORARY_FAILURE"
        );
    }
}
