//! SES's feedback host in a run: when a message goes to the mailbox
//! simulator, the runner starts a second capture that stands for
//! `feedback-smtp.<region>.amazonses.com` and publishes its address, so
//! that what the simulator sends back to the envelope from reaches it
//! through the MX records the scenario's DNS gives (amazonses.com's, or
//! the custom MAIL FROM domain's). The relay is told the port MX hosts
//! listen on in this run, the port that stands for 25.

use std::net::{IpAddr, Ipv4Addr};

use mail_parser::MimeHeaders;
use mock_dns::Catalog;

use super::one::loopback;
use crate::{
    capture::{CaptureConfig, CaptureHandle, Captured},
    headers::{field_name, field_value, header_fields, split_header, unfold},
    publish,
    relay::{MailboxSimulator, MxPort},
    report::{FeedbackMessageReport, FeedbackReport, ReceivedFeedback},
    ses,
};

/// The headers of a feedback message a report shows.
const SHOWN_HEADERS: &[&str] = &[
    "from",
    "to",
    "subject",
    "auto-submitted",
    "in-reply-to",
    "content-type",
];

/// The mailbox simulator of a relay and, when a recipient is one of its
/// addresses, the feedback host it sends to.
#[derive(Default)]
pub(super) struct FeedbackHost {
    mailbox: Option<CaptureHandle>,
    simulator: MailboxSimulator,
}

impl FeedbackHost {
    /// Starts the feedback host for `region` and publishes it, when one of
    /// `rcpt_to` is a mailbox simulator address; otherwise a simulator
    /// with no host (it will not be asked).
    pub(super) async fn start(
        catalog: &Catalog,
        region: &str,
        rcpt_to: &[String],
    ) -> Result<FeedbackHost, String> {
        if !rcpt_to.iter().any(|r| ses::simulator_mailbox(r).is_some()) {
            return Ok(FeedbackHost::default());
        }
        let config = CaptureConfig {
            hostname: ses::feedback_mx(region),
            ..CaptureConfig::default()
        };
        let mailbox = CaptureHandle::start(loopback(), config)
            .await
            .map_err(|e| format!("cannot start SES's feedback host: {e}"))?;
        publish::feedback_host(catalog, region, IpAddr::V4(Ipv4Addr::LOCALHOST));
        let simulator = MailboxSimulator::new(MxPort {
            port: Some(mailbox.addr().port()),
            tls: mailbox.client_tls().cloned(),
        });
        Ok(FeedbackHost {
            mailbox: Some(mailbox),
            simulator,
        })
    }

    /// The simulator to hand the relay (it records into this one).
    pub(super) fn simulator(&self) -> MailboxSimulator {
        self.simulator.clone()
    }

    /// How many relayed messages the simulator took.
    pub(super) fn simulated_messages(&self) -> usize {
        self.simulator.simulated().len()
    }

    /// What the simulator did, message by message.
    pub(super) fn simulated(&self) -> Vec<crate::relay::Simulated> {
        self.simulator.simulated()
    }

    /// The report of what came back, and the messages the feedback host
    /// stored (for `--save`); `None` when nothing went to the simulator.
    pub(super) fn report(&self) -> (Option<FeedbackReport>, Vec<Captured>) {
        let simulated = self.simulator.simulated();
        if simulated.is_empty() {
            return (None, Vec::new());
        }
        let stored = self
            .mailbox
            .as_ref()
            .map(|m| m.mailbox().messages())
            .unwrap_or_default();
        let mut report = FeedbackReport::default();
        for s in simulated {
            report.recipients.extend(s.recipients);
            for delivery in s.feedback {
                let received = stored
                    .iter()
                    .find(|c| {
                        field_value(&c.raw(), "message-id").as_deref() == Some(&delivery.message_id)
                    })
                    .map(received);
                report
                    .messages
                    .push(FeedbackMessageReport { delivery, received });
            }
            report.notifications.extend(s.notifications);
        }
        (Some(report), stored)
    }
}

/// What a report shows of a stored feedback message.
fn received(captured: &Captured) -> ReceivedFeedback {
    let raw = captured.raw();
    let (block, _) = split_header(&raw);
    let headers = header_fields(block)
        .into_iter()
        .filter(|f| SHOWN_HEADERS.contains(&field_name(f).as_str()))
        .map(|f| unfold(&String::from_utf8_lossy(f)))
        .collect();
    let mut parts = Vec::new();
    let mut report = None;
    if let Some(message) = mail_parser::MessageParser::default().parse(&raw[..]) {
        for part in message.parts.iter().skip(1) {
            let Some(ct) = part.content_type() else {
                continue;
            };
            let mime =
                format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase();
            if mime == "message/delivery-status" || mime == "message/feedback-report" {
                report = Some(
                    String::from_utf8_lossy(part.contents())
                        .replace("\r\n", "\n")
                        .trim_end()
                        .to_string(),
                );
            }
            parts.push(mime);
        }
    }
    ReceivedFeedback {
        helo: captured.envelope.helo.clone(),
        headers,
        parts,
        report,
    }
}
