//! The store of captured messages.

use std::borrow::Cow;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use tokio::sync::watch;

use super::spool::Body;
use crate::{
    headers::{field_name, header_fields, split_header},
    receiver::Judgement,
    smtp::{Reply, Transaction},
};

/// One message as the capture received it.
#[derive(Clone, Debug, Serialize)]
pub struct Captured {
    /// The arrival order, from 1.
    pub seq: u64,
    /// The queue id given in the `250` reply, e.g. `C000001`.
    pub id: String,
    /// When the message was stored.
    #[serde(serialize_with = "rfc3339")]
    pub received_at: DateTime<Utc>,
    /// The SMTP envelope and where it came from.
    pub envelope: CapturedEnvelope,
    /// The exact bytes of the message (dot-unstuffed, line endings as
    /// received), in memory or in a spool file: see [`Captured::raw`].
    #[serde(skip)]
    pub(super) body: Body,
    /// The reply the capture gave at the end of DATA: `250 …` when it
    /// accepted the message, the strictest receiver profile's refusal
    /// otherwise (the message is recorded either way).
    pub reply: String,
    /// The verdict, signals and receiver outcomes, when the capture judged
    /// the message as receiver profiles do.
    #[serde(skip)]
    pub judgement: Option<Judgement>,
    /// How many times the message arrived: more than 1 when the sender
    /// retried after the capture deferred it at the end of DATA (each
    /// retry takes the deferred copy's place; `reply` and `judgement` are
    /// the last attempt's).
    pub attempts: u32,
    /// What tells a retry of the same message: see [`digest`].
    #[serde(skip)]
    pub(super) digest: u64,
}

/// A hash of what stays the same when a sender retries a message: its
/// Message-ID field, or its bytes when it has none (a forwarder on the
/// way may re-seal a retry with a new ARC timestamp, but keeps the
/// Message-ID).
pub(super) fn digest(data: &[u8]) -> u64 {
    use std::hash::{DefaultHasher, Hasher};
    let mut hasher = DefaultHasher::new();
    let message_id = header_fields(split_header(data).0)
        .into_iter()
        .find(|f| field_name(f) == "message-id");
    match message_id {
        Some(field) => {
            hasher.write(b"message-id");
            hasher.write(field.trim_ascii());
        }
        None => hasher.write(data),
    }
    hasher.finish()
}

/// The envelope of a captured message and the client that sent it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CapturedEnvelope {
    /// The client IP: from the PROXY header when there was one, else the
    /// peer's.
    pub client_ip: IpAddr,
    /// The socket peer address.
    pub peer: SocketAddr,
    /// Whether `client_ip` came from a PROXY header.
    pub proxied: bool,
    /// The HELO/EHLO argument.
    pub helo: String,
    /// The reverse-path; `""` for the null path.
    pub mail_from: String,
    /// The recipients, in order.
    pub rcpt_to: Vec<String>,
    /// The TLS protocol version after STARTTLS (e.g. `TLSv1.3`); absent
    /// for a plain-text session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<String>,
}

impl Captured {
    /// The exact bytes of the message (dot-unstuffed, line endings as
    /// received): borrowed when in memory, read from disk when spooled.
    ///
    /// # Panics
    ///
    /// When a spool file cannot be read (someone removed it behind the
    /// capture's back); [`Captured::read_raw`] returns the error instead.
    pub fn raw(&self) -> Cow<'_, [u8]> {
        self.read_raw().unwrap_or_else(|e| {
            panic!(
                "spool file {} of message {} unreadable: {e}",
                self.spool_path().unwrap_or(Path::new("?")).display(),
                self.id
            )
        })
    }

    /// Like [`Captured::raw`], with the error of reading a spool file.
    pub fn read_raw(&self) -> io::Result<Cow<'_, [u8]>> {
        self.body.read()
    }

    /// The size of the message in bytes, without reading a spool file.
    pub fn size(&self) -> usize {
        self.body.len()
    }

    /// The spool file holding the message when it was larger than the
    /// capture's spool threshold; `None` when it is in memory. The file is
    /// removed when the mailbox and every copy of this message are dropped.
    pub fn spool_path(&self) -> Option<&Path> {
        self.body.path()
    }
}

impl CapturedEnvelope {
    pub(super) fn from_transaction(tx: &Transaction) -> Self {
        Self {
            client_ip: tx.client_ip,
            peer: tx.peer,
            proxied: tx.proxied,
            helo: tx.helo.clone(),
            mail_from: tx.mail_from.clone(),
            rcpt_to: tx.rcpt_to.clone(),
            tls: tx.tls.clone(),
        }
    }
}

/// `received_at` as RFC 3339 with microseconds.
fn rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

