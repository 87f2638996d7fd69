//! The receiving side's judgement: SPF (MAIL FROM and HELO), every DKIM
//! signature and DMARC, through mail-auth with a resolver pointed at one
//! nameserver and no cache; the RFC 8601 `Authentication-Results` header;
//! and the comparison of a verdict with a scenario's expectations.
//!
//! - `verdict`: the verdict model that reports serialise.
//! - `check`: the [`Verifier`].
//! - `expect`: [`compare`] a verdict with [`crate::scenario::Expectations`].

mod check;
mod expect;
mod verdict;

pub use check::{Verifier, VerifyInput};
pub use expect::{Mismatch, compare, compare_outcome};
pub use verdict::{DkimVerdict, DmarcVerdict, SpfVerdict, Verdict, domain_of};
