//! The `mailharness` binary as a pipeline sees it: exit code, stdout and
//! stderr, snapshotted.

use std::{path::Path, process::Command};

use crate::support::{
    Output, copy_dir, insta_settings, mailharness, mailharness_bin, on_path, redact, render,
    require_peer, workspace_root,
};

/// A copy of the SES scenarios in a temporary folder, to edit.
fn scenario_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &workspace_root().join("scenarios/ses"),
        &dir.path().join("ses"),
    );
    dir
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

/// `xmllint --noout`: the file is well-formed XML.
fn assert_well_formed(file: &Path) {
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
    // Without real tokens, no Easy DKIM CNAME can be published as printed:
    // each is commented out and marked, and they are the emulated relay's
    // (the ones the bundled custom zone carries).
    let zone = std::fs::read_to_string(
        workspace_root().join("scenarios/ses/zones/custom/example.com.zone"),
    )
    .unwrap();
    let cnames: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.contains(" IN CNAME "))
        .collect();
    assert_eq!(cnames.len(), 3, "{}", render(&o));
    for line in cnames {
        let record = line
            .strip_prefix("; PLACEHOLDER ")
            .unwrap_or_else(|| panic!("not marked as a placeholder: {line}"));
        let token = record.split('.').next().unwrap();
        assert!(zone.contains(token), "zone lacks {token}");
    }
    insta_settings().bind(|| insta::assert_snapshot!(render(&o)));
}

/// `ses-records --dkim-tokens`: the records it prints, published as they
/// are, make the emulated SES (holding those tokens) sign with the
/// identity's key and use the custom MAIL FROM, so DMARC passes aligned
/// both ways; the placeholders published in their place do not.
#[test]
fn ses_records_with_real_tokens_verify_end_to_end() {
    const TOKENS: [&str; 3] = [
        "q3mtvjbbc6cmkaxnpaz2uh6ayqd7rnvt",
        "lbybo6ec3mkzpxzt5uo2tfoqu2kcw6ce",
        "w4ynhxjlxhesxjqjn5frcm6k7nn7lm3b",
    ];
    let root = workspace_root();
    let records = |extra: &[&str]| {
        let mut args = vec![
            "ses-records",
            "shop.example",
            "--mail-from",
            "mail.shop.example",
            "--region",
            "us-east-1",
        ];
        args.extend_from_slice(extra);
        let o = mailharness(&args, &root);
        assert_eq!(o.code, 0, "{}", render(&o));
        o.stdout
    };
    let joined = TOKENS.join(",");
    let real = records(&["--dkim-tokens", &joined]);
    assert!(!real.contains("PLACEHOLDER"), "{real}");
    for t in TOKENS {
        assert!(
            real.contains(&format!(
                "{t}._domainkey.shop.example. 1800 IN CNAME {t}.dkim.amazonses.com."
            )),
            "{real}"
        );
    }
    let scenario = format!(
        r#"name = "records from ses-records --dkim-tokens"

[dns]
zones = ["shop.example.zone"]

[sender]
via = "relay"
region = "us-east-1"
identity = "shop.example"
mail_from_domain = "mail.shop.example"
easy_dkim = true
dkim_tokens = ["{}", "{}", "{}"]

[message]
from = "Shop <orders@shop.example>"
to = ["customer@receiver.test"]
subject = "Your order has shipped"
text = "Your order has shipped."

[expect]
outcome = "delivered"
return_path_domain = "mail.shop.example"
dmarc = {{ result = "pass", spf_aligned = true, dkim_aligned = true }}
no_findings = ["easy-dkim-not-signing", "mail-from-fallback", "dmarc-single-mechanism"]
"#,
        TOKENS[0], TOKENS[1], TOKENS[2]
    );
    let run_with = |zone: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("shop.example.zone"),
            format!("$ORIGIN shop.example.\n{zone}"),
        )
        .unwrap();
        std::fs::write(dir.path().join("shop.toml"), &scenario).unwrap();
        mailharness(&["run", "shop.toml", "--format", "json"], dir.path())
    };
    let o = run_with(&real);
    assert_eq!(o.code, 0, "{}", render(&o));
    let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let m = &report["scenarios"][0]["messages"][0];
    assert_eq!(m["dkim"][0]["domain"], "shop.example", "{m}");
    assert_eq!(m["dkim"][0]["result"], "pass", "{m}");
    assert_eq!(m["dkim"][0]["aligned"], true, "{m}");
    assert_eq!(m["dkim"][0]["selector"], TOKENS[0], "{m}");

    // The placeholders, uncommented and published, are not the identity's
    // tokens: SES does not sign with its key, and the findings say so.
    let placeholders = records(&[]).replace("; PLACEHOLDER ", "");
    let o = run_with(&placeholders);
    assert_eq!(o.code, 1, "{}", render(&o));
    assert!(
        o.stdout.contains("\"easy-dkim-not-signing\""),
        "{}",
        render(&o)
    );
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
    insta_settings().bind(|| insta::assert_snapshot!(xml));
}

