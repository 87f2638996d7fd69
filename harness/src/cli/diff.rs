//! `mailharness diff`: the scenarios under two versions of their zone
//! files, and the verdicts that change.

use std::{
    io::{IsTerminal, Write},
    path::PathBuf,
};

use super::{Format, check::load_all_with, output::writable_file};
use crate::{
    diff::{
        DiffReport, ZoneSource, ZoneSourceReader, run_diff, write_github, write_human,
        write_markdown,
    },
    exit,
    report::{ExpectationIndex, FanOut, LazyFile, ProgressReporter, Reporter, RunReport},
    runner::RunOptions,
};

/// What `diff` compares and how it prints.
#[derive(Clone, Debug)]
pub struct DiffSettings {
    /// The zone files before the change (the working tree when absent).
    pub before: ZoneSource,
    /// The zone files after the change (the working tree when absent).
    pub after: ZoneSource,
    pub format: Format,
    /// Also write the JSON report here.
    pub json: Option<PathBuf>,
    /// Also write the Markdown summary here.
    pub markdown: Option<PathBuf>,
    /// When the command exits 1.
    pub fail_on: FailOn,
}

/// When `diff` exits 1 (`--fail-on`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// A scenario that met its expectations under --before does not
    /// under --after.
    Broken,
    /// Any verdict changes.
    Changed,
}

/// `mailharness diff --before A --after B PATHS…`: loads the scenarios
/// twice, once with each side's zone files, runs both sides of those whose
/// records differ and prints the verdicts that change. Exit 1 when a
/// scenario that met its expectations under `--before` does not under
/// `--after`.
pub async fn diff(
    paths: &[PathBuf],
    settings: &DiffSettings,
    options: &RunOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    for (flag, file) in [
        ("--json", &settings.json),
        ("--markdown", &settings.markdown),
    ] {
        if let Some(file) = file
            && let Err(e) = writable_file(file)
        {
            let _ = writeln!(err, "error: {flag} {}: {e}", file.display());
            return exit::USAGE;
        }
    }
    let mut readers = Vec::new();
    for (source, option) in [(&settings.before, "--before"), (&settings.after, "--after")] {
        match ZoneSourceReader::new(source.clone(), option) {
            Ok(r) => readers.push(r),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return if e.is_usage() {
                    exit::USAGE
                } else {
                    exit::ENVIRONMENT
                };
            }
        }
    }
    let [before, after] = [&readers[0], &readers[1]];
    let mut sides = Vec::new();
    for reader in [before, after] {
        match load_all_with(paths, reader, err) {
            Ok(mut scenarios) => {
                // Stable: variants keep their order.
                scenarios.sort_by(|a, b| a.file.cmp(&b.file));
                sides.push(scenarios);
            }
            Err(code) => return code,
        }
    }
    let after_scenarios = sides.pop().unwrap_or_default();
    let before_scenarios = sides.pop().unwrap_or_default();
    if before_scenarios.len() != after_scenarios.len() {
        let _ = writeln!(
            err,
            "error: the scenario files changed while they were read: {} scenarios, then {}",
            before_scenarios.len(),
            after_scenarios.len()
        );
        return exit::ENVIRONMENT;
    }
    let index = ExpectationIndex::new(&after_scenarios);
    let pairs = before_scenarios.into_iter().zip(after_scenarios).collect();
    let mut reporter = FanOut::new();
    if std::io::stderr().is_terminal() {
        reporter.push(ProgressReporter::stderr());
    }
    let labels = (before.source().to_string(), after.source().to_string());
    let report = match run_diff(pairs, (&labels.0, &labels.1), options, &mut reporter).await {
        Ok(r) => r,
        Err(e) => {
            drop(reporter);
            let _ = writeln!(err, "error: {e}");
            return exit::ENVIRONMENT;
        }
    };
    // Clears the progress bar before the report is printed.
    let _ = reporter.finish(&RunReport::new(Vec::new()));
    drop(reporter);
    let written = match settings.format {
        Format::Human => write_human(&report, out),
        Format::Json => write_json(&report, out),
        Format::Github => write_github(&report, out),
        Format::Markdown => write_markdown(&report, &index, out),
    };
    let written = written.and_then(|()| {
        if let Some(path) = &settings.json {
            write_json(&report, &mut LazyFile::new(path))?;
        }
        if let Some(path) = &settings.markdown {
            write_markdown(&report, &index, &mut LazyFile::new(path))?;
        }
        Ok(())
    });
    match written {
        // The reader of stdout went away (`| head`): not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            let _ = writeln!(err, "error: cannot write the report: {e}");
            return exit::ENVIRONMENT;
        }
        Ok(()) => {}
    }
    let failed = match settings.fail_on {
        FailOn::Broken => report.broke_something(),
        FailOn::Changed => report.summary.changed > 0,
    };
    if failed {
        exit::EXPECTATION_FAILED
    } else {
        exit::SUCCESS
    }
}

fn write_json(report: &DiffReport, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)
        .map_err(|e| match e.io_error_kind() {
            Some(kind) => std::io::Error::from(kind),
            None => std::io::Error::other(e),
        })
        .and_then(|()| writeln!(out))
}
