//! `mailharness diff`: the bundled suite against a copy whose custom zone
//! lost the MAIL FROM MX record shows exactly the scenarios that change;
//! git revisions as sides; usage errors.

use crate::support::{
    copy_dir, git_in, insta_settings, mailharness, on_path, render, require_peer, workspace_root,
};

const CUSTOM_ZONE: &str = "scenarios/ses/zones/custom/example.com.zone";
const BOUNCE_MX: &str = "bounce  IN MX   10 feedback-smtp.ap-northeast-1.amazonses.com.\n";

/// A folder that stands in for the workspace: a copy of `scenarios/` whose
/// custom zone has no MX record for the MAIL FROM domain.
fn suite_without_bounce_mx() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &workspace_root().join("scenarios"),
        &dir.path().join("scenarios"),
    );
    let zone = dir.path().join(CUSTOM_ZONE);
    let text = std::fs::read_to_string(&zone).unwrap();
    assert!(text.contains(BOUNCE_MX), "the custom zone changed: {text}");
    std::fs::write(&zone, text.replace(BOUNCE_MX, "")).unwrap();
    dir
}

/// Whether a scenario file's run (its `variant`, if any) reads `zone`: a
/// variant's `dns` is added to the file's, so the zone is read when the
/// part before the first `[[variants]]` names it or the variant's own
/// table does.
fn reads_zone(file: &str, variant: Option<&str>, zone: &str) -> bool {
    let mut parts = file.split("[[variants]]");
    let shared = parts.next().unwrap_or_default();
    if shared.contains(zone) {
        return true;
    }
    let Some(variant) = variant else {
        return false;
    };
    let name = format!("name = {}", serde_json::Value::from(variant));
    parts.any(|part| part.contains(&name) && part.contains(zone))
}

/// The scenarios the change must show: those reading the custom zone whose
/// Return-Path was the custom MAIL FROM domain (the relay checks its MX),
/// from a plain run of the suite.
fn expected_changes() -> Vec<String> {
    let root = workspace_root();
    let o = mailharness(&["run", "scenarios", "--format", "json"], &root);
    assert_eq!(o.code, 0, "{}", render(&o));
    let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let mut names: Vec<String> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            let file = std::fs::read_to_string(root.join(s["file"].as_str().unwrap())).unwrap();
            reads_zone(
                &file,
                s["variant"].as_str(),
                "zones/custom/example.com.zone",
            ) && s["messages"][0]["return_path_domain"] == "bounce.example.com"
        })
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn removing_the_mail_from_mx_shows_exactly_the_affected_scenarios() {
    let after = suite_without_bounce_mx();
    let after_arg = after.path().to_str().unwrap();
    let root = workspace_root();
    let human = mailharness(&["diff", "--after", after_arg, "scenarios"], &root);
    assert_eq!(human.code, 1, "{}", render(&human));
    let json = mailharness(
        &[
            "diff",
            "--after",
            after_arg,
            "scenarios",
            "--format",
            "json",
        ],
        &root,
    );
    assert_eq!(json.code, 1, "{}", render(&json));
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();

    let mut changed: Vec<String> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    changed.sort();
    let expected = expected_changes();
    assert!(expected.len() >= 5, "{expected:?}");
    assert_eq!(changed, expected);

    // Each names the record and chains it to its effect.
    for s in report["scenarios"].as_array().unwrap() {
        assert_eq!(
            s["records"],
            serde_json::json!([{
                "name": "bounce.example.com.",
                "type": "MX",
                "change": "removed",
                "before": ["10 feedback-smtp.ap-northeast-1.amazonses.com."],
                "after": [],
            }]),
            "{s}"
        );
        assert!(
            s["explanation"]
                .as_str()
                .unwrap()
                .starts_with("MX bounce.example.com removed → Return-Path falls back to ap-northeast-1.amazonses.com"),
            "{s}"
        );
    }
    let custom = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["file"] == "scenarios/ses/custom.toml")
        .unwrap();
    assert_eq!(
        custom["explanation"],
        "MX bounce.example.com removed → Return-Path falls back to ap-northeast-1.amazonses.com → SPF no longer aligned"
    );
    assert_eq!(custom["status"], "broken");
    assert_eq!(report["summary"]["changed"], expected.len());
    insta_settings().bind(|| insta::assert_snapshot!(render(&human)));
}

