use mock_dns::{RData, Record};

use super::conventions as ses;

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
