//! `[message] raw`: the capture stores the message the `.eml` file holds.
//! A file with LF line endings (as editors on Unix save it) is sent with
//! CRLF line endings and correct dot-stuffing, so a line `.hidden` keeps
//! its dot and a line holding a lone `.` does not end the message.

use mailharness::{runner::run_scenario, scenario};

/// Runs a direct-sender scenario (nothing rewrites the message on the
/// way) whose raw message is `eml`; the bytes the capture stored.
fn captured(eml: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("message.eml"), eml).unwrap();
    let file = dir.path().join("raw.toml");
    std::fs::write(
        &file,
        r#"name = "raw"
[sender]
via = "direct"
egress_ip = "203.0.113.5"
[message]
raw = "message.eml"
to = ["user@receiver.test"]
[expect]
outcome = "delivered"
"#,
    )
    .unwrap();
    let scenarios = scenario::load_file(&file).unwrap_or_else(|e| panic!("{e:?}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let run = runtime
        .block_on(run_scenario(&scenarios[0]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(run.report.passed, "{:#?}", run.report.failures);
    let [message] = &run.captured[..] else {
        panic!("expected one message, found {}", run.captured.len());
    };
    message.raw().into_owned()
}

const LF: &[u8] = b"From: Shop <noreply@example.com>\n\
    To: user@receiver.test\n\
    Subject: dots\n\
    \n\
    first line\n\
    .hidden\n\
    .\n\
    ..two\n\
    after the lone dot\n";

#[test]
fn an_lf_file_arrives_with_crlf_and_every_dot() {
    let expected: Vec<u8> = String::from_utf8(LF.to_vec())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    let stored = captured(LF);
    assert!(
        stored == expected,
        "stored:\n{}\nexpected:\n{}",
        String::from_utf8_lossy(&stored),
        String::from_utf8_lossy(&expected)
    );
}

#[test]
fn a_crlf_file_arrives_byte_for_byte() {
    let crlf: Vec<u8> = String::from_utf8(LF.to_vec())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    assert_eq!(captured(&crlf), crlf);
    // Without a final line break one is added: the message's last line
    // must end before the "." that ends DATA.
    assert_eq!(captured(&crlf[..crlf.len() - 2]), crlf);
}
