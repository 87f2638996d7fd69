//! The SES mailbox simulator inside the relay: recipients at
//! `simulator.amazonses.com` never leave SES; each gets the behaviour SES
//! documents for its mailbox ([`crate::ses::SimulatorMailbox`]), the
//! messages that behaviour sends back to the envelope sender
//! (`super::feedback`), and the notifications SES publishes about it
//! (`super::notify`).
//!
//! | mailbox | what the provider does | back to the MAIL FROM domain's MX | notifications |
//! |---|---|---|---|
//! | `success@` | accepts | nothing | Delivery |
//! | `bounce@` | refuses, `550 5.1.1` | a DSN (RFC 3464) | Bounce, Permanent / General |
//! | `ooto@` | accepts | an automatic response (RFC 3834) | Delivery |
//! | `complaint@` | accepts, then the recipient marks it as spam | a complaint (RFC 5965) | Delivery, Complaint (`abuse`) |
//! | `suppressionlist@` | is never contacted | a DSN from SES | Bounce, Permanent / OnAccountSuppressionList |
//!
//! SES combines the bounces of one send into one response
//! (send-email-simulator, "Important Considerations"): one DSN and one
//! Bounce notification for every `bounce@` recipient of a message, one for
//! every `suppressionlist@` recipient (its subtype differs), one Delivery
//! notification for every recipient that accepted it. An out-of-office
//! answer may also reach SES as a `Transient` bounce
//! (notification-contents, "Bounce types": "you might receive this type
//! of notification"); the simulator sends none.

use std::{
    net::{IpAddr, Ipv4Addr},
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};
use mail_auth::hickory_resolver::TokioResolver;
use serde::Serialize;

use super::{
    RelayConfig,
    feedback::{
        self, Built, FeedbackDelivery, FeedbackKind, MxPort, Original, Stamp, deliver_to_mx,
    },
    notify::{
        BounceObject, BouncedRecipient, ComplaintObject, DeliveryObject, EmailAddress, MailObject,
        Notification, NotificationType, SesEvent, common_headers, iso8601, original_headers, uuid,
    },
};
use crate::{
    ses::{self, SIMULATOR_DOMAIN, SimulatorMailbox, simulator_mailbox},
    smtp::Transaction,
};

/// Where the simulator's provider answers from: it lives inside the
/// relay, on loopback (a notification's `remoteMtaIp`).
pub const SIMULATOR_MTA_IP: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// The `User-Agent` of the simulator's complaints (RFC 5965 §3.1) and of
/// the Complaint notification's `userAgent`.
pub const COMPLAINT_USER_AGENT: &str = "mailharness-mailbox-simulator/1";

/// What the simulated provider answers a message it accepts.
pub const ACCEPTED_REPLY: &str = "250 2.6.0 Message received";

/// What `bounce@` answers (send-email-simulator: "an SMTP 550 5.1.1
/// ("Unknown User") response code").
pub const BOUNCE_REPLY: &str = "550 5.1.1 user unknown";

/// The IAM identity a notification's `callerIdentity` names.
pub const CALLER_IDENTITY: &str = "mailharness-smtp-user";

/// The mailbox simulator of one relay: where the MX hosts of this run
/// listen, and what it did, in order. Cloned, it shares what it records,
/// so the runner keeps a clone to read it back.
#[derive(Clone, Debug, Default)]
pub struct MailboxSimulator {
    mx: MxPort,
    log: Arc<Mutex<Vec<Simulated>>>,
}

impl MailboxSimulator {
    /// A simulator whose feedback goes to MX hosts listening on `mx`.
    pub fn new(mx: MxPort) -> MailboxSimulator {
        MailboxSimulator {
            mx,
            log: Arc::default(),
        }
    }

    /// Every message with simulator recipients, in the order relayed.
    pub fn simulated(&self) -> Vec<Simulated> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn record(&self, simulated: Simulated) {
        if let Ok(mut log) = self.log.lock() {
            log.push(simulated);
        }
    }
}

/// What the simulator did with one message's simulator recipients.
#[derive(Clone, Debug, Serialize)]
pub struct Simulated {
    /// SES's message id.
    pub ses_id: String,
    pub recipients: Vec<SimulatedRecipient>,
    /// The messages sent back to the envelope sender.
    pub feedback: Vec<FeedbackDelivery>,
    /// The notifications SES published, in order.
    pub notifications: Vec<Notification>,
}

/// One simulator recipient and what its provider answered.
#[derive(Clone, Debug, Serialize)]
pub struct SimulatedRecipient {
    pub address: String,
    pub mailbox: SimulatorMailbox,
    pub reply: String,
}

