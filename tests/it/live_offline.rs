//! Live mode without an AWS account: the SES and S3 code paths against
//! moto's server (an AWS API emulator on loopback), the identity attributes
//! moto does not implement (Easy DKIM tokens, MAIL FROM attributes)
//! through the SDK's own replay client with realistic SESv2 JSON, and the
//! audit against the mock DNS. Nothing here resolves real DNS or reaches AWS.

use std::{process::Command, time::Duration};

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use mailharness::{
    live::{
        self, Budget, Clients, Guard, IdentityAttributes, S3Capture, SendOutcome,
        aws_sdk_s3 as aws_s3, aws_sdk_sesv2 as sesv2,
    },
    runner::{LiveContext, run_live_scenario, run_scenario},
    scenario,
};
use mailharness_auth::dns::HickoryLookup;

use crate::support::{
    MotoServer, insta_settings, mailharness_bin, redact, runtime, workspace_root,
};

const MESSAGE: &[u8] = b"From: Example Shop <noreply@example.com>\r\n\
To: success@simulator.amazonses.com\r\n\
Subject: =?UTF-8?B?44GU5rOo5paH?=\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Line one.\r\n\
.leading dot and trailing spaces   \r\n\
\r\n";

#[test]
#[ignore = "needs moto's server: python3 -m pip install -r tests/independent/requirements-moto.txt"]
fn moto_raw_send_email_arrives_byte_exact() {
    let moto = MotoServer::start();
    let rt = runtime();
    let clients = Clients::for_emulator(&moto.url(), "us-east-1");
    rt.block_on(async {
        clients
            .ses
            .create_email_identity()
            .email_identity("example.com")
            .send()
            .await
            .expect("CreateEmailIdentity");
    });
    let token = live::new_run_token();
    let raw = live::with_run_token(MESSAGE, &token);
    let outcome = rt
        .block_on(live::send_raw(
            &clients.ses,
            "noreply@example.com",
            &["success@simulator.amazonses.com".to_string()],
            &raw,
            None,
            &[("campaign".into(), "harness".into())],
        ))
        .expect("moto answers");
    let SendOutcome::Accepted { message_id } = outcome else {
        panic!("expected the send to be accepted, found {outcome}");
    };
    assert!(!message_id.is_empty());
    let data = moto.data();
    let sent = data["ses"]["RawMessage"]
        .as_array()
        .unwrap_or_else(|| panic!("expected ses.RawMessage in moto's data.json: {data}"));
    let ours: Vec<&serde_json::Value> = sent
        .iter()
        .filter(|m| m["raw_data"].as_str().is_some_and(|r| r.contains(&token)))
        .collect();
    assert_eq!(ours.len(), 1, "one message with the run token: {sent:?}");
    assert_eq!(ours[0]["id"], message_id.as_str());
    assert_eq!(ours[0]["source"], "noreply@example.com");
    assert_eq!(
        ours[0]["raw_data"].as_str().unwrap().as_bytes(),
        raw.as_slice(),
        "the raw message must arrive byte for byte"
    );
}

fn live_context(clients: Clients, capture: Option<S3Capture>) -> LiveContext {
    LiveContext {
        clients,
        guard: Guard::new(Vec::new(), Duration::ZERO, Budget::new(10, None)),
        capture,
        nameserver: None,
        from: None,
        to: None,
        progress: false,
    }
}

