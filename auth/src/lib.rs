//! The judge: what a receiver concludes about a message, by the RFCs.
//!
//! SPF is our own `check_host()` (RFC 7208); DKIM applies the tag rules of
//! RFC 6376 and RFC 8301 around mail-auth's canonicalisation and
//! cryptography (RSA, Ed25519 per RFC 8463); DMARC follows either RFC 7489
//! (organizational domains from the Public Suffix List, `pct`) or RFC 9989
//! (DNS tree walk, `psd`, `np`, `t`), chosen per call; ARC goes through
//! mail-auth. DNS reaches the judge only through [`dns::Lookup`], which
//! two real DNS clients answer: [`dns::DirectLookup`] (one nameserver,
//! queries written and answers read here) and [`dns::HickoryLookup`]
//! (hickory's resolver); this crate knows no other crate of the workspace.
//!
//! # Layout
//!
//! - `result`: the vocabulary ([`SpfResult`], [`DkimResult`],
//!   [`DmarcResult`], [`Policy`], [`DmarcSpec`]).
//! - `dns`: the [`dns::Lookup`] trait, its answers and the two clients
//!   (`dns/direct.rs`, which reads responses with `dns/reply.rs`;
//!   `dns/hickory.rs`), the record data they share (`dns/rdata.rs`).
//! - `spf`: record parsing (`spf/record.rs`), macros (`spf/macros.rs`) and
//!   `check_host()` (`spf/eval.rs`).
//! - `dkim`: the tag-list syntax (`dkim/tag_list.rs`), the DKIM-Signature
//!   and key-record tag rules (`dkim/signature.rs`, `dkim/key.rs`) and
//!   verification (`dkim/verify.rs`).
//! - `dmarc`: the record (`dmarc/record.rs`), organizational domains and
//!   policy discovery by either specification (`dmarc/discover.rs`), the
//!   evaluation (`dmarc/evaluate.rs`) and `rua` authorisation
//!   (`dmarc/report.rs`).
//! - `arc`: ARC chain validation through mail-auth, its keys fetched
//!   through the `Lookup`.
//! - `judge`: [`Judge`], one message end to end: the checks run
//!   concurrently (`join`), each DNS question asked once per message
//!   (`once`), DMARC under both specifications, the [`Verdict`]
//!   (`verdict`) and its `Authentication-Results` (`authres`).

pub mod arc;
mod authres;
pub mod dkim;
pub mod dmarc;
pub mod dns;
mod join;
mod judge;
mod once;
mod result;
pub mod spf;
mod verdict;

pub use judge::{Envelope, Judge};
pub use result::{DkimResult, DmarcResult, DmarcSpec, Policy, SpfResult, UnknownName};
pub use verdict::{
    ArcVerdict, BodyLengthVerdict, DkimVerdict, DmarcDifference, DmarcVerdict, PublishedPolicy,
    ReportAddress, SpfVerdict, Verdict, domain_of,
};