/// `rcpt_to` split into the simulator's recipients (with their mailbox)
/// and the others, each in order.
pub fn split(rcpt_to: &[String]) -> (Vec<(String, SimulatorMailbox)>, Vec<String>) {
    let mut simulated = Vec::new();
    let mut others = Vec::new();
    for r in rcpt_to {
        match simulator_mailbox(r) {
            Some(mailbox) => simulated.push((r.clone(), mailbox)),
            None => others.push(r.clone()),
        }
    }
    (simulated, others)
}

/// The message SES accepted, as it sent it on.
pub(super) struct Sent<'a> {
    pub tx: &'a Transaction,
    pub ses_id: &'a str,
    /// The bytes SES sends (rewritten and signed).
    pub message: &'a [u8],
    /// SES's envelope from, `<id>@<MAIL FROM domain>`.
    pub envelope_from: &'a str,
    pub at: DateTime<Utc>,
}

/// Simulates `recipients` (the simulator's recipients of `sent`): sends
/// what they send back to the envelope from's MX, publishes the
/// notifications, and records both with `config.simulator`.
pub(super) async fn simulate(
    config: &RelayConfig,
    resolver: &TokioResolver,
    sent: Sent<'_>,
    recipients: &[(String, SimulatorMailbox)],
) {
    let region = &config.ses.region;
    let message_id_header = format!("<{}@{}>", sent.ses_id, ses::message_id_domain(region));
    let from_domain = mail_auth::AuthenticatedMessage::parse(&sent.tx.data)
        .and_then(|m| m.from.first().cloned())
        .and_then(|f| f.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()));
    let original = Original {
        sent: sent.message,
        return_path: sent.envelope_from,
        message_id: &message_id_header,
        sent_at: sent.at,
        source_ip: config.ses.egress_ip,
        from_domain: from_domain.as_deref(),
    };
    let sending_host = config
        .ses
        .helo
        .clone()
        .unwrap_or_else(|| ses::sending_host(region));
    let of = |wanted: SimulatorMailbox| -> Vec<String> {
        recipients
            .iter()
            .filter(|(_, m)| *m == wanted)
            .map(|(r, _)| r.clone())
            .collect()
    };

    let mut built = Vec::new();
    let mut bounces = Vec::new();
    // bounce@: the provider refused with 550 5.1.1; SES's MTA reports it.
    let refused = of(SimulatorMailbox::Bounce);
    if !refused.is_empty() {
        let (message, bounce) = bounce(
            &original,
            Bounced {
                recipients: &refused,
                reporting_mta: &format!("dns; {sending_host}"),
                diagnostic_code: &format!("smtp; {BOUNCE_REPLY}"),
                sub_type: "General",
                remote_mta_ip: Some(IpAddr::V4(SIMULATOR_MTA_IP)),
            },
            config,
            &sending_host,
        );
        built.push(message);
        bounces.push(bounce);
    }
    // suppressionlist@: SES does not send; it bounces the address itself
    // "as if the recipient's address is on the suppression list", with
    // the account-level list's subtype (notification-contents, "Bounce
    // types") and no remote MTA.
    let suppressed = of(SimulatorMailbox::SuppressionList);
    if !suppressed.is_empty() {
        let (message, bounce) = bounce(
            &original,
            Bounced {
                recipients: &suppressed,
                reporting_mta: "dns; amazonses.com",
                diagnostic_code: "X-SES; Amazon SES did not send to this address: it is on the account-level suppression list",
                sub_type: "OnAccountSuppressionList",
                remote_mta_ip: None,
            },
            config,
            &sending_host,
        );
        built.push(message);
        bounces.push(bounce);
    }
    // ooto@: the provider's responder answers the Return-Path, unless the
    // message was itself sent automatically (RFC 3834 §2: a responder
    // MUST NOT answer a message whose Auto-Submitted is other than "no").
    let answers = !automatically_submitted(&sent.tx.data);
    for responder in of(SimulatorMailbox::Ooto).into_iter().filter(|_| answers) {
        let id = feedback_id(region);
        let message_id = format!("<{id}@{SIMULATOR_DOMAIN}>");
        let stamp = Stamp {
            from: &responder,
            id: &id,
            message_id: &message_id,
            now: Utc::now(),
        };
        built.push(Built {
            kind: FeedbackKind::AutoReply,
            about: vec![responder.clone()],
            helo: SIMULATOR_DOMAIN.into(),
            egress_ip: IpAddr::V4(SIMULATOR_MTA_IP),
            message_id: message_id.clone(),
            rcpt_to: sent.envelope_from.to_string(),
            bytes: feedback::auto_reply(&original, stamp),
        });
    }
    // complaint@: the provider's feedback loop reports the complaint.
    let mut complaints = Vec::new();
    for complainant in of(SimulatorMailbox::Complaint) {
        let id = feedback_id(region);
        let message_id = format!("<{id}@{SIMULATOR_DOMAIN}>");
        let stamp = Stamp {
            from: "MAILER-DAEMON@simulator.amazonses.com",
            id: &id,
            message_id: &message_id,
            now: Utc::now(),
        };
        built.push(Built {
            kind: FeedbackKind::Complaint,
            about: vec![complainant.clone()],
            helo: SIMULATOR_DOMAIN.into(),
            egress_ip: IpAddr::V4(SIMULATOR_MTA_IP),
            message_id: message_id.clone(),
            rcpt_to: sent.envelope_from.to_string(),
            bytes: feedback::complaint_report(
                &original,
                stamp,
                &complainant,
                COMPLAINT_USER_AGENT,
                &format!("dns; {SIMULATOR_DOMAIN}"),
            ),
        });
        complaints.push(ComplaintObject {
            user_agent: COMPLAINT_USER_AGENT.into(),
            complained_recipients: vec![EmailAddress {
                email_address: complainant,
            }],
            complaint_feedback_type: "abuse".into(),
            arrival_date: iso8601(sent.at),
            timestamp: iso8601(stamp.now),
            feedback_id: id,
            complaint_sub_type: None,
        });
    }

    let mut delivered_feedback = Vec::new();
    for message in &built {
        delivered_feedback.push(deliver_to_mx(resolver, &config.simulator.mx, message).await);
    }

    let mail = mail_object(config, &sent);
    let accepted: Vec<String> = recipients
        .iter()
        .filter(|(_, m)| m.delivers())
        .map(|(r, _)| r.clone())
        .collect();
    let mut notifications = Vec::new();
    let mut publish = |notification_type, fill: &dyn Fn(&mut SesEvent)| {
        let mut event = SesEvent {
            notification_type,
            mail: mail.clone(),
            bounce: None,
            complaint: None,
            delivery: None,
        };
        fill(&mut event);
        let now = Utc::now();
        notifications.push(Notification {
            sns_message_id: uuid(rand::random()),
            topic_arn: ses::topic_arn(region),
            timestamp: iso8601(now),
            message: event,
        });
    };
    if !accepted.is_empty() {
        let now = Utc::now();
        let delivery = DeliveryObject {
            timestamp: iso8601(now),
            processing_time_millis: (now - sent.at).num_milliseconds().max(0) as u64,
            recipients: accepted,
            smtp_response: ACCEPTED_REPLY.into(),
            reporting_mta: sending_host.clone(),
            remote_mta_ip: SIMULATOR_MTA_IP.to_string(),
        };
        publish(NotificationType::Delivery, &|e| {
            e.delivery = Some(delivery.clone())
        });
    }
    for bounce in bounces {
        publish(NotificationType::Bounce, &|e| {
            e.bounce = Some(bounce.clone())
        });
    }
    for complaint in complaints {
        publish(NotificationType::Complaint, &|e| {
            e.complaint = Some(complaint.clone())
        });
    }

    config.simulator.record(Simulated {
        ses_id: sent.ses_id.to_string(),
        recipients: recipients
            .iter()
            .map(|(address, mailbox)| SimulatedRecipient {
                address: address.clone(),
                mailbox: *mailbox,
                reply: match mailbox {
                    SimulatorMailbox::Bounce => BOUNCE_REPLY.into(),
                    SimulatorMailbox::SuppressionList => {
                        "not sent: on the account-level suppression list".into()
                    }
                    _ => ACCEPTED_REPLY.into(),
                },
            })
            .collect(),
        feedback: delivered_feedback,
        notifications,
    });
}

