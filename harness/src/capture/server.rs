//! The capture's SMTP server.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;

use super::mailbox::{CapturedEnvelope, Mailbox};
use super::spool::{DEFAULT_SPOOL_THRESHOLD, Spool};
use crate::{
    clock::SimClock,
    receiver::{Deferral, Receivers, deferred, judge},
    smtp::{self, Handler, Reply, ServerConfig, Transaction},
    verify::{Verifier, VerifyInput},
};

/// How the capture presents itself.
#[derive(Clone, Debug)]
pub struct CaptureConfig {
    /// The name the capture announces (greeting, EHLO, Received); it
    /// replaces `smtp.hostname`. Default `mx.capture.test`.
    pub hostname: String,
    /// The SMTP server settings; PROXY headers from loopback are accepted
    /// by default. STARTTLS is offered when `smtp.tls` is set.
    pub smtp: ServerConfig,
    /// Whether [`super::CaptureHandle::start`] makes a self-signed
    /// certificate for `hostname` and offers STARTTLS with it (unless
    /// `smtp.tls` is set already). Default true.
    pub starttls: bool,
    /// Judge every message at the end of DATA as these receivers do, and
    /// answer with the strictest one's reply. Default none: accept all.
    pub receivers: Option<CaptureReceivers>,
    /// Messages larger than this many bytes are stored in a file instead
    /// of in memory ([`crate::capture::Captured::raw`] reads them back).
    /// Default [`DEFAULT_SPOOL_THRESHOLD`] (1 MiB). The SMTP session still
    /// reads each message whole before it is stored, so a connection holds
    /// at most one message (`smtp.max_message_size`) in memory.
    pub spool_threshold: usize,
    /// Where spooled messages go. Default `None`: a temporary directory
    /// made on the first spooled message and removed with the capture and
    /// its mailbox. A spool file is removed when the last copy of its
    /// message is dropped; a configured directory itself is kept.
    pub spool_dir: Option<PathBuf>,
    /// Deferrals at RCPT TO that do not depend on the message
    /// (greylisting, deferring a sender for hours): a recipient of a
    /// delivery (client IP, envelope from, recipient) is answered with the
    /// first one's 4xx while its window since that delivery's first
    /// attempt lasts. Default none.
    pub deferrals: Vec<Deferral>,
    /// The scenario's simulated time, which the deferrals' windows are
    /// measured in. Default: a clock of its own, at zero.
    pub clock: SimClock,
}

/// The receivers the capture acts as, and the DNS it verifies against.
#[derive(Clone)]
pub struct CaptureReceivers {
    pub receivers: Receivers,
    /// The nameserver of the verifier (the scenario's mock DNS).
    pub nameserver: crate::dns::Nameserver,
    /// Called when the capture starts judging a message, before its
    /// first DNS query: where the receiver's queries begin in a query log.
    pub on_judge: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl std::fmt::Debug for CaptureReceivers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReceivers")
            .field("receivers", &self.receivers)
            .field("nameserver", &self.nameserver)
            .field("on_judge", &self.on_judge.is_some())
            .finish()
    }
}

/// What the capture needs to judge messages.
struct Judge {
    verifier: Verifier,
    receivers: Receivers,
    on_judge: Option<Arc<dyn Fn() + Send + Sync>>,
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
            starttls: true,
            receivers: None,
            spool_threshold: DEFAULT_SPOOL_THRESHOLD,
            spool_dir: None,
            deferrals: Vec::new(),
            clock: SimClock::new(),
        }
    }
}

/// Stores every delivered message in the mailbox, judged first when the
/// capture acts as receiver profiles.
struct Recorder {
    mailbox: Mailbox,
    judge: Option<Judge>,
    spool: Spool,
    deferrals: Vec<Deferral>,
    clock: SimClock,
    /// When each delivery (client IP, envelope from, recipient) was first
    /// attempted, in simulated time.
    first_seen: Mutex<HashMap<(IpAddr, String, String), Duration>>,
}

impl Handler for Recorder {
    async fn deliver(&self, tx: Transaction) -> Reply {
        let envelope = CapturedEnvelope::from_transaction(&tx);
        let judgement = match &self.judge {
            Some(j) if !j.receivers.is_empty() => {
                if let Some(hook) = &j.on_judge {
                    hook();
                }
                let input = VerifyInput {
                    raw: &tx.data,
                    client_ip: tx.client_ip,
                    helo: &tx.helo,
                    mail_from: &tx.mail_from,
                };
                Some(judge(&j.verifier, input, tx.tls.as_deref(), &j.receivers).await)
            }
            _ => None,
        };
        let digest = super::mailbox::digest(&tx.data);
        match self.spool.store(tx.data).await {
            Ok(body) => {
                self.mailbox
                    .store_attempt(envelope, body, digest, judgement)
                    .1
            }
            Err(e) => Reply::new(451, format!("4.3.0 Cannot spool the message: {e}")),
        }
    }

    fn rcpt(&self, tx: &Transaction, rcpt: &str) -> Option<Reply> {
        if self.deferrals.is_empty() {
            return None;
        }
        let now = self.clock.now();
        let key = (
            tx.client_ip,
            tx.mail_from.clone(),
            rcpt.to_ascii_lowercase(),
        );
        let first_seen = match self.first_seen.lock() {
            Ok(mut seen) => *seen.entry(key).or_insert(now),
            Err(_) => now,
        };
        deferred(&self.deferrals, first_seen, now)
    }

    fn connection(&self, open: bool) {
        self.mailbox.connection(open);
    }
}

/// Serves the capture on `listener` until `shutdown` resolves, storing
/// every message in `mailbox` before replying: `250 2.0.0 Ok: queued as
/// <id>`, or, when the configuration names receivers, the strictest
/// receiver's refusal (a 5xx or 4xx at the end of DATA; the message is
/// recorded with its outcomes all the same; a retry of a message it
/// deferred takes that message's place). With `config.deferrals`,
/// recipients are deferred at RCPT TO while a deferral's window lasts,
/// and such attempts record nothing. A message over
/// `config.spool_threshold` is stored in a spool file instead of in
/// memory; `451 4.3.0` when that file cannot be written.
pub async fn run(
    listener: TcpListener,
    mailbox: Mailbox,
    config: CaptureConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let CaptureConfig {
        hostname,
        mut smtp,
        receivers,
        spool_threshold,
        spool_dir,
        deferrals,
        clock,
        ..
    } = config;
    if let Some(r) = &receivers {
        // The capture reads a message's lines as its receivers do.
        smtp.line_endings = r.receivers.line_endings();
    }
    let judge = match receivers {
        Some(r) => Some(Judge {
            verifier: Verifier::new(r.nameserver, &hostname)
                .map_err(io::Error::other)?
                .with_spec(r.receivers.dmarc.unwrap_or_default()),
            receivers: r.receivers,
            on_judge: r.on_judge,
        }),
        None => None,
    };
    smtp.hostname = hostname;
    smtp::run(
        listener,
        Arc::new(Recorder {
            mailbox,
            judge,
            spool: Spool::new(spool_threshold, spool_dir),
            deferrals,
            clock,
            first_seen: Mutex::default(),
        }),
        smtp,
        shutdown,
    )
    .await
}
