//! The SES mailbox simulator end to end: what it sends back to the MAIL
//! FROM domain's MX reaches SES's feedback host over SMTP and is a
//! well-formed report (RFC 3464 DSN, RFC 3834 automatic response, RFC
//! 5965 ARF, parsed with mail-parser), and SES's notifications carry the
//! fields its documentation lists, in a folder and POSTed to an HTTP
//! server this test starts.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use mail_parser::{MessageParser, MimeHeaders};
use mailharness::{
    runner::{ScenarioRun, run_scenario},
    scenario::{self, Scenario},
};
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use crate::support::{insta_settings, mailharness_bin, redact, workspace_root};

fn scenarios(file: &str) -> Vec<Scenario> {
    let path = workspace_root().join("scenarios/simulator").join(file);
    scenario::load_file(&path).unwrap_or_else(|e| panic!("{e:?}"))
}

fn variant(file: &str, name: &str) -> Scenario {
    scenarios(file)
        .into_iter()
        .find(|s| s.variant.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no variant {name} in {file}"))
}

fn run(scenario: &Scenario) -> ScenarioRun {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let run = runtime
        .block_on(run_scenario(scenario))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(run.report.passed, "{:#?}", run.report.failures);
    run
}

/// A part of a multipart/report: its MIME type and its bytes.
fn parts(raw: &[u8]) -> Vec<(String, String)> {
    let message = MessageParser::default().parse(raw).expect("a message");
    message
        .parts
        .iter()
        .skip(1)
        .map(|p| {
            let ct = p.content_type().expect("every part has a Content-Type");
            (
                format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase(),
                String::from_utf8_lossy(p.contents()).into_owned(),
            )
        })
        .collect()
}

/// The fields of one block of a report (`Name: value` lines), names
/// lowercased, each with every value it has.
fn fields(block: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        let (name, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("not a field: {line:?}"));
        out.entry(name.trim().to_ascii_lowercase())
            .or_default()
            .push(value.trim().to_string());
    }
    out
}

/// The report's outer Content-Type: `multipart/report` with the given
/// `report-type` (RFC 6522 §3).
fn assert_report_type(raw: &[u8], report_type: &str) {
    let message = MessageParser::default().parse(raw).unwrap();
    let ct = message.content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("report")));
    assert_eq!(ct.attribute("report-type"), Some(report_type));
}

/// The SNS envelope with its `Message` decoded, for a snapshot.
fn readable(body: &str) -> Value {
    let mut envelope: Value = serde_json::from_str(body).expect("the SNS body is JSON");
    let message = envelope["Message"]
        .as_str()
        .expect("Message is a string, as SNS sends it")
        .to_string();
    envelope["Message"] = serde_json::from_str(&message).expect("Message holds JSON");
    envelope
}

/// Every field notification-contents lists as always present, for the
/// `mail` object and for each kind of event.
fn assert_documented_fields(event: &Value) {
    for key in ["notificationType", "mail"] {
        assert!(event.get(key).is_some(), "no {key} in {event}");
    }
    for key in [
        "timestamp",
        "messageId",
        "source",
        "sourceArn",
        "sourceIp",
        "sendingAccountId",
        "callerIdentity",
        "destination",
        "headersTruncated",
        "headers",
        "commonHeaders",
    ] {
        assert!(event["mail"].get(key).is_some(), "no mail.{key} in {event}");
    }
    let (object, keys): (&str, &[&str]) = match event["notificationType"].as_str() {
        Some("Bounce") => (
            "bounce",
            &[
                "bounceType",
                "bounceSubType",
                "bouncedRecipients",
                "timestamp",
                "feedbackId",
            ],
        ),
        Some("Complaint") => (
            "complaint",
            &[
                "complainedRecipients",
                "timestamp",
                "feedbackId",
                "complaintFeedbackType",
            ],
        ),
        Some("Delivery") => (
            "delivery",
            &[
                "timestamp",
                "processingTimeMillis",
                "recipients",
                "smtpResponse",
                "reportingMTA",
                "remoteMtaIp",
            ],
        ),
        other => panic!("unexpected notificationType {other:?}"),
    };
    for key in keys {
        assert!(
            event[object].get(key).is_some(),
            "no {object}.{key} in {event}"
        );
    }
}