/// The JUnit reports of a passing and of a failing run are well-formed XML
/// to a parser nobody here wrote.
#[test]
#[ignore = "needs xmllint: apt-get install libxml2-utils"]
fn junit_reports_are_well_formed_for_xmllint() {
    require_peer(
        "xmllint",
        on_path("xmllint"),
        "apt-get install libxml2-utils",
    );
    let dir = scenario_copy_with_a_wrong_expectation();
    for (scenario, code) in [("ses/custom.toml", 0), ("ses/default.toml", 1)] {
        let junit = dir.path().join(format!("{code}.xml"));
        let o = mailharness(
            &["run", scenario, "--junit", junit.to_str().unwrap()],
            dir.path(),
        );
        assert_eq!(o.code, code, "{}", render(&o));
        assert_well_formed(&junit);
    }
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
    assert!(!o.stdout.contains("ses/custom.toml"), "{}", render(&o));
    // The failing scenario's error findings say why; warnings and notes
    // are left out.
    assert!(o.stdout.contains("error    dmarc-fail: "), "{}", render(&o));
    assert!(!o.stdout.contains("warning  "), "{}", render(&o));
    assert!(!o.stdout.contains("note  "), "{}", render(&o));
    insta_settings().bind(|| insta::assert_snapshot!(render(&o)));
}

