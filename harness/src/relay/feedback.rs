//! The messages that go back to a message's envelope sender: a delivery
//! status notification (RFC 3464) for a refused recipient, an automatic
//! response (RFC 3834), a complaint in the Abuse Reporting Format
//! (RFC 5965). Each is addressed to the Return-Path (SES's envelope from,
//! `<id>@<MAIL FROM domain>`) and delivered over SMTP to that domain's MX,
//! found through the scenario's DNS: the custom MAIL FROM's MX when SES
//! used it, amazonses.com's otherwise. Every one is sent with a null
//! reverse-path, so that it can never cause another (RFC 5321 §4.5.5 for
//! DSNs, RFC 3834 §3.3 for automatic responses; the complaint, a report
//! about an earlier message, is sent the same way).

use std::net::{IpAddr, SocketAddr};

use chrono::{DateTime, Utc};
use mail_auth::hickory_resolver::{TokioResolver, proto::rr::RData};
use serde::Serialize;

use super::notify::BouncedRecipient;
use crate::{
    headers::{field_value, split_header},
    smtp::{ClientTls, deliver_tls},
};

/// What kind of message went back to the sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedbackKind {
    /// A delivery status notification (RFC 3464): `multipart/report;
    /// report-type=delivery-status`.
    Bounce,
    /// An automatic response (RFC 3834): `Auto-Submitted: auto-replied`.
    AutoReply,
    /// A complaint (RFC 5965): `multipart/report;
    /// report-type=feedback-report`.
    Complaint,
}

impl FeedbackKind {
    pub const ALL: [FeedbackKind; 3] = [
        FeedbackKind::Bounce,
        FeedbackKind::AutoReply,
        FeedbackKind::Complaint,
    ];

    /// Its name in scenarios and reports.
    pub fn name(self) -> &'static str {
        match self {
            FeedbackKind::Bounce => "bounce",
            FeedbackKind::AutoReply => "auto-reply",
            FeedbackKind::Complaint => "complaint",
        }
    }
}

impl std::fmt::Display for FeedbackKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The message a feedback message is about, as SES sent it.
#[derive(Clone, Copy, Debug)]
pub struct Original<'a> {
    /// The bytes SES sent (its headers and signatures included).
    pub sent: &'a [u8],
    /// SES's envelope from: where feedback goes.
    pub return_path: &'a str,
    /// The Message-ID SES wrote, with its angle brackets.
    pub message_id: &'a str,
    /// When SES sent it.
    pub sent_at: DateTime<Utc>,
    /// The address the message was sent from (the scenario's egress IP).
    pub source_ip: IpAddr,
    /// The header From's domain.
    pub from_domain: Option<&'a str>,
}

impl Original<'_> {
    /// The header block of the sent message, for `text/rfc822-headers`.
    fn header_block(&self) -> String {
        let (block, _) = split_header(self.sent);
        let mut text = String::from_utf8_lossy(block).into_owned();
        if !text.ends_with("\r\n") {
            text.push_str("\r\n");
        }
        text
    }

    /// The value of the sent message's `name` header, unfolded.
    fn header(&self, name: &str) -> Option<String> {
        field_value(self.sent, name)
    }
}

/// Who sends a feedback message, and its identity: the `From`, an id for
/// its MIME boundary, its `Message-ID` (with angle brackets) and `Date`.
#[derive(Clone, Copy, Debug)]
pub struct Stamp<'a> {
    pub from: &'a str,
    pub id: &'a str,
    pub message_id: &'a str,
    pub now: DateTime<Utc>,
}

/// A feedback message ready to go, with its envelope.
#[derive(Clone, Debug)]
pub struct Built {
    pub kind: FeedbackKind,
    /// The simulator addresses it is about.
    pub about: Vec<String>,
    /// The host name the sending MTA greets with.
    pub helo: String,
    /// The address the sending MTA declares (PROXY v1).
    pub egress_ip: IpAddr,
    /// Its `Message-ID`, with angle brackets.
    pub message_id: String,
    pub rcpt_to: String,
    pub bytes: Vec<u8>,
}

