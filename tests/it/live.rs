//! `cargo test --features live`: the bundled SES scenarios
//! (`live-scenarios/`) against the real account named by the environment
//! (see `live_offline::LIVE_VARIABLES`). The audit decides which variant's
//! expectations apply. Missing configuration fails at once, naming every
//! missing variable: these tests never pass by skipping.

use std::process::Command;

use crate::{
    live_offline::live_configuration,
    support::{mailharness_bin, workspace_root},
};

#[test]
fn bundled_ses_scenarios_against_the_account() {
    let config =
        live_configuration(|name| std::env::var(name).ok()).unwrap_or_else(|e| panic!("{e}"));
    let get = |name: &str| {
        config
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .expect("checked")
    };
    let (identity, from, to, region) = (
        get("MAILHARNESS_IDENTITY"),
        get("MAILHARNESS_FROM"),
        get("MAILHARNESS_TO"),
        get("AWS_REGION"),
    );
    let audit = Command::new(mailharness_bin())
        .args(["audit", &identity, "--region", &region, "--from", &from])
        .output()
        .expect("run mailharness audit");
    let audit_out = String::from_utf8_lossy(&audit.stdout);
    println!("{audit_out}{}", String::from_utf8_lossy(&audit.stderr));
    let variant = match audit.status.code() {
        Some(0) => "[custom]",
        Some(1) => "[default]",
        other => panic!("mailharness audit failed ({other:?})"),
    };
    let run = Command::new(mailharness_bin())
        .arg("run")
        .arg(workspace_root().join("live-scenarios"))
        .args(["--filter", variant, "--region", &region])
        .args(["--from", &from, "--to", &to, "--allow-recipient", &to])
        .output()
        .expect("run mailharness run");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}{stderr}");
    assert_eq!(
        run.status.code(),
        Some(0),
        "the live {variant} scenario failed:\n{stdout}{stderr}"
    );
}
