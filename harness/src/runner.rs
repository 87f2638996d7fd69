//! Runs scenarios: per scenario a mock DNS, a capture mailbox and a relay on
//! loopback ports of their own, the send, the verdicts, the comparison with
//! the expectations. Scenarios run in parallel up to a number of jobs.
//!
//! - `one`: [`run_scenario`], one scenario end to end.
//! - `all`: [`run_all`], many scenarios with a job limit, emitting events;
//!   [`Selection`], which scenarios run (`--filter`, `--partition`).
//! - `save`: what `--save DIR` writes.

mod all;
mod one;
mod save;

pub use all::{NothingSelected, Partition, RunOptions, Selection, run_all};
pub use one::{EnvironmentError, ScenarioRun, run_scenario};
pub use save::{save_run, stored_copy};
