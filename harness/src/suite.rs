//! Deliverability assertions in your own `cargo test`: load scenario
//! files, run them, assert that they met their expectations, and look at
//! what the receiver concluded of a message.
//!
//! ```
//! use mailharness::{DmarcResult, Suite};
//!
//! # fn main() -> Result<(), mailharness::SuiteError> {
//! // A file or a folder of scenario files (`*.toml`), as `mailharness run`
//! // takes them; here the bundled suite's SES scenarios.
//! let report = Suite::load("../scenarios/ses/custom.toml")?.run()?;
//! report.assert_all_passed();
//!
//! let verdict = report.verdict("SES custom MAIL FROM + Easy DKIM");
//! assert_eq!(verdict.dmarc.result, DmarcResult::Pass);
//! assert_eq!(verdict.return_path_domain, "bounce.example.com");
//! # Ok(())
//! # }
//! ```
//!
//! Everything runs in the test's process, on loopback: a mock DNS server,
//! the SES-like relay and a capture mailbox per scenario, as `mailharness
//! run` does. [`SuiteReport::assert_all_passed`] panics with every unmet
//! expectation at the line of the scenario file that states it.
//!
//! With the feature `live`, [`Suite::live`] sends the scenarios with
//! `via = "ses"` through real Amazon SES (see the README, "Live mode").

use std::{
    fmt::{self, Write as _},
    path::{Path, PathBuf},
};

pub use mailharness_auth::{DkimResult, DmarcResult, Policy, SpfResult};

/// Live mode's settings for [`Suite::live`] (feature `live`).
#[cfg(feature = "live")]
pub use crate::cli::LiveRunSettings;
use crate::{
    report::{ExpectationIndex, Reporter, RunReport, ScenarioReport, message_line},
    runner::{RunOptions, default_jobs, run_all},
    scenario::{self, FileErrors, Scenario},
    verify::Verdict,
};

/// Why scenarios could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// Scenario files with errors: every error of every file, each as
    /// `path:line:col: message`.
    #[error("{}", files_text(.0))]
    Load(Vec<FileErrors>),
    /// A path that holds no scenario file, or cannot be read.
    #[error("{0}")]
    Paths(String),
    /// What the scenarios need could not be set up: a socket, a server,
    /// live mode's credentials.
    #[error("{0}")]
    Environment(String),
}

impl SuiteError {
    /// Whether the scenario files are at fault (rather than the machine).
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// let error = Suite::load("no/such/folder").unwrap_err();
    /// assert!(error.is_in_the_files());
    /// ```
    pub fn is_in_the_files(&self) -> bool {
        !matches!(self, SuiteError::Environment(_))
    }
}

