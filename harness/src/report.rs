//! The report model and one reporter per output. Reporters read only the
//! model, never verifier internals.
//!
//! - `model`: [`RunReport`], [`ScenarioReport`], [`MessageReport`].
//! - `human`: the terminal reporter.
//! - `json`: the JSON reporter.

mod human;
mod json;
mod model;

pub use human::HumanReporter;
pub use json::JsonReporter;
pub use model::{EnvelopeReport, MessageReport, RelayReport, RunReport, ScenarioReport, Summary};

/// Consumes what the runner emits.
pub trait Reporter {
    /// A scenario finished (called in completion order).
    fn scenario_finished(&mut self, _report: &ScenarioReport) {}
    /// The run is over; `report` holds every scenario in file order.
    fn finish(&mut self, report: &RunReport) -> std::io::Result<()>;
}