#[test]
#[ignore = "needs git: apt-get install git"]
fn diff_reads_git_revisions() {
    require_peer("git", on_path("git"), "apt-get install git");
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    std::fs::create_dir_all(dir.join("ses")).unwrap();
    std::fs::copy(
        workspace_root().join("scenarios/ses/custom.toml"),
        dir.join("ses/custom.toml"),
    )
    .unwrap();
    copy_dir(
        &workspace_root().join("scenarios/ses/zones"),
        &dir.join("ses/zones"),
    );
    let git = |args: &[&str]| git_in(dir, args);
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "zones"]);
    let zone = dir.join("ses/zones/custom/example.com.zone");
    let text = std::fs::read_to_string(&zone).unwrap();
    std::fs::write(&zone, text.replace(BOUNCE_MX, "")).unwrap();
    git(&["commit", "-q", "-am", "drop the MAIL FROM MX"]);

    let o = mailharness(
        &[
            "diff",
            "--before",
            "git:HEAD~1",
            "--after",
            "git:HEAD",
            "ses/custom.toml",
        ],
        dir,
    );
    assert_eq!(o.code, 1, "{}", render(&o));
    assert!(
        o.stdout.starts_with("BROKEN SES custom MAIL FROM"),
        "{}",
        render(&o)
    );
    assert!(o.stdout.contains(
        "--before git:HEAD~1, --after git:HEAD: 1 scenario, 1 with changed records, 1 verdict changed: 1 broken, 0 fixed"
    ), "{}", render(&o));
    // The working tree is the default side: the same change, uncommitted.
    git(&["reset", "-q", "--hard", "HEAD~1"]);
    std::fs::write(&zone, text.replace(BOUNCE_MX, "")).unwrap();
    let o = mailharness(&["diff", "--before", "git:HEAD", "ses/custom.toml"], dir);
    assert_eq!(o.code, 1, "{}", render(&o));
    assert!(
        o.stdout.contains("--after the working tree"),
        "{}",
        render(&o)
    );
    // Unchanged zones: nothing to run, nothing printed but the summary.
    let o = mailharness(
        &["diff", "--before", "git:HEAD", "--after", "git:HEAD", "ses"],
        dir,
    );
    assert_eq!(o.code, 0, "{}", render(&o));
    assert_eq!(
        o.stdout,
        "--before git:HEAD, --after git:HEAD: 1 scenario, 0 with changed records, 0 verdicts changed: 0 broken, 0 fixed\n"
    );
}

#[test]
fn diff_usage_errors_exit_2() {
    let root = workspace_root();
    let empty = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "diff",
                "--after",
                "/nonexistent/zones",
                "scenarios/ses/custom.toml",
            ],
            "error: --after /nonexistent/zones: expected a folder, found none",
        ),
        (
            &[
                "diff",
                "--before",
                "git:no-such-revision",
                "scenarios/ses/custom.toml",
            ],
            "error: --before git:no-such-revision: not a git revision here",
        ),
        (
            &["diff", "--before", "git:", "scenarios/ses/custom.toml"],
            "expected git:REV with a revision, found \"git:\"",
        ),
        (
            // A folder without the zone files: each is reported by path.
            &[
                "diff",
                "--after",
                empty.path().to_str().unwrap(),
                "scenarios/ses/custom.toml",
            ],
            "cannot read zone file \"scenarios/ses/zones/custom/example.com.zone\"",
        ),
    ];
    for (args, message) in cases {
        let o = mailharness(args, &root);
        assert_eq!(o.code, 2, "{args:?}: {}", render(&o));
        assert!(o.stderr.contains(message), "{args:?}: {}", render(&o));
        assert!(o.stdout.is_empty(), "{args:?}: {}", render(&o));
    }
}
