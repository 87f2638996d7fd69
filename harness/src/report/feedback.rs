//! What the SES mailbox simulator gave back in a scenario: what each
//! simulator recipient's provider answered, the messages that reached the
//! MAIL FROM domain's MX (a DSN, an automatic response, a complaint), and
//! the SNS notifications SES published. The terminal lines for it.

use std::io::Write;

use serde::Serialize;

use super::Style;
use crate::relay::{FeedbackDelivery, Notification, SimulatedRecipient};

/// The mailbox simulator's part of a scenario.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FeedbackReport {
    /// Each simulator recipient and its provider's answer.
    pub recipients: Vec<SimulatedRecipient>,
    /// Each message sent back to the envelope from, as the MX host got it.
    pub messages: Vec<FeedbackMessageReport>,
    /// The notifications SES published, in order.
    pub notifications: Vec<Notification>,
}

/// One message sent back to the envelope from.
#[derive(Clone, Debug, Serialize)]
pub struct FeedbackMessageReport {
    /// Where it went and what the MX host answered.
    pub delivery: FeedbackDelivery,
    /// What the MX host stored, when it got the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received: Option<ReceivedFeedback>,
}

/// A feedback message as the MX host stored it.
#[derive(Clone, Debug, Serialize)]
pub struct ReceivedFeedback {
    /// The host name the sending MTA greeted with.
    pub helo: String,
    /// From, To, Subject, Auto-Submitted, In-Reply-To and Content-Type,
    /// as `Name: value` (unfolded).
    pub headers: Vec<String>,
    /// The MIME type of each part of a `multipart/report`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<String>,
    /// The machine-readable part of a report (`message/delivery-status`,
    /// `message/feedback-report`): its fields, one per line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

/// The simulator's lines under a scenario: each recipient, each feedback
/// message, each notification.
pub(super) fn write_feedback(
    out: &mut dyn Write,
    feedback: &FeedbackReport,
    style: Style,
    indent: &str,
) -> std::io::Result<()> {
    for r in &feedback.recipients {
        writeln!(out, "{indent}simulator    {}: {}", r.address, r.reply)?;
    }
    for m in &feedback.messages {
        let d = &m.delivery;
        let via =
            d.mx.as_deref()
                .map(|mx| format!(" via MX {mx}"))
                .unwrap_or_default();
        let outcome = if d.delivered {
            d.reply.clone()
        } else {
            style.failure(&format!("not delivered: {}", d.reply))
        };
        writeln!(
            out,
            "{indent}feedback     {} about {} to {}{via}: {outcome}",
            d.kind,
            d.about.join(", "),
            d.rcpt_to
        )?;
    }
    for n in &feedback.notifications {
        let event = &n.message;
        let detail = if let Some(b) = &event.bounce {
            format!(
                " {}/{} for {}",
                b.bounce_type,
                b.bounce_sub_type,
                b.bounced_recipients
                    .iter()
                    .map(|r| r.email_address.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if let Some(c) = &event.complaint {
            format!(
                " {} for {}",
                c.complaint_feedback_type,
                c.complained_recipients
                    .iter()
                    .map(|r| r.email_address.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if let Some(d) = &event.delivery {
            format!(" for {}", d.recipients.join(", "))
        } else {
            String::new()
        };
        writeln!(
            out,
            "{indent}notification {}{detail}",
            event.notification_type
        )?;
    }
    Ok(())
}
