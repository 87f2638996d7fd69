//! The commands behind the `mailharness` binary. Each returns the process
//! exit code (see [`crate::exit`]); `main.rs` only parses and dispatches.
//!
//! - `args`: the command line as clap reads it ([`Args`]), defaults from
//!   the library's constants.
//! - `invocation`: [`parse`], the arguments resolved once into an
//!   [`Invocation`]: a command with its settings, which it
//!   [executes](Invocation::execute).
//! - `live`: live mode's settings and `audit`; `diff`: `mailharness diff`;
//!   `output`: `run`'s output paths, checked before anything runs.

use std::{
    io::{IsTerminal, Write},
    path::{Path, PathBuf},
};

use crate::{
    exit,
    report::{
        AggregateReporter, FanOut, HtmlReporter, HumanReporter, JsonReporter, JunitReporter,
        ProgressReporter, Reporter, RunReport, Style,
    },
    runner::{RunOptions, Selection, run_all},
    scenario::{self, FileErrors, Scenario},
    ses::{self, user_records},
};

mod args;
mod diff;
mod invocation;
mod live;
mod output;

pub use args::{
    Args, AuditArgs, CheckArgs, CommandArgs, DiffArgs, LiveArgs, RunArgs, SesRecordsArgs,
};
pub use diff::{DiffSettings, diff};
pub use invocation::{DEFAULT_SCENARIOS, Invocation, parse};
pub use live::{
    AuditSettings, CAPTURE_POLL_INTERVAL, DEFAULT_CAPTURE_TIMEOUT, LiveRunSettings, audit,
};

/// Output format of `run` and `diff` (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// What `run` prints and writes, and which scenarios it runs.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// The report on stdout.
    pub format: Format,
    /// Human format: only failing scenarios and the summary.
    pub quiet: bool,
    /// Also write a JUnit XML report here.
    pub junit: Option<PathBuf>,
    /// Also write the HTML report here.
    pub html: Option<PathBuf>,
    /// Write DMARC aggregate reports (RFC 7489) into this folder.
    pub dmarc_reports: Option<PathBuf>,
    /// `--filter` and `--partition`.
    pub selection: Selection,
    /// `--dmarc`: the DMARC specification of scenarios that name none.
    pub dmarc: Option<mailharness_auth::DmarcSpec>,
    /// Live mode, for `via = "ses"` scenarios; `--dry-run`.
    pub live: LiveRunSettings,
    /// The live-mode flags given on the command line (`--region`, …):
    /// a usage error when no selected scenario runs in live mode.
    pub live_flags: Vec<String>,
    /// `--force`: `--save` may replace an earlier run's files.
    pub force: bool,
}

/// Loads every scenario below `paths`; prints all errors of all files.
fn load_all(paths: &[PathBuf], err: &mut dyn Write) -> Result<Vec<Scenario>, i32> {
    load_all_with(paths, &scenario::FileSystem, err)
}

