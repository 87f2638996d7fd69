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
//!   `init` (with `init_files`: the texts of the folder it writes), and
//!   `live` (live mode's settings for `run`, and `audit`); `version`: what
//!   `--version` prints (the DMARC default, the bundled profiles).

mod args;
mod check;
mod diff;
mod dmarc_reports;
mod init;
mod init_files;
mod invocation;
mod live;
mod output;
mod run;
mod ses_records;
mod version;

pub use args::{
    Args, AuditArgs, CheckArgs, CommandArgs, DiffArgs, DmarcReportsArgs, InitArgs, LiveArgs,
    RunArgs, SesRecordsArgs,
};
pub use check::check;
pub use diff::{DiffSettings, FailOn, diff};
pub use dmarc_reports::{DmarcReportsSettings, dmarc_reports};
pub use init::{
    DEFAULT_DMARC_POLICY, DEFAULT_FROM_LOCAL, DEFAULT_MAIL_FROM_LABEL, DEFAULT_RECEIVERS,
    InitSettings, init,
};
pub use invocation::{DEFAULT_SCENARIOS, Invocation, parse};
#[cfg(feature = "live")]
pub(crate) use live::context as live_context;
pub use live::{
    AuditSettings, CAPTURE_POLL_INTERVAL, DEFAULT_CAPTURE_TIMEOUT, LiveRunSettings, audit,
};
pub use run::{Format, RunSettings, run};
#[cfg(feature = "live")]
pub use ses_records::records_from_identity;
pub use ses_records::{DkimTokens, SesRecordsSettings, ses_records};
pub use version::{PROFILE_DIGEST_LENGTH, long_version, profile_digest};
