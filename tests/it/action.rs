//! The GitHub Action's shell logic (`.github/action/mailharness.sh`, which
//! `action.yml` runs) run here as GitHub runs it, with
//! `GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT` and `RUNNER_TEMP` pointed at a
//! temporary folder, on the folder `mailharness init` writes: the
//! annotations (the step's stdout), the job summary and the step's
//! outputs snapshotted, and each annotation's file and line checked
//! against the line of the file that it must point at.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::support::{
    git_in, insta_settings, mailharness, mailharness_bin, on_path, render, require_peer,
    workspace_root,
};

/// What one run of the script left: its exit code, stdout (the
/// annotations), stderr, the job summary and the step's outputs.
struct Step {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    outputs: String,
    /// `RUNNER_TEMP`, which holds the reports, kept while the step is.
    _runner: tempfile::TempDir,
}

impl Step {
    fn render(&self) -> String {
        format!(
            "exit code: {}\n----- stdout (annotations) -----\n{}----- stderr -----\n{}\
             ----- GITHUB_STEP_SUMMARY -----\n{}----- GITHUB_OUTPUT -----\n{}",
            self.code, self.stdout, self.stderr, self.summary, self.outputs
        )
    }
}

/// `mailharness init shop.example …` in `dir`, as the README's second
/// command writes it.
fn init(dir: &Path) {
    let o = mailharness(
        &[
            "init",
            "shop.example",
            "--region",
            "us-east-1",
            "--mail-from",
            "mail.shop.example",
        ],
        dir,
    );
    assert_eq!(o.code, 0, "{}", render(&o));
}

/// The script's `run` in `dir` (the repository's root, where a job
/// runs), with the Action's inputs as `INPUT_*` variables.
fn action_run(dir: &Path, inputs: &[(&str, &str)]) -> Step {
    let runner = tempfile::tempdir().unwrap();
    let summary = runner.path().join("step_summary.md");
    let outputs = runner.path().join("github_output");
    let out = Command::new("bash")
        .arg(workspace_root().join(".github/action/mailharness.sh"))
        .arg("run")
        .env("MAILHARNESS", mailharness_bin())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("RUNNER_TEMP", runner.path())
        .envs(inputs.iter().copied())
        .current_dir(dir)
        .output()
        .expect("run bash");
    let read = |p: &PathBuf| std::fs::read_to_string(p).unwrap_or_default();
    Step {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        summary: read(&summary),
        outputs: read(&outputs),
        _runner: runner,
    }
}

/// The 1-based number of the only line of `file` that contains `needle`.
fn line_of(file: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "{needle:?} in {}", file.display());
    lines[0]
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{from:?} in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

/// An unmet expectation: an `::error` at its line and column of the
/// scenario file, the scenario's table and the unmet line in the
/// summary, and the step fails unless `fail-on` is `never`.
#[test]
fn an_unmet_expectation_is_annotated_at_its_scenario_line() {
    let repo = tempfile::tempdir().unwrap();
    init(repo.path());
    let scenario = repo.path().join("shop.example/default.toml");
    edit(
        &scenario,
        "dmarc = { result = \"fail\"",
        "dmarc = { result = \"pass\"",
    );
    let line = line_of(&scenario, "dmarc = {");
    // `result` is the first key of the inline table: column 11.
    let at = format!("::error file=shop.example/default.toml,line={line},col=11,");

    let step = action_run(repo.path(), &[("INPUT_SCENARIOS", "shop.example/")]);
    assert_eq!(step.code, 1, "{}", step.render());
    let annotations: Vec<&str> = step
        .stdout
        .lines()
        .filter(|l| l.starts_with("::"))
        .collect();
    assert_eq!(annotations.len(), 1, "{}", step.render());
    assert!(annotations[0].starts_with(&at), "{}", step.render());
    assert!(
        annotations[0].contains("::expected dmarc.result = pass, found fail"),
        "{}",
        step.render()
    );
    assert!(
        step.summary.contains(&format!(
            "`shop.example/default.toml:{line}:11`: expected `dmarc.result` = `pass`, found `fail`"
        )),
        "{}",
        step.render()
    );
    for output in [
        "passed=false",
        "run-exit-code=1",
        "artifact=mailharness-reports",
    ] {
        assert!(
            step.outputs.lines().any(|l| l == output),
            "{}",
            step.render()
        );
    }
    // The reports the Action uploads.
    let reports = step
        .outputs
        .lines()
        .find_map(|l| l.strip_prefix("reports="))
        .expect("a reports output");
    for file in ["report.html", "junit.xml", "report.json", "summary.md"] {
        assert!(
            Path::new(reports).join(file).is_file(),
            "{file} in {reports}"
        );
    }
    insta_settings().bind(|| insta::assert_snapshot!("action_unmet", step.render()));

    // fail-on never: the same annotations and summary, a passing step.
    let never = action_run(
        repo.path(),
        &[
            ("INPUT_SCENARIOS", "shop.example/"),
            ("INPUT_FAIL_ON", "never"),
        ],
    );
    assert_eq!(never.code, 0, "{}", never.render());
    assert!(never.stdout.contains(&at), "{}", never.render());
    assert!(never.outputs.contains("passed=false"), "{}", never.render());

    // A bad input is the step's usage error, named.
    let bad = action_run(
        repo.path(),
        &[
            ("INPUT_SCENARIOS", "shop.example/"),
            ("INPUT_FAIL_ON", "sometimes"),
        ],
    );
    assert_eq!(bad.code, 2, "{}", bad.render());
    assert_eq!(
        bad.stdout,
        "::error title=mailharness::fail-on: expected one of unmet, changed, never, found \"sometimes\"\n"
    );
}

