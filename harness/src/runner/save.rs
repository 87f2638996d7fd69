use std::{
    collections::BTreeMap,
    path::{Component, Path, PathBuf},
};

use super::{RECEIVER_HOST, ScenarioRun};
use crate::{capture::Captured, scenario::Scenario, verify::Verdict};

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

/// Why `--save` cannot go ahead.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Two scenario files would save into one folder.
    #[error(
        "{} and {} would both save into {}; rename one of them",
        first.display(),
        second.display(),
        folder.display()
    )]
    SameFolder {
        first: PathBuf,
        second: PathBuf,
        folder: PathBuf,
    },
    /// Two variants of one file would save into one folder.
    #[error(
        "the variants \"{first}\" and \"{second}\" of {} would both save into {}; rename one of them",
        file.display(),
        folder.display()
    )]
    SameVariantFolder {
        file: PathBuf,
        first: String,
        second: String,
        folder: PathBuf,
    },
    /// A folder holds files of an earlier run.
    #[error(
        "{} holds the files of an earlier run of {}; pass --force to replace them, or save elsewhere",
        folder.display(),
        file.display()
    )]
    Occupied { folder: PathBuf, file: PathBuf },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where each scenario saves, relative to the `--save` folder, in the
/// order given: the file's folder and name joined by `-`
/// (`scenarios/ses/default.toml` → `ses-default`; directly in a folder
/// named `scenarios`, the name alone), with more of its folders in front
/// for as long as two files of the run would share a name
/// (`x/sub/a.toml` → `x-sub-a`, `y/sub/a.toml` → `y-sub-a`); a file with
/// variants saves each variant into a folder of its own inside its folder
/// (`ses-setups-compared/as-ses-ships`). Two files or variants that no
/// name tells apart are an error naming both.
pub fn save_folders(scenarios: &[Scenario]) -> Result<Vec<PathBuf>, SaveError> {
    let mut files: Vec<&Path> = scenarios.iter().map(|s| s.file.as_path()).collect();
    files.sort();
    files.dedup();
    let bases = file_folders(&files)?;
    let mut variants: BTreeMap<PathBuf, (&str, &Path)> = BTreeMap::new();
    let mut out = Vec::with_capacity(scenarios.len());
    for s in scenarios {
        let base = PathBuf::from(&bases[s.file.as_path()]);
        let folder = match &s.variant {
            None => base,
            Some(v) => {
                let folder = base.join(variant_slug(v));
                if let Some((first, file)) = variants.get(&folder)
                    && *first != v.as_str()
                {
                    return Err(SaveError::SameVariantFolder {
                        file: file.to_path_buf(),
                        first: first.to_string(),
                        second: v.clone(),
                        folder,
                    });
                }
                variants.insert(folder.clone(), (v, &s.file));
                folder
            }
        };
        out.push(folder);
    }
    Ok(out)
}

/// Before a run: every scenario's folder below `dir` must be free of an
/// earlier run's files; with `force`, those files are removed. Checks
/// every folder before removing any.
pub fn prepare_save(dir: &Path, scenarios: &[Scenario], force: bool) -> Result<(), SaveError> {
    let folders = save_folders(scenarios)?;
    // A file with variants owns its folder (the variants' parent) whole.
    let mut owned: BTreeMap<PathBuf, &Path> = BTreeMap::new();
    for (s, folder) in scenarios.iter().zip(&folders) {
        let folder = match &s.variant {
            Some(_) => folder.parent().unwrap_or(folder).to_path_buf(),
            None => folder.clone(),
        };
        owned.insert(dir.join(folder), &s.file);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SaveError::Io { path, source }
    };
    let mut occupied = Vec::new();
    for (folder, file) in &owned {
        let holds_files = match std::fs::read_dir(folder) {
            Ok(mut entries) => entries.next().is_some(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(io(folder)(e)),
        };
        if holds_files {
            if !force {
                return Err(SaveError::Occupied {
                    folder: folder.clone(),
                    file: file.to_path_buf(),
                });
            }
            occupied.push(folder);
        }
    }
    for folder in occupied {
        std::fs::remove_dir_all(folder).map_err(io(folder))?;
    }
    Ok(())
}

/// Each file's folder name, unique among `files` (sorted, each once).
fn file_folders<'a>(files: &[&'a Path]) -> Result<BTreeMap<&'a Path, String>, SaveError> {
    // The path's named parts, the file name without `.toml` last.
    let parts: Vec<Vec<String>> = files.iter().map(|f| name_parts(f)).collect();
    // How many parts each name takes, from the end.
    let mut taken: Vec<usize> = parts
        .iter()
        .map(|p| match p.as_slice() {
            [.., parent, _] if parent != "scenarios" => 2,
            _ => 1,
        })
        .collect();
    loop {
        let names: Vec<String> = parts
            .iter()
            .zip(&taken)
            .map(|(p, &n)| p[p.len() - n.min(p.len())..].join("-"))
            .collect();
        let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, name) in names.iter().enumerate() {
            groups.entry(name).or_default().push(i);
        }
        let clashes: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
        if clashes.is_empty() {
            return Ok(files.iter().copied().zip(names).collect());
        }
        for group in clashes {
            let longer: Vec<usize> = group
                .iter()
                .copied()
                .filter(|&i| taken[i] < parts[i].len())
                .collect();
            if longer.is_empty() {
                return Err(SaveError::SameFolder {
                    first: files[group[0]].to_path_buf(),
                    second: files[group[1]].to_path_buf(),
                    folder: PathBuf::from(&names[group[0]]),
                });
            }
            for i in longer {
                taken[i] += 1;
            }
        }
    }
}

