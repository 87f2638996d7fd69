//! What DNS holds for an identity's configuration: one [`DnsCheck`] per
//! record it needs, asked through the judge's DNS client.

use std::{
    net::{IpAddr, Ipv4Addr},
    time::{SystemTime, UNIX_EPOCH},
};

use mail_auth::hickory_resolver::proto::rr::{RData, RecordType};
use mailharness_auth::{
    DmarcSpec,
    dmarc::{self, Record},
    dns::{Answer, DnsError, HickoryLookup, Lookup},
    spf,
};

use crate::{live::IdentityAttributes, ses};

/// A client address no SPF record is meant to match (TEST-NET-1, RFC
/// 5737), so that `check_host()` goes through every term.
const UNMATCHED_CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));

/// One DNS record the configuration needs, and what DNS holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsCheck {
    /// What it is for, e.g. `Easy DKIM CNAME 1`, `MAIL FROM MX`.
    pub what: String,
    pub name: String,
    pub rtype: String,
    /// What the record should hold, in words or record data.
    pub expected: String,
    /// What DNS answered (record data, sorted), or one `error: …` entry.
    pub found: Vec<String>,
    pub ok: bool,
}

/// Everything the audit looked up.
pub(super) struct Probe {
    pub dkim: DkimProbe,
    pub mail_from: MailFromProbe,
    pub dmarc: DmarcProbe,
}

/// The records behind the author signature.
pub(super) enum DkimProbe {
    /// Neither Easy DKIM tokens nor BYODKIM.
    Unconfigured,
    /// Each Easy DKIM token and the check of its CNAME.
    EasyDkim(Vec<(String, DnsCheck)>),
    /// The check of each BYODKIM selector's key.
    Byodkim(Vec<DnsCheck>),
}

/// The custom MAIL FROM domain's records.
pub(super) struct MailFromProbe {
    /// The custom MAIL FROM domain, or the one to set up when there is
    /// none (`bounce.<identity>`).
    pub domain: String,
    pub mx: DnsCheck,
    pub spf: DnsCheck,
    /// The DNS-querying terms of its SPF record as the judge counts them
    /// (RFC 7208 §4.6.4), when the record is the one SES asks for; past
    /// [`spf::MAX_DNS_TERMS`] the count stops at the first term too many.
    pub lookups: Option<u32>,
}

/// The DMARC record and the report destinations it names.
pub(super) struct DmarcProbe {
    pub check: DnsCheck,
    /// The record, and the domain whose `_dmarc` name holds it.
    pub record: Option<(String, Record)>,
    /// One check per `rua` destination outside the policy domain's
    /// organization.
    pub reports: Vec<DnsCheck>,
}

impl Probe {
    /// Looks up every record the identity's configuration needs for mail
    /// from `from_domain`.
    pub async fn run(
        lookup: &HickoryLookup,
        attributes: &IdentityAttributes,
        region: &str,
        from_domain: &str,
    ) -> Probe {
        Probe {
            dkim: dkim(lookup, attributes).await,
            mail_from: mail_from(lookup, attributes, region).await,
            dmarc: dmarc_checks(lookup, &attributes.identity, from_domain).await,
        }
    }

    /// Every check, in the order the audit shows them.
    pub fn checks(&self) -> Vec<DnsCheck> {
        let mut checks = match &self.dkim {
            DkimProbe::Unconfigured => Vec::new(),
            DkimProbe::EasyDkim(tokens) => tokens.iter().map(|(_, c)| c.clone()).collect(),
            DkimProbe::Byodkim(keys) => keys.clone(),
        };
        checks.push(self.mail_from.mx.clone());
        checks.push(self.mail_from.spf.clone());
        checks.push(self.dmarc.check.clone());
        checks.extend(self.dmarc.reports.iter().cloned());
        checks
    }
}

impl DkimProbe {
    /// DNS holds what the author signature needs.
    pub fn ok(&self) -> bool {
        match self {
            DkimProbe::Unconfigured => false,
            DkimProbe::EasyDkim(tokens) => tokens.iter().all(|(_, c)| c.ok),
            DkimProbe::Byodkim(keys) => keys.iter().all(|c| c.ok),
        }
    }
}

impl MailFromProbe {
    /// The SPF lookup count, when within the limit.
    pub fn lookups_within_limit(&self) -> Option<u32> {
        self.lookups.filter(|n| *n <= spf::MAX_DNS_TERMS)
    }