/// What a report says, without what varies from run to run: durations,
/// DNS query counts (they include retries, which depend on timing), SES
/// message ids, the Authentication-Results header (it carries signature
/// bytes and renders the verdict that is compared anyway) and the mailbox
/// simulator's feedback (dates and processing times of the moment; its
/// own tests check it, in `feedback.rs`).
fn verdicts(json: &str) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for key in [
                    "duration_ms",
                    "dns_queries",
                    "authentication_results",
                    "feedback",
                ] {
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
    // A loopback port that was free a moment ago, where nothing listens:
    // the relay's. The capture the harness starts for the relay's
    // delivery takes any free port (0): it is never reached, and a port
    // picked in advance could be taken by a test running alongside.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.path().join("ses/unreachable-relay.toml"),
        format!(
            "name = \"a relay that is not there\"\n\
             [sender]\nvia = \"smtp\"\naddress = \"127.0.0.1:{port}\"\n\
             capture = \"127.0.0.1:0\"\negress_ip = \"203.0.113.9\"\n\
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

/// Usage errors are found before any work: exit 2, the flag or argument
/// named, nothing run (stdout stays empty).
#[test]
fn usage_errors_name_the_flag_before_any_work() {
    let root = workspace_root();
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().display().to_string();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let file = file.display().to_string();
    let scenario = "scenarios/ses/default.toml";
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["run", "--jobs", "0", scenario]
                .into_iter()
                .map(String::from)
                .collect(),
            "--jobs",
        ),
        (
            vec!["diff", "--jobs", "0", scenario]
                .into_iter()
                .map(String::from)
                .collect(),
            "--jobs",
        ),
        (
            vec![
                "run".into(),
                "--html".into(),
                format!("{file}/report.html"),
                scenario.into(),
            ],
            "--html",
        ),
        (
            vec!["run".into(), "--junit".into(), tmp.clone(), scenario.into()],
            "--junit",
        ),
        (
            vec![
                "run".into(),
                "--save".into(),
                format!("{file}/saved"),
                scenario.into(),
            ],
            "--save",
        ),
        (
            vec![
                "run".into(),
                "--dmarc-reports".into(),
                file.clone(),
                scenario.into(),
            ],
            "--dmarc-reports",
        ),
        (
            vec![
                "run".into(),
                "--notifications".into(),
                file.clone(),
                scenario.into(),
            ],
            "--notifications",
        ),
        (
            vec!["run", "--notify-url", "http://example.com/ses", scenario]
                .into_iter()
                .map(String::from)
                .collect(),
            "--notify-url",
        ),
        (
            vec!["run", "--region", "eu-west-1", scenario]
                .into_iter()
                .map(String::from)
                .collect(),
            "--region",
        ),
        (
            vec![
                "run",
                "--s3-bucket",
                "inbound",
                "--to",
                "a@example.com",
                scenario,
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "--s3-bucket",
        ),
        (
            vec!["ses-records", "example.com", "--region", "mars"]
                .into_iter()
                .map(String::from)
                .collect(),
            "--region",
        ),
        (
            vec!["ses-records", "example..com"]
                .into_iter()
                .map(String::from)
                .collect(),
            "IDENTITY",
        ),
        (
            vec![
                "ses-records",
                "example.com",
                "--mail-from",
                "bounce..example.com",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "--mail-from",
        ),
    ];
    let mut seen = String::new();
    for (args, flag) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = mailharness(&args, &root);
        let shown = redact(&render(&o).replace(&tmp, "[DIR]"));
        assert_eq!(o.code, 2, "{args:?}: {shown}");
        assert!(
            o.stderr.contains(flag),
            "{args:?} must name {flag}: {shown}"
        );
        assert!(o.stdout.is_empty(), "{args:?} ran or printed: {shown}");
        seen.push_str(&format!(
            "$ mailharness {}\n{shown}\n",
            args.join(" ").replace(&tmp, "[DIR]")
        ));
    }
    insta_settings().bind(|| insta::assert_snapshot!(seen));
}

/// Live-mode settings that come from the environment (a CI job may set
/// them for every step) are not usage errors in an offline run.
#[test]
fn live_settings_from_the_environment_do_not_stop_an_offline_run() {
    let out = Command::new(mailharness_bin())
        .args(["run", "--quiet", "scenarios/ses/default.toml"])
        .env("MAILHARNESS_S3_BUCKET", "inbound")
        .env("MAILHARNESS_TO", "check@example.com")
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn ses_records_takes_a_trailing_dot() {
    let root = workspace_root();
    let plain = mailharness(
        &[
            "ses-records",
            "example.com",
            "--mail-from",
            "bounce.example.com",
        ],
        &root,
    );
    let dotted = mailharness(
        &[
            "ses-records",
            "example.com.",
            "--mail-from",
            "bounce.example.com.",
        ],
        &root,
    );
    assert_eq!(plain.code, 0, "{}", render(&plain));
    assert_eq!(render(&dotted), render(&plain));
}

/// `mailharness run | head`: the reader goes away; mailharness says
/// nothing about it and exits as the run went.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let mut child = Command::new(mailharness_bin())
        .args([
            "run",
            "scenarios/ses/default.toml",
            "scenarios/ses/custom.toml",
        ])
        .current_dir(workspace_root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before the report is written (that happens at the end).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "", "nothing on stderr for a closed pipe");
    assert_eq!(out.status.code(), Some(0));
    // In JSON too, and `mailharness diff | head` in both formats.
    for (command, format) in [("run", "json"), ("diff", "human"), ("diff", "json")] {
        let mut child = Command::new(mailharness_bin())
            .args([command, "--format", format, "scenarios/ses/default.toml"])
            .current_dir(workspace_root())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "",
            "diff --format {format}"
        );
        assert_eq!(out.status.code(), Some(0), "diff --format {format}");
    }
}