/// A delivery status notification (RFC 3464) for `recipients`, from
/// `reporting_mta` (`dns; <host>`).
///
/// RFC 3464 §2.1: a `multipart/report` (RFC 6522) with
/// `report-type=delivery-status`: a human-readable part, a
/// `message/delivery-status` part (the per-message fields of §2.2, a blank
/// line, one block of per-recipient fields of §2.3 each: `Final-Recipient`,
/// `Action` and `Status` are required), and the returned headers as
/// `text/rfc822-headers`.
pub fn delivery_status_notification(
    original: &Original<'_>,
    stamp: Stamp<'_>,
    reporting_mta: &str,
    recipients: &[BouncedRecipient],
) -> Vec<u8> {
    let Stamp {
        from,
        id,
        message_id,
        now,
    } = stamp;
    let boundary = format!("=_dsn_{id}");
    let mut human = String::from(
        "This is an automatically generated Delivery Status Notification.\r\n\r\n\
         Delivery to the following recipients failed permanently:\r\n\r\n",
    );
    for r in recipients {
        human.push_str(&format!(
            "    {}\r\n      {}\r\n",
            r.email_address,
            r.diagnostic_code.as_deref().unwrap_or(&r.status)
        ));
    }
    let mut status = format!(
        "Reporting-MTA: {reporting_mta}\r\nArrival-Date: {}\r\n",
        original.sent_at.to_rfc2822()
    );
    for r in recipients {
        status.push_str(&format!(
            "\r\nFinal-Recipient: rfc822; {}\r\nAction: {}\r\nStatus: {}\r\n",
            r.email_address, r.action, r.status
        ));
        if let Some(diagnostic) = &r.diagnostic_code {
            status.push_str(&format!("Diagnostic-Code: {diagnostic}\r\n"));
        }
        status.push_str(&format!("Last-Attempt-Date: {}\r\n", now.to_rfc2822()));
    }
    let head = format!(
        "From: {from}\r\n\
         To: {to}\r\n\
         Subject: Delivery Status Notification (Failure)\r\n\
         Date: {date}\r\n\
         Message-ID: {message_id}\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status;\r\n\
         \tboundary=\"{boundary}\"\r\n",
        to = original.return_path,
        date = now.to_rfc2822(),
    );
    report(
        &head,
        &boundary,
        &human,
        ("message/delivery-status", &status),
        &original.header_block(),
    )
}

/// An out-of-office response (RFC 3834) from `stamp.from` to the
/// Return-Path: `Auto-Submitted: auto-replied` (§5, required of every
/// automatic response), `In-Reply-To` and `References` naming the
/// message (§3.1.4), the subject prefixed with `Auto:` (§3.1.5).
pub fn auto_reply(original: &Original<'_>, stamp: Stamp<'_>) -> Vec<u8> {
    let Stamp {
        from: responder,
        message_id,
        now,
        ..
    } = stamp;
    let subject = original.header("subject").map_or_else(
        || "Auto: out of the office".to_string(),
        |s| format!("Auto: {s}"),
    );
    format!(
        "From: {responder}\r\n\
         To: {to}\r\n\
         Subject: {subject}\r\n\
         Date: {date}\r\n\
         Message-ID: {message_id}\r\n\
         In-Reply-To: {original_id}\r\n\
         References: {original_id}\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\
         Content-Transfer-Encoding: 7bit\r\n\
         \r\n\
         I am out of the office and will read your message when I return.\r\n\
         \r\n\
         (An automatic response from the SES mailbox simulator, {responder}.)\r\n",
        to = original.return_path,
        date = now.to_rfc2822(),
        original_id = original.message_id,
    )
    .into_bytes()
}