/// The store of captured messages. Clones share the same mailbox.
#[derive(Clone, Debug)]
pub struct Mailbox {
    /// The messages in arrival order; the watch channel wakes
    /// [`Mailbox::wait_for`] on every store.
    messages: Arc<watch::Sender<Vec<Captured>>>,
    /// The positions in `messages` of the messages whose last reply was a
    /// 4xx, in ascending order: the only ones a retry can replace, so that
    /// storing a message does not walk the whole list. Changed only inside
    /// the `messages` channel's lock.
    deferred: Arc<Mutex<Vec<usize>>>,
    /// The SMTP connections open to the capture that stores here; wakes
    /// [`Mailbox::wait_quiet`].
    connections: Arc<watch::Sender<usize>>,
}

impl Default for Mailbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Mailbox {
    /// An empty mailbox.
    pub fn new() -> Self {
        Self {
            messages: Arc::new(watch::Sender::new(Vec::new())),
            deferred: Arc::default(),
            connections: Arc::new(watch::Sender::new(0)),
        }
    }

    /// A copy of the stored messages, in arrival order.
    pub fn messages(&self) -> Vec<Captured> {
        self.messages.borrow().clone()
    }

    /// How many messages are stored.
    pub fn len(&self) -> usize {
        self.messages.borrow().len()
    }

    /// Whether no message is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The message bytes the mailbox holds in memory: the sum of the sizes
    /// of the messages that were not spooled to disk.
    pub fn in_memory_bytes(&self) -> usize {
        self.messages
            .borrow()
            .iter()
            .map(|m| m.body.in_memory())
            .sum()
    }

    /// Resolves once no SMTP connection to the capture is open: whatever a
    /// client sent has been read and stored (a client may send more
    /// messages than it meant to: SMTP smuggling). Never resolves while a
    /// client stays connected: wrap it in `tokio::time::timeout`.
    pub async fn wait_quiet(&self) {
        let mut receiver = self.connections.subscribe();
        let _ = receiver.wait_for(|open| *open == 0).await;
    }

    /// Counts an SMTP connection in (`true`) or out (`false`).
    pub(super) fn connection(&self, open: bool) {
        self.connections.send_modify(|n| {
            *n = if open { *n + 1 } else { n.saturating_sub(1) };
        });
    }

    /// Resolves once at least `n` messages are stored. Never resolves
    /// otherwise: wrap it in `tokio::time::timeout`.
    pub async fn wait_for(&self, n: usize) {
        let mut receiver = self.messages.subscribe();
        // The sender lives in `self`, so the channel cannot close while
        // this future runs.
        let _ = receiver.wait_for(|messages| messages.len() >= n).await;
    }

    /// Stores a message, giving it the next sequence number and queue id;
    /// returns the queue id.
    #[cfg(test)]
    pub(super) fn store(&self, envelope: CapturedEnvelope, raw: Vec<u8>) -> String {
        let digest = digest(&raw);
        self.store_attempt(envelope, Body::Memory(raw), digest, None)
            .0
    }