#[test]
fn check_counts_files_with_correct_plurals() {
    let root = workspace_root();
    let one = mailharness(&["check", "scenarios/ses/default.toml"], &root);
    assert_eq!(one.stdout, "1 scenario file is valid\n");
    let folder = mailharness(&["check", "scenarios/ses"], &root);
    let files = mailharness::scenario::discover(&[root.join("scenarios/ses")])
        .unwrap()
        .len();
    let runs: usize = mailharness::scenario::discover(&[root.join("scenarios/ses")])
        .unwrap()
        .iter()
        .map(|f| mailharness::scenario::load_file(f).unwrap().len())
        .sum();
    assert!(runs > files, "scenarios/ses has a file with variants");
    assert_eq!(
        folder.stdout,
        format!("{files} scenario files are valid ({runs} scenarios, variants counted)\n")
    );
}

/// The Return-Path of a saved message.
fn saved_return_path(eml: &Path) -> String {
    let text = std::fs::read_to_string(eml).unwrap_or_else(|e| panic!("{}: {e}", eml.display()));
    text.lines()
        .find_map(|l| l.strip_prefix("Return-Path: "))
        .unwrap_or_else(|| panic!("{}: no Return-Path", eml.display()))
        .to_string()
}

/// Every file below `dir`, relative to it, sorted.
fn files_below(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `--save`: two files with the same folder and file name
/// (`x/sub/a.toml`, `y/sub/a.toml`) and the variants of one file each keep
/// their messages in a folder of their own.
#[test]
fn save_keeps_every_file_and_variant_apart() {
    let dir = scenario_copy();
    for (side, original) in [("x", "default.toml"), ("y", "custom.toml")] {
        let sub = dir.path().join(side).join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        let text = std::fs::read_to_string(dir.path().join("ses").join(original))
            .unwrap()
            .replace("\"zones/", "\"../../ses/zones/");
        std::fs::write(sub.join("a.toml"), text).unwrap();
    }
    let o = mailharness(
        &[
            "run",
            "--quiet",
            "x",
            "y",
            "ses/setups-compared.toml",
            "--save",
            "saved",
        ],
        dir.path(),
    );
    assert_eq!(o.code, 0, "{}", render(&o));
    let saved = dir.path().join("saved");
    let rp = |folder: &str| saved_return_path(&saved.join(folder).join("1.eml"));
    assert!(rp("x-sub-a").contains("amazonses.com"), "{}", rp("x-sub-a"));
    assert!(
        rp("y-sub-a").contains("@bounce.example.com"),
        "{}",
        rp("y-sub-a")
    );
    let variants = [
        ("as-ses-ships", "amazonses.com"),
        ("mail-from-only", "@bounce.example.com"),
        ("easy-dkim-only", "amazonses.com"),
        ("both", "@bounce.example.com"),
    ];
    for (variant, domain) in variants {
        let folder = format!("ses-setups-compared/{variant}");
        assert!(rp(&folder).contains(domain), "{folder}: {}", rp(&folder));
    }
    // Easy DKIM only: an author signature; as SES ships: none.
    let eml = |folder: &str| {
        std::fs::read_to_string(saved.join("ses-setups-compared").join(folder).join("1.eml"))
            .unwrap()
    };
    assert!(eml("easy-dkim-only").contains("d=example.com"));
    assert!(!eml("as-ses-ships").contains("d=example.com"));
    // The sidecar keeps the findings: as SES ships, DMARC fails and the
    // fix is the custom MAIL FROM and Easy DKIM.
    let sidecar: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(saved.join("ses-setups-compared/as-ses-ships/1.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(sidecar["findings"][0]["code"], "dmarc-fail", "{sidecar}");
    assert!(
        sidecar["findings"][0]["fix"]["records"]
            .as_array()
            .is_some_and(|r| r.len() == 5),
        "{sidecar}"
    );
    let mut expected = Vec::new();
    for folder in ["x-sub-a", "y-sub-a"].into_iter().map(String::from).chain(
        variants
            .iter()
            .map(|(v, _)| format!("ses-setups-compared/{v}")),
    ) {
        for file in ["1.eml", "1.json", "queries.log", "zone.db"] {
            expected.push(format!("{folder}/{file}"));
        }
    }
    expected.sort();
    assert_eq!(files_below(&saved), expected);
}

/// A second `--save` into the same folder does not overwrite the first
/// run's files: exit 2, the folder named, nothing run; with `--force` it
/// replaces them, and what the earlier run left is gone.
#[test]
fn save_refuses_to_overwrite_without_force() {
    let root = workspace_root();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved");
    let saved_arg = saved.display().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "--quiet",
            "scenarios/ses/default.toml",
            "--save",
            &saved_arg,
        ];
        args.extend_from_slice(extra);
        mailharness(&args, &root)
    };
    let first = run(&[]);
    assert_eq!(first.code, 0, "{}", render(&first));
    let folder = saved.join("ses-default");
    let stale = folder.join("2.eml");
    std::fs::write(&stale, "from an earlier run").unwrap();
    let before = std::fs::read(folder.join("1.eml")).unwrap();

    let again = run(&[]);
    assert_eq!(again.code, 2, "{}", render(&again));
    assert!(again.stdout.is_empty(), "{}", render(&again));
    assert!(
        again.stderr.contains("--save")
            && again.stderr.contains("ses-default")
            && again.stderr.contains("--force"),
        "{}",
        render(&again)
    );
    assert_eq!(std::fs::read(folder.join("1.eml")).unwrap(), before);
    // Another scenario's folder beside it is no obstacle.
    let other = mailharness(
        &[
            "run",
            "--quiet",
            "scenarios/ses/custom.toml",
            "--save",
            &saved_arg,
        ],
        &root,
    );
    assert_eq!(other.code, 0, "{}", render(&other));
    assert!(saved.join("ses-custom/1.eml").is_file());
    let forced = run(&["--force"]);
    assert_eq!(forced.code, 0, "{}", render(&forced));
    assert!(!stale.exists(), "--force left an earlier run's file");
    assert_ne!(
        std::fs::read(folder.join("1.eml")).unwrap(),
        before,
        "a new message was saved"
    );
    // --force means nothing without --save.
    let alone = mailharness(&["run", "--force", "scenarios/ses/default.toml"], &root);
    assert_eq!(alone.code, 2, "{}", render(&alone));
    assert!(alone.stderr.contains("--force"), "{}", render(&alone));
}

/// A scenario may name a zone file or a receiver profile outside the
/// current folder (`../../etc/passwd`); its errors then name the file,
/// line and column and what was expected, but never show its text.
#[test]
fn errors_in_files_outside_the_current_folder_do_not_show_their_text() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.zone"),
        "root:x:0:0:SECRET-TOKEN-1:/root:/bin/bash\nadmin SECRET-TOKEN-2 data\n",
    )
    .unwrap();
    std::fs::write(
        outside.path().join("strict.toml"),
        "SECRET-KEY-3 = true\ndescription = \"x\"\n",
    )
    .unwrap();
    let project = tempfile::tempdir().unwrap();
    let scenarios = project.path().join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    let up = outside.path().display().to_string();
    std::fs::write(
        scenarios.join("leak.toml"),
        format!(
            r#"name = "leak"
[dns]
zones = ["{up}/secret.zone"]
[sender]
via = "relay"
[message]
from = "a@example.com"
to = ["u@receiver.test"]
subject = "s"
text = "t"
[receivers]
profiles = ["{up}/strict.toml"]
"#
        ),
    )
    .unwrap();
    // The same files inside the current folder are quoted as usual.
    std::fs::copy(
        outside.path().join("secret.zone"),
        project.path().join("inside.zone"),
    )
    .unwrap();
    std::fs::write(
        scenarios.join("inside.toml"),
        std::fs::read_to_string(scenarios.join("leak.toml"))
            .unwrap()
            .replace(&format!("{up}/secret.zone"), "../inside.zone")
            .replace(
                &format!("[receivers]\nprofiles = [\"{up}/strict.toml\"]\n"),
                "",
            ),
    )
    .unwrap();

    let o = mailharness(&["check", "scenarios/leak.toml"], project.path());
    assert_eq!(o.code, 2, "{}", render(&o));
    assert!(!o.stderr.contains("SECRET"), "{}", render(&o));
    let zone = outside.path().join("secret.zone").display().to_string();
    let profile = outside.path().join("strict.toml").display().to_string();
    assert!(o.stderr.contains(&format!("{zone}:1:")), "{}", render(&o));
    assert!(o.stderr.contains(&format!("{zone}:2:")), "{}", render(&o));
    assert!(
        o.stderr.contains(&format!("{profile}:1:1:")),
        "{}",
        render(&o)
    );
    assert!(o.stderr.contains("not shown"), "{}", render(&o));

    let o = mailharness(&["check", "scenarios/inside.toml"], project.path());
    assert_eq!(o.code, 2, "{}", render(&o));
    assert!(o.stderr.contains("SECRET-TOKEN-2"), "{}", render(&o));
}

