use mailharness_auth::Policy;
use mock_dns::{RData, Record};

use super::conventions as ses;

/// The TTL of the records SES asks for, except the Easy DKIM CNAMEs.
const TTL: u32 = 300;
/// The TTL the SES console gives the Easy DKIM CNAMEs.
const CNAME_TTL: u32 = 1800;

/// The records a user publishes for an identity, as the SES console lists
/// them: the three Easy DKIM CNAMEs for `tokens`, the custom MAIL FROM MX
/// and SPF, and a starting DMARC record.
pub fn user_records(
    identity: &str,
    region: &str,
    mail_from: Option<&str>,
    tokens: &[String],
) -> Vec<Record> {
    let identity = identity.trim_end_matches('.').to_ascii_lowercase();
    let mut records = easy_dkim_records(&identity, tokens);
    if let Some(mail_from) = mail_from {
        records.extend(mail_from_records(mail_from, region));
    }
    records.push(dmarc_record(&identity));
    records
}

/// The Easy DKIM CNAMEs of `identity`, one per token.
pub fn easy_dkim_records(identity: &str, tokens: &[String]) -> Vec<Record> {
    let identity = identity.trim_end_matches('.').to_ascii_lowercase();
    tokens
        .iter()
        .map(|token| easy_dkim_record(&identity, token))
        .collect()
}

/// The CNAME of one Easy DKIM token: `<token>._domainkey.<identity>` to
/// the key SES publishes.
pub fn easy_dkim_record(identity: &str, token: &str) -> Record {
    Record::new(
        &format!("{token}._domainkey.{identity}."),
        CNAME_TTL,
        RData::Cname(format!("{}.", ses::easy_dkim_target(token))),
    )
}

/// The custom MAIL FROM domain's records: its MX, then its SPF record.
pub fn mail_from_records(mail_from: &str, region: &str) -> Vec<Record> {
    vec![mail_from_mx(mail_from, region), mail_from_spf(mail_from)]
}

/// A custom MAIL FROM domain's MX: exactly one, to the region's feedback
/// host.
pub fn mail_from_mx(mail_from: &str, region: &str) -> Record {
    Record::new(
        &mock_dns::normalize_name(mail_from),
        TTL,
        RData::Mx {
            preference: 10,
            exchange: mock_dns::normalize_name(&ses::feedback_mx(region)),
        },
    )
}

/// A custom MAIL FROM domain's SPF record.
pub fn mail_from_spf(mail_from: &str) -> Record {
    Record::txt(
        &mock_dns::normalize_name(mail_from),
        TTL,
        ses::MAIL_FROM_SPF,
    )
}

/// The DMARC record to start with: `p=none`, no reports yet.
pub fn dmarc_record(identity: &str) -> Record {
    dmarc_record_with_policy(identity, Policy::None)
}

/// A DMARC record with the policy `p=` given, no reports yet.
pub fn dmarc_record_with_policy(identity: &str, policy: Policy) -> Record {
    Record::txt(
        &format!("_dmarc.{identity}."),
        TTL,
        &format!("v=DMARC1; p={policy};"),
    )
}

/// A DMARC record at `_dmarc.<domain>` holding `text`.
pub fn dmarc_record_of(domain: &str, text: &str) -> Record {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    Record::txt(&format!("_dmarc.{domain}."), TTL, text)
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
