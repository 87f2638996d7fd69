use std::net::IpAddr;

use mock_dns::{Catalog, RData, Record};

use super::RelayConfig;
use crate::keys::{KeyAlgorithm, KeyCache, KeyError, KeyPair};
use crate::ses;

const TTL: u32 = 300;

/// The keys the relay signs with, after publishing their public halves.
#[derive(Clone, Debug)]
pub struct PublishedKeys {
    /// SES's own key (`d=amazonses.com`) and its selector.
    pub amazonses: KeyPair,
    pub amazonses_selector: String,
    /// The identity's own key (Easy DKIM or BYODKIM) and the selector it
    /// signs with (an Easy DKIM token, or the BYODKIM selector).
    pub author: Option<(String, KeyPair)>,
}

/// Publishes the amazonses.com side of DNS as SES publishes it: its SPF
/// record (and the regional envelope domain's, which includes it), the
/// envelope domain's MX, its own DKIM key, the Easy DKIM key targets
/// `<token>.dkim.amazonses.com`, and forward and reverse records of the
/// sending host. With BYODKIM it also publishes the user's key at
/// `<selector>._domainkey.<identity>`, as the user would. The user's side (the CNAMEs, the MAIL FROM MX and SPF,
/// DMARC) comes from the scenario's zones only.
pub fn publish(catalog: &Catalog, config: &RelayConfig) -> Result<PublishedKeys, KeyError> {
    let keys = KeyCache::global();
    let region = &config.ses.region;
    let amazonses_selector = ses::amazonses_selector(region);
    let amazonses = keys.get(
        &format!("amazonses.com/{region}/{amazonses_selector}"),
        KeyAlgorithm::Rsa(1024),
    )?;
    let default_domain = ses::default_mail_from_domain(region);
    let mut records = vec![
        Record::txt("amazonses.com.", TTL, &ses::amazonses_spf()),
        Record::txt(
            &format!("{amazonses_selector}._domainkey.amazonses.com."),
            TTL,
            &amazonses.dns_txt(),
        ),
    ];
    if default_domain != "amazonses.com" {
        // The regional envelope domains delegate to the main record.
        records.push(Record::txt(
            &default_domain,
            TTL,
            "v=spf1 include:amazonses.com ~all",
        ));
    }
    records.push(Record::new(
        &default_domain,
        TTL,
        RData::Mx {
            preference: 10,
            exchange: mock_dns::normalize_name(&ses::feedback_mx(region)),
        },
    ));
    let author = if config.ses.easy_dkim {
        let tokens = ses::easy_dkim_tokens(&config.ses.identity, region);
        let key = keys.get(
            &format!("easy-dkim/{}/{region}", config.ses.identity),
            KeyAlgorithm::Rsa(config.ses.dkim_key_bits),
        )?;
        // SES rotates between three keys; the emulation signs with the
        // first token and publishes the same key behind all three.
        for token in &tokens {
            records.push(Record::txt(
                &format!("{token}.dkim.amazonses.com."),
                TTL,
                &key.dns_txt(),
            ));
        }
        Some((tokens[0].clone(), key))
    } else if let Some(selector) = &config.ses.byodkim_selector {
        let key = keys.get(
            &format!("byodkim/{}/{selector}", config.ses.identity),
            KeyAlgorithm::Rsa(config.ses.dkim_key_bits),
        )?;
        records.push(Record::txt(
            &format!("{selector}._domainkey.{}.", config.ses.identity),
            TTL,
            &key.dns_txt(),
        ));
        Some((selector.clone(), key))
    } else {
        None
    };
    let host = config
        .ses
        .helo
        .clone()
        .unwrap_or_else(|| ses::sending_host(region));
    match config.ses.egress_ip {
        IpAddr::V4(ip) => records.push(Record::new(&host, TTL, RData::A(ip))),
        IpAddr::V6(ip) => records.push(Record::new(&host, TTL, RData::Aaaa(ip))),
    }
    records.push(Record::new(
        &reverse_name(config.ses.egress_ip),
        TTL,
        RData::Ptr(mock_dns::normalize_name(&host)),
    ));
    catalog.extend(records);
    Ok(PublishedKeys {
        amazonses,
        amazonses_selector,
        author,
    })
}

/// The in-addr.arpa / ip6.arpa name of an address, absolute.
pub fn reverse_name(ip: IpAddr) -> String {
    format!("{}.", mailharness_auth::dns::reverse_name(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("54.240.27.10".parse().unwrap()),
            "10.27.240.54.in-addr.arpa."
        );
        assert!(
            reverse_name("2001:db8::1".parse().unwrap()).ends_with(".8.b.d.0.1.0.0.2.ip6.arpa.")
        );
    }
}
