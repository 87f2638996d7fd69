//! The `mailharness` binary as a pipeline sees it: exit code, stdout and
//! stderr, snapshotted.

use std::{path::Path, process::Command};

use crate::support::{insta_settings, mailharness_bin, workspace_root};

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn mailharness(args: &[&str], dir: &Path) -> Output {
    let out = Command::new(mailharness_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run mailharness");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn render(o: &Output) -> String {
    format!(
        "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        o.code, o.stdout, o.stderr
    )
}

/// A copy of the SES scenarios in a temporary folder, to edit.
fn scenario_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &workspace_root().join("scenarios/ses"),
        &dir.path().join("ses"),
    );
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn run_passing_suite() {
    let o = mailharness(&["run", "scenarios/ses"], &workspace_root());
    assert_eq!(o.code, 0, "{}", render(&o));
    assert!(o.stdout.contains("DMARC        fail for example.com"));
    assert!(o.stdout.contains("DMARC        pass for example.com"));
    insta_settings().bind(|| insta::assert_snapshot!(render(&o)));
}

#[test]
fn changed_expectation_fails_with_a_diff() {
    let dir = scenario_copy();
    let file = dir.path().join("ses/default.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replace("dmarc = { result = \"fail\"", "dmarc = { result = \"pass\"");
    assert_ne!(text, edited);
    std::fs::write(&file, edited).unwrap();
    let o = mailharness(&["run", "ses/default.toml"], dir.path());
    assert_eq!(o.code, 1, "{}", render(&o));
    assert!(
        o.stdout
            .contains("expected dmarc.result = pass, found fail")
    );
    insta_settings().bind(|| insta::assert_snapshot!(render(&o)));
}

#[test]
fn broken_scenario_names_file_line_and_column() {
    let dir = scenario_copy();
    let file = dir.path().join("ses/custom.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text
        .replace("easy_dkim = true", "easy_dkmi = true")
        .replace("dkim_key_bits = 2048", "dkim_key_bits = 4096")
        .replace("spf = { result = \"pass\"", "spf = { result = \"sofail\"");
    std::fs::write(&file, edited).unwrap();
    let o = mailharness(&["run", "ses/custom.toml"], dir.path());
    assert_eq!(o.code, 2, "{}", render(&o));
    assert!(o.stderr.contains("ses/custom.toml:"), "{}", o.stderr);
    insta_settings().bind(|| insta::assert_snapshot!(render(&o)));
    let checked = mailharness(&["check", "ses/custom.toml"], dir.path());
    assert_eq!(checked.code, 2);
    assert_eq!(checked.stderr, o.stderr);
}

#[test]
fn json_report_has_the_documented_fields() {
    let o = mailharness(
        &["run", "scenarios/ses", "--format", "json"],
        &workspace_root(),
    );
    assert_eq!(o.code, 0, "{}", render(&o));
    let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let scenarios = report["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 4);
    let mut checked = 0;
    for s in scenarios {
        for key in ["name", "file", "passed", "failures"] {
            assert!(!s[key].is_null(), "scenario lacks {key}");
        }
        let Some(m) = s["messages"].get(0) else {
            // Refused by the relay: nothing reached the receiver.
            assert_eq!(s["relay"]["accepted"], false);
            continue;
        };
        checked += 1;
        for pointer in [
            "/envelope/mail_from",
            "/envelope/rcpt_to",
            "/envelope/client_ip",
            "/envelope/helo",
            "/return_path_domain",
            "/spf/result",
            "/spf/domain",
            "/dkim/0/domain",
            "/dkim/0/selector",
            "/dkim/0/result",
            "/dmarc/result",
            "/dmarc/policy",
            "/dmarc/spf_aligned",
            "/dmarc/dkim_aligned",
        ] {
            assert!(m.pointer(pointer).is_some(), "message lacks {pointer}");
        }
    }
    assert_eq!(checked, 3);
}

#[test]
fn ses_records_lists_what_to_publish() {
    let o = mailharness(
        &[
            "ses-records",
            "example.com",
            "--mail-from",
            "bounce.example.com",
            "--region",
            "ap-northeast-1",
        ],
        &workspace_root(),
    );
    assert_eq!(o.code, 0, "{}", render(&o));
    // The bundled custom zone carries exactly these CNAMEs.
    let zone = std::fs::read_to_string(
        workspace_root().join("scenarios/ses/zones/custom/example.com.zone"),
    )
    .unwrap();
    for line in o.stdout.lines().filter(|l| l.contains(" IN CNAME ")) {
        let token = line.split('.').next().unwrap();
        assert!(zone.contains(token), "zone lacks {token}");
    }
    insta_settings().bind(|| insta::assert_snapshot!(render(&o)));
}