#[test]
#[ignore = "needs moto's server: python3 -m pip install -r tests/independent/requirements-moto.txt"]
fn moto_unverified_sender_is_reported_as_message_rejected() {
    let moto = MotoServer::start();
    let text = r#"
name = "unverified sender through SES"
[sender]
via = "ses"
configuration_set = "harness-tests"
tags = [{ name = "suite", value = "offline" }]
[message]
from = "Shop <noreply@unverified.example>"
to = ["success@simulator.amazonses.com"]
subject = "s"
text = "t\r\n"
[expect]
outcome = "refused: MessageRejected"
"#;
    let scenarios = scenario::load_str(text, std::path::Path::new("unverified.toml"))
        .unwrap_or_else(|e| panic!("{}", e[0]));
    let clients = Clients::for_emulator(&moto.url(), "us-east-1");
    let cx = live_context(clients, None);
    let run = runtime()
        .block_on(run_live_scenario(&scenarios[0], &cx))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        run.report.passed,
        "expected a pass: {:#?}",
        run.report.failures
    );
    assert!(!run.report.relay.accepted);
    assert!(
        run.report.relay.reply.starts_with("MessageRejected: "),
        "{}",
        run.report.relay.reply
    );
    // Offline scenarios cannot run live ones: the runner says so.
    let e = runtime()
        .block_on(run_scenario(&scenarios[0]))
        .err()
        .expect("an environment error");
    assert!(e.to_string().contains("runs in live mode") || e.to_string().contains("live mode"));
}

#[test]
#[ignore = "needs moto's server: python3 -m pip install -r tests/independent/requirements-moto.txt"]
fn moto_s3_capture_finds_the_message_by_token_and_verifies_it() {
    let moto = MotoServer::start();
    let rt = runtime();
    // A message as a receiving MTA stores it: the offline relay's custom
    // setup, with the run token added by the sender.
    let token = live::new_run_token();
    let mut scenarios =
        scenario::load_file(&workspace_root().join("scenarios/ses/custom.toml")).unwrap();
    let mut custom = scenarios.remove(0);
    custom
        .message
        .headers
        .push((live::RUN_TOKEN_HEADER.to_string(), token.clone()));
    let run = rt.block_on(run_scenario(&custom)).unwrap();
    let stored = run.stored[0].clone();

    let clients = Clients::for_emulator(&moto.url(), "us-east-1");
    rt.block_on(async {
        clients
            .s3
            .create_bucket()
            .bucket("inbound-mail")
            .send()
            .await
            .expect("CreateBucket");
        let others: [(&str, Vec<u8>); 3] = [
            (
                "inbound/aaaa",
                b"From: x@y.test\r\n\r\nunrelated\r\n".to_vec(),
            ),
            (
                "inbound/bbbb",
                live::with_run_token(b"\r\nother run\r\n", "mh-0000"),
            ),
            (
                "elsewhere/cccc",
                live::with_run_token(b"\r\nwrong prefix\r\n", &token),
            ),
        ];
        for (key, body) in others.into_iter().chain([("inbound/zzzz", stored.clone())]) {
            clients
                .s3
                .put_object()
                .bucket("inbound-mail")
                .key(key)
                .body(aws_s3::primitives::ByteStream::from(body))
                .send()
                .await
                .expect("PutObject");
        }
    });
    let capture = S3Capture {
        s3: clients.s3.clone(),
        bucket: "inbound-mail".into(),
        prefix: "inbound/".into(),
        timeout: Duration::from_secs(5),
        interval: Duration::from_millis(200),
    };
    let mut progress = Vec::new();
    let (key, bytes) = rt
        .block_on(capture.find(&token, &mut |l: &str| progress.push(l.to_string())))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(key, "inbound/zzzz");
    assert_eq!(bytes, stored);

    // Verify it as live mode does, against the mock DNS of that run.
    let by = live::received_by(&bytes).unwrap();
    let verdict = rt.block_on(async {
        let catalog = mock_dns::Catalog::new();
        catalog.extend(mock_dns::parse_zone(&run.zone_file, ".").expect("the saved zone parses"));
        let dns = mock_dns::ServerHandle::start(catalog, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let verifier = mailharness::verify::Verifier::new(dns.addr(), "mx.test").unwrap();
        verifier
            .verify(mailharness::verify::VerifyInput {
                raw: &bytes,
                client_ip: by.client_ip,
                helo: &by.helo,
                mail_from: &by.mail_from,
            })
            .await
    });
    assert_eq!(verdict.return_path_domain, "bounce.example.com");
    assert_eq!(verdict.dmarc.result.to_string(), "pass");
    assert!(verdict.dmarc.spf_aligned && verdict.dmarc.dkim_aligned);
    let theirs = by.authentication_results.expect("the receiver's verdict");
    let theirs = live::their_results(&theirs);
    let side = mailharness::expect::ReceivingSide {
        spf: theirs.spf.as_deref(),
        dkim: &theirs.dkim,
        dmarc: theirs.dmarc.as_deref(),
    };
    assert_eq!(
        mailharness::expect::compare_with_receiving_side(&side, &verdict),
        []
    );

    // A token nobody stored: a timeout that says where it looked.
    let e = rt
        .block_on(
            S3Capture {
                timeout: Duration::from_millis(300),
                ..capture
            }
            .find("mh-nothere", &mut |_: &str| {}),
        )
        .unwrap_err();
    assert!(
        e.to_string().starts_with(
            "no message with run token mh-nothere arrived in s3://inbound-mail/inbound/"
        ),
        "{e}"
    );
}

/// Realistic `GetEmailIdentity` answers (SESv2 REST-JSON), as SES sends
/// them: Easy DKIM with three tokens, a custom MAIL FROM domain.
fn identity_json(mail_from_status: &str, behavior: &str) -> String {
    format!(
        r#"{{
  "IdentityType": "DOMAIN",
  "FeedbackForwardingStatus": true,
  "VerifiedForSendingStatus": true,
  "DkimAttributes": {{
    "SigningEnabled": true,
    "Status": "SUCCESS",
    "Tokens": ["xor2whcrpdxgu2brib3mjs2le6wjyi2a", "5bqtmyw2cfmw4v3j3ksbctrfr6xp7gce", "ipyvlbahz3nq7dcc3pd2nm2tckxcu6dv"],
    "SigningAttributesOrigin": "AWS_SES",
    "NextSigningKeyLength": "RSA_2048_BIT",
    "CurrentSigningKeyLength": "RSA_2048_BIT",
    "LastKeyGenerationTimestamp": 1.7325792E9
  }},
  "MailFromAttributes": {{
    "MailFromDomain": "bounce.example.com",
    "MailFromDomainStatus": "{mail_from_status}",
    "BehaviorOnMxFailure": "{behavior}"
  }},
  "Policies": {{}},
  "Tags": [],
  "VerificationStatus": "SUCCESS",
  "VerificationInfo": {{ "LastCheckedTimestamp": 1.7325792E9, "LastSuccessTimestamp": 1.7325792E9 }}
}}"#
    )
}