/// The receiver outcomes of a one-scenario JSON report: (profile,
/// disposition, reply) of its first message.
fn receiver_outcomes(json: &str) -> Vec<(String, String, String)> {
    let report: serde_json::Value = serde_json::from_str(json).expect("a JSON report");
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    report["scenarios"][0]["messages"][0]["receivers"]
        .as_array()
        .expect("receiver outcomes")
        .iter()
        .map(|r| {
            (
                text(&r["profile"]),
                text(&r["disposition"]),
                text(&r["reply"]),
            )
        })
        .collect()
}

/// The bundled receiver profiles are compiled into the binary: in a folder
/// outside the workspace, a scenario that names `gmail-bulk` gets Gmail's
/// bulk-sender verdict; a `receivers/gmail-bulk.toml` of the scenario's own
/// (here in a parent folder) wins over the bundled one.
#[test]
fn bundled_profiles_are_found_outside_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!dir.path().starts_with(workspace_root()));
    let project = dir.path().join("mail");
    std::fs::create_dir(&project).unwrap();
    let ses = workspace_root().join("scenarios/ses");
    std::fs::copy(ses.join("default.toml"), project.join("default.toml")).unwrap();
    copy_dir(&ses.join("zones/default"), &project.join("zones/default"));

    let o = mailharness(&["run", "--format", "json", "default.toml"], &project);
    assert_eq!(o.code, 0, "{}", render(&o));
    let outcomes = receiver_outcomes(&o.stdout);
    let gmail = outcomes
        .iter()
        .find(|(profile, ..)| profile == "gmail-bulk")
        .unwrap_or_else(|| panic!("no gmail-bulk outcome: {outcomes:?}"));
    assert_eq!(gmail.1, "tempfail", "{outcomes:?}");
    assert!(gmail.2.starts_with("421 4.7.32 "), "{outcomes:?}");
    assert!(gmail.2.ends_with(" - gsmtp"), "{outcomes:?}");

    // A profile of the scenario's own, with no rules: every message to
    // the inbox, so the scenario's expectations of gmail-bulk now fail.
    std::fs::create_dir(dir.path().join("receivers")).unwrap();
    std::fs::write(
        dir.path().join("receivers/gmail-bulk.toml"),
        "description = \"a Gmail that takes everything\"\n",
    )
    .unwrap();
    let o = mailharness(
        &[
            "run",
            "--format",
            "json",
            &project.join("default.toml").display().to_string(),
        ],
        dir.path(),
    );
    assert_eq!(o.code, 1, "{}", render(&o));
    let outcomes = receiver_outcomes(&o.stdout);
    assert!(
        outcomes.contains(&("gmail-bulk".into(), "inbox".into(), String::new())),
        "{outcomes:?}"
    );
}

