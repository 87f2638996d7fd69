//! The scenario file format: TOML read with spans, validated into a
//! [`Scenario`], every error of a file collected as a [`Diagnostic`] with
//! its line and column. Zone files are read through [`ZoneFiles`], so that
//! `mailharness diff` can load them from another folder or git revision.
//! Errors in files a scenario names quote their text only when the file
//! is below the current folder (`quote`).
//!
//! - `discover`: the scenario files below the paths given.
//! - `load`: reading and checking a file, one module per section.
//! - `names`: every name a file gives (domains, selectors, regions, IP
//!   addresses, …), each checked once, with its message.
//! - `raw`: the file's shape as serde reads it; `model`: the checked
//!   [`Scenario`].
//! - `quote`, `size`, `zones`: which files' text errors may show, the
//!   message sizes the relay takes, where zone files are read from.

mod discover;
mod load;
mod model;
mod names;
mod quote;
mod raw;
mod size;
mod zones;

pub use discover::discover;
pub use load::{load_file, load_file_with, load_str, load_str_with};
pub use model::FeedbackExpectation;
pub use model::{
    AnyOf, ArcExpectation, AttachmentData, AttachmentSpec, DeliveryExpectation, DirectSender,
    DkimExpectation, DmarcExpectation, DnsFault, DnsSetup, Expectations, HopIdentity, HopKind,
    MessageSpec, MxFailure, Outcome, Publish, Scenario, Sender, SesIdentity, SesSender, Signer,
    SignerTags, SmtpRelay, SmtpSender, SpfExpectation,
};
pub use names::{is_domain_name, is_region};
pub use quote::may_quote;
pub use zones::{FileSystem, ZoneFiles};

/// The diagnostics of [`crate::document`], the engine scenario files are
/// read with.
pub use crate::document::{Diagnostic, FileErrors};
