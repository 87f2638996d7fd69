//! Interop with Postfix and OpenDKIM, software nobody here wrote:
//!
//! - messages signed and routed by a managed Postfix + OpenDKIM relay
//!   (`tests/mta-scenarios/`) get the verdicts their shape should get, a
//!   signature with a key the zone does not publish included;
//! - OpenDKIM's verifier (`opendkim -t`, resolving through a `mock-dns`
//!   serving the saved zone) agrees with the harness on messages from the
//!   built-in SES-like relay, and both fail once a byte of the signed body
//!   or a signed header changes;
//! - `via = "smtp"` with an external relay: STARTTLS to a real Postfix,
//!   its certificate verified.
//!
//! They need the Debian packages and root (Postfix's master needs it):
//! `#[ignore]`d with that reason, run by `cargo test -- --include-ignored`
//! (`.ci/run`), where a missing package is a failure.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use mailharness::{
    mta::{MtaBackend, MtaRuntime, NativeMta, PostfixRelay, SmtpdTls},
    runner::run_scenario,
    scenario,
    verify::{Verifier, VerifyInput},
};
use serde_json::Value;

use crate::support::{
    MockDnsProcess, insta_settings, mailharness_bin, require_peer, runtime, workspace_root,
};

const INSTALL: &str = "apt-get install postfix opendkim opendkim-tools, and run the tests as root";

/// Fails unless the native relay can run here (binaries and root).
fn require_mta() {
    let ready = NativeMta::available();
    require_peer(
        &format!(
            "Postfix + OpenDKIM ({})",
            ready
                .as_ref()
                .err()
                .map_or(String::new(), |e| e.to_string())
        ),
        ready.is_ok(),
        INSTALL,
    )
}