    /// The SPF record needs more DNS lookups than a receiver allows.
    pub fn over_lookup_limit(&self) -> bool {
        self.lookups.is_some_and(|n| n > spf::MAX_DNS_TERMS)
    }

    /// DNS holds the MX and the SPF record, within the lookup limit.
    pub fn ok(&self) -> bool {
        self.mx.ok && self.spf.ok && self.lookups_within_limit().is_some()
    }
}

async fn dkim(lookup: &HickoryLookup, attributes: &IdentityAttributes) -> DkimProbe {
    match &attributes.dkim {
        Some(d) if d.origin == "AWS_SES" && !d.tokens.is_empty() => {
            let mut checks = Vec::new();
            for (i, token) in d.tokens.iter().enumerate() {
                let check = easy_dkim(lookup, &attributes.identity, token, i + 1).await;
                checks.push((token.clone(), check));
            }
            DkimProbe::EasyDkim(checks)
        }
        Some(d) if d.origin == "EXTERNAL" => {
            let mut checks = Vec::new();
            for selector in &d.tokens {
                checks.push(byodkim(lookup, &attributes.identity, selector).await);
            }
            DkimProbe::Byodkim(checks)
        }
        _ => DkimProbe::Unconfigured,
    }
}

async fn easy_dkim(lookup: &HickoryLookup, identity: &str, token: &str, n: usize) -> DnsCheck {
    let name = format!("{token}._domainkey.{identity}");
    let target = ses::easy_dkim_target(token);
    let found = cname(lookup, &name).await;
    DnsCheck {
        what: format!("Easy DKIM CNAME {n}"),
        name,
        rtype: "CNAME".into(),
        ok: found.contains(&target),
        expected: target,
        found,
    }
}

async fn byodkim(lookup: &HickoryLookup, identity: &str, selector: &str) -> DnsCheck {
    let name = format!("{selector}._domainkey.{identity}");
    let found = txt(lookup, &name).await;
    DnsCheck {
        what: "BYODKIM key".into(),
        name,
        rtype: "TXT".into(),
        expected: "v=DKIM1; p=<public key>".into(),
        ok: found.iter().any(|f| f.contains("p=") && !f.contains("p=;")),
        found,
    }
}

async fn mail_from(
    lookup: &HickoryLookup,
    attributes: &IdentityAttributes,
    region: &str,
) -> MailFromProbe {
    let domain = match &attributes.mail_from {
        Some(m) => m.domain.clone(),
        None => format!("bounce.{}", attributes.identity),
    };
    let mx = mail_from_mx(lookup, &domain, region).await;
    let spf = mail_from_spf(lookup, &domain).await;
    let lookups = if spf.ok {
        Some(spf_lookups(lookup, &domain).await)
    } else {
        None
    };
    MailFromProbe {
        domain,
        mx,
        spf,
        lookups,
    }
}

async fn mail_from_mx(lookup: &HickoryLookup, domain: &str, region: &str) -> DnsCheck {
    let feedback = ses::feedback_mx(region);
    let found = mx(lookup, domain).await;
    DnsCheck {
        what: "MAIL FROM MX".into(),
        name: domain.to_string(),
        rtype: "MX".into(),
        expected: format!("10 {feedback} (the only MX)"),
        ok: found.len() == 1 && found[0].ends_with(&format!(" {feedback}")),
        found,
    }
}

async fn mail_from_spf(lookup: &HickoryLookup, domain: &str) -> DnsCheck {
    let found: Vec<String> = txt(lookup, domain)
        .await
        .into_iter()
        .filter(|t| spf::is_spf_record(t.as_bytes()))
        .collect();
    DnsCheck {
        what: "MAIL FROM SPF".into(),
        name: domain.to_string(),
        rtype: "TXT".into(),
        expected: ses::MAIL_FROM_SPF.into(),
        ok: found.len() == 1 && found[0].contains(ses::SPF_INCLUDE),
        found,
    }
}

/// The DNS-querying terms `domain`'s SPF record costs, as `check_host()`
/// counts them for a client that no term is meant to match: every term up
/// to `all`, or up to where the evaluation ends (past the limit, at a
/// `permerror` or a `temperror`).
async fn spf_lookups(lookup: &HickoryLookup, domain: &str) -> u32 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let receiver = spf::Receiver { name: "", now };
    let sender = format!("postmaster@{domain}");
    spf::check_host(lookup, receiver, UNMATCHED_CLIENT, domain, &sender, domain)
        .await
        .dns_lookups
}

