//! An authoritative DNS server for tests, over UDP and TCP.
//!
//! Load records from master files ([`parse_zone`]) or build them in code
//! ([`Record`]), put them in a [`Catalog`], and serve it with
//! [`ServerHandle::start`] (or [`run`] on sockets of your own). The catalog
//! can change while the server runs, names can be made to fail
//! ([`Fault`]), and every query is recorded in a [`QueryLog`].
//!
//! Names the catalog does not hold are NXDOMAIN, never REFUSED, so a
//! resolver pointed at the server gets definite answers for any name.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use mock_dns::{Catalog, Record, ServerHandle};
//!
//! let catalog = Catalog::new();
//! catalog.add(Record::txt("example.com", 300, "v=spf1 -all"));
//! let server = ServerHandle::start(catalog, "127.0.0.1:0".parse().unwrap()).await?;
//! // point a resolver at server.addr() (UDP and TCP) ...
//! for entry in server.query_log().entries() {
//!     println!("{entry}");
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//!
//! - `record`: [`Record`] and [`RData`], and their master-file syntax;
//!   `name` normalises domain names, `presentation` holds the escapes.
//! - `zone`: the master-file lexer (`zone/lexer.rs`) and parser
//!   (`zone/parse.rs`: [`parse_zone`], [`parse_zone_lines`], [`ZoneError`]); a file's default
//!   origin, from its name ([`origin_for_file`]).
//! - `catalog`: the shared store, [`Catalog`]; `lookup`: how a query is
//!   answered from it ([`Answer`], [`Rcode`]).
//! - `fault`: the misbehaviours, [`Fault`] and [`FaultSpec`].
//! - `log`: [`QueryLog`] (every entry, the latest ones, or streamed to a
//!   writer), [`QueryLogEntry`], [`Transport`].
//! - `respond`: one request to one response (decoding, faults, EDNS,
//!   truncation); `wire` converts records to hickory-proto's types.
//! - `server`: the UDP and TCP loops ([`run`], [`run_with`], [`bind`]),
//!   the TCP bounds ([`ServerConfig`]: idle timeout, connection cap) and
//!   [`ServerHandle`].
//! - `main.rs`: the standalone `mock-dns` binary, a thin layer over the above.

mod catalog;
mod fault;
mod log;
mod lookup;
mod name;
mod presentation;
mod record;
mod respond;
mod server;
mod wire;
mod zone;

pub use catalog::Catalog;
pub use fault::{Fault, FaultSpec, FaultSpecError, UnknownFault};
pub use log::{QueryLog, QueryLogEntry, Transport};
pub use lookup::{Answer, MAX_CNAME_LINKS, Rcode, synthetic_soa};
pub use name::normalize_name;
pub use record::{RData, Record};
pub use server::{
    DEFAULT_MAX_TCP_CONNECTIONS, DEFAULT_TCP_IDLE_TIMEOUT, ServerConfig, ServerHandle, bind, run,
    run_with,
};
pub use zone::{ZoneError, origin_for_file, parse_zone, parse_zone_lines};

/// Answers one DNS message received over `transport` from `catalog`, with
/// no sockets: the response bytes, or `None` when the server stays silent.
/// The server's UDP and TCP loops call the same code; this entry point is
/// for the fuzz targets (`fuzz/`) and their regression tests.
#[doc(hidden)]
pub fn respond(catalog: &Catalog, request: &[u8], transport: Transport) -> Option<Vec<u8>> {
    respond::respond(request, transport, catalog).response
}
