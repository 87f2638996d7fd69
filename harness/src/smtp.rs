//! SMTP for every part of the harness: the server side shared by the relay,
//! the hops and the capture, and the outbound client ([`deliver`]) that
//! relays, hops and direct senders use, declaring their egress address with
//! a PROXY v1 header.
//!
//! A server takes a bound listener, a [`Handler`] and a shutdown future
//! ([`run`]). It speaks ESMTP with PIPELINING, 8BITMIME, SIZE,
//! ENHANCEDSTATUSCODES and SMTPUTF8 (and STARTTLS when given a certificate),
//! accepts a PROXY protocol v1 header from loopback peers when configured
//! to, and hands every complete message to the handler as a [`Transaction`]
//! holding the exact bytes received. The client side upgrades to TLS when
//! the next hop offers it and the sender was told whom to trust.
//!
//! # Layout
//!
//! - `command`: [`Command`], [`parse_command`] and [`CommandError`].
//! - `reply`: [`Reply`], a reply code with its text, and its wire form.
//! - `proxy`: the PROXY protocol v1 header, both directions.
//! - `handler`: the [`Handler`] trait and the [`Transaction`] it receives.
//! - `wire`: bounded line reading, DATA reading and reply buffering.
//! - `session`: the per-connection state machine.
//! - `server`: [`ServerConfig`] (with [`LineEndings`], how a message's
//!   lines are read) and the accept loop, [`run`].
//! - `client`: [`deliver`] and [`deliver_tls`], one message to a next hop;
//!   [`connect`], a client connection without Nagle's delay.
//! - `tls`: STARTTLS: [`SelfSigned`] certificates for servers, [`ClientTls`]
//!   trust for senders.
//! - `stream`: a connection before and after STARTTLS.
//! - `handle`: [`ServerHandle`], a running server that stops on drop.

mod client;
mod command;
mod handle;
mod handler;
mod proxy;
mod reply;
mod server;
mod session;
mod stream;
mod tls;
mod wire;

pub use client::{DeliveryError, connect, deliver, deliver_tls};
pub use command::{Command, CommandError, parse_command};
pub use handle::ServerHandle;
pub use handler::{Handler, Transaction};
pub use proxy::{ProxyHeader, parse_proxy_v1, proxy_v1_line};
pub use reply::{Reply, reply_code};
pub use server::{DEFAULT_MAX_MESSAGE_SIZE, LineEndings, ServerConfig, run};
pub use tls::{ClientTls, SelfSigned, TlsError, version_name};