/// An SESv2 client whose HTTP layer replays `status` and `body`.
fn replay_client(
    status: u16,
    body: String,
    error_type: Option<&str>,
) -> (sesv2::Client, StaticReplayClient) {
    let mut response = http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", "3c4b0ab7-6fbb-4b6b-a8a5-2a1a0e5a9f10");
    if let Some(t) = error_type {
        response = response.header("x-amzn-errortype", t);
    }
    let http = StaticReplayClient::new(vec![ReplayEvent::new(
        http::Request::builder()
            .uri("https://email.us-east-1.amazonaws.com/v2/email/identities/example.com")
            .body(SdkBody::empty())
            .unwrap(),
        response.body(SdkBody::from(body)).unwrap(),
    )]);
    let config = sesv2::Config::builder()
        .behavior_version(sesv2::config::BehaviorVersion::latest())
        .region(sesv2::config::Region::new("us-east-1"))
        .credentials_provider(sesv2::config::Credentials::new(
            "AKIDREPLAY",
            "replay",
            None,
            None,
            "replay",
        ))
        .http_client(http.clone())
        .build();
    (sesv2::Client::from_conf(config), http)
}

fn get_identity(json: String) -> IdentityAttributes {
    let (client, http) = replay_client(200, json, None);
    let attributes = runtime()
        .block_on(live::get_identity(&client, "example.com"))
        .unwrap_or_else(|e| panic!("{e}"));
    let request = http.actual_requests().next().expect("one request");
    assert_eq!(request.method(), "GET");
    assert!(
        request.uri().ends_with("/v2/email/identities/example.com"),
        "{}",
        request.uri()
    );
    attributes
}

