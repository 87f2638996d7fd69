//! What a server does with the messages it accepts.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use super::Reply;

/// One mail transaction as the server saw it.
#[derive(Clone, Debug, Serialize)]
pub struct Transaction {
    /// The socket peer address.
    pub peer: SocketAddr,
    /// The client IP: from the PROXY header when there was one, else the
    /// peer's.
    pub client_ip: IpAddr,
    /// Whether `client_ip` came from a PROXY header.
    pub proxied: bool,
    /// The HELO/EHLO argument.
    pub helo: String,
    /// Whether the client greeted with EHLO.
    pub esmtp: bool,
    /// The TLS protocol version after STARTTLS (`TLSv1.3`); `None` in
    /// plain text.
    pub tls: Option<String>,
    /// The reverse-path without angle brackets; `""` for the null path.
    pub mail_from: String,
    /// The MAIL FROM parameters, keywords upper-cased.
    pub mail_params: Vec<(String, Option<String>)>,
    /// The accepted recipients, in order.
    pub rcpt_to: Vec<String>,
    /// The message: the exact bytes after dot-unstuffing, line endings as
    /// received, the final `.` line excluded.
    #[serde(skip)]
    pub data: Vec<u8>,
}

impl Transaction {
    /// An empty transaction for a connection from `peer`.
    pub(super) fn new(peer: SocketAddr) -> Self {
        Self {
            peer,
            client_ip: peer.ip(),
            proxied: false,
            helo: String::new(),
            esmtp: false,
            tls: None,
            mail_from: String::new(),
            mail_params: Vec::new(),
            rcpt_to: Vec::new(),
            data: Vec::new(),
        }
    }
}

/// What a server does with recipients and messages.
pub trait Handler: Send + Sync + 'static {
    /// Called once per complete message (after the final "."), with the
    /// exact bytes after dot-unstuffing, CRLFs as received; the returned
    /// reply is sent to the client.
    fn deliver(&self, tx: Transaction) -> impl Future<Output = Reply> + Send;

    /// Optional veto per recipient (default `None` = accept with
    /// `250 2.1.5`). A positive reply accepts the recipient, any other
    /// rejects it; the reply is sent either way.
    fn rcpt(&self, _tx: &Transaction, _rcpt: &str) -> Option<Reply> {
        None
    }

    /// Called when a connection is accepted (`true`) and when it is over
    /// (`false`), however it ends; default: nothing.
    fn connection(&self, _open: bool) {}
}