fn files_text(files: &[FileErrors]) -> String {
    files
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Scenarios loaded from files, ready to run.
///
/// ```
/// use mailharness::Suite;
///
/// let suite = Suite::load("../scenarios/ses").unwrap();
/// assert!(suite.names().iter().any(|n| n.starts_with("SES default")));
/// ```
#[derive(Clone, Debug)]
pub struct Suite {
    scenarios: Vec<Scenario>,
    #[cfg(feature = "live")]
    live: Option<LiveRunSettings>,
}

impl Suite {
    /// Loads a scenario file, or every `*.toml` below a folder (sorted by
    /// file; a file with `[[variants]]` gives one scenario per variant).
    /// Relative paths start at the current folder, which `cargo test`
    /// sets to the crate's own.
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// let suite = Suite::load("../scenarios/ses/default.toml").unwrap();
    /// assert_eq!(suite.names().len(), 1);
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Suite, SuiteError> {
        Suite::load_all([path])
    }

    /// [`Suite::load`] for several files or folders at once; the errors of
    /// every file are reported together.
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// let suite = Suite::load_all([
    ///     "../scenarios/ses/default.toml",
    ///     "../scenarios/ses/custom.toml",
    /// ])
    /// .unwrap();
    /// assert_eq!(suite.names().len(), 2);
    /// ```
    pub fn load_all<P: AsRef<Path>>(
        paths: impl IntoIterator<Item = P>,
    ) -> Result<Suite, SuiteError> {
        let paths: Vec<PathBuf> = paths
            .into_iter()
            .map(|p| p.as_ref().to_path_buf())
            .collect();
        let files = scenario::discover(&paths).map_err(|e| SuiteError::Paths(e.to_string()))?;
        if files.is_empty() {
            let named: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            return Err(SuiteError::Paths(format!(
                "no scenario files (*.toml) found in {}",
                named.join(", ")
            )));
        }
        let mut scenarios = Vec::new();
        let mut errors = Vec::new();
        for file in &files {
            match scenario::load_file(file) {
                Ok(s) => scenarios.extend(s),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(SuiteError::Load(errors));
        }
        // As `mailharness run` orders them: by file, variants in file order.
        scenarios.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(Suite {
            scenarios,
            #[cfg(feature = "live")]
            live: None,
        })
    }

    /// The scenarios' names, in the order they run and are reported (a
    /// variant's is `<scenario> [<variant>]`).
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// let suite = Suite::load("../scenarios/ses/setups-compared.toml").unwrap();
    /// assert!(suite.names()[0].ends_with("]"));
    /// ```
    pub fn names(&self) -> Vec<&str> {
        self.scenarios.iter().map(|s| s.name.as_str()).collect()
    }

    /// Sends the `via = "ses"` scenarios through real Amazon SES with
    /// these settings (the account and region from the environment, as
    /// `mailharness run` takes them); the other scenarios still run
    /// offline. Without it, a `via = "ses"` scenario is reported as one
    /// that could not run.
    ///
    /// ```no_run
    /// use mailharness::{LiveRunSettings, Suite};
    ///
    /// let to = std::env::var("MAILHARNESS_TO").unwrap();
    /// let settings = LiveRunSettings {
    ///     from: std::env::var("MAILHARNESS_FROM").ok(),
    ///     to: vec![to.clone()],
    ///     allowed_recipients: vec![to],
    ///     s3_bucket: std::env::var("MAILHARNESS_S3_BUCKET").ok(),
    ///     ..LiveRunSettings::default()
    /// };
    /// let report = Suite::load("live-scenarios/").unwrap().live(settings).run().unwrap();
    /// report.assert_all_passed();
    /// ```
    #[cfg(feature = "live")]
    pub fn live(mut self, settings: LiveRunSettings) -> Suite {
        self.live = Some(settings);
        self
    }

    /// Runs every scenario (as many at once as there are cores) and
    /// returns the report. Blocks: it runs its own async runtime, so call
    /// it from a plain `#[test]`; in an async test, await
    /// [`Suite::run_async`] instead. `Err` only when the run as a whole
    /// could not start; a scenario that could not run is a failure in the
    /// report.
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// let report = Suite::load("../scenarios/ses/default.toml").unwrap().run().unwrap();
    /// assert!(report.passed());
    /// ```
    pub fn run(&self) -> Result<SuiteReport, SuiteError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| SuiteError::Environment(format!("cannot start the async runtime: {e}")))?;
        runtime.block_on(self.run_async())
    }

    /// [`Suite::run`] for an async test (`#[tokio::test(flavor =
    /// "multi_thread")]`).
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let suite = Suite::load("../scenarios/ses/custom.toml").unwrap();
    /// let report = suite.run_async().await.unwrap();
    /// report.assert_all_passed();
    /// # });
    /// ```
    pub async fn run_async(&self) -> Result<SuiteReport, SuiteError> {
        let index = ExpectationIndex::new(&self.scenarios);
        #[allow(unused_mut)]
        let mut options = RunOptions {
            jobs: default_jobs(),
            ..RunOptions::default()
        };
        #[cfg(feature = "live")]
        if let Some(settings) = &self.live
            && self
                .scenarios
                .iter()
                .any(|s| matches!(s.sender, scenario::Sender::Ses(_)))
        {
            let context = crate::cli::live_context(settings)
                .await
                .map_err(SuiteError::Environment)?;
            options.live = Some(std::sync::Arc::new(context));
        }
        let runs = run_all(self.scenarios.clone(), &options, &mut Silent)
            .await
            .map_err(|e| SuiteError::Environment(e.to_string()))?;
        Ok(SuiteReport {
            report: RunReport::new(runs.into_iter().map(|r| r.report).collect()),
            index,
        })
    }
}