async fn dmarc_checks(lookup: &HickoryLookup, identity: &str, from_domain: &str) -> DmarcProbe {
    let record = find_dmarc_record(lookup, identity, from_domain).await;
    let reports = match &record {
        Some((policy_domain, record)) => report_destinations(lookup, policy_domain, record).await,
        None => Vec::new(),
    };
    let at = record.as_ref().map_or(from_domain, |(domain, _)| domain);
    let check = DnsCheck {
        what: "DMARC".into(),
        name: format!("_dmarc.{at}"),
        rtype: "TXT".into(),
        expected: "v=DMARC1; p=…".into(),
        found: record.iter().map(|(_, r)| r.text.clone()).collect(),
        ok: record.is_some(),
    };
    DmarcProbe {
        check,
        record,
        reports,
    }
}

/// The first DMARC record at `_dmarc.<from domain>`, else at
/// `_dmarc.<identity>`, with the domain that holds it.
async fn find_dmarc_record(
    lookup: &HickoryLookup,
    identity: &str,
    from_domain: &str,
) -> Option<(String, Record)> {
    let mut domains = vec![from_domain];
    if from_domain != identity {
        domains.push(identity);
    }
    for domain in domains {
        let found = txt(lookup, &format!("_dmarc.{domain}")).await;
        if let Some(record) = found.iter().find_map(|t| Record::parse(t).ok()) {
            return Some((domain.to_string(), record));
        }
    }
    None
}

/// A check per `rua` destination outside the organization of
/// `policy_domain`, which must authorise the reports (RFC 7489 §7.1).
async fn report_destinations(
    lookup: &HickoryLookup,
    policy_domain: &str,
    record: &Record,
) -> Vec<DnsCheck> {
    let addresses = record.rua.iter().flat_map(|list| &list.valid);
    let mut checks = Vec::new();
    for address in addresses {
        let Some(host) = dmarc::mailto_domain(&address.uri) else {
            continue;
        };
        if same_organization(lookup, &host, policy_domain).await {
            continue;
        }
        let name = dmarc::authorization_name(policy_domain, &host);
        let found = txt(lookup, &name).await;
        let judged = dmarc::authorize(lookup, DmarcSpec::Rfc7489, policy_domain, address).await;
        checks.push(DnsCheck {
            what: format!("rua authorisation by {host}"),
            name,
            rtype: "TXT".into(),
            expected: "v=DMARC1".into(),
            found,
            ok: judged.authorized,
        });
    }
    checks
}

/// Whether two domains have the same organizational domain (RFC 7489
/// §3.2, the Public Suffix List), as the judge determines it.
pub(super) async fn same_organization(lookup: &HickoryLookup, a: &str, b: &str) -> bool {
    let org = |domain| dmarc::organizational_domain(lookup, DmarcSpec::Rfc7489, domain);
    match (org(a).await, org(b).await) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// TXT records at `name`, each one's strings joined.
async fn txt(lookup: &HickoryLookup, name: &str) -> Vec<String> {
    let answer = lookup.txt(name).await.map(|texts| {
        texts
            .iter()
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .collect()
    });
    found(answer)
}

/// MX records at `name`, as `<preference> <exchange>`.
async fn mx(lookup: &HickoryLookup, name: &str) -> Vec<String> {
    let answer = lookup.mx(name).await.map(|mxs| {
        mxs.iter()
            .map(|mx| format!("{} {}", mx.preference, mx.exchange.to_ascii_lowercase()))
            .collect()
    });
    found(answer)
}

/// CNAME targets at `name`, through the client's resolver (the judge's
/// `Lookup` has no CNAME query).
async fn cname(lookup: &HickoryLookup, name: &str) -> Vec<String> {
    let fqdn = format!("{}.", name.trim_end_matches('.'));
    match lookup
        .resolver()
        .lookup(fqdn.as_str(), RecordType::CNAME)
        .await
    {
        Ok(answer) => {
            let mut targets: Vec<String> = answer
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::CNAME(c) => {
                        Some(c.0.to_ascii().trim_end_matches('.').to_ascii_lowercase())
                    }
                    _ => None,
                })
                .collect();
            targets.sort();
            targets
        }
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => Vec::new(),
        Err(e) => vec![format!("error: {e}")],
    }
}

/// An answer as a check shows it: the record data sorted, nothing for
/// NXDOMAIN or NODATA, else one `error: …` entry.
fn found(answer: Answer<String>) -> Vec<String> {
    match answer {
        Ok(mut data) => {
            data.sort();
            data
        }
        Err(DnsError::NxDomain) => Vec::new(),
        Err(e) => vec![format!("error: {e}")],
    }
}
