//! SPF (RFC 7208): the `check_host()` function and the two identities a
//! receiver checks with it, MAIL FROM and HELO.

use std::net::IpAddr;

use crate::{SpfResult, dns::Lookup};

/// What `check_host()` concluded, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpfOutcome {
    pub result: SpfResult,
    /// The `<domain>` argument of the top-level `check_host()`.
    pub domain: String,
    /// What decided the result, in words: the matching term and where it
    /// was (`ip4:192.0.2.0/24 in include:_spf.example.net`), "no mechanism
    /// matched", or the error and its cause (`more than 10 DNS-querying
    /// terms`, `two SPF records at example.com`, `timeout querying TXT
    /// example.com`).
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

/// `check_host(ip, domain, sender)` of RFC 7208 §4, with `helo` for the
/// `%{h}` macro.
pub async fn check_host(
    lookup: &impl Lookup,
    receiver: Receiver<'_>,
    ip: IpAddr,
    domain: &str,
    sender: &str,
    helo: &str,
) -> SpfOutcome {
    let _ = (lookup, receiver, ip, domain, sender, helo);
    todo!("spf/eval.rs")
}

/// The MAIL FROM identity (RFC 7208 §2.4, §4.3): `mail_from` as given in
/// the SMTP command without its angle brackets; the null sender (`""`)
/// checks `postmaster@<helo>`; an empty local part is `postmaster`; a
/// domain that is not a valid FQDN gives `none` without a query.
pub async fn check_mail_from(
    lookup: &impl Lookup,
    receiver: Receiver<'_>,
    ip: IpAddr,
    mail_from: &str,
    helo: &str,
) -> SpfOutcome {
    let _ = (lookup, receiver, ip, mail_from, helo);
    todo!("spf/eval.rs")
}

/// The HELO identity (RFC 7208 §2.3): `none` without a query when the
/// HELO is not a valid FQDN (an address literal, a bare word).
pub async fn check_helo(
    lookup: &impl Lookup,
    receiver: Receiver<'_>,
    ip: IpAddr,
    helo: &str,
) -> SpfOutcome {
    let _ = (lookup, receiver, ip, helo);
    todo!("spf/eval.rs")
}
