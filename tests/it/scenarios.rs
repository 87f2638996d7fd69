//! Every bundled scenario end to end, one snapshot of its verdict each.

use std::path::Path;

use mailharness::{runner::run_scenario, scenario};

use crate::support::{insta_settings, workspace_root};

fn run(path: &Path) -> serde_json::Value {
    let scenario = scenario::load_file(path).unwrap_or_else(|errors| {
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
    let run = runtime
        .block_on(run_scenario(&scenario))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        run.report.passed,
        "{} did not meet its expectations: {:#?}",
        path.display(),
        run.report.failures
    );
    let mut value = serde_json::to_value(&run.report).unwrap();
    // Paths in snapshots are relative to the workspace.
    value["file"] = serde_json::Value::String(
        path.strip_prefix(workspace_root())
            .unwrap_or(path)
            .display()
            .to_string(),
    );
    value
}

#[test]
fn bundled_scenarios() {
    let mut count = 0;
    insta_settings().bind(|| {
        insta::glob!("../../scenarios", "**/*.toml", |path| {
            count += 1;
            insta::assert_json_snapshot!(run(path));
        });
    });
    assert!(count >= 2, "the glob matched {count} scenario files");
}