/// `scenarios/ses/default.toml` → `["scenarios", "ses", "default"]`; the
/// root, `.` and `..` are no part of a name.
fn name_parts(file: &Path) -> Vec<String> {
    let mut parts: Vec<String> = file
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if let Some(last) = parts.last_mut()
        && let Some(stem) = last.strip_suffix(".toml")
    {
        *last = stem.to_string();
    }
    if parts.is_empty() {
        parts.push("scenario".to_string());
    }
    parts
}

/// A variant's folder name: ASCII letters and digits lowercased, anything
/// else `-` (`as SES ships` → `as-ses-ships`).
fn variant_slug(name: &str) -> String {
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

/// Writes into `folder` (made if missing): `<n>.eml`, `<n>.json`
/// (envelope, client IP, verdict, the capture's reply, the receiver
/// outcomes and the findings), `zone.db` (every record the mock DNS held, the relay's keys
/// included) and `queries.log`. [`save_folders`] says which folder is
/// whose; [`prepare_save`] clears them first.
pub fn save_run(folder: &Path, run: &ScenarioRun) -> std::io::Result<PathBuf> {
    let folder = folder.to_path_buf();
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
            // Why it looks the way it does, and the fixes.
            "findings": run.report.messages.get(i).map(|m| &m.findings),
        });
        std::fs::write(
            folder.join(format!("{n}.json")),
            serde_json::to_string_pretty(&sidecar)? + "\n",
        )?;
    }
    // What SES's feedback host received from the mailbox simulator, and
    // the notifications SES published (each as SNS delivers it).
    for (i, captured) in run.feedback_messages.iter().enumerate() {
        let mut copy = format!("Return-Path: <{}>\r\n", captured.envelope.mail_from).into_bytes();
        copy.extend_from_slice(&captured.raw());
        std::fs::write(folder.join(format!("feedback-{}.eml", i + 1)), copy)?;
    }
    if let Some(feedback) = &run.report.feedback {
        for (i, n) in feedback.notifications.iter().enumerate() {
            let name = super::notification_file_name(i + 1, n.notification_type());
            std::fs::write(
                folder.join(format!("notification-{name}")),
                n.sns_body() + "\n",
            )?;
        }
    }
    std::fs::write(folder.join("zone.db"), &run.zone_file)?;
    if !run.dns_faults.is_empty() {
        let faults: String = run.dns_faults.iter().map(|f| format!("{f}\n")).collect();
        std::fs::write(folder.join("dns-faults"), faults)?;
    }
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
                q.answer_lines().join(" | ")
            )
        })
        .collect();
    std::fs::write(folder.join("queries.log"), log)?;
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folders(files: &[&str]) -> Result<Vec<String>, String> {
        let files: Vec<&Path> = files.iter().map(Path::new).collect();
        file_folders(&files)
            .map(|m| files.iter().map(|f| m[f].clone()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn folder_names() {
        assert_eq!(
            folders(&["scenarios/ses/default.toml", "scenarios/x.toml"]).unwrap(),
            ["ses-default", "x"]
        );
        assert_eq!(
            folders(&["x/sub/a.toml", "y/sub/a.toml", "z/b.toml"]).unwrap(),
            ["x-sub-a", "y-sub-a", "z-b"]
        );
        // A longer name meets a short one: both grow until they differ.
        assert_eq!(
            folders(&["p/x-sub/a.toml", "x/sub/a.toml", "y/sub/a.toml"]).unwrap(),
            ["p-x-sub-a", "x-sub-a", "y-sub-a"]
        );
        assert_eq!(
            folders(&["/abs/ses/default.toml"]).unwrap(),
            ["ses-default"]
        );
        assert_eq!(
            folders(&["../a/b.toml", "../../a/b.toml"]).unwrap_err(),
            "../a/b.toml and ../../a/b.toml would both save into a-b; rename one of them"
        );
        assert_eq!(variant_slug("as SES ships"), "as-ses-ships");
    }
}
