//! `mailharness run`: its settings, and the run from the loaded scenarios
//! to the report and the exit code.

use std::{
    io::{IsTerminal, Write},
    path::PathBuf,
};

use super::{check::load_all, live, output};
use crate::{
    exit,
    report::{
        AggregateReporter, ExpectationIndex, FanOut, GithubReporter, HtmlReporter, HumanReporter,
        JsonReporter, JunitReporter, LazyFile, MarkdownReporter, ProgressReporter, Reporter,
        RunReport, Style,
    },
    runner::{RunOptions, Selection, run_all},
    scenario,
};

/// Output format of `run` and `diff` (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For a terminal.
    Human,
    /// One JSON document.
    Json,
    /// GitHub Actions annotations at the lines of unmet expectations
    /// (`run`) or of the record changes that changed a verdict (`diff`).
    Github,
    /// A Markdown summary, for a CI job summary.
    Markdown,
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
    /// Also write the JSON report here.
    pub json: Option<PathBuf>,
    /// Also write the Markdown summary here.
    pub markdown: Option<PathBuf>,
    /// Write DMARC aggregate reports (RFC 7489) into this folder.
    pub dmarc_reports: Option<PathBuf>,
    /// `--filter` and `--partition`.
    pub selection: Selection,
    /// `--dmarc`: the DMARC specification of scenarios that name none.
    pub dmarc: Option<mailharness_auth::DmarcSpec>,
    /// Live mode, for `via = "ses"` scenarios; `--dry-run`.
    pub live: live::LiveRunSettings,
    /// The live-mode flags given on the command line (`--region`, …):
    /// a usage error when no selected scenario runs in live mode.
    pub live_flags: Vec<String>,
    /// `--force`: `--save` may replace an earlier run's files.
    pub force: bool,
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
    let index = ExpectationIndex::new(&scenarios);
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
        Format::Github => reporter.push(GithubReporter::new(&mut *out, index.clone())),
        Format::Markdown => reporter.push(MarkdownReporter::new(&mut *out, index.clone())),
    }
    if let Some(path) = &settings.junit {
        reporter.push(JunitReporter::new(path));
    }
    if let Some(path) = &settings.json {
        reporter.push(JsonReporter::new(LazyFile::new(path)));
    }
    if let Some(path) = &settings.markdown {
        reporter.push(MarkdownReporter::new(LazyFile::new(path), index.clone()));
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