/// A bounce to bounce@simulator.amazonses.com with a custom MAIL FROM: the
/// DSN goes to bounce.example.com's MX, is a well-formed RFC 3464 report,
/// and the Bounce notification has SES's documented fields.
#[test]
fn a_bounce_reaches_the_custom_mail_from_mx_as_a_dsn() {
    let run = run(&variant("bounce.toml", "custom MAIL FROM"));
    let feedback = run
        .report
        .feedback
        .as_ref()
        .expect("the simulator's report");
    let [message] = feedback.messages.as_slice() else {
        panic!("one feedback message, found {:#?}", feedback.messages);
    };
    let delivery = &message.delivery;
    assert!(delivery.delivered, "{delivery:?}");
    assert_eq!(
        delivery.mx.as_deref(),
        Some("feedback-smtp.ap-northeast-1.amazonses.com")
    );
    assert!(
        delivery.rcpt_to.ends_with("@bounce.example.com"),
        "{delivery:?}"
    );

    // What SES's feedback host stored: the null sender, the Return-Path.
    let [stored] = run.feedback_messages.as_slice() else {
        panic!("one stored feedback message");
    };
    assert_eq!(stored.envelope.mail_from, "");
    assert_eq!(
        stored.envelope.rcpt_to,
        std::slice::from_ref(&delivery.rcpt_to)
    );
    let raw = stored.raw();
    assert_report_type(&raw, "delivery-status");
    let parts = parts(&raw);
    let types: Vec<&str> = parts.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "text/plain",
            "message/delivery-status",
            "text/rfc822-headers"
        ]
    );
    // RFC 3464 §2.2: the per-message fields, then (§2.3) one block per
    // recipient, separated by a blank line.
    let status = parts[1].1.replace("\r\n", "\n");
    let blocks: Vec<&str> = status
        .split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .collect();
    assert_eq!(blocks.len(), 2, "{status}");
    let per_message = fields(blocks[0]);
    assert_eq!(
        per_message["reporting-mta"],
        ["dns; e234-2.smtp-out.ap-northeast-1.amazonses.com"]
    );
    let per_recipient = fields(blocks[1]);
    for required in ["final-recipient", "action", "status"] {
        assert_eq!(per_recipient[required].len(), 1, "{required} in {status}");
    }
    assert_eq!(
        per_recipient["final-recipient"],
        ["rfc822; bounce@simulator.amazonses.com"]
    );
    assert_eq!(per_recipient["action"], ["failed"]);
    assert_eq!(per_recipient["status"], ["5.1.1"]);
    assert_eq!(
        per_recipient["diagnostic-code"],
        ["smtp; 550 5.1.1 user unknown"]
    );
    // The returned headers are those of the message SES sent.
    assert!(parts[2].1.contains("Feedback-ID: "), "{}", parts[2].1);

    let [notification] = feedback.notifications.as_slice() else {
        panic!("one notification");
    };
    let envelope = readable(&notification.sns_body());
    assert_documented_fields(&envelope["Message"]);
    insta_settings().bind(|| {
        insta::assert_json_snapshot!(
            serde_json::from_str::<Value>(&redact(&envelope.to_string())).unwrap()
        );
    });
}

/// As SES ships, the bounce goes to the regional amazonses.com domain's
/// MX: the same feedback host, another Return-Path domain.
#[test]
fn as_ses_ships_the_bounce_goes_to_amazonses_com() {
    let run = run(&variant("bounce.toml", "as SES ships"));
    let feedback = run.report.feedback.unwrap();
    let delivery = &feedback.messages[0].delivery;
    assert!(delivery.delivered);
    assert!(
        delivery.rcpt_to.ends_with("@ap-northeast-1.amazonses.com"),
        "{delivery:?}"
    );
}

