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
//! - `signals`: what receivers' filters check besides the verdict
//!   ([`Verifier::signals`]): FCrDNS, SPF of the header From domain, RFC 5322
//!   basics, unsubscribe headers.

mod check;
mod expect;
mod seal;
mod signals;
mod spf_void;
mod verdict;

pub use check::{Verifier, VerifyInput};
pub use expect::{Mismatch, compare, compare_outcome};
pub use seal::SealError;
pub use signals::Signals;
pub use verdict::{
    ArcVerdict, DkimVerdict, DmarcVerdict, PublishedPolicy, ReportAddress, SpfVerdict, Verdict,
    domain_of,
};
