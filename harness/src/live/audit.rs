//! The audit of an SES identity (`mailharness audit`): what DNS holds for
//! its configuration, what a receiver will conclude about its mail, and
//! what is left to publish. Whatever a receiver decides is the judge's
//! (`mailharness_auth`): DMARC records are its [`Record`]s, SPF lookups
//! its `check_host()` count, report destinations its authorisation,
//! alignment its organizational domains; the records SES asks for come
//! from [`crate::ses`].
//!
//! # Layout
//!
//! - `run`: [`audit`] from the identity's attributes to an [`Audit`].
//! - `probe`: every record the configuration needs, looked up through the
//!   judge's DNS client ([`DnsCheck`]).
//! - `predict`: the Return-Path, DKIM signatures, SPF, DKIM and DMARC
//!   results a receiver will see ([`Prediction`]).
//! - `fix`: the records still missing and the findings that are not a
//!   record.
//! - `render`: the audit as the terminal shows it.
//!
//! [`Record`]: mailharness_auth::dmarc::Record

mod fix;
mod predict;
mod probe;
mod render;
mod run;

pub use predict::Prediction;
pub use probe::DnsCheck;
pub use run::{Audit, AuditError, audit};
