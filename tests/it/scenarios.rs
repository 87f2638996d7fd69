//! Every bundled scenario end to end, one snapshot of its verdict each.

use std::path::Path;

use mailharness::{runner::run_scenario, scenario};

use crate::support::{insta_settings, workspace_root};

/// Runs every variant of a scenario file; returns (variant, report).
fn run(path: &Path) -> Vec<(Option<String>, serde_json::Value)> {
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    scenarios
        .iter()
        .map(|scenario| {
            let run = runtime
                .block_on(run_scenario(scenario))
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                run.report.passed,
                "{} did not meet its expectations: {:#?}",
                run.report.name, run.report.failures
            );
            let mut value = serde_json::to_value(&run.report).unwrap();
            // Paths in snapshots are relative to the workspace.
            value["file"] = serde_json::Value::String(
                path.strip_prefix(workspace_root())
                    .unwrap_or(path)
                    .display()
                    .to_string(),
            );
            (scenario.variant.clone(), value)
        })
        .collect()
}

/// A variant name as a snapshot name part.
fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

#[test]
fn bundled_scenarios() {
    let mut count = 0;
    insta_settings().bind(|| {
        insta::glob!("../../scenarios", "**/*.toml", |path| {
            count += 1;
            for (variant, value) in run(path) {
                match variant {
                    // One snapshot per variant, named after it.
                    Some(v) => insta::assert_json_snapshot!(
                        format!("bundled_scenarios__{}", slug(&v)),
                        value
                    ),
                    None => insta::assert_json_snapshot!(value),
                }
            }
        });
    });
    assert!(count >= 2, "the glob matched {count} scenario files");
}

/// No snapshot outlives its scenario or test: a stale `.snap` would pass
/// unnoticed (what `cargo insta test --unreferenced=reject` checks).
#[test]
fn every_snapshot_is_referenced() {
    let root = workspace_root();
    let dir = root.join("tests/it/snapshots");
    let sources: String = std::fs::read_dir(root.join("tests/it"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    let inputs = mailharness::scenario::discover(&[
        root.join("scenarios"),
        root.join("tests/invalid-scenarios"),
        root.join("tests/mta-scenarios"),
    ])
    .unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".snap") else {
            panic!("unexpected file in snapshots/: {name}");
        };
        count += 1;
        let (test, input) = stem.split_once('@').unwrap_or((stem, ""));
        // Variant snapshots are named <test>__<variant>.
        let test = test.split("__").next().unwrap_or(test);
        // Named after its test, or given its name in a test
        // (`assert_snapshot!("name", …)`).
        assert!(
            sources.contains(&format!("fn {test}(")) || sources.contains(&format!("\"{stem}\"")),
            "snapshot {name} belongs to no test"
        );
        // A glob snapshot's input file must still exist.
        // insta names it after the path below the glob's base, with
        // folders joined by "__".
        if !input.is_empty() {
            let relative = input.replace("__", "/");
            assert!(
                inputs.iter().any(|s| {
                    s.strip_prefix(root.join("scenarios"))
                        .or_else(|_| s.strip_prefix(root.join("tests/invalid-scenarios")))
                        .or_else(|_| s.strip_prefix(root.join("tests/mta-scenarios")))
                        .is_ok_and(|r| r == Path::new(&relative))
                }),
                "snapshot {name} has no input file"
            );
        }
    }
    assert!(count > 0);
}

/// A scenario file without an accepted snapshot fails here by name, even
/// where insta would only write a pending `.snap.new`.
#[test]
fn every_scenario_has_a_snapshot() {
    let root = workspace_root();
    let base = root.join("scenarios");
    let files = scenario::discover(std::slice::from_ref(&base)).unwrap();
    assert!(files.len() >= 25, "only {} scenario files", files.len());
    let mut missing = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&base).unwrap().display().to_string();
        let suffix = relative.replace('/', "__");
        let scenarios = scenario::load_file(file).unwrap_or_else(|e| panic!("{e:?}"));
        for s in scenarios {
            let name = match &s.variant {
                Some(v) => format!("bundled_scenarios__{}@{suffix}.snap", slug(v)),
                None => format!("bundled_scenarios@{suffix}.snap"),
            };
            if !root.join("tests/it/snapshots").join(&name).is_file() {
                missing.push(name);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "scenarios without a snapshot: {missing:?}"
    );
}