/// [`load_all`] with the zone files read from `zones`.
fn load_all_with(
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

/// `mailharness run PATHS…`. Colours go to stdout only when it is a
/// terminal and `NO_COLOR` is unset; the progress bar goes to stderr only
/// when it is a terminal.
pub async fn run(
    paths: &[PathBuf],
    settings: &RunSettings,
    options: &RunOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    if settings.force && options.save.is_none() {
        let _ = writeln!(err, "error: --force applies only with --save DIR");
        return exit::USAGE;
    }
    if let Err(e) = output::check_paths(settings, options) {
        let _ = writeln!(err, "error: {e}");
        return exit::USAGE;
    }
    let scenarios = match load_all(paths, err) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut scenarios = match settings.selection.apply(scenarios) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return exit::USAGE;
        }
    };
    // A scenario's own [receivers] dmarc wins: its expectations are
    // written for it.
    if let Some(spec) = settings.dmarc {
        for s in &mut scenarios {
            s.receivers.dmarc.get_or_insert(spec);
        }
    }
    if !settings.live_flags.is_empty()
        && !scenarios
            .iter()
            .any(|s| matches!(s.sender, scenario::Sender::Ses(_)))
    {
        let flags = settings.live_flags.join(", ");
        let _ = writeln!(
            err,
            "error: {flags} {} for scenarios with via = \"ses\" (live mode), and {}",
            if settings.live_flags.len() == 1 {
                "is an option"
            } else {
                "are options"
            },
            if scenarios.len() == 1 {
                "the 1 scenario selected runs offline".to_string()
            } else {
                format!("the {} scenarios selected run offline", scenarios.len())
            }
        );
        return exit::USAGE;
    }
    // A dry run saves nothing, so it checks and clears nothing either.
    if let Some(dir) = &options.save
        && !settings.live.dry_run
        && let Err(e) = crate::runner::prepare_save(dir, &scenarios, settings.force)
    {
        let _ = writeln!(err, "error: --save: {e}");
        return exit::USAGE;
    }
    let mut options = options.clone();
    if let live::Prepared::Exit(code) =
        live::prepare(&scenarios, &settings.live, &mut options, out, err).await
    {
        return code;
    }
    let options = &options;
    let mut reporter = FanOut::new();
    // First, so that the bar is cleared before the report is printed.
    if std::io::stderr().is_terminal() {
        reporter.push(ProgressReporter::stderr());
    }
    match settings.format {
        Format::Human => reporter.push(
            HumanReporter::new(&mut *out)
                .with_style(Style::for_stdout())
                .quiet(settings.quiet),
        ),
        Format::Json => reporter.push(JsonReporter::new(&mut *out)),
    }
    if let Some(path) = &settings.junit {
        reporter.push(JunitReporter::new(path));
    }
    if let Some(path) = &settings.html {
        reporter.push(HtmlReporter::new(path));
    }
    if let Some(dir) = &settings.dmarc_reports {
        reporter.push(AggregateReporter::new(dir, &mut *err));
    }
    let runs = match run_all(scenarios, options, &mut reporter).await {
        Ok(r) => r,
        Err(e) => {
            drop(reporter);
            let _ = writeln!(err, "error: {e}");
            return exit::ENVIRONMENT;
        }
    };
    let report = RunReport::new(runs.into_iter().map(|r| r.report).collect());
    let verdict = if report.passed() {
        exit::SUCCESS
    } else {
        exit::EXPECTATION_FAILED
    };
    let verdict = match reporter.finish(&report) {
        Ok(()) => verdict,
        // The reader of stdout went away (`| head`): its choice, not an
        // error; the run's outcome stands.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => verdict,
        Err(e) => {
            drop(reporter);
            let _ = writeln!(err, "error: cannot write the report: {e}");
            return exit::ENVIRONMENT;
        }
    };
    drop(reporter);
    // Every scenario that could not run is named, after the report of all
    // the others; the run is then an environment error.
    let mut errors = 0;
    for s in report.errors() {
        errors += 1;
        let _ = writeln!(
            err,
            "error: {}{}: {}",
            s.file,
            s.variant
                .as_deref()
                .map(|v| format!(" [{v}]"))
                .unwrap_or_default(),
            s.error.as_deref().unwrap_or_default()
        );
    }
    if errors > 0 {
        exit::ENVIRONMENT
    } else {
        verdict
    }
}

/// `mailharness ses-records IDENTITY`: the records to publish, in BIND
/// syntax, as the SES console lists them. A trailing dot on a domain is
/// taken as written (`example.com.` is `example.com`).
pub fn ses_records(
    identity: &str,
    mail_from: Option<&str>,
    region: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let identity = identity.strip_suffix('.').unwrap_or(identity);
    let mail_from = mail_from.map(|m| m.strip_suffix('.').unwrap_or(m));
    let mut problems = Vec::new();
    if !scenario_name_ok(identity) {
        problems.push(format!(
            "IDENTITY: expected a domain name such as example.com, found {identity:?}"
        ));
    }
    if let Some(m) = mail_from {
        if !scenario_name_ok(m) {
            problems.push(format!(
                "--mail-from: expected a domain name such as bounce.example.com, found {m:?}"
            ));
        } else if !m
            .to_ascii_lowercase()
            .ends_with(&format!(".{}", identity.to_ascii_lowercase()))
        {
            problems.push(format!(
                "--mail-from: expected a subdomain of {identity}, found {m:?}"
            ));
        }
    }
    if !scenario::is_region(region) {
        problems.push(format!(
            "--region: expected an AWS region such as us-east-1, found {region:?}"
        ));
    }
    if !problems.is_empty() {
        for p in problems {
            let _ = writeln!(err, "error: {p}");
        }
        return exit::USAGE;
    }
    let records = user_records(identity, region, mail_from);
    let _ = writeln!(out, "; Records for the SES identity {identity} in {region}");
    let _ = writeln!(out, "; Easy DKIM: three CNAMEs to keys that SES publishes");
    for (i, r) in records.iter().enumerate() {
        if i == 3 && mail_from.is_some() {
            let _ = writeln!(
                out,
                "; Custom MAIL FROM: exactly one MX to {}, and SPF",
                ses::feedback_mx(region)
            );
        }
        if r.name.starts_with("_dmarc.") {
            let _ = writeln!(
                out,
                "; DMARC: start with p=none, add rua= to receive reports"
            );
        }
        let _ = writeln!(out, "{r}");
    }
    exit::SUCCESS
}

fn scenario_name_ok(name: &str) -> bool {
    crate::scenario::is_domain_name(name)
}
