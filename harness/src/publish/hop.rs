use mock_dns::{Catalog, Record};

use super::{TTL, host_records};
use crate::{
    hop::{ARC_SELECTOR, HopIdentity},
    keys::{KeyAlgorithm, KeyCache, KeyError, KeyPair},
};

/// Publishes a hop's DNS as its operator would: its domain's SPF allowing
/// its egress address, its host's forward and reverse records, and, when
/// it seals, its ARC key at `arc._domainkey.<domain>`; returns that key.
pub fn hop(catalog: &Catalog, hop: &HopIdentity) -> Result<Option<KeyPair>, KeyError> {
    let mechanism = match hop.egress_ip {
        std::net::IpAddr::V4(v4) => format!("ip4:{v4}"),
        std::net::IpAddr::V6(v6) => format!("ip6:{v6}"),
    };
    let mut records = vec![Record::txt(
        &hop.domain,
        TTL,
        &format!("v=spf1 {mechanism} -all"),
    )];
    records.extend(host_records(&hop.helo, hop.egress_ip));
    let arc_key = if hop.arc {
        let key =
            KeyCache::global().get(&format!("arc/{}", hop.domain), KeyAlgorithm::Rsa(2048))?;
        records.push(Record::txt(
            &format!("{ARC_SELECTOR}._domainkey.{}", hop.domain),
            TTL,
            &key.dns_txt(),
        ));
        Some(key)
    } else {
        None
    };
    catalog.extend(records);
    Ok(arc_key)
}
