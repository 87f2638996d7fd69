//! Reading scenario files: TOML syntax errors, unknown keys and wrong
//! types (through [`crate::document`]) and semantic problems are all
//! collected before anything is reported.
//!
//! - `file`: the entry points ([`load_file`], [`load_str`], …), the file's
//!   sections read and checked into one scenario.
//! - `variants`: one scenario per `[[variants]]` entry.
//! - `positions`: where each scenario's expectations are written.
//! - `context`: what every check shares: the file, the errors found, the
//!   ways to report one (the name checks of `scenario::names` among them).
//! - one file per section: `dns`, `message`, `hops`, `receivers`,
//!   `expect`; `[sender]` in `sender` (which keys each `via` takes) and
//!   one file per kind of sender: `relay`, `direct`, `ses`, `smtp`
//!   (with `postfix`), the DKIM signers they share in `signers`.

mod context;
mod direct;
mod dns;
mod expect;
mod file;
mod hops;
mod message;
mod positions;
mod postfix;
mod receivers;
mod relay;
mod sender;
mod ses;
mod signers;
mod smtp;
mod variants;

pub use file::{load_file, load_file_with, load_str, load_str_with};
