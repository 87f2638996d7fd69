//! The built-in SES-like relay: an SMTP server that does to a message what
//! Amazon SES does (envelope rewrite to the SES default or the custom MAIL
//! FROM, SES headers, DKIM signatures `d=<identity>` and `d=amazonses.com`,
//! the MAIL FROM MX-failure fallback) and delivers it onward over SMTP.
//!
//! - `config`: the identity configuration the relay emulates.
//! - `publish`: the amazonses.com side of DNS, as SES publishes it.
//! - `process`: the rewrite and signing of one message.
//! - `server`: the SMTP handler and the running relay.

mod config;
mod process;
mod publish;
mod server;

pub use config::{MxFailure, RelayConfig, SesIdentity};
pub use publish::{PublishedKeys, publish, reverse_name};
pub use server::{RelayHandle, RelayHandler, RelayStartError};