#[test]
fn replay_get_email_identity_reads_dkim_tokens_and_mail_from() {
    let a = get_identity(identity_json("SUCCESS", "USE_DEFAULT_VALUE"));
    assert_eq!(a.identity, "example.com");
    assert_eq!(a.identity_type, "DOMAIN");
    assert!(a.verified_for_sending);
    let dkim = a.dkim.expect("DKIM attributes");
    assert!(dkim.signing_enabled);
    assert_eq!(dkim.status, "SUCCESS");
    assert_eq!(dkim.origin, "AWS_SES");
    assert_eq!(dkim.tokens.len(), 3);
    assert_eq!(dkim.tokens[0], "xor2whcrpdxgu2brib3mjs2le6wjyi2a");
    assert_eq!(dkim.current_key_length.as_deref(), Some("RSA_2048_BIT"));
    let m = a.mail_from.expect("MAIL FROM attributes");
    assert_eq!(m.domain, "bounce.example.com");
    assert_eq!(m.status, "SUCCESS");
    assert_eq!(m.behavior_on_mx_failure, "USE_DEFAULT_VALUE");
}

#[test]
fn replay_unknown_identity_is_not_found() {
    let (client, _http) = replay_client(
        404,
        r#"{"message":"Email identity example.com does not exist."}"#.into(),
        Some("NotFoundException:http://internal.amazon.com/coral/com.amazonaws.sesv2/"),
    );
    let e = runtime()
        .block_on(live::get_identity(&client, "example.com"))
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert_eq!(
        e.to_string(),
        "GetEmailIdentity example.com: NotFoundException: Email identity example.com does not exist."
    );
}

/// The custom setup's DNS for the identity in the replay.
const ALIGNED_ZONE: &str = "$ORIGIN example.com.
xor2whcrpdxgu2brib3mjs2le6wjyi2a._domainkey 1800 IN CNAME xor2whcrpdxgu2brib3mjs2le6wjyi2a.dkim.amazonses.com.
5bqtmyw2cfmw4v3j3ksbctrfr6xp7gce._domainkey 1800 IN CNAME 5bqtmyw2cfmw4v3j3ksbctrfr6xp7gce.dkim.amazonses.com.
ipyvlbahz3nq7dcc3pd2nm2tckxcu6dv._domainkey 1800 IN CNAME ipyvlbahz3nq7dcc3pd2nm2tckxcu6dv.dkim.amazonses.com.
bounce 300 IN MX 10 feedback-smtp.us-east-1.amazonses.com.
bounce 300 IN TXT \"v=spf1 include:amazonses.com ~all\"
_dmarc 300 IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@reports.example.net\"
";

