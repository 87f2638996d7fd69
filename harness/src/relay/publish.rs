use std::net::IpAddr;

use mock_dns::{Catalog, RData, Record};

use super::{RelayConfig, ses};
use crate::keys::{KeyAlgorithm, KeyCache, KeyError, KeyPair};

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

/// The records a user publishes for an identity, as the SES console lists
/// them: the three Easy DKIM CNAMEs, the custom MAIL FROM MX and SPF, and
/// a starting DMARC record.
pub fn user_records(identity: &str, region: &str, mail_from: Option<&str>) -> Vec<Record> {
    let identity = identity.trim_end_matches('.').to_ascii_lowercase();
    let mut records: Vec<Record> = ses::easy_dkim_tokens(&identity, region)
        .iter()
        .map(|token| {
            Record::new(
                &format!("{token}._domainkey.{identity}."),
                1800,
                RData::Cname(format!("{token}.dkim.amazonses.com.")),
            )
        })
        .collect();
    if let Some(mail_from) = mail_from {
        let mail_from = mock_dns::normalize_name(mail_from);
        records.push(Record::new(
            &mail_from,
            300,
            RData::Mx {
                preference: 10,
                exchange: mock_dns::normalize_name(&ses::feedback_mx(region)),
            },
        ));
        records.push(Record::txt(
            &mail_from,
            300,
            "v=spf1 include:amazonses.com ~all",
        ));
    }
    records.push(Record::txt(
        &format!("_dmarc.{identity}."),
        300,
        "v=DMARC1; p=none;",
    ));
    records
}

/// The in-addr.arpa / ip6.arpa name of an address.
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa.", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut name = String::new();
            for byte in v6.octets().iter().rev() {
                name.push_str(&format!("{:x}.{:x}.", byte & 0xf, byte >> 4));
            }
            name + "ip6.arpa."
        }
    }
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

    #[test]
    fn user_records_for_custom_mail_from() {
        let records = user_records("example.com", "us-east-1", Some("bounce.example.com"));
        let text: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        assert_eq!(text.len(), 6);
        assert!(text[3].contains("MX"));
        assert!(text[3].contains("feedback-smtp.us-east-1.amazonses.com."));
        assert!(text[4].contains("v=spf1 include:amazonses.com ~all"));
    }
}
