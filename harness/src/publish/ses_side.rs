use mock_dns::{Catalog, RData, Record};

use super::{TTL, host_records};
use crate::{
    keys::{KeyAlgorithm, KeyCache, KeyError},
    relay::{PublishedKeys, SesIdentity},
    ses,
};

/// Publishes the amazonses.com side of DNS as SES publishes it: its SPF
/// record (and the regional envelope domain's, which includes it), the
/// envelope domain's MX, its own DKIM key, the Easy DKIM key targets
/// `<token>.dkim.amazonses.com`, and forward and reverse records of the
/// sending host. With BYODKIM it also publishes the user's key at
/// `<selector>._domainkey.<identity>`, as the user would. The user's side
/// (the CNAMEs, the MAIL FROM MX and SPF, DMARC) comes from the scenario's
/// zones only.
pub fn ses_side(catalog: &Catalog, identity: &SesIdentity) -> Result<PublishedKeys, KeyError> {
    let keys = KeyCache::global();
    let region = &identity.region;
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
    let author = if identity.easy_dkim {
        let tokens = identity.easy_dkim_tokens();
        let key = keys.get(
            &format!("easy-dkim/{}/{region}", identity.identity),
            KeyAlgorithm::Rsa(identity.dkim_key_bits),
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
    } else if let Some(selector) = &identity.byodkim_selector {
        let key = keys.get(
            &format!("byodkim/{}/{selector}", identity.identity),
            KeyAlgorithm::Rsa(identity.dkim_key_bits),
        )?;
        records.push(Record::txt(
            &format!("{selector}._domainkey.{}.", identity.identity),
            TTL,
            &key.dns_txt(),
        ));
        Some((selector.clone(), key))
    } else {
        None
    };
    let host = identity
        .helo
        .clone()
        .unwrap_or_else(|| ses::sending_host(region));
    records.extend(host_records(&host, identity.egress_ip));
    catalog.extend(records);
    Ok(PublishedKeys {
        amazonses,
        amazonses_selector,
        author,
    })
}