/// A complaint in the Abuse Reporting Format (RFC 5965) about the message,
/// reported by `complainant`'s provider: a `multipart/report`
/// with `report-type=feedback-report` (§2): a human-readable part, a
/// `message/feedback-report` part whose fields are those of §3.1
/// (`Feedback-Type`, `User-Agent` and `Version` exactly once, then the
/// optional `Original-Mail-From`, `Original-Rcpt-To`, `Arrival-Date`,
/// `Reporting-MTA`, `Source-IP`, `Reported-Domain`), and the reported
/// message's headers as `text/rfc822-headers`.
pub fn complaint_report(
    original: &Original<'_>,
    stamp: Stamp<'_>,
    complainant: &str,
    user_agent: &str,
    reporting_mta: &str,
) -> Vec<u8> {
    let Stamp {
        from,
        id,
        message_id,
        now,
    } = stamp;
    let boundary = format!("=_arf_{id}");
    let human = format!(
        "This is an email abuse report for a message received from IP {} on {}.\r\n\
         The recipient marked it as spam.\r\n",
        original.source_ip,
        original.sent_at.to_rfc2822()
    );
    let mut fields = format!(
        "Feedback-Type: abuse\r\n\
         User-Agent: {user_agent}\r\n\
         Version: 1\r\n\
         Original-Mail-From: <{}>\r\n\
         Original-Rcpt-To: <{complainant}>\r\n\
         Arrival-Date: {}\r\n\
         Reporting-MTA: {reporting_mta}\r\n\
         Source-IP: {}\r\n",
        original.return_path,
        original.sent_at.to_rfc2822(),
        original.source_ip,
    );
    if let Some(domain) = original.from_domain {
        fields.push_str(&format!("Reported-Domain: {domain}\r\n"));
    }
    let head = format!(
        "From: {from}\r\n\
         To: {to}\r\n\
         Subject: Abuse report for a message to {complainant}\r\n\
         Date: {date}\r\n\
         Message-ID: {message_id}\r\n\
         Auto-Submitted: auto-generated\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=feedback-report;\r\n\
         \tboundary=\"{boundary}\"\r\n",
        to = original.return_path,
        date = now.to_rfc2822(),
    );
    report(
        &head,
        &boundary,
        &human,
        ("message/feedback-report", &fields),
        &original.header_block(),
    )
}

/// A `multipart/report` (RFC 6522 §3): `head` (ending with the
/// Content-Type that names `boundary`), the human-readable part, the
/// machine-readable part, the returned headers.
fn report(
    head: &str,
    boundary: &str,
    human: &str,
    (machine_type, machine): (&str, &str),
    headers: &str,
) -> Vec<u8> {
    format!(
        "{head}\r\n\
         This is a MIME-formatted message; its report is in the parts below.\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\
         Content-Transfer-Encoding: 7bit\r\n\
         \r\n\
         {human}\
         \r\n\
         --{boundary}\r\n\
         Content-Type: {machine_type}\r\n\
         \r\n\
         {machine}\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/rfc822-headers\r\n\
         \r\n\
         {headers}\
         \r\n\
         --{boundary}--\r\n"
    )
    .into_bytes()
}

/// How one feedback message fared on its way to the MAIL FROM domain's MX.
#[derive(Clone, Debug, Serialize)]
pub struct FeedbackDelivery {
    pub kind: FeedbackKind,
    /// The simulator addresses it is about.
    pub about: Vec<String>,
    /// The envelope: always the null reverse-path.
    pub mail_from: String,
    pub rcpt_to: String,
    /// Its `Message-ID`.
    pub message_id: String,
    /// The MX host it went to (the domain itself when it has no MX, RFC
    /// 5321 §5.1); none when the lookup failed.
    pub mx: Option<String>,
    pub delivered: bool,
    /// The MX host's reply, or why it could not be delivered.
    pub reply: String,
}

/// Where MX hosts listen in this run: the loopback port that stands for
/// port 25, and whom to trust when they offer STARTTLS.
#[derive(Clone, Debug, Default)]
pub struct MxPort {
    pub port: Option<u16>,
    pub tls: Option<ClientTls>,
}

