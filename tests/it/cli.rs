//! The `mailharness` binary as a pipeline sees it: exit code, stdout and
//! stderr, snapshotted.

use std::{path::Path, process::Command};

use crate::support::{insta_settings, mailharness_bin, on_path, redact, workspace_root};

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

/// A copy of the SES scenarios where `default.toml` expects DMARC to pass
/// (it fails).
fn scenario_copy_with_a_wrong_expectation() -> tempfile::TempDir {
    let dir = scenario_copy();
    let file = dir.path().join("ses/default.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replace("dmarc = { result = \"fail\"", "dmarc = { result = \"pass\"");
    assert_ne!(text, edited);
    std::fs::write(&file, edited).unwrap();
    dir
}

/// `(name, file)` of every scenario in a `--format json` report, in order.
fn scenarios_of(o: &Output) -> Vec<(String, String)> {
    let report: serde_json::Value =
        serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{e}\n{}", render(o)));
    report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["file"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The test cases of a JUnit XML document: `(name, classname, failed)`.
/// A deliberately simple reading: attributes as quick-junit writes them.
fn junit_cases(xml: &str) -> Vec<(String, String, bool)> {
    fn attr(tag: &str, key: &str) -> String {
        let start = tag
            .find(&format!(" {key}=\""))
            .map(|i| i + key.len() + 3)
            .or_else(|| {
                tag.starts_with(&format!("{key}=\""))
                    .then_some(key.len() + 2)
            })
            .unwrap_or_else(|| panic!("no {key}= in {tag}"));
        let value = &tag[start..start + tag[start..].find('"').unwrap()];
        value
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    }
    xml.split("<testcase ")
        .skip(1)
        .map(|case| {
            let tag = &case[..case.find('>').unwrap()];
            let body = case.split("</testcase>").next().unwrap();
            (
                attr(tag, "name"),
                attr(tag, "classname"),
                body.contains("<failure "),
            )
        })
        .collect()
}

/// `xmllint --noout`, when xmllint is installed (it is optional).
fn assert_well_formed_if_xmllint(file: &Path) {
    if !on_path("xmllint") {
        eprintln!("xmllint is not installed; the JUnit file was checked without it");
        return;
    }
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg(file)
        .output()
        .expect("run xmllint");
    assert!(
        out.status.success(),
        "xmllint: {}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    // Four files named, so that scenarios added to the folder change nothing.
    let o = mailharness(
        &[
            "run",
            "scenarios/ses/custom.toml",
            "scenarios/ses/default.toml",
            "scenarios/ses/mail-from-mx-missing.toml",
            "scenarios/ses/mail-from-mx-missing-reject.toml",
            "--format",
            "json",
        ],
        &workspace_root(),
    );
    assert_eq!(o.code, 0, "{}", render(&o));
    let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let scenarios = report["scenarios"].as_array().unwrap();
    assert!(scenarios.len() >= 4, "{} scenarios", scenarios.len());
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
    assert!(checked >= 3, "{checked} scenarios with messages");
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

#[test]
fn junit_report_of_a_passing_run() {
    let dir = tempfile::tempdir().unwrap();
    // The folder does not exist yet: --junit creates it.
    let junit = dir.path().join("reports/junit.xml");
    let o = mailharness(
        &[
            "run",
            "scenarios/ses/custom.toml",
            "scenarios/ses/default.toml",
            "--format",
            "json",
            "--junit",
            junit.to_str().unwrap(),
        ],
        &workspace_root(),
    );
    assert_eq!(o.code, 0, "{}", render(&o));
    let xml = std::fs::read_to_string(&junit).unwrap();
    // One test case per scenario report, named after it, classed by file.
    let expected: Vec<(String, String, bool)> = scenarios_of(&o)
        .into_iter()
        .map(|(name, file)| (name, file, false))
        .collect();
    assert_eq!(junit_cases(&xml), expected);
    assert!(
        xml.contains(
            r#"<testsuite name="mailharness" tests="2" skipped="0" errors="0" failures="0""#
        ),
        "{xml}"
    );
    assert_well_formed_if_xmllint(&junit);
    insta_settings().bind(|| insta::assert_snapshot!(xml));
}

#[test]
fn junit_report_of_a_failing_expectation() {
    let dir = scenario_copy_with_a_wrong_expectation();
    let o = mailharness(
        &[
            "run",
            "ses/custom.toml",
            "ses/default.toml",
            "--junit",
            "junit.xml",
        ],
        dir.path(),
    );
    assert_eq!(o.code, 1, "{}", render(&o));
    // The JUnit file comes in addition to the report on stdout.
    assert!(
        o.stdout.contains("2 scenarios: 1 passed, 1 failed"),
        "{}",
        render(&o)
    );
    let file = dir.path().join("junit.xml");
    let xml = std::fs::read_to_string(&file).unwrap();
    let cases = junit_cases(&xml);
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].1, "ses/custom.toml");
    assert!(!cases[0].2);
    assert_eq!(cases[1].1, "ses/default.toml");
    assert!(cases[1].2, "{xml}");
    assert!(xml.contains(r#"<failure message="1 expectation failed" type="expectation">expected dmarc.result = pass, found fail"#), "{xml}");
    assert_well_formed_if_xmllint(&file);
    insta_settings().bind(|| insta::assert_snapshot!(xml));
}

#[test]
fn filter_selects_exactly_the_matching_scenarios() {
    let root = workspace_root();
    let all = scenarios_of(&mailharness(
        &["run", "scenarios", "--format", "json"],
        &root,
    ));
    let has = |selected: &[(String, String)], file: &str| selected.iter().any(|(_, f)| f == file);
    type Oracle = fn(&str, &str) -> bool;
    // (arguments, which scenarios should match, files that must, files that must not)
    type Case<'a> = (&'a [&'a str], Oracle, &'a [&'a str], &'a [&'a str]);
    let cases: [Case<'_>; 3] = [
        (
            // case-insensitive, on the file path
            &["--filter", "MX-MISSING"],
            |name, file| {
                let p = "mx-missing";
                name.to_lowercase().contains(p) || file.to_lowercase().contains(p)
            },
            &[
                "scenarios/ses/mail-from-mx-missing.toml",
                "scenarios/ses/mail-from-mx-missing-reject.toml",
            ],
            &["scenarios/ses/default.toml", "scenarios/ses/custom.toml"],
        ),
        (
            // a glob
            &["--filter", "ses/*fault"],
            |name, file| {
                [name, file].iter().any(|t| {
                    let t = t.to_lowercase();
                    t.find("ses/").is_some_and(|i| t[i + 4..].contains("fault"))
                })
            },
            &["scenarios/ses/default.toml"],
            &["scenarios/ses/custom.toml"],
        ),
        (
            // repeated: any of them, on the name
            &["--filter", "easy dkim:", "--filter", "REJECT_MESSAGE"],
            |name, file| {
                [name, file].iter().any(|t| {
                    let t = t.to_lowercase();
                    t.contains("easy dkim:") || t.contains("reject_message")
                })
            },
            &[
                "scenarios/ses/custom.toml",
                "scenarios/ses/mail-from-mx-missing-reject.toml",
            ],
            &["scenarios/ses/default.toml"],
        ),
    ];
    for (filters, oracle, included, excluded) in cases {
        let mut args = vec!["run", "scenarios", "--format", "json"];
        args.extend_from_slice(filters);
        let o = mailharness(&args, &root);
        assert!(o.code == 0, "{filters:?}: {}", render(&o));
        let selected = scenarios_of(&o);
        let expected: Vec<_> = all
            .iter()
            .filter(|(name, file)| oracle(name, file))
            .cloned()
            .collect();
        assert_eq!(selected, expected, "{filters:?}");
        for file in included {
            assert!(has(&selected, file), "{filters:?} left out {file}");
        }
        for file in excluded {
            assert!(!has(&selected, file), "{filters:?} kept {file}");
        }
    }
}

#[test]
fn filter_that_matches_nothing_exits_2() {
    let o = mailharness(
        &[
            "run",
            "scenarios/ses/custom.toml",
            "scenarios/ses/default.toml",
            "--filter",
            "no such scenario",
        ],
        &workspace_root(),
    );
    assert_eq!(o.code, 2, "{}", render(&o));
    assert!(o.stdout.is_empty(), "{}", render(&o));
    insta_settings().bind(|| insta::assert_snapshot!(render(&o)));
}

#[test]
fn partitions_are_disjoint_and_cover_the_suite() {
    let root = workspace_root();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "scenarios", "--format", "json"];
        args.extend_from_slice(extra);
        let o = mailharness(&args, &root);
        assert_eq!(o.code, 0, "{extra:?}: {}", render(&o));
        scenarios_of(&o)
    };
    let all = run(&[]);
    let first = run(&["--partition", "1/2"]);
    let second = run(&["--partition", "2/2"]);
    assert!(all.len() >= 4, "{all:?}");
    assert!(
        first.iter().all(|s| !second.contains(s)),
        "{first:?} and {second:?} overlap"
    );
    let mut both: Vec<_> = first.iter().chain(&second).cloned().collect();
    both.sort();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(both, sorted);
    // Count partitioning: scenario i (sorted by file) runs in shard i % 2 + 1.
    assert_eq!(first, all.iter().step_by(2).cloned().collect::<Vec<_>>());
    assert_eq!(
        second,
        all.iter().skip(1).step_by(2).cloned().collect::<Vec<_>>()
    );
}

#[test]
fn partition_out_of_range_exits_2() {
    let o = mailharness(
        &["run", "scenarios", "--partition", "3/2"],
        &workspace_root(),
    );
    assert_eq!(o.code, 2, "{}", render(&o));
    insta_settings().bind(|| insta::assert_snapshot!(render(&o)));
    for bad in ["0/2", "1/0", "2", "one/two"] {
        let o = mailharness(&["run", "scenarios", "--partition", bad], &workspace_root());
        assert_eq!(o.code, 2, "{bad}: {}", render(&o));
        assert!(
            o.stderr
                .contains("expected K/N with whole numbers 1 <= K <= N"),
            "{bad}: {}",
            render(&o)
        );
    }
}

#[test]
fn quiet_prints_only_failures_and_the_summary() {
    let dir = scenario_copy_with_a_wrong_expectation();
    let o = mailharness(
        &["run", "ses/custom.toml", "ses/default.toml", "--quiet"],
        dir.path(),
    );
    assert_eq!(o.code, 1, "{}", render(&o));
    assert!(!o.stdout.contains("custom"), "{}", render(&o));
    insta_settings().bind(|| insta::assert_snapshot!(render(&o)));
}

/// What a report says, without what varies from run to run: durations,
/// DNS query counts (they include retries, which depend on timing), SES
/// message ids, and the Authentication-Results header (it carries
/// signature bytes and renders the verdict that is compared anyway).
fn verdicts(json: &str) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for key in ["duration_ms", "dns_queries", "authentication_results"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            serde_json::Value::String(s) => *s = redact(s),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    strip(&mut value);
    value
}

#[test]
fn one_job_and_the_default_agree() {
    let root = workspace_root();
    let serial = mailharness(
        &["run", "scenarios", "--format", "json", "--jobs", "1"],
        &root,
    );
    let parallel = mailharness(&["run", "scenarios", "--format", "json"], &root);
    assert!(serial.code <= 1, "{}", render(&serial));
    assert_eq!(serial.code, parallel.code, "{}", render(&parallel));
    assert_eq!(
        redact("250 Ok 010601a21efaf997-f3ff1290-567a-d979-186c-613bdc74548b-000000"),
        "250 Ok [SES-ID]"
    );
    assert_eq!(verdicts(&serial.stdout), verdicts(&parallel.stdout));
}

/// A scenario that cannot run (here: its SMTP relay is not listening)
/// is reported as an error of its own; the rest of the batch runs and is
/// reported, and the exit code is 3 with the broken scenario named.
#[test]
fn a_scenario_that_cannot_run_does_not_stop_the_batch() {
    let dir = scenario_copy();
    // Two loopback ports that were free a moment ago: the relay's, where
    // nothing listens, and the one the harness's capture binds.
    let (port, capture) = {
        let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let b = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        (
            a.local_addr().unwrap().port(),
            b.local_addr().unwrap().port(),
        )
    };
    std::fs::write(
        dir.path().join("ses/unreachable-relay.toml"),
        format!(
            "name = \"a relay that is not there\"\n\
             [sender]\nvia = \"smtp\"\naddress = \"127.0.0.1:{port}\"\n\
             capture = \"127.0.0.1:{capture}\"\negress_ip = \"203.0.113.9\"\n\
             [message]\nfrom = \"a@example.com\"\nto = [\"b@receiver.test\"]\nsubject = \"hi\"\ntext = \"hi\\r\\n\"\n"
        ),
    )
    .unwrap();
    let o = mailharness(&["run", "--format", "json", "ses/"], dir.path());
    assert_eq!(o.code, 3, "{}", render(&o));
    let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let scenarios = report["scenarios"].as_array().unwrap();
    let broken: Vec<&serde_json::Value> = scenarios
        .iter()
        .filter(|s| s["error"].is_string())
        .collect();
    assert_eq!(broken.len(), 1, "{}", render(&o));
    assert_eq!(broken[0]["file"], "ses/unreachable-relay.toml");
    assert!(
        broken[0]["error"]
            .as_str()
            .unwrap()
            .contains(&port.to_string()),
        "{}",
        render(&o)
    );
    // Every other scenario ran and passed.
    let others: Vec<&serde_json::Value> =
        scenarios.iter().filter(|s| s["error"].is_null()).collect();
    assert!(others.len() >= 10, "{}", render(&o));
    assert!(others.iter().all(|s| s["passed"] == true), "{}", render(&o));
    assert_eq!(report["summary"]["errors"], 1);
    assert!(
        o.stderr.contains("error: ses/unreachable-relay.toml: "),
        "{}",
        render(&o)
    );
}