#[test]
#[ignore = "needs Postfix and OpenDKIM, as root: apt-get install postfix opendkim opendkim-tools"]
fn mta_scenarios() {
    require_mta();
    let runtime = runtime();
    let mut settings = insta_settings();
    // Postfix's queue ids.
    settings.add_filter(r"queued as [0-9A-F]{8,}", "queued as [QUEUE-ID]");
    let mut count = 0;
    settings.bind(|| {
        insta::glob!("../mta-scenarios", "*.toml", |path| {
            count += 1;
            let scenarios = scenario::load_file(path).unwrap_or_else(|errors| {
                panic!(
                    "{}",
                    errors
                        .iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            });
            for scenario in &scenarios {
                let run = runtime
                    .block_on(run_scenario(scenario))
                    .unwrap_or_else(|e| panic!("{e}"));
                assert!(
                    run.report.passed,
                    "{} did not meet its expectations: {:#?}",
                    run.report.name, run.report.failures
                );
                let mut value = serde_json::to_value(&run.report).unwrap();
                value["file"] = Value::String(
                    path.strip_prefix(workspace_root())
                        .unwrap_or(path)
                        .display()
                        .to_string(),
                );
                insta::assert_json_snapshot!(value);
            }
        });
    });
    assert!(count >= 3, "the glob matched {count} scenario files");
}

/// `opendkim -t` on one message: `(d, s, passed)` of the signature it
/// evaluated.
fn opendkim_verify(port: u16, message: &Path, work: &Path) -> (String, String, bool) {
    let conf = work.join("verify.conf");
    std::fs::write(
        &conf,
        format!("Mode v\nSyslog no\nNameservers 127.0.0.1@{port}\n"),
    )
    .unwrap();
    let opendkim = ["/usr/sbin/opendkim", "/usr/local/sbin/opendkim"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("opendkim"));
    let out = Command::new(opendkim)
        .arg("-x")
        .arg(&conf)
        .arg("-t")
        .arg(message)
        .stdin(Stdio::null())
        .output()
        .expect("run opendkim -t");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    // "verification (s=S, d=D, 2048-bit key) succeeded" or
    // "verification (s=S d=D, 2048-bit key, insecure) failed: …"
    let pattern =
        regex::Regex::new(r"verification \(s=([^,\s]+),? d=([^,\s]+),[^)]*\) (succeeded|failed)")
            .unwrap();
    let caps = pattern
        .captures(&text)
        .unwrap_or_else(|| panic!("unexpected opendkim -t output ({}):\n{text}", out.status));
    (
        caps[2].to_string(),
        caps[1].to_string(),
        &caps[3] == "succeeded",
    )
}

/// The message with only its `keep`-th DKIM-Signature field (0-based):
/// `opendkim -t` reports one signature per message.
fn with_one_signature(raw: &[u8], keep: usize) -> Vec<u8> {
    let (head, body) = split(raw);
    let mut out = Vec::new();
    let mut index = 0;
    let mut skipping = false;
    for line in head.split_inclusive(|&b| b == b'\n') {
        let continuation = line.starts_with(b" ") || line.starts_with(b"\t");
        if !continuation {
            skipping = false;
            if line.to_ascii_lowercase().starts_with(b"dkim-signature:") {
                skipping = index != keep;
                index += 1;
            }
        }
        if !skipping {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(body);
    out
}

fn split(raw: &[u8]) -> (&[u8], &[u8]) {
    let at = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 2)
        .expect("a header block");
    raw.split_at(at)
}

fn signature_count(raw: &[u8]) -> usize {
    split(raw)
        .0
        .split(|&b| b == b'\n')
        .filter(|l| l.to_ascii_lowercase().starts_with(b"dkim-signature:"))
        .count()
}

/// `raw` with the first `from` replaced by `to` (same length).
fn mutate(raw: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = raw
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{from:?} is not in the message"));
    let mut out = raw.to_vec();
    out[at..at + to.len()].copy_from_slice(to.as_bytes());
    out
}

/// The harness's DKIM results on `raw`, resolving through `port`.
fn harness_dkim(runtime: &tokio::runtime::Runtime, port: u16, raw: &[u8]) -> Vec<(String, String)> {
    let verifier =
        Verifier::new(SocketAddr::from(([127, 0, 0, 1], port)), "mx.capture.test").unwrap();
    let verdict = runtime.block_on(verifier.verify(VerifyInput {
        raw,
        client_ip: "54.240.27.10".parse().unwrap(),
        helo: "e234-2.smtp-out.ap-northeast-1.amazonses.com",
        mail_from: "bounce@example.com",
    }));
    verdict
        .dkim
        .iter()
        .map(|d| (d.domain.clone(), d.result.to_string()))
        .collect()
}

#[test]
#[ignore = "needs OpenDKIM: apt-get install opendkim opendkim-tools"]
fn opendkim_agrees_with_the_harness_on_messages_from_our_relay() {
    let opendkim = ["/usr/sbin/opendkim", "/usr/local/sbin/opendkim"]
        .iter()
        .any(|p| Path::new(p).is_file());
    require_peer("opendkim", opendkim, INSTALL);
    let saved = tempfile::tempdir().unwrap();
    let out = Command::new(mailharness_bin())
        .arg("run")
        .arg(workspace_root().join("scenarios/ses"))
        .arg("--save")
        .arg(saved.path())
        .args(["--format", "json"])
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .output()
        .expect("run mailharness");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "mailharness run failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let runtime = runtime();
    let work = tempfile::tempdir().unwrap();
    let mut compared = 0;
    let mut passed = 0;
    for name in [
        "ses-default",
        "ses-custom",
        "ses-byodkim",
        "ses-easy-dkim-1024",
    ] {
        let folder = saved.path().join(name);
        let eml = folder.join("1.eml");
        let raw = std::fs::read(&eml).unwrap_or_else(|e| panic!("{}: {e}", eml.display()));
        let sidecar: Value =
            serde_json::from_str(&std::fs::read_to_string(folder.join("1.json")).unwrap()).unwrap();
        let dns = MockDnsProcess::start(
            &folder.join("zone.db"),
            &work.path().join(format!("{name}.log")),
        );

        // Unchanged: every signature as the harness judged it.
        let count = signature_count(&raw);
        assert!(count >= 1, "{name}: no DKIM-Signature");
        for i in 0..count {
            let one = work.path().join(format!("{name}-{i}.eml"));
            std::fs::write(&one, with_one_signature(&raw, i)).unwrap();
            let (domain, selector, ok) = opendkim_verify(dns.port, &one, work.path());
            let harness = sidecar["verdict"]["dkim"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["domain"] == domain.as_str() && d["selector"] == selector.as_str())
                .unwrap_or_else(|| {
                    panic!("{name}: the harness has no verdict for d={domain} s={selector}")
                });
            assert_eq!(
                ok,
                harness["result"] == "pass",
                "{name}: OpenDKIM says {} for d={domain} s={selector}, the harness {}",
                if ok { "pass" } else { "fail" },
                harness["result"]
            );
            compared += 1;
            passed += usize::from(ok);
        }

        // One byte of the signed body, then of a signed header (Subject
        // is in every signature's h=): both verifiers now fail every
        // signature.
        for (what, from, to) in [
            ("a body byte", "#1234", "#1235"),
            ("the Subject", "Subject: Your order", "Subject: Your ordeR"),
        ] {
            let changed = mutate(&raw, from, to);
            for i in 0..count {
                let one = work.path().join(format!("{name}-changed-{i}.eml"));
                std::fs::write(&one, with_one_signature(&changed, i)).unwrap();
                let (domain, selector, ok) = opendkim_verify(dns.port, &one, work.path());
                assert!(
                    !ok,
                    "{name}: after changing {what}, OpenDKIM still passes d={domain} s={selector}"
                );
            }
            let harness = harness_dkim(&runtime, dns.port, &changed);
            assert_eq!(harness.len(), count, "{name}: {harness:?}");
            assert!(
                harness.iter().all(|(_, result)| result == "fail"),
                "{name}: after changing {what}, the harness says {harness:?}"
            );
        }
    }
    assert!(compared >= 6, "compared {compared} signatures");
    assert!(passed >= 6, "only {passed} of {compared} signatures passed");
}

#[test]
#[ignore = "needs Postfix and OpenDKIM, as root: apt-get install postfix opendkim opendkim-tools"]
fn external_relay_over_starttls_with_a_verified_certificate() {
    require_mta();
    let runtime = runtime();
    let certified = rcgen::generate_simple_self_signed(vec!["relay.mta.test".to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relay.pem"), certified.cert.pem()).unwrap();
    // The relay delivers to the harness at a fixed port, as a relay someone
    // configured would: pick one that is free now.
    let capture_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let relay = PostfixRelay {
        backend: MtaBackend::Native,
        mail_from_domain: None,
        signers: Vec::new(),
        helo: "relay.mta.test".into(),
    };
    let mta = runtime
        .block_on(NativeMta::start(
            &relay,
            &[],
            &MtaRuntime {
                relayhost: SocketAddr::from(([127, 0, 0, 1], capture_port)),
                nameserver: None,
                smtpd_tls: Some(SmtpdTls {
                    chain_pem: certified.cert.pem(),
                    key_pem: certified.signing_key.serialize_pem(),
                }),
            },
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let text = |tls_name: &str| {
        format!(
            r#"
[dns]
records = ['example.com. TXT "v=spf1 ip4:192.0.2.25 -all"', '_dmarc.example.com. TXT "v=DMARC1; p=reject"']

[sender]
via = "smtp"
address = "{relay}"
capture = "127.0.0.1:{capture_port}"
egress_ip = "192.0.2.25"
tls = "starttls"
tls_ca = "relay.pem"
tls_name = "{tls_name}"

[message]
from = "Example <noreply@example.com>"
to = ["user@receiver.test"]
subject = "Over STARTTLS"
text = "Hello.\r\n"

[expect]
outcome = "delivered"
spf = {{ result = "pass", domain = "example.com" }}
dkim = []
dmarc = {{ result = "pass", policy = "reject", spf_aligned = true }}
"#,
            relay = mta.addr()
        )
    };
    let path = dir.path().join("external.toml");
    let scenarios = scenario::load_str(&text("relay.mta.test"), &path)
        .unwrap_or_else(|e| panic!("{}", e.iter().map(|e| e.to_string()).collect::<String>()));
    let run = runtime
        .block_on(run_scenario(&scenarios[0]))
        .unwrap_or_else(|e| panic!("{e}\n{}", mta.logs()));
    assert!(
        run.report.passed,
        "{:#?}\n{}",
        run.report.failures,
        mta.logs()
    );
    let raw = String::from_utf8_lossy(&run.captured[0].raw()).into_owned();
    // Postfix's Received header: the submission was encrypted.
    assert!(raw.contains("with ESMTPS id"), "{raw}");
    assert_eq!(run.captured[0].envelope.client_ip.to_string(), "192.0.2.25");

    // A certificate for another name is refused: nothing is sent.
    let scenarios = scenario::load_str(&text("other.mta.test"), &path).unwrap();
    let error = runtime
        .block_on(run_scenario(&scenarios[0]))
        .err()
        .expect("a certificate for another name must be refused");
    assert!(error.to_string().contains("STARTTLS"), "{error}");
}
