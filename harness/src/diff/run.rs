use super::{
    compare::{explain, verdict_changes},
    model::{DiffReport, DiffStatus, DiffSummary, ScenarioDiff},
    records::{RecordChange, located_record_changes},
};
use crate::{
    report::{Reporter, RunReport, ScenarioReport},
    runner::{EnvironmentError, RunOptions, run_all},
    scenario::Scenario,
};

/// Runs both sides of every pair (the same scenario loaded with the zone
/// files of `--before` and of `--after`) whose DNS records differ, and
/// compares the verdicts. Pairs with identical records are not run: their
/// verdicts cannot change. `reporter` sees both runs' events (for a
/// progress bar).
pub async fn run_diff(
    pairs: Vec<(Scenario, Scenario)>,
    labels: (&str, &str),
    options: &RunOptions,
    reporter: &mut dyn Reporter,
) -> Result<DiffReport, EnvironmentError> {
    let total = pairs.len();
    let changed: Vec<(Scenario, Scenario, Vec<RecordChange>)> = pairs
        .into_iter()
        .filter_map(|(b, a)| {
            let records = located_record_changes(&b.dns, &a.dns);
            (!records.is_empty()).then_some((b, a, records))
        })
        .collect();
    let before: Vec<Scenario> = changed.iter().map(|(b, _, _)| b.clone()).collect();
    let after: Vec<Scenario> = changed.iter().map(|(_, a, _)| a.clone()).collect();
    reporter.run_started(before.len() * 2);
    let before_runs = run_all(before, options, &mut Forward(reporter)).await?;
    let after_runs = run_all(after, options, &mut Forward(reporter)).await?;

    let mut summary = DiffSummary {
        scenarios: total,
        with_record_changes: changed.len(),
        ..DiffSummary::default()
    };
    let mut scenarios = Vec::new();
    for (((_, _, records), b), a) in changed.iter().zip(&before_runs).zip(&after_runs) {
        let (b, a) = (&b.report, &a.report);
        let changes = verdict_changes(b, a);
        if changes.is_empty() {
            continue;
        }
        let status = match (b.passed, a.passed) {
            (true, false) => DiffStatus::Broken,
            (false, true) => DiffStatus::Fixed,
            _ => DiffStatus::Changed,
        };
        summary.changed += 1;
        match status {
            DiffStatus::Broken => summary.broken += 1,
            DiffStatus::Fixed => summary.fixed += 1,
            DiffStatus::Changed => {}
        }
        let relevant = looked_up(records, b, a);
        scenarios.push(ScenarioDiff {
            name: a.name.clone(),
            file: a.file.clone(),
            variant: a.variant.clone(),
            status,
            explanation: explain(&relevant, &changes),
            records: relevant,
            changes,
            failures: a.failures.clone(),
        });
    }
    Ok(DiffReport {
        before: labels.0.to_string(),
        after: labels.1.to_string(),
        scenarios,
        summary,
    })
}

/// The record changes at names that either run asked the DNS about: those
/// can have caused the change. All of them when none was asked about.
fn looked_up(
    records: &[RecordChange],
    b: &ScenarioReport,
    a: &ScenarioReport,
) -> Vec<RecordChange> {
    let asked = |name: &str| {
        b.dns
            .iter()
            .chain(&a.dns)
            .any(|q| q.name.eq_ignore_ascii_case(name))
    };
    let relevant: Vec<RecordChange> = records.iter().filter(|r| asked(&r.name)).cloned().collect();
    if relevant.is_empty() {
        records.to_vec()
    } else {
        relevant
    }
}

/// Passes scenario events on, but not the start and finish of each of the
/// two runs: the caller announces one run of both.
struct Forward<'a, 'b>(&'a mut (dyn Reporter + 'b));

impl Reporter for Forward<'_, '_> {
    fn scenario_finished(&mut self, report: &ScenarioReport) {
        self.0.scenario_finished(report);
    }

    fn finish(&mut self, _report: &RunReport) -> std::io::Result<()> {
        Ok(())
    }
}