/// Reports nothing while the scenarios run.
struct Silent;

impl Reporter for Silent {
    fn finish(&mut self, _report: &RunReport) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a [`Suite`] run found: per scenario, what each message looked
/// like to the receiver, and the expectations it did not meet.
///
/// ```
/// use mailharness::Suite;
///
/// let report = Suite::load("../scenarios/ses").unwrap().run().unwrap();
/// assert_eq!(report.scenarios().len(), report.report().summary.total);
/// ```
#[derive(Clone, Debug)]
pub struct SuiteReport {
    report: RunReport,
    index: ExpectationIndex,
}

impl SuiteReport {
    /// Whether every scenario met its expectations.
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// assert!(Suite::load("../scenarios/ses/custom.toml").unwrap().run().unwrap().passed());
    /// ```
    pub fn passed(&self) -> bool {
        self.report.passed()
    }

    /// Panics unless every scenario met its expectations. The message
    /// lists every unmet expectation at the line of the scenario file
    /// that states it, what the receiver saw of the message, and how the
    /// relay answered when it refused ([`SuiteReport::failure_message`]).
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// Suite::load("../scenarios/dmarc").unwrap().run().unwrap().assert_all_passed();
    /// ```
    #[track_caller]
    pub fn assert_all_passed(&self) {
        if let Some(message) = self.failure_message() {
            panic!("{message}");
        }
    }

    /// What [`SuiteReport::assert_all_passed`] panics with; `None` when
    /// every scenario met its expectations.
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// let report = Suite::load("../scenarios/ses/custom.toml").unwrap().run().unwrap();
    /// assert_eq!(report.failure_message(), None);
    /// ```
    pub fn failure_message(&self) -> Option<String> {
        if self.passed() {
            return None;
        }
        let s = &self.report.summary;
        let mut text = format!(
            "{} of {} scenario{} did not meet {} expectations\n",
            s.failed,
            s.total,
            if s.total == 1 { "" } else { "s" },
            if s.total == 1 { "its" } else { "their" }
        );
        let mut files: Vec<&str> = Vec::new();
        for scenario in self.report.scenarios.iter().filter(|s| !s.passed) {
            self.describe(&mut text, scenario);
            if !files.contains(&scenario.file.as_str()) {
                files.push(&scenario.file);
            }
        }
        let _ = write!(
            text,
            "\nthe whole report: mailharness run {}",
            files.join(" ")
        );
        Some(text)
    }

    fn describe(&self, text: &mut String, s: &ScenarioReport) {
        let _ = writeln!(text, "\nFAIL {} ({})", s.name, s.file);
        if let Some(error) = &s.error {
            let _ = writeln!(text, "  could not run: {error}");
            return;
        }
        let width = s
            .failures
            .iter()
            .map(|f| self.place(s, &f.field).len())
            .max()
            .unwrap_or(0);
        for f in &s.failures {
            let _ = writeln!(
                text,
                "  {:width$}  expected {} = {}, found {}",
                self.place(s, &f.field),
                f.field,
                f.expected,
                f.found
            );
        }
        for (i, m) in s.messages.iter().enumerate() {
            let which = if s.messages.len() == 1 {
                String::new()
            } else {
                format!(" (message {})", i + 1)
            };
            let _ = writeln!(text, "  the receiver saw{which}: {}", message_line(m));
        }
        if !s.relay.accepted {
            let _ = writeln!(text, "  the relay refused the message: {}", s.relay.reply);
        }
    }

