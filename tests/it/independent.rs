//! Every message of the bundled suite, saved with `--save`, verifies the
//! same with an independent DKIM/SPF/DMARC implementation (dkimpy, pyspf
//! and authheaders, driven by `tests/independent/verify.py`) pointed at a
//! `mock-dns` that serves the saved `zone.db` with the scenario's DNS
//! faults — except where the peers are known to part from the RFCs, which
//! `PEER_DIFFERS` lists message by message with the section that decides.
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
/// signature (sorted), and DMARC's result, policy and alignment under
/// `dmarc` (the verdict's own, or another reading of it: see
/// [`rfc7489_view`]).
///
/// DKIM's `permerror` counts as `fail`: dkimpy has no word for a permanent
/// error it does not raise (a revoked key, an expired signature, a key
/// under 1024 bits all come back as a failed verification), so only the
/// harness can tell them apart (RFC 8601 §2.7.1).
fn comparable(verdict: &Value, dmarc: &Value) -> Value {
    let mut dkim: Vec<Value> = verdict["dkim"]
        .as_array()
        .unwrap_or_else(|| panic!("expected a \"dkim\" array in {verdict}"))
        .iter()
        .map(|d| {
            let result = match d["result"].as_str() {
                Some("permerror") => json!("fail"),
                _ => d["result"].clone(),
            };
            json!([d["domain"], d["selector"], result])
        })
        .collect();
    dkim.sort_by_key(Value::to_string);
    let spf = &verdict["spf"];
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

/// The harness's DMARC verdict as RFC 7489 reads it: the peer (authheaders)
/// implements RFC 7489 with the Public Suffix List, so a verdict reached
/// under RFC 9989 is compared through its `dmarc_other_spec`, the RFC 7489
/// conclusion, when the two differ.
fn rfc7489_view(verdict: &Value) -> &Value {
    let dmarc = &verdict["dmarc"];
    match (dmarc["spec"].as_str(), verdict.get("dmarc_other_spec")) {
        (Some("rfc9989"), Some(other)) => other,
        _ => dmarc,
    }
}

/// The same under RFC 9989.
fn rfc9989_view(verdict: &Value) -> &Value {
    let dmarc = &verdict["dmarc"];
    match (dmarc["spec"].as_str(), verdict.get("dmarc_other_spec")) {
        (Some("rfc7489"), Some(other)) => other,
        _ => dmarc,
    }
}

/// Where the peers are known to part from the RFCs, by saved message (the
/// folder below the save directory, then the message number): the field
/// the verdicts differ in and why the harness's is the RFC's. The test
/// asserts that exactly these messages differ, exactly there: a peer that
/// is fixed, or a harness that changes, shows up.
const PEER_DIFFERS: &[(&str, &str, &str)] = &[
    (
        "dkim-h-without-from/1",
        "dkim, dmarc",
        "dkimpy accepts a signature whose h= leaves out From; RFC 6376 §5.4 makes From the one field that must be signed and §6.1.1 tells verifiers to ignore such a signature (the harness: permerror), so DMARC has no aligned DKIM pass and fails",
    ),
    (
        "dns-faults-dkim-key-timeout/1",
        "dkim",
        "dkimpy answers False when the key lookup times out, as for a failed check; RFC 6376 §6.1.2 makes an unavailable key a TEMPFAIL (the harness: temperror)",
    ),
    (
        "dns-faults-dmarc-servfail/1",
        "dmarc",
        "authheaders takes a SERVFAIL for _dmarc.example.com as no record (none); a temporary DNS failure leaves DMARC undecided, temperror (RFC 7489 §11.2, RFC 8601 §2.7.4: a later attempt might give a final result)",
    ),
];

/// Saved messages whose DMARC the peer reads as RFC 9989 does: authheaders
/// applies np= (the experimental RFC 9091 extension of RFC 7489, later
/// taken into RFC 9989 §4.7), which RFC 7489 itself does not know, so its
/// verdict is compared with the harness's RFC 9989 conclusion.
const PEER_READS_NP: &[&str] = &[
    "dmarc-nonexistent-subdomain-np/rfc7489/1",
    "dmarc-nonexistent-subdomain-np/rfc9989/1",
];

/// The fields in which two comparable verdicts differ.
fn differing(a: &Value, b: &Value) -> Vec<String> {
    ["spf", "dkim", "dmarc"]
        .into_iter()
        .filter(|field| a[*field] != b[*field])
        .map(str::to_string)
        .collect()
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

    // Every message of the bundled suite.
    let saved = tempfile::tempdir().expect("create a temporary folder");
    let out = Command::new(mailharness_bin())
        .arg("run")
        .arg(workspace_root().join("scenarios"))
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

    // "<folder>/<n>" -> the independent verdict, for the checks below.
    let mut compared = BTreeMap::new();
    let mut differ: Vec<(String, String)> = Vec::new();
    for folder in scenario_folders(saved.path()) {
        let slug = folder
            .strip_prefix(saved.path())
            .unwrap()
            .display()
            .to_string();
        let zone = folder.join("zone.db");
        // The peer meets the DNS the receiver met: the zone and its faults.
        let faults: Vec<String> = std::fs::read_to_string(folder.join("dns-faults"))
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default();
        let dns = MockDnsProcess::start_with_faults(&zone, &faults, &folder.join("mock-dns.log"));
        // The received messages, `<n>.eml` with their sidecars; not the
        // simulator's feedback to the sender (`feedback-<n>.eml`), which no
        // receiver judged.
        let received = |p: &Path| {
            p.extension().is_some_and(|e| e == "eml")
                && p.file_stem()
                    .and_then(|s| s.to_str())
                    .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        };
        for eml in sorted_entries(&folder, received) {
            let sidecar = eml.with_extension("json");
            let name = format!("{slug}/{}", eml.file_stem().unwrap().to_string_lossy());
            let harness = &read_json(&sidecar)["verdict"];
            assert!(harness.is_object(), "{name}: the sidecar has no verdict");
            let independent = verify_independently(dns.port, &eml, &sidecar);
            let view = if PEER_READS_NP.contains(&name.as_str()) {
                rfc9989_view(harness)
            } else {
                rfc7489_view(harness)
            };
            let (theirs, ours) = (
                comparable(&independent, &independent["dmarc"]),
                comparable(harness, view),
            );
            println!("{name}: {theirs}");
            let fields = differing(&theirs, &ours);
            if !fields.is_empty() {
                println!("  differs in {fields:?} from the harness's {ours}");
                differ.push((name.clone(), fields.join(", ")));
            }
            compared.insert(name, independent);
        }
    }

    let expected: Vec<(String, String)> = PEER_DIFFERS
        .iter()
        .map(|(name, fields, _)| (name.to_string(), fields.to_string()))
        .collect();
    assert_eq!(
        differ, expected,
        "the independent verdicts differ from the harness's exactly where PEER_DIFFERS says, and nowhere else"
    );
    let scenarios = std::fs::read_dir(workspace_root().join("scenarios"))
        .expect("list scenarios/")
        .count();
    assert!(
        compared.len() >= 50,
        "expected every message of the bundled suite ({scenarios} folders), compared {}: {:?}",
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
