use std::{
    io::{BufWriter, Write},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Reporter, RunReport, ScenarioReport, Style, human::write_details};

/// The name of the report and of its one test suite.
const SUITE: &str = "mailharness";

/// Writes a JUnit XML file (through quick-junit) when the run is over: one
/// test suite, one test case per scenario (per variant of a file).
///
/// - `classname` is the scenario file, `name` the scenario's name, `time`
///   its duration;
/// - a failing scenario has a `<failure>` whose message counts the unmet
///   expectations and whose text lists them, then the relay's reply;
/// - `<system-out>` holds the lines the human reporter prints under the
///   scenario: the relay's reply and what the receiver saw per message.
pub struct JunitReporter {
    path: PathBuf,
    started: Option<(Instant, chrono::DateTime<chrono::FixedOffset>)>,
}

impl JunitReporter {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        JunitReporter {
            path: path.into(),
            started: None,
        }
    }

    /// The XML document for `report`.
    pub fn to_xml(&self, report: &RunReport) -> std::io::Result<String> {
        self.build(report)
            .to_string()
            .map_err(std::io::Error::other)
    }

    fn build(&self, report: &RunReport) -> Report {
        let mut suite = TestSuite::new(SUITE);
        suite.add_test_cases(report.scenarios.iter().map(test_case));
        let time = match self.started {
            Some((started, timestamp)) => {
                suite.set_timestamp(timestamp);
                started.elapsed()
            }
            None => report
                .scenarios
                .iter()
                .map(|s| Duration::from_millis(s.duration_ms))
                .sum(),
        };
        suite.set_time(time);
        let mut junit = Report::new(SUITE);
        junit.set_time(time);
        junit.add_test_suite(suite);
        junit
    }
}

fn test_case(s: &ScenarioReport) -> TestCase {
    let status = if s.passed {
        TestCaseStatus::success()
    } else if let Some(error) = &s.error {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message("the scenario could not run");
        status.set_type("environment");
        status.set_description(format!("{error}\n"));
        status
    } else {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let n = s.failures.len();
        status.set_message(format!(
            "{n} expectation{} failed",
            if n == 1 { "" } else { "s" }
        ));
        status.set_type("expectation");
        let mut text = String::new();
        for f in &s.failures {
            text.push_str(&format!(
                "expected {} = {}, found {}\n",
                f.field, f.expected, f.found
            ));
        }
        let relay = if s.relay.accepted {
            "accepted"
        } else {
            "refused"
        };
        text.push_str(&format!("relay {relay}: {}\n", s.relay.reply));
        status.set_description(text);
        status
    };
    let mut case = TestCase::new(s.name.as_str(), status);
    case.set_classname(s.file.as_str());
    case.set_time(Duration::from_millis(s.duration_ms));
    let mut details = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_details(&mut details, s, Style::plain(), "");
    case.set_system_out_lossy(details);
    case
}

fn with_path(path: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

impl Reporter for JunitReporter {
    fn run_started(&mut self, _total: usize) {
        self.started = Some((Instant::now(), chrono::Utc::now().fixed_offset()));
    }

    fn finish(&mut self, report: &RunReport) -> std::io::Result<()> {
        let path = &self.path;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| with_path(dir, e))?;
        }
        let file = std::fs::File::create(path).map_err(|e| with_path(path, e))?;
        let mut out = BufWriter::new(file);
        self.build(report)
            .serialize(&mut out)
            .map_err(|e| with_path(path, std::io::Error::other(e)))?;
        writeln!(out).map_err(|e| with_path(path, e))?;
        out.flush().map_err(|e| with_path(path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{expect::Mismatch, report::RelayReport};

    fn scenario(name: &str, failures: &[(&str, &str, &str)]) -> ScenarioReport {
        ScenarioReport {
            name: name.to_string(),
            file: "scenarios/x.toml".to_string(),
            variant: None,
            description: None,
            passed: failures.is_empty(),
            error: None,
            relay: RelayReport {
                accepted: false,
                reply: "554 5.7.1 Message <rejected> & refused".to_string(),
                attempts: Vec::new(),
            },
            messages: Vec::new(),
            failures: failures
                .iter()
                .map(|(field, expected, found)| Mismatch {
                    field: field.to_string(),
                    expected: expected.to_string(),
                    found: found.to_string(),
                })
                .collect(),
            dns_queries: 0,
            duration_ms: 1500,
            route: Vec::new(),
            feedback: None,
            dns: Vec::new(),
        }
    }

    #[test]
    fn one_test_case_per_scenario_with_failures_listed() {
        let report = RunReport::new(vec![
            scenario("passes", &[]),
            scenario(
                "fails",
                &[
                    ("outcome", "delivered", "refused"),
                    ("dmarc.result", "pass", "none"),
                ],
            ),
        ]);
        let xml = JunitReporter::new("unused.xml").to_xml(&report).unwrap();
        assert!(
            xml.contains(
                r#"<testsuite name="mailharness" tests="2" skipped="0" errors="0" failures="1""#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<testcase name="passes" classname="scenarios/x.toml" time="1.500">"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<failure message="2 expectations failed" type="expectation">expected outcome = delivered, found refused
expected dmarc.result = pass, found none
relay refused: 554 5.7.1 Message &lt;rejected&gt; &amp; refused
</failure>"#),
            "{xml}"
        );
        assert_eq!(
            xml.matches("<system-out>relay        refused: ").count(),
            2,
            "{xml}"
        );
    }
}
