//! Whether a receiver may send aggregate reports to each `rua` URI:
//! RFC 7489 §7.1 and RFC 9990's "Verifying External Destinations".
//!
//! A destination whose host has the same organizational domain as the
//! domain the record was found at is the Domain Owner's own. Any other
//! must be authorised by its Report Consumer with a TXT record at
//! `<policy domain>._report._dmarc.<destination host>` that starts with
//! `v=DMARC1`. Only `mailto:` is supported (RFC 7489 §6.2, RFC 9989 §4.7:
//! other schemes a receiver does not support are ignored). A temporary
//! DNS failure leaves the URI unauthorised for now and never changes the
//! DMARC result: RFC 7489 §7.1 step 4 only allows deferring the message.

use super::{
    ReportUri,
    discover::{OrgDomains, normalize_domain},
    record::{Record, ReportAddress, mailto_domain},
};
use crate::dns::{DnsError, Lookup};

/// The longest name a query can carry (RFC 1035 §2.3.4, in presentation
/// form without the trailing dot).
const MAX_NAME: usize = 253;

/// Every address of `rua`, judged for the record found at `policy_domain`.
pub(crate) async fn authorize<L: Lookup>(
    lookup: &L,
    policy_domain: &str,
    addresses: &[ReportAddress],
    orgs: &mut OrgDomains<'_, L>,
) -> Vec<ReportUri> {
    let mut out = Vec::with_capacity(addresses.len());
    for address in addresses {
        out.push(authorize_one(lookup, policy_domain, address, orgs).await);
    }
    out
}

/// One address of `rua`, judged for the record found at `policy_domain`.
pub(crate) async fn authorize_one<L: Lookup>(
    lookup: &L,
    policy_domain: &str,
    address: &ReportAddress,
    orgs: &mut OrgDomains<'_, L>,
) -> ReportUri {
    let (authorized, reason) = judge(lookup, policy_domain, &address.uri, orgs).await;
    ReportUri {
        uri: address.uri.clone(),
        size_limit: address.size_limit.clone(),
        authorized,
        reason,
    }
}

/// Where the Report Consumer at `host` authorises reports about the
/// record of `policy_domain`: `<policy domain>._report._dmarc.<host>`
/// (RFC 7489 §7.1).
pub fn authorization_name(policy_domain: &str, host: &str) -> String {
    format!("{policy_domain}._report._dmarc.{host}")
}

async fn judge<L: Lookup>(
    lookup: &L,
    policy_domain: &str,
    uri: &str,
    orgs: &mut OrgDomains<'_, L>,
) -> (bool, String) {
    let Some(host) = mailto_domain(uri) else {
        return (
            false,
            "not a mailto: URI, the only scheme supported: ignored (RFC 7489 §6.2, RFC 9989 §4.7)"
                .to_string(),
        );
    };
    let host = normalize_domain(&host);
    let policy_org = match orgs.get(policy_domain).await {
        Ok(org) => org,
        Err(e) => return (false, unknown(&e.to_string())),
    };
    let host_org = match orgs.get(&host).await {
        Ok(org) => org,
        Err(e) => return (false, unknown(&e.to_string())),
    };
    if host_org == policy_org {
        return (
            true,
            format!("{host} is inside {policy_org}, the policy domain's organizational domain"),
        );
    }
    let name = authorization_name(policy_domain, &host);
    if name.len() > MAX_NAME {
        return (
            false,
            format!("{name} is too long to query: not authorised (RFC 9990)"),
        );
    }
    match lookup.txt(&name).await {
        Ok(texts)
            if texts
                .iter()
                .any(|t| Record::parse(&String::from_utf8_lossy(t)).is_ok()) =>
        {
            (
                true,
                format!("external destination authorised by v=DMARC1 at {name} (RFC 7489 §7.1)"),
            )
        }
        Ok(_) | Err(DnsError::NxDomain) => (
            false,
            format!(
                "external destination without a v=DMARC1 record at {name}: not authorised \
                 (RFC 7489 §7.1 step 6)"
            ),
        ),
        Err(DnsError::InvalidName(why)) => (false, format!("{why}: not authorised")),
        Err(DnsError::Temporary(reason)) => (
            false,
            format!(
                "temporary DNS failure querying TXT {name}: {reason}; not authorised for now, \
                 the DMARC result is unaffected (RFC 7489 §7.1 step 4)"
            ),
        ),
    }
}

fn unknown(why: &str) -> String {
    format!(
        "organizational domain undetermined ({why}): not authorised for now, the DMARC result \
         is unaffected"
    )
}