/// Delivers `message` to the MX of its recipient's domain: the lowest
/// preference first (RFC 5321 §5.1), that host's address through the
/// resolver, on loopback only.
pub async fn deliver_to_mx(
    resolver: &TokioResolver,
    mx_port: &MxPort,
    message: &Built,
) -> FeedbackDelivery {
    let mut delivery = FeedbackDelivery {
        kind: message.kind,
        about: message.about.clone(),
        mail_from: String::new(),
        rcpt_to: message.rcpt_to.clone(),
        message_id: message.message_id.clone(),
        mx: None,
        delivered: false,
        reply: String::new(),
    };
    let domain = message
        .rcpt_to
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .unwrap_or_default();
    let host = match mx_host(resolver, &domain).await {
        Ok(host) => host,
        Err(reason) => {
            delivery.reply = reason;
            return delivery;
        }
    };
    delivery.mx = Some(host.clone());
    let target = match host_address(resolver, &host, mx_port).await {
        Ok(target) => target,
        Err(reason) => {
            delivery.reply = reason;
            return delivery;
        }
    };
    match deliver_tls(
        target,
        message.egress_ip,
        &message.helo,
        "",
        std::slice::from_ref(&message.rcpt_to),
        &message.bytes,
        mx_port.tls.as_ref(),
    )
    .await
    {
        Ok(reply) => {
            delivery.delivered = reply.is_positive();
            delivery.reply = reply.to_string();
        }
        Err(e) => delivery.reply = e.to_string(),
    }
    delivery
}

/// The MX host of `domain` with the lowest preference (ties: the first
/// name in order), or the domain itself when it has no MX (RFC 5321
/// §5.1, the implicit MX).
async fn mx_host(resolver: &TokioResolver, domain: &str) -> Result<String, String> {
    let name = format!("{}.", domain.trim_end_matches('.'));
    match resolver.mx_lookup(name.as_str()).await {
        Ok(lookup) => {
            let mut hosts: Vec<(u16, String)> = lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::MX(mx) => Some((
                        mx.preference,
                        mx.exchange
                            .to_ascii()
                            .trim_end_matches('.')
                            .to_ascii_lowercase(),
                    )),
                    _ => None,
                })
                .collect();
            hosts.sort();
            hosts
                .into_iter()
                .next()
                .map(|(_, host)| host)
                .ok_or_else(|| format!("no MX record at {domain}"))
        }
        Err(e) if e.is_no_records_found() => Ok(domain.to_string()),
        Err(e) => Err(format!("the MX lookup of {domain} failed: {e}")),
    }
}

