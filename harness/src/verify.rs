//! The receiving side's judgement: SPF (MAIL FROM and HELO), every DKIM
//! signature, ARC and DMARC, through mail-auth with a resolver pointed at one
//! nameserver and no cache; the RFC 8601 `Authentication-Results` header;
//! and the comparison of a verdict with a scenario's expectations.
//!
//! - `verdict`: the verdict model that reports serialise.
//! - `check`: the [`Verifier`].
//! - `expect`: [`compare`] a verdict with [`crate::scenario::Expectations`].
//! - `spf_void`: RFC 7208's void-lookup limit, which mail-auth lacks.
//! - `seal`: ARC sealing as an intermediary does it ([`Verifier::arc_seal`]).

mod check;
mod expect;
mod seal;
mod spf_void;
mod verdict;

pub use check::{Verifier, VerifyInput};
pub use expect::{Mismatch, compare, compare_outcome};
pub use seal::SealError;
pub use verdict::{
    ArcVerdict, DkimVerdict, DmarcVerdict, ReportAddress, SpfVerdict, Verdict, domain_of,
};
