use std::net::IpAddr;

use mock_dns::{Catalog, RData, Record};

use super::TTL;
use crate::ses;

/// Publishes SES's feedback host for `region`,
/// `feedback-smtp.<region>.amazonses.com`: the MX of SES's own envelope
/// domains (published by [`super::ses_side`]) and the one MX a verified
/// custom MAIL FROM domain names. Its address is `ip`, where the runner's
/// feedback mailbox listens, so that what the mailbox simulator sends
/// back to a message's envelope from reaches it through the MX the
/// scenario's DNS gives.
pub fn feedback_host(catalog: &Catalog, region: &str, ip: IpAddr) {
    let host = ses::feedback_mx(region);
    let data = match ip {
        IpAddr::V4(v4) => RData::A(v4),
        IpAddr::V6(v6) => RData::Aaaa(v6),
    };
    catalog.extend([Record::new(&format!("{host}."), TTL, data)]);
}
