//! mailharness: an end-to-end email deliverability test harness.
//!
//! A scenario file describes a sending configuration (Amazon SES default,
//! custom MAIL FROM + Easy DKIM, …), the DNS the receiver sees and the
//! verdict expected. The runner starts a mock DNS server, a capture mailbox
//! and an SES-like relay on loopback, sends the message through the relay
//! over SMTP, verifies what the capture received (SPF, DKIM, DMARC through
//! mail-auth, resolving against the mock DNS) and compares the verdict with
//! the expectations.
//!
//! # Layout
//!
//! - [`scenario`]: the scenario file format: load, validate, diagnostics.
//! - [`smtp`]: the server side of SMTP shared by the relay and the capture.
//! - [`relay`]: the built-in SES-like relay.
//! - [`ses`]: what Amazon SES does, as data (formats, selectors, tokens,
//!   ranges, the records it asks users to publish).
//! - [`mta`]: real MTAs as the relay: a managed Postfix + OpenDKIM, and
//!   the egress declaration for any SMTP relay.
//! - [`send`]: the sender that puts a scenario's message into a relay.
//! - [`capture`]: the receiving MTA that records what crossed the socket.
//! - [`clock`]: simulated time shared by a scenario's parties (SES's
//!   retries, receivers' deferrals), never slept.
//! - [`dns`]: the DNS client configuration (one nameserver, no cache).
//! - [`dmarc_reports`]: DMARC aggregate reports read back (RFC 7489 and
//!   RFC 9990; XML, gzip, zip) and what a stricter policy would do.
//! - [`document`]: TOML files read with diagnostics (scenarios and
//!   receiver profiles): every error of a file at its line and column.
//! - [`headers`]: header-block helpers on raw bytes.
//! - [`hop`]: forwarders and mailing lists between sender and receiver.
//! - [`http`]: POSTs to an endpoint on this machine (SNS-style
//!   notifications), refusing any other.
//! - [`keys`]: DKIM key generation and signing keys.
//! - [`publish`]: every record the sending side puts in DNS.
//! - `live` (feature `live`): real Amazon SES and S3: sending, capture,
//!   the identity audit.
//! - [`verify`]: SPF, DKIM, DMARC verdicts and the Authentication-Results header.
//! - [`receiver`]: receiver profiles: from the verdict to a disposition
//!   (inbox, inbox with a warning, spam, dropped, temporary failure,
//!   reject) with the receiver's reply.
//! - [`expect`]: every comparison with a scenario's expectations.
//! - [`runner`]: runs scenarios and emits events.
//! - [`report`]: the report model and one reporter per output.
//! - [`diff`]: `mailharness diff`, verdicts under two versions of the zone files.
//! - [`cli`]: the commands behind the binary.
//! - [`exit`]: the process exit codes.

pub mod capture;
pub mod cli;
pub mod clock;
pub mod diff;
pub mod dmarc_reports;
pub mod dns;
pub mod document;
pub mod exit;
pub mod expect;
pub mod headers;
pub mod hop;
pub mod http;
pub mod keys;
#[cfg(feature = "live")]
pub mod live;
pub mod mta;
pub mod publish;
pub mod receiver;
pub mod relay;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod send;
pub mod ses;
pub mod smtp;
pub mod verify;