    /// Stores a message with the judgement of the receiver profiles, if
    /// any; returns the queue id and the reply for the client: the
    /// strictest profile's refusal, or `250 2.0.0 Ok: queued as <id>`.
    /// A retry of a message the capture deferred (same envelope, same
    /// [`digest`], a 4xx reply) replaces it and keeps its sequence number
    /// and id, counting the attempt.
    pub(super) fn store_attempt(
        &self,
        envelope: CapturedEnvelope,
        body: Body,
        digest: u64,
        judgement: Option<Judgement>,
    ) -> (String, Reply) {
        let mut id = String::new();
        let mut reply = Reply::ok("");
        self.messages.send_modify(|messages| {
            // A poisoned lock still holds a valid list: it is only changed
            // after `messages` is.
            let mut deferred = self
                .deferred
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let retried = deferred.iter().rposition(|&i| {
                let m = &messages[i];
                m.digest == digest
                    && m.envelope.mail_from == envelope.mail_from
                    && m.envelope.rcpt_to == envelope.rcpt_to
            });
            let (seq, attempts) = match retried {
                Some(d) => {
                    let m = &messages[deferred[d]];
                    (m.seq, m.attempts + 1)
                }
                None => (messages.len() as u64 + 1, 1),
            };
            id = format!("C{seq:06}");
            reply = judgement
                .as_ref()
                .and_then(Judgement::refusal)
                .unwrap_or_else(|| Reply::ok(format!("2.0.0 Ok: queued as {id}")));
            let captured = Captured {
                seq,
                id: id.clone(),
                received_at: Utc::now(),
                envelope,
                body,
                reply: reply.to_string(),
                judgement,
                attempts,
                digest,
            };
            let still_deferred = captured.reply.starts_with('4');
            match retried {
                Some(d) => {
                    messages[deferred[d]] = captured;
                    if !still_deferred {
                        deferred.remove(d);
                    }
                }
                None => {
                    if still_deferred {
                        deferred.push(messages.len());
                    }
                    messages.push(captured);
                }
            }
        });
        (id, reply)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn envelope() -> CapturedEnvelope {
        CapturedEnvelope {
            client_ip: "203.0.113.7".parse().unwrap(),
            peer: "127.0.0.1:40000".parse().unwrap(),
            proxied: true,
            helo: "relay.test".into(),
            mail_from: "a@b.test".into(),
            rcpt_to: vec!["c@d.test".into()],
            tls: None,
        }
    }

    #[test]
    fn store_numbers_in_arrival_order() {
        let mailbox = Mailbox::new();
        assert!(mailbox.is_empty());
        assert_eq!(mailbox.store(envelope(), b"one".to_vec()), "C000001");
        assert_eq!(
            mailbox.clone().store(envelope(), b"two".to_vec()),
            "C000002"
        );
        let messages = mailbox.messages();
        assert_eq!(mailbox.len(), 2);
        assert_eq!(messages[0].seq, 1);
        assert_eq!(messages[1].seq, 2);
        assert_eq!(&*messages[1].raw(), b"two");
        assert_eq!(mailbox.in_memory_bytes(), 6);
    }

    #[test]
    fn spooled_message_reads_back_and_leaves_with_the_mailbox() {
        let spool = super::super::spool::Spool::new(8, None);
        let mailbox = Mailbox::new();
        let large = b"Subject: large\r\n\r\n\x00\xffbody\r\n".to_vec();
        let body = spool.store_blocking(large.clone()).unwrap();
        mailbox.store_attempt(envelope(), body, digest(&large), None);
        mailbox.store(envelope(), b"small".to_vec());
        assert_eq!(mailbox.in_memory_bytes(), 5);

        let messages = mailbox.messages();
        let path = messages[0].spool_path().unwrap().to_path_buf();
        let dir = path.parent().unwrap().to_path_buf();
        assert_eq!(std::fs::read(&path).unwrap(), large);
        assert_eq!(&*messages[0].raw(), large.as_slice());
        assert_eq!(messages[0].size(), large.len());
        assert!(messages[1].spool_path().is_none());

        drop(messages);
        assert!(path.is_file(), "the mailbox still holds it");
        drop((mailbox, spool));
        assert!(!path.exists(), "spool file outlived the mailbox");
        assert!(!dir.exists(), "spool directory outlived the mailbox");
    }

    #[test]
    fn a_retry_is_known_by_its_message_id_else_by_its_bytes() {
        let sealed = |t: u32| format!("ARC-Seal: t={t}\r\nMessage-ID: <1@a.test>\r\n\r\nbody\r\n");
        assert_eq!(digest(sealed(1).as_bytes()), digest(sealed(2).as_bytes()));
        assert_ne!(
            digest(b"Message-ID: <1@a.test>\r\n\r\nx\r\n"),
            digest(b"Message-ID: <2@a.test>\r\n\r\nx\r\n")
        );
        assert_eq!(
            digest(b"Subject: a\r\n\r\nx\r\n"),
            digest(b"Subject: a\r\n\r\nx\r\n")
        );
        assert_ne!(
            digest(b"Subject: a\r\n\r\nx\r\n"),
            digest(b"Subject: b\r\n\r\nx\r\n")
        );
    }

    #[test]
    fn serializes_without_raw() {
        let mailbox = Mailbox::new();
        mailbox.store(envelope(), b"secret".to_vec());
        let json = serde_json::to_value(&mailbox.messages()[0]).unwrap();
        assert_eq!(json["id"], "C000001");
        assert_eq!(json["envelope"]["client_ip"], "203.0.113.7");
        assert_eq!(json["envelope"]["peer"], "127.0.0.1:40000");
        assert!(json.get("raw").is_none());
        let at = json["received_at"].as_str().unwrap();
        assert!(DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    }

    #[tokio::test]
    async fn wait_for_wakes_on_store() {
        let mailbox = Mailbox::new();
        let waiter = tokio::spawn({
            let mailbox = mailbox.clone();
            async move { mailbox.wait_for(2).await }
        });
        mailbox.store(envelope(), Vec::new());
        mailbox.store(envelope(), Vec::new());
        tokio::time::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("wait_for did not wake")
            .unwrap();
        // Already satisfied: resolves at once.
        tokio::time::timeout(Duration::from_secs(10), mailbox.wait_for(1))
            .await
            .unwrap();
    }
}
