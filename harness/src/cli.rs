//! The commands behind the `mailharness` binary. Each returns the process
//! exit code (see [`crate::exit`]); `main.rs` only parses and dispatches.
//!
//! - `args`: the command line as clap reads it ([`Args`]), defaults from
//!   the library's constants.
//! - `invocation`: [`parse`], the arguments resolved once into an
//!   [`Invocation`]: a command with its settings, which it
//!   [executes](Invocation::execute).
//! - one file per command: `run` (with `output`: its output paths,
//!   checked before anything runs), `check` (with the loading of scenario
//!   files every command shares), `diff`, `dmarc_reports`, `ses_records`,
//!   and `live`
//!   (live mode's settings for `run`, and `audit`).

mod args;
mod check;
mod diff;
mod dmarc_reports;
mod invocation;
mod live;
mod output;
mod run;
mod ses_records;

pub use args::{
    Args, AuditArgs, CheckArgs, CommandArgs, DiffArgs, DmarcReportsArgs, LiveArgs, RunArgs,
    SesRecordsArgs,
};
pub use check::check;
pub use diff::{DiffSettings, diff};
pub use dmarc_reports::{DmarcReportsSettings, dmarc_reports};
pub use invocation::{DEFAULT_SCENARIOS, Invocation, parse};
pub use live::{
    AuditSettings, CAPTURE_POLL_INTERVAL, DEFAULT_CAPTURE_TIMEOUT, LiveRunSettings, audit,
};
pub use run::{Format, RunSettings, run};
pub use ses_records::ses_records;
