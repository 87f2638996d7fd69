//! Loading scenario files for a command, every error of every file
//! printed at once, and `mailharness check`.

use std::{
    io::{IsTerminal, Write},
    path::{Path, PathBuf},
};

use crate::{
    exit,
    scenario::{self, FileErrors, Scenario},
};

/// Loads every scenario below `paths`; prints all errors of all files.
pub(super) fn load_all(paths: &[PathBuf], err: &mut dyn Write) -> Result<Vec<Scenario>, i32> {
    load_all_with(paths, &scenario::FileSystem, err)
}

/// [`load_all`] with the zone files read from `zones`.
pub(super) fn load_all_with(
    paths: &[PathBuf],
    zones: &dyn scenario::ZoneFiles,
    err: &mut dyn Write,
) -> Result<Vec<Scenario>, i32> {
    let files = match scenario::discover(paths) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return Err(exit::USAGE);
        }
    };
    if files.is_empty() {
        let _ = writeln!(err, "error: no scenario files (*.toml) found");
        return Err(exit::USAGE);
    }
    let mut scenarios = Vec::new();
    let mut errors: Vec<FileErrors> = Vec::new();
    for file in &files {
        match scenario::load_file_with(file, zones) {
            Ok(s) => scenarios.extend(s),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        let fancy = std::io::stderr().is_terminal();
        for e in &errors {
            // The source is drawn for the files the user named and those
            // below the current folder only (see `scenario::may_quote`).
            if fancy && (files.contains(&e.path) || scenario::may_quote(&e.path)) {
                let _ = write!(err, "{}", e.render_fancy());
            } else {
                let _ = writeln!(err, "{e}");
            }
        }
        let count: usize = errors.iter().map(|e| e.diagnostics.len()).sum();
        let _ = writeln!(
            err,
            "error: {count} problem{} in {} file{}",
            if count == 1 { "" } else { "s" },
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        Err(exit::USAGE)
    }
}

/// `mailharness check PATHS…`: validate without running.
pub fn check(paths: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match load_all(paths, err) {
        Ok(scenarios) => {
            let mut files: Vec<&Path> = scenarios.iter().map(|s| s.file.as_path()).collect();
            files.dedup();
            let _ = match (files.len(), scenarios.len()) {
                (1, 1) => writeln!(out, "1 scenario file is valid"),
                (1, runs) => writeln!(
                    out,
                    "1 scenario file is valid ({runs} scenarios, variants counted)"
                ),
                (n, runs) if runs == n => writeln!(out, "{n} scenario files are valid"),
                (n, runs) => writeln!(
                    out,
                    "{n} scenario files are valid ({runs} scenarios, variants counted)"
                ),
            };
            exit::SUCCESS
        }
        Err(code) => code,
    }
}
