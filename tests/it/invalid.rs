//! Every broken file in `tests/invalid-scenarios/`: it is refused, nothing
//! panics, and each diagnostic names file:line:col (snapshotted).

use mailharness::scenario;

use crate::support::{insta_settings, workspace_root};

#[test]
fn invalid_scenarios_are_refused_with_positions() {
    let root = workspace_root();
    let prefix = format!("{}/", root.display());
    let mut count = 0;
    insta_settings().bind(|| {
        insta::glob!("../invalid-scenarios", "*.toml", |path| {
            count += 1;
            let errors = match scenario::load_file(path) {
                Ok(_) => panic!("{} was accepted", path.display()),
                Err(errors) => errors,
            };
            assert!(!errors.is_empty());
            let text = errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
                .replace(&prefix, "");
            for line in text.lines() {
                let mut parts = line.splitn(4, ':');
                let (file, l, c) = (parts.next(), parts.next(), parts.next());
                assert!(
                    file.is_some_and(|f| f.ends_with(".toml") || f.ends_with(".zone"))
                        && l.is_some_and(|l| l.parse::<usize>().is_ok_and(|n| n > 0))
                        && c.is_some_and(|c| c.parse::<usize>().is_ok_and(|n| n > 0)),
                    "not path:line:col: message: {line}"
                );
            }
            insta::assert_snapshot!(text);
        });
    });
    assert!(count >= 15, "only {count} invalid scenario files");
}
