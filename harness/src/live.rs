//! Live mode: real Amazon SES through aws-sdk-sesv2 and S3 through
//! aws-sdk-s3 (feature `live`). Credentials and region come only from
//! aws-config's provider chain; nothing secret is printed, logged or
//! written to a report.
//!
//! - `aws`: the SDK configuration ([`connect`]): region, credentials,
//!   `--endpoint-url`, and the clients.
//! - `guard`: the sandbox guard ([`Guard`]): allowed recipients, pacing to
//!   one send per second, the daily budget.
//! - `send`: raw MIME through `SendEmail` with a run token header
//!   ([`send_raw`]); refusals keep the AWS error code.
//! - `capture`: polls an S3 bucket/prefix for the stored message carrying a
//!   run token ([`S3Capture`]).
//! - `received`: what the receiving MTA wrote on a stored message (client
//!   IP, HELO, Return-Path, `Authentication-Results`) and the comparison with
//!   the harness's own verdict.
//! - `identity`: `GetEmailIdentity` into [`IdentityAttributes`].
//! - `audit`: DNS checks of an identity, the prediction of what a receiver
//!   sees, the missing records in BIND syntax ([`audit`]).
//! - `snapshot`: the stable text of an audit, and its diff (`--snapshot`,
//!   `--check`).

mod audit;
mod aws;
mod capture;
mod guard;
mod identity;
mod received;
mod send;
mod snapshot;

pub use audit::{Audit, AuditError, DnsCheck, Prediction, audit};
pub use aws::{Clients, ConnectError, LiveSettings, connect};
pub use aws_sdk_s3;
pub use aws_sdk_sesv2;
pub use capture::{CaptureError, S3Capture};
pub use guard::{Budget, Guard, GuardError, is_simulator};
pub use identity::{
    DkimAttributes, IdentityAttributes, IdentityError, MailFromAttributes, get_identity,
};
pub use received::{ReceivedBy, TheirResults, received_by, their_results};
pub use send::{RUN_TOKEN_HEADER, SendError, SendOutcome, new_run_token, send_raw, with_run_token};
pub use snapshot::{diff, render as render_snapshot};
