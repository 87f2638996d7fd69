//! The query log: every query the server received and how it answered.

use std::{
    fmt,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use tokio::sync::mpsc;

/// The transport a query came over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        })
    }
}

/// One query and its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryLogEntry {
    /// The question name, normalised (`""` when the question was unreadable).
    pub name: String,
    /// The question type mnemonic (`"TXT"`, `"TYPE65280"`; `""` when unreadable).
    pub qtype: String,
    pub transport: Transport,
    /// `"NOERROR"`, `"NXDOMAIN"`, `"SERVFAIL"`, `"FORMERR"`, `"NOTIMP"`;
    /// `"TIMEOUT"` when the server did not answer (fault); `"TRUNCATED"`
    /// when it answered with TC=1 and no records (fault, or the response did
    /// not fit the UDP payload size).
    pub rcode: String,
    /// Each answer record in master-file syntax.
    pub answers: Vec<String>,
}

/// `udp example.com. TXT NOERROR` followed by ` | record` per answer.
impl fmt::Display for QueryLogEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.transport, self.name, self.qtype, self.rcode
        )?;
        for answer in &self.answers {
            write!(f, " | {answer}")?;
        }
        Ok(())
    }
}

/// The log the server appends to. Cloning gives another handle on the same
/// log.
#[derive(Clone, Debug, Default)]
pub struct QueryLog {
    inner: Arc<Mutex<LogState>>,
}

#[derive(Debug, Default)]
struct LogState {
    entries: Vec<QueryLogEntry>,
    subscribers: Vec<mpsc::UnboundedSender<QueryLogEntry>>,
}

impl QueryLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every entry so far, oldest first.
    pub fn entries(&self) -> Vec<QueryLogEntry> {
        self.lock().entries.clone()
    }

    /// Forgets the entries so far.
    pub fn clear(&self) {
        self.lock().entries.clear();
    }

    /// Appends an entry and sends it to the subscribers.
    pub fn push(&self, entry: QueryLogEntry) {
        let mut state = self.lock();
        state
            .subscribers
            .retain(|subscriber| subscriber.send(entry.clone()).is_ok());
        state.entries.push(entry);
    }

    /// Receives every entry pushed from now on (to print them as they come,
    /// or to wait for a query without polling).
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<QueryLogEntry> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.lock().subscribers.push(sender);
        receiver
    }

    fn lock(&self) -> MutexGuard<'_, LogState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rcode: &str) -> QueryLogEntry {
        QueryLogEntry {
            name: "example.com.".into(),
            qtype: "TXT".into(),
            transport: Transport::Udp,
            rcode: rcode.into(),
            answers: vec![r#"example.com. 300 IN TXT "x""#.into()],
        }
    }

    #[test]
    fn entries_are_shared_and_cleared() {
        let log = QueryLog::new();
        let clone = log.clone();
        let mut receiver = log.subscribe();
        clone.push(entry("NOERROR"));
        assert_eq!(log.entries(), vec![entry("NOERROR")]);
        assert_eq!(receiver.try_recv().unwrap(), entry("NOERROR"));
        log.clear();
        assert!(clone.entries().is_empty());
        drop(receiver);
        clone.push(entry("SERVFAIL"));
        assert_eq!(log.entries().len(), 1);
    }

    #[test]
    fn display_is_one_line() {
        assert_eq!(
            entry("NOERROR").to_string(),
            r#"udp example.com. TXT NOERROR | example.com. 300 IN TXT "x""#
        );
        assert_eq!(Transport::Tcp.to_string(), "tcp");
    }
}