    /// `file:line:col` of an expectation, else the file.
    fn place(&self, s: &ScenarioReport, field: &str) -> String {
        self.index
            .position_in(&s.file, s.variant.as_deref(), field)
            .map_or_else(|| s.file.clone(), |p| p.to_string())
    }

    /// Every scenario's report, in the order they ran.
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// let report = Suite::load("../scenarios/ses/custom.toml").unwrap().run().unwrap();
    /// let custom = &report.scenarios()[0];
    /// assert_eq!(custom.messages.len(), 1);
    /// assert!(custom.failures.is_empty());
    /// ```
    pub fn scenarios(&self) -> &[ScenarioReport] {
        &self.report.scenarios
    }

    /// The scenario whose name starts with `name` (the whole name, or
    /// enough of it to tell it from the others: a variant is `<scenario>
    /// [<variant>]`). Panics, listing the names, when none or several
    /// match.
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// let report = Suite::load("../scenarios/ses/default.toml").unwrap().run().unwrap();
    /// let default = report.scenario("SES default");
    /// assert!(!default.relay.accepted);
    /// ```
    #[track_caller]
    pub fn scenario(&self, name: &str) -> &ScenarioReport {
        let exact: Vec<&ScenarioReport> = self
            .report
            .scenarios
            .iter()
            .filter(|s| s.name == name)
            .collect();
        let found: Vec<&ScenarioReport> = if exact.is_empty() {
            self.report
                .scenarios
                .iter()
                .filter(|s| s.name.starts_with(name))
                .collect()
        } else {
            exact
        };
        match found.as_slice() {
            [one] => one,
            _ => {
                let names: Vec<String> = self
                    .report
                    .scenarios
                    .iter()
                    .map(|s| format!("  {}", s.name))
                    .collect();
                panic!(
                    "{} scenarios are named {name:?} or start so; the run has:\n{}",
                    if found.is_empty() { "no" } else { "several" },
                    names.join("\n")
                );
            }
        }
    }

    /// The verdict of the first message the receiver got in the scenario
    /// [`SuiteReport::scenario`] finds: Return-Path, SPF, DKIM, DMARC,
    /// alignment. Panics when no message reached the receiver.
    ///
    /// ```
    /// use mailharness::{DmarcResult, Suite};
    ///
    /// let report = Suite::load("../scenarios/ses/default.toml").unwrap().run().unwrap();
    /// let verdict = report.verdict("SES default");
    /// assert_eq!(verdict.dmarc.result, DmarcResult::Fail);
    /// assert!(!verdict.dmarc.spf_aligned && !verdict.dmarc.dkim_aligned);
    /// assert_eq!(verdict.dkim[0].domain, "amazonses.com");
    /// ```
    #[track_caller]
    pub fn verdict(&self, name: &str) -> &Verdict {
        let scenario = self.scenario(name);
        match scenario.messages.first() {
            Some(m) => &m.verdict,
            None => panic!(
                "no message reached the receiver in {:?} ({}); the relay answered: {}",
                scenario.name, scenario.file, scenario.relay.reply
            ),
        }
    }

    /// The whole report, as `mailharness run --format json` prints it.
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// let report = Suite::load("../scenarios/ses/custom.toml").unwrap().run().unwrap();
    /// let json = serde_json::to_value(report.report()).unwrap();
    /// assert_eq!(json["summary"]["passed"], 1);
    /// ```
    pub fn report(&self) -> &RunReport {
        &self.report
    }
}

impl fmt::Display for SuiteReport {
    /// The summary line, as `mailharness run` ends.
    ///
    /// ```
    /// use mailharness::Suite;
    ///
    /// let report = Suite::load("../scenarios/ses/custom.toml").unwrap().run().unwrap();
    /// assert_eq!(report.to_string(), "1 scenario: 1 passed, 0 failed");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.report.summary;
        write!(
            f,
            "{} scenario{}: {} passed, {} failed",
            s.total,
            if s.total == 1 { "" } else { "s" },
            s.passed,
            s.failed
        )
    }
}
