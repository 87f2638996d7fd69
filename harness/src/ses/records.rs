use mock_dns::{RData, Record};

use super::conventions as ses;

/// The TTL SES's console suggests for the CNAMEs.
const CNAME_TTL: u32 = 1800;
/// The TTL of the other records it lists.
const TTL: u32 = 300;

/// The three Easy DKIM CNAMEs of `identity`:
/// `<token>._domainkey.<identity>` → `<token>.dkim.amazonses.com`.
pub fn easy_dkim_records(identity: &str, tokens: &[String]) -> Vec<Record> {
    let identity = identity.trim_end_matches('.').to_ascii_lowercase();
    tokens
        .iter()
        .map(|token| {
            Record::new(
                &format!("{token}._domainkey.{identity}."),
                CNAME_TTL,
                RData::Cname(format!("{token}.dkim.amazonses.com.")),
            )
        })
        .collect()
}

/// The custom MAIL FROM domain's records: exactly one MX to the region's
/// feedback endpoint, and SPF that includes amazonses.com.
pub fn mail_from_records(mail_from: &str, region: &str) -> Vec<Record> {
    let mail_from = mock_dns::normalize_name(mail_from);
    vec![
        Record::new(
            &mail_from,
            TTL,
            RData::Mx {
                preference: 10,
                exchange: mock_dns::normalize_name(&ses::feedback_mx(region)),
            },
        ),
        Record::txt(&mail_from, TTL, "v=spf1 include:amazonses.com ~all"),
    ]
}

/// A DMARC record at `_dmarc.<domain>` holding `text`.
pub fn dmarc_record(domain: &str, text: &str) -> Record {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    Record::txt(&format!("_dmarc.{domain}."), TTL, text)
}

/// The records a user publishes for an identity, as the SES console lists
/// them: the three Easy DKIM CNAMEs for `tokens`, the custom MAIL FROM MX
/// and SPF, and a starting DMARC record.
pub fn user_records(
    identity: &str,
    region: &str,
    mail_from: Option<&str>,
    tokens: &[String],
) -> Vec<Record> {
    let mut records = easy_dkim_records(identity, tokens);
    if let Some(mail_from) = mail_from {
        records.extend(mail_from_records(mail_from, region));
    }
    records.push(dmarc_record(identity, "v=DMARC1; p=none;"));
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_records_for_custom_mail_from() {
        let tokens = ses::easy_dkim_tokens("example.com", "us-east-1");
        let records = user_records(
            "example.com",
            "us-east-1",
            Some("bounce.example.com"),
            &tokens,
        );
        let text: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        assert_eq!(text.len(), 6);
        assert!(text[0].starts_with(&format!(
            "{}._domainkey.example.com. 1800 IN CNAME",
            tokens[0]
        )));
        assert!(text[3].contains("MX"));
        assert!(text[3].contains("feedback-smtp.us-east-1.amazonses.com."));
        assert!(text[4].contains("v=spf1 include:amazonses.com ~all"));
    }
}
