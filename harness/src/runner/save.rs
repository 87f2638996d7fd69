use std::path::{Path, PathBuf};

use super::{ScenarioRun, one::RECEIVER_HOST};
use crate::{capture::Captured, verify::Verdict};

/// The message as the receiving MTA stores it: Return-Path, the
/// Authentication-Results of its verdict and its Received line above the
/// exact bytes received.
pub fn stored_copy(captured: &Captured, verdict: &Verdict) -> Vec<u8> {
    let mut out = Vec::with_capacity(captured.size() + 1024);
    out.extend_from_slice(format!("Return-Path: <{}>\r\n", captured.envelope.mail_from).as_bytes());
    out.extend_from_slice(
        format!(
            "Authentication-Results: {}\r\n",
            verdict.authentication_results
        )
        .as_bytes(),
    );
    out.extend_from_slice(crate::capture::received_header(captured, RECEIVER_HOST).as_bytes());
    out.extend_from_slice(&captured.raw());
    out
}

/// Writes `<dir>/<scenario>/<n>.eml`, `<n>.json` (envelope, client IP,
/// verdict, the capture's reply and the receiver outcomes), `zone.db` (every record the mock DNS held, the relay's keys
/// included) and `queries.log`.
pub fn save_run(dir: &Path, run: &ScenarioRun) -> std::io::Result<PathBuf> {
    let folder = dir.join(slug(&run.report.file));
    std::fs::create_dir_all(&folder)?;
    for (i, (captured, stored)) in run.captured.iter().zip(&run.stored).enumerate() {
        let n = i + 1;
        std::fs::write(folder.join(format!("{n}.eml")), stored)?;
        let sidecar = serde_json::json!({
            "envelope": captured.envelope,
            "received_at": captured.received_at,
            "id": captured.id,
            "verdict": run.report.messages.get(i).map(|m| &m.verdict),
            // The capture's reply at the end of DATA, and what each receiver
            // profile decided (empty when the scenario names none).
            "reply": captured.reply,
            "receivers": run.report.messages.get(i).map(|m| &m.receivers),
        });
        std::fs::write(
            folder.join(format!("{n}.json")),
            serde_json::to_string_pretty(&sidecar)? + "\n",
        )?;
    }
    std::fs::write(folder.join("zone.db"), &run.zone_file)?;
    let log: String = run
        .query_log
        .iter()
        .map(|q| {
            format!(
                "{} {} {} {} {}\n",
                q.transport,
                q.name,
                q.qtype,
                q.rcode,
                q.answers.join(" | ")
            )
        })
        .collect();
    std::fs::write(folder.join("queries.log"), log)?;
    Ok(folder)
}

/// `scenarios/ses/default.toml` → `ses-default`.
fn slug(file: &str) -> String {
    let path = Path::new(file);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match path.parent().and_then(|p| p.file_name()) {
        Some(parent) if parent != "scenarios" => format!("{}-{stem}", parent.to_string_lossy()),
        _ => stem,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs() {
        assert_eq!(super::slug("scenarios/ses/default.toml"), "ses-default");
        assert_eq!(super::slug("scenarios/x.toml"), "x");
    }
}