/// A zone change since `diff-base` that breaks a scenario: an `::error`
/// at the zone-file line of the changed record (beside the run's at the
/// scenario lines it breaks), the diff's cause chain in the summary.
#[test]
#[ignore = "needs git: apt-get install git"]
fn a_zone_change_is_annotated_at_its_zone_line() {
    require_peer("git", on_path("git"), "apt-get install git");
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    let git = |args: &[&str]| git_in(dir, args);
    git(&["init", "-q"]);
    init(dir);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "init"]);
    let zone = dir.join("shop.example/zones/default/shop.example.zone");
    edit(&zone, "p=none;", "p=reject;");
    let line = line_of(&zone, "_dmarc.shop.example.");

    let inputs = [
        ("INPUT_SCENARIOS", "shop.example/"),
        ("INPUT_DIFF_BASE", "HEAD"),
    ];
    let step = action_run(dir, &inputs);
    assert_eq!(step.code, 1, "{}", step.render());
    let diff: Vec<&str> = step
        .stdout
        .lines()
        .filter(|l| l.starts_with("::") && l.contains("title=mailharness diff"))
        .collect();
    assert_eq!(diff.len(), 1, "{}", step.render());
    assert!(
        diff[0].starts_with(&format!(
            "::error file=shop.example/zones/default/shop.example.zone,line={line},col=1,\
             title=mailharness diff%3A BROKEN shop.example%3A SES default"
        )),
        "{}",
        step.render()
    );
    assert!(
        diff[0].contains(
            "::TXT _dmarc.shop.example. changed: \"v=DMARC1; p=none;\" → \"v=DMARC1; p=reject;\""
        ),
        "{}",
        step.render()
    );
    assert!(
        step.summary.contains(&format!(
            "`shop.example/zones/default/shop.example.zone:{line}:1`"
        )),
        "{}",
        step.render()
    );
    for output in ["passed=false", "run-exit-code=1", "diff-exit-code=1"] {
        assert!(
            step.outputs.lines().any(|l| l == output),
            "{}",
            step.render()
        );
    }
    insta_settings().bind(|| insta::assert_snapshot!("action_zone_change", step.render()));

    // In a matrix, shard 2 of 2 runs its half and leaves the diff to
    // shard 1; its artifact is named after the shard.
    let shard = action_run(dir, &[inputs[0], inputs[1], ("INPUT_PARTITION", "2/2")]);
    assert!(
        !shard.stdout.contains("mailharness diff"),
        "{}",
        shard.render()
    );
    assert!(
        shard.summary.starts_with("## mailharness: 1 scenario"),
        "{}",
        shard.render()
    );
    assert!(
        shard
            .outputs
            .lines()
            .any(|l| l == "artifact=mailharness-reports-2-of-2"),
        "{}",
        shard.render()
    );
    assert!(
        !shard.outputs.contains("diff-exit-code"),
        "{}",
        shard.render()
    );
}

/// The install's plan: where the binary goes (on the job's PATH from
/// then on) and the cache key: the version asked for, else a digest of
/// the Action's own sources, so that a moved tag installs again.
#[test]
fn the_install_is_cached_by_version_or_by_sources() {
    let plan = |version: &str| {
        let runner = tempfile::tempdir().unwrap();
        let out = Command::new("bash")
            .arg(workspace_root().join(".github/action/mailharness.sh"))
            .arg("plan")
            .env("GITHUB_ACTION_PATH", workspace_root())
            .env("GITHUB_OUTPUT", runner.path().join("output"))
            .env("GITHUB_PATH", runner.path().join("path"))
            .env("MAILHARNESS_INSTALL_ROOT", runner.path().join("root"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("INPUT_VERSION", version)
            .output()
            .expect("run bash");
        assert!(out.status.success(), "{out:?}");
        let read = |name: &str| std::fs::read_to_string(runner.path().join(name)).unwrap();
        let root = runner.path().join("root").display().to_string();
        assert_eq!(read("path"), format!("{root}/bin\n"));
        let output = read("output");
        assert!(output.starts_with(&format!("root={root}\n")), "{output}");
        output
            .lines()
            .find_map(|l| l.strip_prefix("cache-key="))
            .expect("a cache key")
            .to_string()
    };
    assert_eq!(plan("v0.1.0"), "mailharness-Linux-X64-v0.1.0");
    let own = plan("");
    assert!(
        regex::Regex::new("^mailharness-Linux-X64-src-[0-9a-f]{16}$")
            .unwrap()
            .is_match(&own),
        "{own}"
    );
    assert_eq!(plan(""), own, "the same sources, the same key");
}
