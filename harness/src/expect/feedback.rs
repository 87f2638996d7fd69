//! What the SES mailbox simulator gave back against `[expect.feedback]`,
//! and the rule for a scenario whose recipients all stay at the
//! simulator.

use super::{Mismatch, expects_verdict, verdict::glob_match};
use crate::{
    relay::{FeedbackKind, Simulated},
    scenario::Expectations,
};

/// Compares what the simulator did (`simulated`, message by message)
/// with `[expect.feedback]`. A send that was `accepted` with no message
/// `judged` at the receiver, all of it taken by the simulator, fails when
/// the scenario expects a verdict: there is none to check.
pub fn compare_feedback(
    expect: &Expectations,
    accepted: bool,
    judged: usize,
    simulated: &[Simulated],
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if accepted && judged == 0 && !simulated.is_empty() && expects_verdict(expect) {
        out.push(Mismatch::new(
            "messages",
            "a message at the receiver (the scenario expects a verdict)",
            "none: every recipient is at the SES mailbox simulator, which delivers nothing onward",
        ));
    }
    let Some(expected) = &expect.feedback else {
        return out;
    };
    let deliveries: Vec<_> = simulated.iter().flat_map(|s| &s.feedback).collect();
    if let Some(kinds) = &expected.kinds {
        let mut want = kinds.clone();
        want.sort();
        want.dedup();
        let mut found: Vec<FeedbackKind> = deliveries
            .iter()
            .filter(|d| d.delivered)
            .map(|d| d.kind)
            .collect();
        found.sort();
        found.dedup();
        if found != want {
            let lost: Vec<String> = deliveries
                .iter()
                .filter(|d| !d.delivered)
                .map(|d| format!("{} not delivered: {}", d.kind, d.reply))
                .collect();
            let mut text = names(&found);
            if !lost.is_empty() {
                text.push_str(&format!(" ({})", lost.join("; ")));
            }
            out.push(Mismatch::new("feedback.kind", names(&want), text));
        }
    }
    if let Some(types) = &expected.notifications {
        let found: Vec<_> = simulated
            .iter()
            .flat_map(|s| &s.notifications)
            .map(|n| n.notification_type())
            .collect();
        if &found != types {
            let list = |t: &[crate::relay::NotificationType]| {
                format!(
                    "[{}]",
                    t.iter()
                        .map(|t| format!("\"{t}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            out.push(Mismatch::new(
                "feedback.notifications",
                list(types),
                list(&found),
            ));
        }
    }
    if let Some(pattern) = &expected.mx {
        let found: Vec<&str> = deliveries
            .iter()
            .map(|d| d.mx.as_deref().unwrap_or("(no MX)"))
            .collect();
        if found.is_empty() || !found.iter().all(|mx| glob_match(pattern, mx)) {
            out.push(Mismatch::new("feedback.mx", pattern, joined(&found)));
        }
    }
    if let Some(pattern) = &expected.rcpt_domain {
        let found: Vec<&str> = deliveries
            .iter()
            .map(|d| d.rcpt_to.rsplit_once('@').map_or("", |(_, domain)| domain))
            .collect();
        if found.is_empty()
            || !found
                .iter()
                .all(|d| glob_match(pattern, &d.to_ascii_lowercase()))
        {
            out.push(Mismatch::new(
                "feedback.rcpt_domain",
                pattern,
                joined(&found),
            ));
        }
    }
    out
}

/// `bounce, complaint`, or `none`.
fn names(kinds: &[FeedbackKind]) -> String {
    if kinds.is_empty() {
        "none".into()
    } else {
        kinds
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The distinct values, or `none`.
fn joined(values: &[&str]) -> String {
    let mut distinct: Vec<&str> = values.to_vec();
    distinct.dedup();
    if distinct.is_empty() {
        "none".into()
    } else {
        distinct.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        relay::{
            CommonHeaders, FeedbackDelivery, MailObject, Notification, NotificationType, SesEvent,
        },
        scenario::{DmarcExpectation, Expectations},
    };

    fn delivery(kind: FeedbackKind, delivered: bool) -> FeedbackDelivery {
        FeedbackDelivery {
            kind,
            about: vec!["bounce@simulator.amazonses.com".into()],
            mail_from: String::new(),
            rcpt_to: "0100-x-000000@bounce.example.com".into(),
            message_id: "<x@amazonses.com>".into(),
            mx: delivered.then(|| "feedback-smtp.us-east-1.amazonses.com".into()),
            delivered,
            reply: if delivered {
                "250 2.0.0 Ok".into()
            } else {
                "no MX record at bounce.example.com".into()
            },
        }
    }

    fn notification(notification_type: NotificationType) -> Notification {
        Notification {
            sns_message_id: "id".into(),
            topic_arn: "arn".into(),
            timestamp: "t".into(),
            message: SesEvent {
                notification_type,
                mail: MailObject {
                    timestamp: "t".into(),
                    message_id: "m".into(),
                    source: "s".into(),
                    source_arn: "a".into(),
                    source_ip: "127.0.0.1".into(),
                    sending_account_id: "123456789012".into(),
                    caller_identity: "c".into(),
                    destination: Vec::new(),
                    headers_truncated: false,
                    headers: Vec::new(),
                    common_headers: CommonHeaders::default(),
                },
                bounce: None,
                complaint: None,
                delivery: None,
            },
        }
    }

    fn simulated(feedback: Vec<FeedbackDelivery>, types: &[NotificationType]) -> Simulated {
        Simulated {
            ses_id: "0100-x-000000".into(),
            recipients: Vec::new(),
            feedback,
            notifications: types.iter().map(|t| notification(*t)).collect(),
        }
    }

    fn expecting(feedback: crate::scenario::FeedbackExpectation) -> Expectations {
        Expectations {
            feedback: Some(feedback),
            ..Default::default()
        }
    }

    #[test]
    fn kinds_notifications_mx_and_domain_are_compared() {
        let expect = expecting(crate::scenario::FeedbackExpectation {
            kinds: Some(vec![FeedbackKind::Bounce]),
            notifications: Some(vec![NotificationType::Bounce]),
            mx: Some("feedback-smtp.*.amazonses.com".into()),
            rcpt_domain: Some("bounce.example.com".into()),
        });
        let ok = [simulated(
            vec![delivery(FeedbackKind::Bounce, true)],
            &[NotificationType::Bounce],
        )];
        assert!(compare_feedback(&expect, true, 0, &ok).is_empty());

        let wrong = [simulated(
            vec![delivery(FeedbackKind::Complaint, true)],
            &[NotificationType::Delivery, NotificationType::Complaint],
        )];
        let found = compare_feedback(&expect, true, 0, &wrong);
        assert_eq!(found[0].field, "feedback.kind");
        assert_eq!(found[0].expected, "bounce");
        assert_eq!(found[0].found, "complaint");
        assert_eq!(found[1].field, "feedback.notifications");
        assert_eq!(found[1].expected, "[\"Bounce\"]");
        assert_eq!(found[1].found, "[\"Delivery\", \"Complaint\"]");
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn a_lost_feedback_message_says_why() {
        let expect = expecting(crate::scenario::FeedbackExpectation {
            kinds: Some(vec![FeedbackKind::Bounce]),
            mx: Some("feedback-smtp.us-east-1.amazonses.com".into()),
            ..Default::default()
        });
        let lost = [simulated(vec![delivery(FeedbackKind::Bounce, false)], &[])];
        let found = compare_feedback(&expect, true, 0, &lost);
        assert_eq!(
            found[0].found,
            "none (bounce not delivered: no MX record at bounce.example.com)"
        );
        assert_eq!(found[1].field, "feedback.mx");
        assert_eq!(found[1].found, "(no MX)");
    }

    #[test]
    fn none_expects_no_feedback_message() {
        let expect = expecting(crate::scenario::FeedbackExpectation {
            kinds: Some(Vec::new()),
            notifications: Some(Vec::new()),
            ..Default::default()
        });
        assert!(compare_feedback(&expect, false, 0, &[]).is_empty());
        let bounced = [simulated(
            vec![delivery(FeedbackKind::Bounce, true)],
            &[NotificationType::Bounce],
        )];
        assert_eq!(compare_feedback(&expect, true, 0, &bounced).len(), 2);
    }

    #[test]
    fn a_verdict_cannot_come_from_the_simulator_alone() {
        let expect = Expectations {
            dmarc: Some(DmarcExpectation::default()),
            ..Default::default()
        };
        let taken = [simulated(Vec::new(), &[NotificationType::Delivery])];
        let found = compare_feedback(&expect, true, 0, &taken);
        assert_eq!(found[0].field, "messages");
        assert!(compare_feedback(&expect, true, 1, &taken).is_empty());
        assert!(compare_feedback(&Expectations::default(), true, 0, &taken).is_empty());
    }
}
