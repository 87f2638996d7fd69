//! Nothing hidden in the tests: a test that needs a peer program (dig,
//! xmllint, Chromium, Postfix, moto, …) is `#[ignore = "needs …"]`, so
//! plain `cargo test` counts it as ignored and says why, and
//! `--include-ignored` runs it, failing when the peer is missing. None
//! prints a reason and passes.

use std::process::Command;

use crate::support::workspace_root;

/// What a test calls when it needs a peer program.
const NEEDS_A_PEER: &[&str] = &["require_peer(", "require_mta()", "MotoServer::start()"];

#[test]
fn every_test_that_needs_a_peer_is_ignored_with_its_reason() {
    let dir = workspace_root().join("tests/it");
    let mut peer_tests = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("peers.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy();
        assert!(
            !text.contains("skipped: ") && !text.contains("peer_available"),
            "{file}: a test skips by printing a reason and passing"
        );
        // Each test: its attributes, its name, its body up to the next item.
        for block in text.split("\n#[test]").skip(1) {
            let (head, body) = block.split_once("\nfn ").unwrap_or((block, ""));
            let name = body.split('(').next().unwrap_or_default();
            let body = body.split("\n}\n").next().unwrap_or_default();
            if NEEDS_A_PEER.iter().any(|call| body.contains(call)) {
                peer_tests += 1;
                assert!(
                    head.contains("#[ignore = \"needs "),
                    "{file}: {name} needs a peer program but is not #[ignore = \"needs <peer>: <install command>\"]"
                );
            } else {
                assert!(
                    !head.contains("#[ignore"),
                    "{file}: {name} is ignored but needs no peer program"
                );
            }
        }
    }
    assert!(peer_tests >= 10, "only {peer_tests} tests need a peer");
}

/// Run the way `.ci/run` runs it, a peer test whose peer is missing fails
/// and says what to install.
#[test]
fn an_included_peer_test_without_its_peer_fails() {
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--include-ignored",
            "--exact",
            "dmarc_reports::the_schemas_refuse_what_they_should",
        ])
        // No xmllint on this PATH.
        .env("PATH", empty.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("1 failed"), "{stdout}");
    assert!(
        stdout.contains("xmllint is missing") && stdout.contains("apt-get install libxml2-utils"),
        "{stdout}"
    );
}