/// complaint@: an ARF report (RFC 5965 §2, §3.1) after the Delivery
/// notification, then the Complaint notification.
#[test]
fn a_complaint_is_a_well_formed_arf_report() {
    let run = run(&scenarios("complaint.toml")[0]);
    let [stored] = run.feedback_messages.as_slice() else {
        panic!("one stored feedback message");
    };
    assert_eq!(stored.envelope.mail_from, "");
    let raw = stored.raw();
    assert_report_type(&raw, "feedback-report");
    let parts = parts(&raw);
    let types: Vec<&str> = parts.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "text/plain",
            "message/feedback-report",
            "text/rfc822-headers"
        ]
    );
    let report = fields(&parts[1].1);
    // Exactly once each (RFC 5965 §3.1).
    for required in ["feedback-type", "user-agent", "version"] {
        assert_eq!(report[required].len(), 1, "{required} in {report:?}");
    }
    assert_eq!(report["feedback-type"], ["abuse"]);
    assert_eq!(report["version"], ["1"]);
    assert_eq!(
        report["original-rcpt-to"],
        ["<complaint@simulator.amazonses.com>"]
    );
    assert_eq!(report["source-ip"], ["54.240.27.10"]);
    assert_eq!(report["reported-domain"], ["example.com"]);

    let feedback = run.report.feedback.unwrap();
    let types: Vec<String> = feedback
        .notifications
        .iter()
        .map(|n| n.notification_type().to_string())
        .collect();
    assert_eq!(types, ["Delivery", "Complaint"]);
    for n in &feedback.notifications {
        assert_documented_fields(&readable(&n.sns_body())["Message"]);
    }
    let complaint = readable(&feedback.notifications[1].sns_body());
    assert_eq!(
        complaint["Message"]["complaint"]["complaintFeedbackType"],
        "abuse"
    );
    assert_eq!(
        complaint["Message"]["complaint"]["userAgent"].as_str(),
        report["user-agent"].first().map(String::as_str)
    );
}

/// ooto@: an automatic response (RFC 3834) to the Return-Path, naming the
/// message it answers.
#[test]
fn an_out_of_office_answer_is_an_rfc_3834_response() {
    let run = run(&scenarios("ooto.toml")[0]);
    let [stored] = run.feedback_messages.as_slice() else {
        panic!("one stored feedback message");
    };
    assert_eq!(stored.envelope.mail_from, "", "RFC 3834 §3.3: null sender");
    let raw = stored.raw();
    let message = MessageParser::default().parse(&raw[..]).unwrap();
    assert_eq!(
        message.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-replied")
    );
    assert_eq!(message.subject(), Some("Auto: Your order has shipped"));
    let answered = message.in_reply_to().as_text().unwrap().to_string();
    let ses_id = &run.report.relay.reply["250 Ok ".len()..];
    assert!(answered.starts_with(ses_id), "{answered} vs {ses_id}");
    assert_eq!(message.references().as_text(), Some(answered.as_str()));
}

/// The HTTP server of [`notifications_are_posted_to_a_local_endpoint`]:
/// records each request (target, headers, body), answers `status`.
async fn serve(listener: TcpListener, status: &'static str, seen: Arc<Mutex<Vec<Request>>>) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            let n = socket.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the client closed before its request was whole");
            buffer.extend_from_slice(&chunk[..n]);
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
        };
        let head = String::from_utf8(buffer[..head_end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap().to_string();
        let headers: BTreeMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let length: usize = headers["content-length"].parse().unwrap();
        while buffer.len() < head_end + length {
            let n = socket.read(&mut chunk).await.unwrap();
            assert!(n > 0);
            buffer.extend_from_slice(&chunk[..n]);
        }
        let body = String::from_utf8(buffer[head_end..head_end + length].to_vec()).unwrap();
        seen.lock().unwrap().push(Request {
            request_line,
            headers,
            body,
        });
        socket
            .write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes())
            .await
            .unwrap();
    }
}