/// Where `host` listens: its address, which must be on this machine (the
/// harness never delivers elsewhere), and the run's MX port.
async fn host_address(
    resolver: &TokioResolver,
    host: &str,
    mx_port: &MxPort,
) -> Result<SocketAddr, String> {
    let name = format!("{}.", host.trim_end_matches('.'));
    let ip = resolver
        .lookup_ip(name.as_str())
        .await
        .map_err(|e| format!("the address lookup of {host} failed: {e}"))?
        .iter()
        .next()
        .ok_or_else(|| format!("{host} has no address"))?;
    if !ip.is_loopback() {
        return Err(format!(
            "{host} resolves to {ip}, not to this machine; the harness delivers only on loopback"
        ));
    }
    let port = mx_port
        .port
        .ok_or_else(|| format!("no SMTP server listens for {host} in this run"))?;
    Ok(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use mail_parser::MimeHeaders;

    use super::*;

    fn original(sent: &[u8]) -> Original<'_> {
        Original {
            sent,
            return_path: "0100018f-x-000000@bounce.example.com",
            message_id: "<0100018f-x-000000@email.amazonses.com>",
            sent_at: DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            source_ip: "54.240.27.10".parse().unwrap(),
            from_domain: Some("example.com"),
        }
    }

    fn stamp(from: &str) -> Stamp<'_> {
        Stamp {
            from,
            id: "ID",
            message_id: "<ID@email.amazonses.com>",
            now: Utc::now(),
        }
    }

    const SENT: &[u8] = b"From: Shop <noreply@example.com>\r\nTo: bounce@simulator.amazonses.com\r\nSubject: Order 1234\r\nMessage-ID: <0100018f-x-000000@email.amazonses.com>\r\n\r\nbody\r\n";

    fn parts(message: &[u8]) -> Vec<(String, String)> {
        let parsed = mail_parser::MessageParser::default()
            .parse(message)
            .unwrap();
        parsed
            .parts
            .iter()
            .skip(1)
            .map(|p| {
                let ct = p
                    .content_type()
                    .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()))
                    .unwrap_or_default();
                let text = match &p.body {
                    mail_parser::PartType::Text(t) => t.to_string(),
                    mail_parser::PartType::Binary(b) | mail_parser::PartType::InlineBinary(b) => {
                        String::from_utf8_lossy(b).into_owned()
                    }
                    other => format!("{other:?}"),
                };
                (ct, text)
            })
            .collect()
    }

    #[test]
    fn a_dsn_has_the_three_parts_of_rfc_3464() {
        let dsn = delivery_status_notification(
            &original(SENT),
            stamp("MAILER-DAEMON@amazonses.com"),
            "dns; a9-30.smtp-out.amazonses.com",
            &[BouncedRecipient {
                email_address: "bounce@simulator.amazonses.com".into(),
                action: "failed".into(),
                status: "5.1.1".into(),
                diagnostic_code: Some("smtp; 550 5.1.1 user unknown".into()),
            }],
        );
        let parsed = mail_parser::MessageParser::default().parse(&dsn).unwrap();
        let ct = parsed.content_type().unwrap();
        assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("report")));
        assert_eq!(ct.attribute("report-type"), Some("delivery-status"));
        let parts = parts(&dsn);
        assert_eq!(
            parts.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
            [
                "text/plain",
                "message/delivery-status",
                "text/rfc822-headers"
            ]
        );
        let status = &parts[1].1;
        assert!(status.starts_with("Reporting-MTA: dns; a9-30.smtp-out.amazonses.com\r\n"));
        assert!(status.contains("\r\n\r\nFinal-Recipient: rfc822; bounce@simulator.amazonses.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"));
        assert!(parts[2].1.contains("Subject: Order 1234\r\n"));
    }

    #[test]
    fn an_auto_reply_names_the_message_it_answers() {
        let reply = auto_reply(&original(SENT), stamp("ooto+a@simulator.amazonses.com"));
        let parsed = mail_parser::MessageParser::default().parse(&reply).unwrap();
        assert_eq!(
            parsed.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-replied")
        );
        assert_eq!(parsed.subject(), Some("Auto: Order 1234"));
        assert_eq!(
            parsed.in_reply_to().as_text(),
            Some("0100018f-x-000000@email.amazonses.com")
        );
    }

    #[test]
    fn a_complaint_is_an_arf_report() {
        let arf = complaint_report(
            &original(SENT),
            stamp("MAILER-DAEMON@simulator.amazonses.com"),
            "complaint@simulator.amazonses.com",
            "mailharness-mailbox-simulator/1",
            "dns; simulator.amazonses.com",
        );
        let parsed = mail_parser::MessageParser::default().parse(&arf).unwrap();
        let ct = parsed.content_type().unwrap();
        assert_eq!(ct.attribute("report-type"), Some("feedback-report"));
        let parts = parts(&arf);
        assert_eq!(parts[1].0, "message/feedback-report");
        let fields = &parts[1].1;
        for required in ["Feedback-Type: abuse\r\n", "User-Agent: ", "Version: 1\r\n"] {
            assert_eq!(
                fields.matches(required).count(),
                1,
                "{required} in {fields}"
            );
        }
        assert!(fields.contains("Source-IP: 54.240.27.10\r\n"));
        assert!(fields.contains("Reported-Domain: example.com\r\n"));
    }
}