/// Hard bounces of one message, reported together.
struct Bounced<'a> {
    recipients: &'a [String],
    /// The DSN's `Reporting-MTA`, also the notification's `reportingMTA`.
    reporting_mta: &'a str,
    diagnostic_code: &'a str,
    sub_type: &'a str,
    /// Set when a remote MTA answered.
    remote_mta_ip: Option<IpAddr>,
}

/// The DSN SES's MTA sends to the envelope from, and the Bounce
/// notification's `bounce` object, for `bounced`. The status is the hard
/// bounce's, 5.1.1 (RFC 3463: bad destination mailbox address), for both
/// the refused and the suppressed address.
fn bounce(
    original: &Original<'_>,
    bounced: Bounced<'_>,
    config: &RelayConfig,
    sending_host: &str,
) -> (Built, BounceObject) {
    let region = &config.ses.region;
    let recipients: Vec<BouncedRecipient> = bounced
        .recipients
        .iter()
        .map(|r| BouncedRecipient {
            email_address: r.clone(),
            action: "failed".into(),
            status: "5.1.1".into(),
            diagnostic_code: Some(bounced.diagnostic_code.into()),
        })
        .collect();
    let id = feedback_id(region);
    let message_id = format!("<{id}@{}>", ses::message_id_domain(region));
    let stamp = Stamp {
        from: "MAILER-DAEMON@amazonses.com",
        id: &id,
        message_id: &message_id,
        now: Utc::now(),
    };
    let message = Built {
        kind: FeedbackKind::Bounce,
        about: bounced.recipients.to_vec(),
        helo: sending_host.into(),
        egress_ip: config.ses.egress_ip,
        message_id: message_id.clone(),
        rcpt_to: original.return_path.into(),
        bytes: feedback::delivery_status_notification(
            original,
            stamp,
            bounced.reporting_mta,
            &recipients,
        ),
    };
    let bounce = BounceObject {
        bounce_type: "Permanent".into(),
        bounce_sub_type: bounced.sub_type.into(),
        bounced_recipients: recipients,
        timestamp: iso8601(stamp.now),
        feedback_id: id,
        remote_mta_ip: bounced.remote_mta_ip.map(|ip| ip.to_string()),
        reporting_mta: Some(bounced.reporting_mta.into()),
    };
    (message, bounce)
}

