use mock_dns::{RData, Record};

use super::conventions as ses;

/// The TTL of the records SES asks for, except the Easy DKIM CNAMEs.
const TTL: u32 = 300;
/// The TTL the SES console gives the Easy DKIM CNAMEs.
const CNAME_TTL: u32 = 1800;

/// The records a user publishes for an identity, as the SES console lists
/// them: the three Easy DKIM CNAMEs, the custom MAIL FROM MX and SPF, and
/// a starting DMARC record.
pub fn user_records(identity: &str, region: &str, mail_from: Option<&str>) -> Vec<Record> {
    let identity = identity.trim_end_matches('.').to_ascii_lowercase();
    let mut records: Vec<Record> = ses::easy_dkim_tokens(&identity, region)
        .iter()
        .map(|token| easy_dkim_record(&identity, token))
        .collect();
    if let Some(mail_from) = mail_from {
        records.push(mail_from_mx(mail_from, region));
        records.push(mail_from_spf(mail_from));
    }
    records.push(dmarc_record(&identity));
    records
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
    Record::txt(&format!("_dmarc.{identity}."), TTL, "v=DMARC1; p=none;")
}

#[cfg(test)]
mod tests {
    use super::*;

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