/// A scenario that states no expectations expects its message delivered:
/// a refused send fails it, with the relay's reply and the error finding
/// that says why.
#[test]
fn a_refused_send_fails_a_scenario_without_expectations() {
    let dir = scenario_copy();
    let file = dir.path().join("ses/mail-from-mx-missing-reject.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let (head, _) = text.split_once("[expect]").unwrap();
    std::fs::write(&file, head).unwrap();
    let o = mailharness(&["run", "ses/mail-from-mx-missing-reject.toml"], dir.path());
    assert_eq!(o.code, 1, "{}", render(&o));
    assert!(
        o.stdout.contains(
            "expected outcome = delivered (implicitly: the scenario states no expectations), found refused: 554 5.7.1 MailFromDomainNotVerified"
        ),
        "{}",
        render(&o)
    );
    assert!(
        o.stdout.contains("error    mail-from-refused: "),
        "{}",
        render(&o)
    );
    // `outcome = "refused"` replaces the implicit expectation.
    std::fs::write(&file, format!("{head}[expect]\noutcome = \"refused\"\n")).unwrap();
    let o = mailharness(&["run", "ses/mail-from-mx-missing-reject.toml"], dir.path());
    assert_eq!(o.code, 0, "{}", render(&o));
}

/// The shop whose custom MAIL FROM MX names us-east-2: human and JSON
/// output both name the wrong MX target, the endpoint SES expects, the
/// fallback and the record that fixes it, and warn that DMARC rests on
/// DKIM alone.
#[test]
fn wrong_region_mail_from_is_explained_in_human_and_json() {
    const FILE: &str = "scenarios/ses/mail-from-wrong-region.toml";
    const FIX: &str = "mail.shop.example. 300 IN MX 10 feedback-smtp.us-east-1.amazonses.com.";
    let root = workspace_root();
    let human = mailharness(&["run", FILE], &root);
    assert_eq!(human.code, 0, "{}", render(&human));
    let json = mailharness(&["run", FILE, "--format", "json"], &root);
    assert_eq!(json.code, 0, "{}", render(&json));
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let findings = report["scenarios"][0]["messages"][0]["findings"]
        .as_array()
        .unwrap();
    let fallback = findings
        .iter()
        .find(|f| f["code"] == "mail-from-fallback")
        .unwrap_or_else(|| panic!("no mail-from-fallback: {findings:?}"));
    assert_eq!(fallback["severity"], "error");
    let message = fallback["message"].as_str().unwrap();
    for needle in [
        "feedback-smtp.us-east-2.amazonses.com",
        "feedback-smtp.us-east-1.amazonses.com",
        "fell back to amazonses.com",
    ] {
        assert!(message.contains(needle), "{needle} not in {message}");
        assert!(
            human.stdout.contains(needle),
            "{needle} not in {}",
            human.stdout
        );
    }
    assert_eq!(fallback["fix"]["records"][0], FIX);
    assert!(
        human.stdout.contains(&format!("  {FIX}\n")),
        "{}",
        human.stdout
    );
    let single = findings
        .iter()
        .find(|f| f["code"] == "dmarc-single-mechanism")
        .unwrap_or_else(|| panic!("no dmarc-single-mechanism: {findings:?}"));
    assert_eq!(single["severity"], "warning");
    assert!(
        single["message"]
            .as_str()
            .unwrap()
            .contains("rests on DKIM alone"),
        "{single}"
    );
    assert!(
        human.stdout.contains(
            "warning  dmarc-single-mechanism: DMARC for shop.example (p=reject) rests on DKIM alone"
        ),
        "{}",
        human.stdout
    );
}
