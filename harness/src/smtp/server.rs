//! The accept loop and the server's configuration.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::session;
use super::{Handler, Reply};

/// The largest message the harness's SMTP servers (relay, hops, capture)
/// accept by default: 50 MiB. Scenario files are checked against it when
/// they are loaded.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 50 * 1024 * 1024;

/// How a server presents itself and what it accepts.
///
/// The limits bound what one client can make the server hold: a message
/// (`max_message_size`, `552 5.3.4`), a transaction (`max_recipients`,
/// `452 4.5.3`), a command line (`max_line_length`, `500 5.5.2`), the
/// time a connection may sit silent (`idle_timeout`, `421 4.4.2` and
/// close) and the connections served at once (`max_connections`,
/// `421 4.7.0` and close for the ones over the cap). `line_endings` says
/// how a message's lines are read.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The name in the greeting and the EHLO reply.
    pub hostname: String,
    /// The largest message accepted, in bytes after dot-unstuffing;
    /// announced as `SIZE` in the EHLO reply. Default 50 MiB.
    pub max_message_size: usize,
    /// The most recipients per transaction; more get `452 4.5.3`.
    /// Default 1000.
    pub max_recipients: usize,
    /// The longest command line, without CRLF; longer ones get
    /// `500 5.5.2`. Default 4096.
    pub max_line_length: usize,
    /// How long the server waits for each command line, and for each line
    /// of a message after DATA; a client silent for longer gets
    /// `421 4.4.2 idle timeout` and the connection is closed. Default 5
    /// minutes (RFC 5321 §4.5.3.2 asks for at least that).
    pub idle_timeout: Duration,
    /// The most connections served at once; one more is answered
    /// `421 4.7.0 too many connections` and closed at once. Default 1024.
    pub max_connections: usize,
    /// Whether a PROXY v1 header is accepted as the first line from a
    /// loopback peer. Default false.
    pub accept_proxy: bool,
    /// The text after `220 <hostname> ESMTP` in the greeting.
    pub greeting: String,
    /// STARTTLS: offered in the EHLO reply when set. Default `None`.
    pub tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
    /// How line endings in a message are read after DATA: what ends the
    /// message, and what a bare LF or CR does. Default
    /// [`LineEndings::Strict`].
    pub line_endings: LineEndings,
}

/// How a server reads the lines of a message after DATA. RFC 5321 §2.3.8
/// allows CRLF alone as a line ending and `<CRLF>.<CRLF>` alone as the end
/// of the data; servers that also took a LF alone made SMTP smuggling
/// possible (CVE-2023-51764, -51765, -51766): a relay that passes bare LFs
/// on lets `<LF>.<CRLF>` end the message early at such a receiver, and
/// what follows is read as the commands of a second, forged message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineEndings {
    /// Only CRLF ends a line and only `<CRLF>.<CRLF>` ends the data; a
    /// message holding a bare LF or a bare CR is read to its end and
    /// refused with `550 5.5.2 Error: bare <LF> received` (or `<CR>`), as
    /// Postfix's `smtpd_forbid_bare_newline = reject` does. The receiving
    /// side's default.
    #[default]
    Strict,
    /// Only CRLF ends a line and only `<CRLF>.<CRLF>` ends the data; bare
    /// LFs and CRs are message bytes, kept as received (and not
    /// dot-unstuffed after). What the built-in relay and hops do: they
    /// pass the message on, and the receiver's reading decides.
    Keep,
    /// A LF alone ends a line too, so `<LF>.<LF>` and `<LF>.<CRLF>` end the
    /// data and a line after a bare LF is dot-unstuffed: the reading of
    /// Postfix before 3.9 (without `smtpd_forbid_bare_newline`) and other
    /// MTAs of 2023, which SMTP smuggling needs. Bare LFs are kept.
    Lenient,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            hostname: "localhost".to_string(),
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_recipients: 1000,
            max_line_length: 4096,
            idle_timeout: Duration::from_secs(300),
            max_connections: 1024,
            accept_proxy: false,
            greeting: "mailharness".to_string(),
            tls: None,
            line_endings: LineEndings::Strict,
        }
    }
}

/// Serves SMTP on `listener` until `shutdown` resolves, one task per
/// connection.
///
/// When `shutdown` resolves the accept loop stops and connections still in
/// flight are aborted; `run` returns once all of them are gone. Returns an error only when accepting fails for a
/// reason other than a connection that went away before it was accepted.
pub async fn run<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let config = Arc::new(config);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = &mut shutdown => {
                // Abort the connections and wait until each task has been
                // dropped, so that once `run` returns nothing it served
                // (the handler, a mailbox, a spool file) is still held.
                connections.abort_all();
                while connections.join_next().await.is_some() {}
                return Ok(());
            }
            // Reap finished connections so the set does not grow; a panic in
            // a connection has already been reported by the panic hook.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match Arc::clone(&slots).try_acquire_owned() {
                    Ok(slot) => {
                        // Replies go out at once: a client that writes
                        // again before reading (PIPELINING, a TLS
                        // handshake) must not wait for a delayed ACK.
                        let _ = stream.set_nodelay(true);
                        let serve = session::serve(
                            stream,
                            peer,
                            Arc::clone(&handler),
                            Arc::clone(&config),
                        );
                        connections.spawn(async move {
                            serve.await;
                            drop(slot);
                        });
                    }
                    Err(_) => {
                        connections.spawn(refuse(stream));
                    }
                },
                Err(error) if is_per_connection(&error) => {}
                Err(error) => return Err(error),
            },
        }
    }
}

/// Answers a connection over [`ServerConfig::max_connections`] and closes
/// it; a client that went away meanwhile is of no concern.
async fn refuse(mut stream: TcpStream) {
    let reply = Reply::new(421, "4.7.0 too many connections");
    let _ = stream.write_all(reply.to_wire().as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Errors from `accept` that concern one connection, not the listener.
fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}