#[derive(Debug)]
struct Request {
    request_line: String,
    headers: BTreeMap<String, String>,
    body: String,
}

/// `mailharness run --notify-url` POSTs each notification, as SNS POSTs
/// to a subscribed endpoint, to an HTTP server this test starts on port 0;
/// `--notifications DIR` writes the same bodies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_posted_to_a_local_endpoint() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = tokio::spawn(serve(listener, "200 OK", Arc::clone(&seen)));
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(mailharness_bin())
        .arg("run")
        .arg(workspace_root().join("scenarios/simulator/complaint.toml"))
        .arg("--notify-url")
        .arg(format!("http://127.0.0.1:{port}/sns/ses"))
        .arg("--notifications")
        .arg(dir.path())
        .output()
        .await
        .unwrap();
    server.abort();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = seen.lock().unwrap();
    let types: Vec<String> = seen
        .iter()
        .map(|r| readable(&r.body)["Message"]["notificationType"].to_string())
        .collect();
    assert_eq!(types, ["\"Delivery\"", "\"Complaint\""]);
    for request in seen.iter() {
        assert_eq!(request.request_line, "POST /sns/ses HTTP/1.1");
        assert_eq!(request.headers["host"], format!("127.0.0.1:{port}"));
        assert_eq!(request.headers["x-amz-sns-message-type"], "Notification");
        let envelope = readable(&request.body);
        assert_eq!(envelope["Type"], "Notification");
        assert_eq!(
            request.headers["x-amz-sns-message-id"],
            envelope["MessageId"].as_str().unwrap()
        );
        assert_eq!(
            request.headers["x-amz-sns-topic-arn"],
            envelope["TopicArn"].as_str().unwrap()
        );
        assert_documented_fields(&envelope["Message"]);
    }
    // The folder holds the same bodies, one file each, in order.
    let folder = dir.path().join("simulator-complaint");
    for (i, (request, name)) in seen
        .iter()
        .zip(["01-Delivery.json", "02-Complaint.json"])
        .enumerate()
    {
        let written = std::fs::read_to_string(folder.join(name))
            .unwrap_or_else(|e| panic!("{name} (notification {}): {e}", i + 1));
        assert_eq!(written.trim_end(), request.body);
    }
}

/// An endpoint that answers with an error stops the run with exit 3,
/// naming the URL and the status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_fails_is_an_environment_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = tokio::spawn(serve(listener, "500 Internal Server Error", seen));
    let out = tokio::process::Command::new(mailharness_bin())
        .arg("run")
        .arg(workspace_root().join("scenarios/simulator/success.toml"))
        .arg("--notify-url")
        .arg(format!("http://localhost:{port}/"))
        .output()
        .await
        .unwrap();
    server.abort();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "--notify-url http://localhost:{port}/ answered 500 Internal Server Error to the Delivery notification"
        )),
        "{stderr}"
    );
}

/// A URL off this machine is a usage error (exit 2) before anything runs.
#[test]
fn a_url_off_the_machine_is_refused() {
    for url in [
        "http://example.com/sns",
        "https://127.0.0.1/",
        "http://10.1.2.3/",
    ] {
        let out = std::process::Command::new(mailharness_bin())
            .arg("run")
            .arg(workspace_root().join("scenarios/simulator/success.toml"))
            .arg("--notify-url")
            .arg(url)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {stderr}");
        assert!(stderr.contains("--notify-url"), "{url}: {stderr}");
        assert!(out.stdout.is_empty(), "{url}: nothing runs");
    }
    let out = std::process::Command::new(mailharness_bin())
        .args(["run", "--notify-url", "http://example.com/sns"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "notifications go only to this machine: expected the host 127.0.0.1, [::1] or localhost, found \"example.com\""
        ),
        "{stderr}"
    );
}
