//! `run`'s output paths, checked before anything runs: a usage error
//! (exit 2) names the flag.

use std::path::Path;

use super::RunSettings;
use crate::runner::RunOptions;

/// Where `run` is told to write, checked before anything runs: a report
/// file's folder must exist and take a new file; a folder (`--save`,
/// `--dmarc-reports`) must be a folder or be creatable. The error names
/// the flag.
pub(super) fn check_paths(settings: &RunSettings, options: &RunOptions) -> Result<(), String> {
    for (flag, file) in [("--junit", &settings.junit), ("--html", &settings.html)] {
        if let Some(file) = file {
            writable_file(file).map_err(|e| format!("{flag} {}: {e}", file.display()))?;
        }
    }
    for (flag, dir) in [
        ("--save", &options.save),
        ("--notifications", &options.notifications.dir),
        ("--dmarc-reports", &settings.dmarc_reports),
    ] {
        if let Some(dir) = dir {
            writable_folder(dir).map_err(|e| format!("{flag} {}: {e}", dir.display()))?;
        }
    }
    Ok(())
}

/// Whether a file can be written at `file`: not a folder, in a folder
/// that takes new files or can be created (the reporters create it).
fn writable_file(file: &Path) -> Result<(), String> {
    if file.is_dir() {
        return Err("expected a file, found a folder".into());
    }
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => writable_folder(parent),
        _ => probe(Path::new(".")),
    }
}

/// Whether `dir` is a folder that takes new files, or could be created:
/// its nearest existing ancestor must be a folder that does.
fn writable_folder(dir: &Path) -> Result<(), String> {
    let mut existing = dir;
    while !existing.exists() {
        match existing.parent() {
            Some(p) if !p.as_os_str().is_empty() => existing = p,
            _ => {
                existing = Path::new(".");
                break;
            }
        }
    }
    if !existing.is_dir() {
        return Err(format!(
            "expected a folder, found the file {}",
            existing.display()
        ));
    }
    probe(existing)
}

/// Makes and removes a file in `dir`: the one honest test of writing there.
fn probe(dir: &Path) -> Result<(), String> {
    tempfile::Builder::new()
        .prefix(".mailharness-probe")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))
}
