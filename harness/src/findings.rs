//! Findings: why a message looks the way it does, how fragile a pass is,
//! and the exact fix, derived from the verdict, the receiver profiles'
//! outcomes and the path the message took (never written per scenario).
//! Each [`Finding`] has a severity, a stable [`Code`] (documented in
//! README, "Findings"), a one-line message, the chain of causes that led to
//! it and, where one is known, the fix: DNS records in BIND syntax and SES
//! settings as `aws sesv2` commands.
//!
//! - `model`: [`Finding`], [`Severity`], [`Code`] (the one table of codes,
//!   with their severity and meaning), [`Fix`].
//! - `path`: [`Path`], what findings know of the way the message took
//!   (the SES identity and SES's own check of its DNS, the hops).
//! - `derive`: [`derive`], every finding of a message (or of a send that
//!   reached no receiver), errors first.
//! - `ses`: what SES did with the identity (the MAIL FROM fallback, a key
//!   that does not sign, an unverified sender) and the SES-side fixes.
//! - `dmarc`: DMARC failing, resting on one mechanism, monitoring only,
//!   missing; `rua` missing or unauthorised.
//! - `auth`: SPF and DKIM results and their fragility (the lookup limit,
//!   short keys, `l=`).
//! - `receivers`: receiver profiles that treat the message differently
//!   from the published policy.

mod auth;
mod derive;
mod dmarc;
mod model;
mod path;
mod receivers;
mod ses;

pub use derive::derive;
pub use model::{Code, Finding, Fix, Severity};
pub use path::Path;
