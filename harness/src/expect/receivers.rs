//! Comparing receiver outcomes with a scenario's `[expect.receivers]`.

use super::Mismatch;
use crate::receiver::{Disposition, ReceiverOutcome};

/// Every expected disposition that the outcomes of one message do not
/// meet, as `receivers.<profile>` mismatches; the found side names the
/// reply and the first reason.
pub fn compare_receivers(
    expected: &[(String, Disposition)],
    outcomes: &[ReceiverOutcome],
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for (profile, disposition) in expected {
        let found = outcomes.iter().find(|o| &o.profile == profile);
        match found {
            Some(o) if o.disposition == *disposition => {}
            Some(o) => {
                let mut found = o.disposition.to_string();
                if let Some(reply) = &o.reply {
                    found.push_str(&format!(" ({reply})"));
                }
                if let Some(reason) = o.reasons.first() {
                    found.push_str(&format!(": {reason}"));
                }
                out.push(Mismatch {
                    field: format!("receivers.{profile}"),
                    expected: disposition.to_string(),
                    found,
                });
            }
            None => out.push(Mismatch {
                field: format!("receivers.{profile}"),
                expected: disposition.to_string(),
                found: "no outcome (the message was not judged)".into(),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatches_name_the_profile_and_the_reply() {
        let outcomes = [
            ReceiverOutcome {
                profile: "docomo".into(),
                disposition: Disposition::Reject,
                reply: Some("550 Unknown user".into()),
                banner: None,
                reasons: vec!["DMARC does not pass".into()],
            },
            ReceiverOutcome {
                profile: "generic".into(),
                disposition: Disposition::Inbox,
                reply: None,
                banner: None,
                reasons: Vec::new(),
            },
        ];
        let expected = [
            ("docomo".to_string(), Disposition::Inbox),
            ("generic".to_string(), Disposition::Inbox),
            ("outlook".to_string(), Disposition::Reject),
        ];
        let found = compare_receivers(&expected, &outcomes);
        assert_eq!(
            found,
            [
                Mismatch {
                    field: "receivers.docomo".into(),
                    expected: "inbox".into(),
                    found: "reject (550 Unknown user): DMARC does not pass".into(),
                },
                Mismatch {
                    field: "receivers.outlook".into(),
                    expected: "reject".into(),
                    found: "no outcome (the message was not judged)".into(),
                },
            ]
        );
    }
}
