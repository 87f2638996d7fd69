//! SES's notifications in the shapes its documentation gives, and the SNS
//! envelope they travel in.
//!
//! The SES event ("Amazon SNS notification contents for Amazon SES",
//! notification-contents): a top-level object with `notificationType`
//! (`Bounce`, `Complaint` or `Delivery`), the `mail` object (the original
//! message: `timestamp`, `messageId`, `source`, `sourceArn`, `sourceIp`,
//! `sendingAccountId`, `callerIdentity`, `destination`, and, as when an
//! identity is set to include them, `headersTruncated`, `headers`,
//! `commonHeaders`) and one of `bounce`, `complaint`, `delivery`.
//!
//! The envelope ("HTTP/HTTPS notification JSON format", SNS developer
//! guide): `Type` `Notification`, `MessageId` (a UUID), `TopicArn`,
//! `Message` (the SES event as a string) and `Timestamp`; SNS's
//! `Signature`, `SigningCertURL` and `UnsubscribeURL` are left out, since
//! no signature made here could verify against AWS's certificate.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::headers::{field_value, header_fields, split_header, unfold};

/// SES truncates the headers in a notification when the original
/// message's headers are 10 KB or larger (notification-contents, `mail`
/// object, `headersTruncated`).
pub const HEADERS_LIMIT: usize = 10 * 1024;

/// The kind of an SES notification (`notificationType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub enum NotificationType {
    Bounce,
    Complaint,
    Delivery,
}

impl NotificationType {
    /// Every type, as notification-contents lists them.
    pub const ALL: [NotificationType; 3] = [
        NotificationType::Bounce,
        NotificationType::Complaint,
        NotificationType::Delivery,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NotificationType::Bounce => "Bounce",
            NotificationType::Complaint => "Complaint",
            NotificationType::Delivery => "Delivery",
        }
    }
}

impl std::fmt::Display for NotificationType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The SES event: what SNS carries in `Message`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SesEvent {
    pub notification_type: NotificationType,
    pub mail: MailObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounce: Option<BounceObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complaint: Option<ComplaintObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryObject>,
}

/// The original message (notification-contents, "Mail object").
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MailObject {
    /// When the original message was sent (ISO 8601).
    pub timestamp: String,
    /// The id SES assigned and returned to the sender.
    pub message_id: String,
    /// The envelope MAIL FROM address the message was sent from.
    pub source: String,
    pub source_arn: String,
    /// The address of the client that handed the message to SES.
    pub source_ip: String,
    pub sending_account_id: String,
    pub caller_identity: String,
    /// Every recipient of the original message.
    pub destination: Vec<String>,
    pub headers_truncated: bool,
    /// The original message's headers, as the sender wrote them (SES
    /// replaces Message-ID and Date when it sends; these are from before).
    pub headers: Vec<Header>,
    pub common_headers: CommonHeaders,
}

/// One header of `mail.headers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// `mail.commonHeaders`: From and To as arrays, the rest as strings.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommonHeaders {
    pub from: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub to: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// notification-contents, "Bounce object".
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BounceObject {
    /// `Permanent`, `Transient` or `Undetermined` ("Bounce types").
    pub bounce_type: String,
    /// `General`, `NoEmail`, `Suppressed`, `OnAccountSuppressionList`, …
    pub bounce_sub_type: String,
    pub bounced_recipients: Vec<BouncedRecipient>,
    pub timestamp: String,
    pub feedback_id: String,
    /// Present when SES contacted the remote MTA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_mta_ip: Option<String>,
    /// The DSN's `Reporting-MTA`, when a DSN came with the bounce.
    #[serde(rename = "reportingMTA", skip_serializing_if = "Option::is_none")]
    pub reporting_mta: Option<String>,
}

/// One entry of `bouncedRecipients`: the DSN's per-recipient fields.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BouncedRecipient {
    pub email_address: String,
    pub action: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostic_code: Option<String>,
}

/// notification-contents, "Complaint object".
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplaintObject {
    /// The feedback report's `User-Agent`.
    pub user_agent: String,
    pub complained_recipients: Vec<EmailAddress>,
    /// The feedback report's `Feedback-Type`.
    pub complaint_feedback_type: String,
    /// The feedback report's `Arrival-Date` (ISO 8601).
    pub arrival_date: String,
    pub timestamp: String,
    pub feedback_id: String,
    /// Null, or `OnAccountSuppressionList` when SES did not send.
    pub complaint_sub_type: Option<String>,
}

/// `{ "emailAddress": … }`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailAddress {
    pub email_address: String,
}

/// notification-contents, "Delivery object".
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryObject {
    pub timestamp: String,
    pub processing_time_millis: u64,
    pub recipients: Vec<String>,
    pub smtp_response: String,
    #[serde(rename = "reportingMTA")]
    pub reporting_mta: String,
    pub remote_mta_ip: String,
}

/// One notification as SNS delivers it: the SES event and its envelope.
#[derive(Clone, Debug, Serialize)]
pub struct Notification {
    /// SNS's `MessageId`, a UUID.
    pub sns_message_id: String,
    pub topic_arn: String,
    /// When SNS published it (ISO 8601).
    pub timestamp: String,
    /// The SES event; in [`Notification::sns_body`] it is a string.
    pub message: SesEvent,
}

/// The JSON document SNS POSTs to an HTTP endpoint.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SnsEnvelope<'a> {
    #[serde(rename = "Type")]
    kind: &'a str,
    message_id: &'a str,
    topic_arn: &'a str,
    message: String,
    timestamp: &'a str,
}

