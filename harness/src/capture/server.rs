//! The capture's SMTP server.

use std::future::Future;
use std::io;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::mailbox::{CapturedEnvelope, Mailbox};
use crate::smtp::{self, Handler, Reply, ServerConfig, Transaction};

/// How the capture presents itself.
#[derive(Clone, Debug)]
pub struct CaptureConfig {
    /// The name the capture announces (greeting, EHLO, Received); it
    /// replaces `smtp.hostname`. Default `mx.capture.test`.
    pub hostname: String,
    /// The SMTP server settings; PROXY headers from loopback are accepted
    /// by default.
    pub smtp: ServerConfig,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        let hostname = "mx.capture.test".to_string();
        Self {
            smtp: ServerConfig {
                hostname: hostname.clone(),
                accept_proxy: true,
                ..ServerConfig::default()
            },
            hostname,
        }
    }
}

/// Stores every delivered message in the mailbox.
struct Recorder {
    mailbox: Mailbox,
}

impl Handler for Recorder {
    async fn deliver(&self, tx: Transaction) -> Reply {
        let envelope = CapturedEnvelope::from_transaction(&tx);
        let id = self.mailbox.store(envelope, tx.data);
        Reply::ok(format!("2.0.0 Ok: queued as {id}"))
    }
}

/// Serves the capture on `listener` until `shutdown` resolves, storing
/// every accepted message in `mailbox` before replying
/// `250 2.0.0 Ok: queued as <id>`.
pub async fn run(
    listener: TcpListener,
    mailbox: Mailbox,
    config: CaptureConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let CaptureConfig { hostname, mut smtp } = config;
    smtp.hostname = hostname;
    smtp::run(listener, Arc::new(Recorder { mailbox }), smtp, shutdown).await
}
