//! Where each scenario of a run writes its expectations, for the outputs
//! that point at lines: GitHub annotations, the Markdown summary, the
//! test API's panic message.

use std::collections::BTreeMap;

use super::ScenarioReport;
use crate::{
    expect::Mismatch,
    scenario::{ExpectationPositions, Position, Scenario},
};

/// The expectations' positions of every scenario of a run, by file and
/// variant; made from the loaded scenarios before they run (the report
/// model carries no positions).
#[derive(Clone, Debug, Default)]
pub struct ExpectationIndex {
    scenarios: BTreeMap<(String, Option<String>), ExpectationPositions>,
}

impl ExpectationIndex {
    pub fn new<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> ExpectationIndex {
        let scenarios = scenarios
            .into_iter()
            .map(|s| {
                let key = (s.file.display().to_string(), s.variant.clone());
                (key, s.expect.positions.clone())
            })
            .collect();
        ExpectationIndex { scenarios }
    }

    /// Where the expectation `failure` names is written in `scenario`'s
    /// file (see [`ExpectationPositions::of`]).
    pub fn position(&self, scenario: &ScenarioReport, failure: &Mismatch) -> Option<&Position> {
        self.position_in(&scenario.file, scenario.variant.as_deref(), &failure.field)
    }

    /// Where the expectation `field` of the scenario (`file`, `variant`)
    /// is written.
    pub fn position_in(&self, file: &str, variant: Option<&str>, field: &str) -> Option<&Position> {
        self.scenarios
            .get(&(file.to_string(), variant.map(str::to_string)))
            .and_then(|p| p.of(field))
    }
}
