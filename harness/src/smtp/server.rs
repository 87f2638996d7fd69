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

/// How a server presents itself and what it accepts.
///
/// The limits bound what one client can make the server hold: a message
/// (`max_message_size`, `552 5.3.4`), a transaction (`max_recipients`,
/// `452 4.5.3`), a command line (`max_line_length`, `500 5.5.2`), the
/// time a connection may sit silent (`idle_timeout`, `421 4.4.2` and
/// close) and the connections served at once (`max_connections`,
/// `421 4.7.0` and close for the ones over the cap).
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
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            hostname: "localhost".to_string(),
            max_message_size: 50 * 1024 * 1024,
            max_recipients: 1000,
            max_line_length: 4096,
            idle_timeout: Duration::from_secs(300),
            max_connections: 1024,
            accept_proxy: false,
            greeting: "mailharness".to_string(),
            tls: None,
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
