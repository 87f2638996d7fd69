//! Runs scenarios: per scenario a mock DNS, a capture mailbox and a relay on
//! loopback ports of their own, the send, the verdicts, the comparison with
//! the expectations. Scenarios run in parallel up to a number of jobs.
//!
//! - `one`: [`run_scenario`], one scenario end to end.
//! - `all`: [`run_all`], many scenarios with a job limit, emitting events;
//!   [`Selection`], which scenarios run (`--filter`, `--partition`).
//! - `save`: what `--save DIR` writes, and where: a folder per file and
//!   variant that no other can share ([`save_folders`]), never one that
//!   holds an earlier run's files unless forced ([`prepare_save`]).
//! - `smtp`: the path through a real SMTP relay (`via = "smtp"`).
//! - `live` (feature `live`): a `via = "ses"` scenario through real
//!   Amazon SES, captured from S3.
//! - `route`: the hosts a message passes, for the report's diagrams.
//! - `notify`: where SES's notifications go besides the report
//!   (`--notifications DIR`, `--notify-url URL`).
//! - `feedback`: SES's feedback host, started when a message goes to the
//!   mailbox simulator, and the report of what came back.

mod all;
mod feedback;
#[cfg(feature = "live")]
mod live;
mod notify;
mod one;
mod route;
mod save;
mod smtp;

pub use all::{
    FALLBACK_JOBS, NothingSelected, Partition, RunOptions, Selection, default_jobs, run_all,
};
#[cfg(feature = "live")]
pub use live::{LiveContext, live_message, run_live_scenario};
pub use notify::{NotificationTargets, notification_file_name};
pub use one::{EnvironmentError, ScenarioRun, run_scenario};
pub use save::{SaveError, prepare_save, save_folders, save_run, stored_copy};

/// The receiving host's name, in Received and Authentication-Results.
pub const RECEIVER_HOST: &str = "mx.capture.test";
/// The host name the sending application greets the relay with.
pub const APP_HELO: &str = "app.sender.test";
