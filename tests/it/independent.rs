//! Messages saved with `--save` verify the same with an independent
//! DKIM/SPF/DMARC implementation (dkimpy, pyspf and authheaders, driven by
//! `tests/independent/verify.py`) pointed at a `mock-dns` that serves the
//! saved `zone.db`.
//!
//! The binaries come from `support`, which builds them first: the tests
//! crate depends only on the libraries, so cargo neither builds nor
//! rebuilds `target/<profile>/mailharness` and `mock-dns` for it.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use serde_json::{Value, json};

use crate::support::{MockDnsProcess, mailharness_bin, require_peer, workspace_root};

/// What the script imports, and how to get it.
const PYTHON_CHECK: &str = "import dkim, spf, dns.resolver, authheaders, authres";
const INSTALL: &str =
    "python3 -m pip install dkimpy==1.1.8 pyspf==2.0.14 dnspython==2.9.2 authheaders==0.16.3";

/// `Err(reason)` when python3 or one of the modules is missing.
fn python_ready() -> Result<(), String> {
    let out = Command::new("python3")
        .args(["-c", PYTHON_CHECK])
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or("no message");
    Err(format!("python3 cannot import the verifiers: {last}"))
}

/// What both sides must agree on, from a harness verdict or the script's
/// output (same field names): SPF for MAIL FROM and HELO, every DKIM
/// signature (sorted), and DMARC's result, policy and alignment.
fn comparable(verdict: &Value) -> Value {
    let mut dkim: Vec<Value> = verdict["dkim"]
        .as_array()
        .unwrap_or_else(|| panic!("expected a \"dkim\" array in {verdict}"))
        .iter()
        .map(|d| json!([d["domain"], d["selector"], d["result"]]))
        .collect();
    dkim.sort_by_key(Value::to_string);
    let (spf, dmarc) = (&verdict["spf"], &verdict["dmarc"]);
    json!({
        "spf": {
            "result": spf["result"],
            "domain": spf["domain"],
            "helo_result": spf["helo_result"],
            "helo_domain": spf["helo_domain"],
        },
        "dkim": dkim,
        "dmarc": {
            "result": dmarc["result"],
            "policy": dmarc["policy"],
            "spf_aligned": dmarc["spf_aligned"],
            "dkim_aligned": dmarc["dkim_aligned"],
        },
    })
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}\n{text}", path.display()))
}

/// Runs the script on one saved message; its parsed output.
fn verify_independently(port: u16, eml: &Path, sidecar: &Path) -> Value {
    let script = workspace_root().join("tests/independent/verify.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(["--dns-port", &port.to_string()])
        .args([eml, sidecar])
        .stdin(Stdio::null())
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "verify.py {} failed ({}):\n{stderr}{stdout}",
        eml.display(),
        out.status
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("verify.py printed no JSON object ({e}):\n{stdout}{stderr}"))
}

/// The folders below `dir` that a scenario saved into (those with a
/// `zone.db`; a file with variants has one per variant inside its own),
/// sorted.
fn scenario_folders(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for folder in sorted_entries(dir, Path::is_dir) {
        if folder.join("zone.db").is_file() {
            out.push(folder);
        } else {
            let inner = scenario_folders(&folder);
            assert!(!inner.is_empty(), "{}: no zone.db saved", folder.display());
            out.extend(inner);
        }
    }
    out
}

/// The entries of `dir`, sorted, that `keep` accepts.
fn sorted_entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("read a directory entry").path())
        .filter(|path| keep(path))
        .collect();
    entries.sort();
    entries
}

#[test]
#[ignore = "needs dkimpy, pyspf and authheaders: python3 -m pip install -r tests/independent/requirements.txt"]
fn saved_messages_verify_the_same_independently() {
    let ready = python_ready();
    require_peer(
        &format!(
            "python verifiers ({})",
            ready.as_ref().err().map_or("", |r| r.as_str())
        ),
        ready.is_ok(),
        INSTALL,
    );

    let saved = tempfile::tempdir().expect("create a temporary folder");
    let out = Command::new(mailharness_bin())
        .arg("run")
        .arg(workspace_root().join("scenarios/ses"))
        .arg("--save")
        .arg(saved.path())
        .args(["--format", "json"])
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .output()
        .expect("run mailharness");
    // 1 (an expectation failed) is the scenario tests' business; the saved
    // verdicts are still what is compared here. 2 and 3 are errors.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "mailharness run failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // "<slug>/<n>" -> the independent verdict, for the checks below.
    let mut compared = BTreeMap::new();
    for folder in scenario_folders(saved.path()) {
        let slug = folder
            .strip_prefix(saved.path())
            .unwrap()
            .display()
            .to_string();
        let zone = folder.join("zone.db");
        let dns = MockDnsProcess::start(&zone, &folder.join("mock-dns.log"));
        for eml in sorted_entries(&folder, |p| p.extension().is_some_and(|e| e == "eml")) {
            let sidecar = eml.with_extension("json");
            let name = format!("{slug}/{}", eml.file_stem().unwrap().to_string_lossy());
            let harness = &read_json(&sidecar)["verdict"];
            assert!(harness.is_object(), "{name}: the sidecar has no verdict");
            let independent = verify_independently(dns.port, &eml, &sidecar);
            println!("{name}: {}", comparable(&independent));
            assert_eq!(
                comparable(&independent),
                comparable(harness),
                "{name}: the independent verdict (left) differs from the harness's (right)"
            );
            compared.insert(name, independent);
        }
    }

    assert!(
        compared.len() >= 2,
        "expected at least 2 saved messages, compared {}: {:?}",
        compared.len(),
        compared.keys()
    );
    // Not vacuous: one message fails DMARC unaligned, the other passes
    // aligned both ways.
    let dmarc = |name: &str| {
        let verdict = compared
            .get(name)
            .unwrap_or_else(|| panic!("no message {name} saved: {:?}", compared.keys()));
        let d = &verdict["dmarc"];
        (
            d["result"].clone(),
            d["spf_aligned"].clone(),
            d["dkim_aligned"].clone(),
        )
    };
    assert_eq!(
        dmarc("ses-default/1"),
        (json!("fail"), json!(false), json!(false)),
        "ses-default: DMARC (result, spf_aligned, dkim_aligned)"
    );
    assert_eq!(
        dmarc("ses-custom/1"),
        (json!("pass"), json!(true), json!(true)),
        "ses-custom: DMARC (result, spf_aligned, dkim_aligned)"
    );
}
