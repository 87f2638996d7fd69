//! SPF (RFC 7208): the `check_host()` function and the two identities a
//! receiver checks with it, MAIL FROM and HELO.
//!
//! Every verdict follows the RFC: the record's syntax is checked whole
//! before evaluation (§4.6), the limits of §4.6.4 (10 DNS-querying terms,
//! 2 void lookups, 10 MX records, 10 PTR names) are enforced, an
//! IPv4-mapped IPv6 client is evaluated as IPv4 (§5), and `exp=` is
//! fetched only for a `fail` and never counted.
//!
//! - `spf/record.rs`: a record parsed into terms ([`Record`]), with typed
//!   syntax errors ([`RecordError`]).
//! - `spf/macros.rs`: macro-strings ([`MacroString`]) and their expansion
//!   (§7).
//! - `spf/eval.rs`: [`check_host`], [`check_mail_from`], [`check_helo`].

mod eval;
mod macros;
mod record;

pub use eval::{
    MAX_DNS_TERMS, MAX_MX_RECORDS, MAX_PTR_NAMES, MAX_VOID_LOOKUPS, check_helo, check_host,
    check_mail_from,
};
pub use macros::{Context, DomainSpecError, MacroError, MacroString, MacroValues};
pub use record::{
    Directive, DualCidr, Mechanism, Qualifier, Record, RecordError, TermError, is_spf_record,
};

/// What `check_host()` concluded, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpfOutcome {
    pub result: crate::SpfResult,
    /// The `<domain>` argument of the top-level `check_host()`.
    pub domain: String,
    /// What decided the result, in words: the matching term and where it
    /// was (`ip4:192.0.2.0/24 in include:_spf.example.net`, `-all in
    /// redirect=_spf.example.com`), `no mechanism matched`, or the error
    /// and its cause (`more than 10 DNS-querying terms (RFC 7208 §4.6.4),
    /// at a:example.org`, `2 SPF records at example.com (RFC 7208 §4.5)`,
    /// `temporary DNS failure querying TXT example.com: request timed
    /// out`, `no SPF record at example.com: NXDOMAIN`).
    pub reason: String,
    /// The expanded `exp=` text, for a `fail` whose record has one.
    pub explanation: Option<String>,
    /// DNS-querying terms evaluated, counted as §4.6.4 counts them.
    pub dns_lookups: u32,
    /// Void lookups (NXDOMAIN or no answers) counted by §4.6.4.
    pub void_lookups: u32,
}

/// Who asks: the receiving host's name (the `%{r}` macro) and the current
/// time (`%{t}`), in seconds since the Unix epoch.
#[derive(Clone, Copy, Debug)]
pub struct Receiver<'a> {
    pub name: &'a str,
    pub now: u64,
}