/// Audits `attributes` against a mock DNS serving `zone`.
fn audit(attributes: &IdentityAttributes, zone: &str) -> live::Audit {
    runtime().block_on(async {
        let catalog = mock_dns::Catalog::new();
        catalog.extend(mock_dns::parse_zone(zone, "example.com.").expect("zone"));
        let dns = mock_dns::ServerHandle::start(catalog, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let lookup = HickoryLookup::new(dns.addr(), mailharness::dns::QUERY_TIMEOUT).unwrap();
        live::audit(
            attributes,
            "us-east-1",
            Some("noreply@example.com"),
            &lookup,
        )
        .await
        .unwrap()
    })
}

#[test]
fn replay_audit_aligned_setup_then_drift() {
    let attributes = get_identity(identity_json("SUCCESS", "USE_DEFAULT_VALUE"));
    let zone = format!(
        "{ALIGNED_ZONE}example.com._report._dmarc.reports.example.net. 300 IN TXT \"v=DMARC1\"\n"
    );
    let aligned = audit(&attributes, &zone);
    assert!(aligned.is_aligned(), "{}", aligned.render());
    assert_eq!(aligned.prediction.return_path_domain, "bounce.example.com");
    assert_eq!(
        aligned.prediction.dkim_domains,
        ["example.com", "amazonses.com"]
    );
    assert_eq!(aligned.spf_lookups, Some(1));
    let snapshot = live::render_snapshot(&aligned);
    insta_settings().bind(|| {
        insta::assert_snapshot!(
            "replay_audit_aligned_setup_then_drift__report",
            aligned.render()
        );
        insta::assert_snapshot!(
            "replay_audit_aligned_setup_then_drift__snapshot_file",
            snapshot
        );
    });

    // The MX record is deleted and the rua authorisation never existed.
    let broken = ALIGNED_ZONE.replace("bounce 300 IN MX", "; bounce 300 IN MX");
    let drifted = audit(&attributes, &broken);
    assert!(!drifted.is_aligned());
    let diff = live::diff(&snapshot, &live::render_snapshot(&drifted)).expect("drift");
    insta_settings().bind(|| {
        insta::assert_snapshot!(
            "replay_audit_aligned_setup_then_drift__drift",
            format!("{}\n--- diff\n{diff}", drifted.render())
        );
    });
}

#[test]
fn replay_mail_from_not_verified_falls_back_silently_or_refuses() {
    let fallback = audit(
        &get_identity(identity_json("FAILED", "USE_DEFAULT_VALUE")),
        ALIGNED_ZONE,
    );
    let p = &fallback.prediction;
    assert!(p.silent_fallback);
    assert_eq!(p.return_path_domain, "amazonses.com");
    assert!(!p.spf_aligned && p.dkim_aligned);
    assert_eq!(p.dmarc, "pass");
    assert!(!fallback.is_aligned());
    let reject = audit(
        &get_identity(identity_json("TEMPORARY_FAILURE", "REJECT_MESSAGE")),
        ALIGNED_ZONE,
    );
    assert!(
        reject
            .prediction
            .refused
            .as_deref()
            .is_some_and(|r| r.starts_with("MailFromDomainNotVerified")),
        "{:?}",
        reject.prediction
    );
}

/// The environment `cargo test --features live` needs.
pub(crate) const LIVE_VARIABLES: &[(&str, &str)] = &[
    (
        "MAILHARNESS_IDENTITY",
        "the verified SES domain identity, e.g. example.com",
    ),
    ("MAILHARNESS_FROM", "a sender address at the identity"),
    (
        "MAILHARNESS_TO",
        "an allowed recipient whose mail SES receiving stores in S3",
    ),
    (
        "MAILHARNESS_S3_BUCKET",
        "the bucket the receipt rule stores raw mail in",
    ),
    (
        "AWS_REGION",
        "the region of the identity and the receipt rule",
    ),
];

/// The live configuration from `var`, or a message naming every missing
/// variable.
pub(crate) fn live_configuration(
    var: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(&'static str, String)>, String> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (name, what) in LIVE_VARIABLES {
        match var(name).filter(|v| !v.trim().is_empty()) {
            Some(v) => found.push((*name, v)),
            None => missing.push(format!("  {name}: {what}")),
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(format!(
            "the live tests need these environment variables (see README, \"Live mode\"):\n{}",
            missing.join("\n")
        ))
    }
}

#[test]
fn live_configuration_names_every_missing_variable() {
    let e = live_configuration(|_| None).unwrap_err();
    insta_settings()
        .bind(|| insta::assert_snapshot!("live_configuration_names_every_missing_variable", e));
    let e = live_configuration(|n| (n == "AWS_REGION").then(|| "us-east-1".into())).unwrap_err();
    assert!(!e.contains("AWS_REGION") && e.contains("MAILHARNESS_S3_BUCKET"));
}

#[test]
fn audit_without_credentials_exits_3() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(mailharness_bin())
        .args(["audit", "example.com"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        // Never probe the link-local metadata address from a test.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run mailharness");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    insta_settings()
        .bind(|| insta::assert_snapshot!("audit_without_credentials_exits_3", redact(&stderr)));
}