impl Notification {
    pub fn notification_type(&self) -> NotificationType {
        self.message.notification_type
    }

    /// The body SNS POSTs to a subscribed HTTP endpoint.
    pub fn sns_body(&self) -> String {
        let envelope = SnsEnvelope {
            kind: "Notification",
            message_id: &self.sns_message_id,
            topic_arn: &self.topic_arn,
            message: serde_json::to_string(&self.message).unwrap_or_default(),
            timestamp: &self.timestamp,
        };
        serde_json::to_string(&envelope).unwrap_or_default()
    }

    /// The headers SNS sends with the POST ("HTTP/HTTPS headers", SNS
    /// developer guide): the message type, id and topic, and the content
    /// type of the body.
    pub fn sns_headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("x-amz-sns-message-type", "Notification".into()),
            ("x-amz-sns-message-id", self.sns_message_id.clone()),
            ("x-amz-sns-topic-arn", self.topic_arn.clone()),
            ("Content-Type", "text/plain; charset=UTF-8".into()),
            ("User-Agent", "mailharness (SNS-style notification)".into()),
        ]
    }
}

/// A time as SES and SNS write it: `2016-01-27T14:59:38.237Z`.
pub fn iso8601(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A UUID (version 4, RFC 9562) from random bytes.
pub fn uuid(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// `mail.headers` and `headersTruncated`: every header of `raw` in order,
/// values unfolded; when the header block is [`HEADERS_LIMIT`] or larger,
/// only the headers that fit below it, and `true`.
pub fn original_headers(raw: &[u8]) -> (Vec<Header>, bool) {
    let (block, _) = split_header(raw);
    let truncated = block.len() >= HEADERS_LIMIT;
    let mut used = 0;
    let mut out = Vec::new();
    for field in header_fields(block) {
        used += field.len();
        if truncated && used >= HEADERS_LIMIT {
            break;
        }
        let text = String::from_utf8_lossy(field);
        let Some((name, value)) = text.split_once(':') else {
            continue;
        };
        out.push(Header {
            name: name.trim().to_string(),
            value: unfold(value),
        });
    }
    (out, truncated)
}

/// `mail.commonHeaders` of `raw`: the addresses of From, To and Cc (display
/// names decoded, `Name <address>`), Date and Message-ID as written, the
/// decoded Subject.
pub fn common_headers(raw: &[u8]) -> CommonHeaders {
    let (block, _) = split_header(raw);
    let raw_value = |name: &str| field_value(block, name);
    let Some(message) = mail_parser::MessageParser::default().parse_headers(block) else {
        return CommonHeaders::default();
    };
    let addresses = |address: Option<&mail_parser::Address>| -> Vec<String> {
        address
            .map(|a| {
                a.iter()
                    .filter_map(|addr| {
                        let email = addr.address.as_deref()?;
                        Some(match addr.name.as_deref() {
                            Some(name) if !name.is_empty() => format!("{name} <{email}>"),
                            _ => email.to_string(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    CommonHeaders {
        from: addresses(message.from()),
        date: raw_value("date"),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        message_id: raw_value("message-id"),
        subject: message.subject().map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &[u8] = b"From: \"Example Shop\" <noreply@example.com>\r\n\
To: user@receiver.test, Bob <bob@receiver.test>\r\n\
Subject: =?UTF-8?B?44GU5rOo5paH?=\r\n\
Message-ID: <order-1@example.com>\r\n\
Date: Mon, 08 Oct 2018 14:05:45 +0000\r\n\
X-Long: one\r\n two\r\n\
\r\n\
body\r\n";

    #[test]
    fn headers_as_written_and_unfolded() {
        let (headers, truncated) = original_headers(RAW);
        assert!(!truncated);
        assert_eq!(headers.len(), 6);
        assert_eq!(
            headers[0],
            Header {
                name: "From".into(),
                value: "\"Example Shop\" <noreply@example.com>".into()
            }
        );
        assert_eq!(headers[5].value, "one two");
    }

    #[test]
    fn headers_of_10_kb_are_truncated() {
        let mut raw = Vec::new();
        for n in 0..200 {
            raw.extend_from_slice(format!("X-Filler-{n:03}: {}\r\n", "x".repeat(60)).as_bytes());
        }
        raw.extend_from_slice(b"\r\nbody\r\n");
        let (headers, truncated) = original_headers(&raw);
        assert!(truncated);
        assert!(headers.len() < 200);
        let size: usize = headers
            .iter()
            .map(|h| h.name.len() + h.value.len() + 4)
            .sum();
        assert!(size < HEADERS_LIMIT, "{size}");
    }

    #[test]
    fn common_headers_decode_names_and_subject() {
        let common = common_headers(RAW);
        assert_eq!(common.from, ["Example Shop <noreply@example.com>"]);
        assert_eq!(common.to, ["user@receiver.test", "Bob <bob@receiver.test>"]);
        assert_eq!(common.subject.as_deref(), Some("ご注文"));
        assert_eq!(common.message_id.as_deref(), Some("<order-1@example.com>"));
        assert_eq!(
            common.date.as_deref(),
            Some("Mon, 08 Oct 2018 14:05:45 +0000")
        );
        let json = serde_json::to_value(&common).unwrap();
        assert!(json.get("cc").is_none());
        assert!(json.get("messageId").is_some());
    }

    #[test]
    fn uuids_are_version_4() {
        let id = uuid([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid([0; 16]), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn times_have_milliseconds_and_z() {
        let time = DateTime::parse_from_rfc3339("2016-01-27T14:59:38.237+00:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(iso8601(time), "2016-01-27T14:59:38.237Z");
    }
}