/// The `mail` object of every notification about `sent`.
fn mail_object(config: &RelayConfig, sent: &Sent<'_>) -> MailObject {
    let (headers, headers_truncated) = original_headers(&sent.tx.data);
    MailObject {
        timestamp: iso8601(sent.at),
        message_id: sent.ses_id.to_string(),
        source: sent.tx.mail_from.clone(),
        source_arn: ses::identity_arn(&config.ses.region, &config.ses.identity),
        source_ip: sent.tx.client_ip.to_string(),
        sending_account_id: ses::SIMULATED_ACCOUNT_ID.into(),
        caller_identity: CALLER_IDENTITY.into(),
        destination: sent.tx.rcpt_to.clone(),
        headers_truncated,
        headers,
        common_headers: common_headers(&sent.tx.data),
    }
}

/// Whether `raw` carries an `Auto-Submitted` field other than `no`
/// (RFC 3834 §5: its keyword, case-insensitive, before any comment or
/// parameter).
fn automatically_submitted(raw: &[u8]) -> bool {
    let (block, _) = crate::headers::split_header(raw);
    crate::headers::header_fields(block)
        .into_iter()
        .filter(|f| crate::headers::field_name(f) == "auto-submitted")
        .any(|f| {
            let text = String::from_utf8_lossy(f);
            let value = text.split_once(':').map_or("", |(_, v)| v);
            let keyword = value.split([';', '(']).next().unwrap_or_default().trim();
            !keyword.eq_ignore_ascii_case("no")
        })
}

/// A feedback id in the shape of SES's ids.
fn feedback_id(region: &str) -> String {
    ses::message_id(region, Utc::now().timestamp_millis() as u64, rand::random())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_messages_get_no_automatic_answer() {
        assert!(!automatically_submitted(b"From: a@b\r\n\r\nx\r\n"));
        assert!(!automatically_submitted(
            b"Auto-Submitted: No (a person)\r\n\r\n"
        ));
        assert!(automatically_submitted(
            b"Auto-Submitted: auto-generated\r\n\r\n"
        ));
        assert!(automatically_submitted(
            b"Subject: x\r\nauto-submitted:\r\n auto-replied; owner-email=a@b\r\n\r\n"
        ));
    }

    #[test]
    fn simulator_recipients_are_split_from_the_others() {
        let (simulated, others) = split(&[
            "user@receiver.test".into(),
            "bounce+1@simulator.amazonses.com".into(),
            "Success@Simulator.AmazonSES.com".into(),
        ]);
        assert_eq!(
            simulated,
            [
                (
                    "bounce+1@simulator.amazonses.com".to_string(),
                    SimulatorMailbox::Bounce
                ),
                (
                    "Success@Simulator.AmazonSES.com".to_string(),
                    SimulatorMailbox::Success
                ),
            ]
        );
        assert_eq!(others, ["user@receiver.test"]);
    }
}
