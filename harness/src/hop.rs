//! Intermediaries between the sender and the receiver, each an SMTP server
//! of its own: a forwarder (re-sends from its own address, keeps the
//! envelope or rewrites it with SRS) and a mailing list (subject tag,
//! footer, its own envelope, optionally its own From), each optionally
//! ARC-sealing what it sends on with its own key (RFC 8617).
//!
//! - `config`: [`HopConfig`] and [`HopKind`].
//! - `process`: what each kind does to the envelope and the message.
//! - `server`: the SMTP handler and [`HopHandle`]. The hop's SPF record,
//!   ARC key and host records are published by [`crate::publish::hop`].

mod config;
mod process;
mod server;

pub use config::{HopConfig, HopIdentity, HopKind};
/// The hop's header rewrite on raw bytes, for the fuzz targets (`fuzz/`)
/// and their regression tests.
#[doc(hidden)]
pub use process::rewrite;
pub use process::srs_address;
pub use server::{ARC_SELECTOR, HopHandle, HopStartError};
