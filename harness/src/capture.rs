//! The receiving MTA: an SMTP server that records exactly what crossed the
//! socket.
//!
//! Every message is stored in a [`Mailbox`] with its envelope, the peer
//! and client addresses (the client IP from a PROXY header when the relay
//! sent one), the TLS version after STARTTLS (offered with a self-signed
//! certificate made per capture) and the raw bytes, before the reply goes
//! back to the client. When the capture acts as receiver profiles it
//! judges the message first and answers with the strictest profile's
//! reply: a real 5xx or 4xx at the end of DATA. Messages larger than
//! [`CaptureConfig::spool_threshold`] are kept in a file, not in memory.
//!
//! # Layout
//!
//! - `mailbox`: [`Mailbox`], the store, and [`Captured`] messages.
//! - `server`: [`CaptureConfig`] and [`run`], the SMTP server around it.
//! - `handle`: [`CaptureHandle`], a running capture that stops on drop.
//! - `received`: [`received_header`], the trace header a receiver adds.
//! - `spool`: where message bytes live: memory, or a file above the
//!   threshold ([`DEFAULT_SPOOL_THRESHOLD`]).

mod handle;
mod mailbox;
mod received;
mod server;
mod spool;

pub use handle::CaptureHandle;
pub use mailbox::{Captured, CapturedEnvelope, Mailbox};
pub use received::received_header;
pub use server::{CaptureConfig, CaptureReceivers, run};
pub use spool::DEFAULT_SPOOL_THRESHOLD;
