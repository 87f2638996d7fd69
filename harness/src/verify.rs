//! The receiving side's judgement, as the harness uses the judge
//! (`mailharness-auth`): a [`Verifier`] per scenario, bound to the
//! scenario's nameserver through a real DNS client; ARC sealing for hops;
//! and the
//! signals receivers' filters read besides the verdict.
//!
//! - `check`: the [`Verifier`].
//! - `seal`: ARC sealing as an intermediary does it ([`Verifier::arc_seal`]).
//! - `signals`: what receivers' filters check besides the verdict
//!   ([`Verifier::signals`]): FCrDNS, SPF of the header From domain, RFC 5322
//!   basics, unsubscribe headers, whether the envelope and From domains
//!   exist.

mod check;
mod seal;
mod signals;

pub use check::{Verifier, VerifyInput};
pub use mailharness_auth::{
    ArcVerdict, DkimVerdict, DmarcDifference, DmarcVerdict, PublishedPolicy, ReportAddress,
    SpfVerdict, Verdict, domain_of,
};
pub use seal::SealError;
pub use signals::{DomainDns, Signals};
