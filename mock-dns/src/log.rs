//! The query log: every query the server received and how it answered.

use std::{
    collections::VecDeque,
    fmt,
    io::Write,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use tokio::sync::mpsc;

use crate::record::Record;

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
    /// The answer records. They are kept as records and written in
    /// master-file syntax only when read ([`QueryLogEntry::answer_lines`],
    /// `Display`): a server answering thousands of queries a second does
    /// not format text nobody reads.
    pub answers: Vec<Arc<Record>>,
}

impl QueryLogEntry {
    /// Each answer record in master-file syntax.
    pub fn answer_lines(&self) -> Vec<String> {
        self.answers.iter().map(ToString::to_string).collect()
    }
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
///
/// [`QueryLog::new`] keeps every entry, for a server that lives as long
/// as one test; [`QueryLog::bounded`] keeps only the latest ones, so that
/// a long-running server's memory stays flat however many queries it
/// answers, and [`QueryLog::write_to`] streams every entry to a writer (a
/// file, stderr) as it comes.
#[derive(Clone, Default)]
pub struct QueryLog {
    inner: Arc<Mutex<LogState>>,
}

#[derive(Default)]
struct LogState {
    entries: VecDeque<QueryLogEntry>,
    /// The most entries kept; `None` keeps them all.
    capacity: Option<usize>,
    /// Entries pushed out by the capacity.
    forgotten: u64,
    subscribers: Vec<mpsc::UnboundedSender<QueryLogEntry>>,
    /// Get every entry as a line, written while the entry is pushed.
    writers: Vec<Box<dyn Write + Send>>,
}

impl fmt::Debug for QueryLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("QueryLog")
            .field("entries", &state.entries.len())
            .field("capacity", &state.capacity)
            .field("forgotten", &state.forgotten)
            .field("subscribers", &state.subscribers.len())
            .field("writers", &state.writers.len())
            .finish()
    }
}

impl QueryLog {
    /// An empty log that keeps every entry.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty log that keeps the latest `capacity` entries and forgets
    /// older ones (`0` keeps none: with [`QueryLog::write_to`], a log that
    /// only streams).
    pub fn bounded(capacity: usize) -> Self {
        let log = Self::default();
        log.lock().capacity = Some(capacity);
        log
    }

    /// Writes every entry pushed from now on to `writer`, one line each
    /// (its [`Display`](fmt::Display) form), before [`QueryLog::push`]
    /// returns: a slow writer slows the server down rather than letting
    /// lines pile up in memory. A write error stops the writing to that
    /// writer.
    pub fn write_to(&self, writer: impl Write + Send + 'static) {
        self.lock().writers.push(Box::new(writer));
    }

    /// The entries kept, oldest first: every entry so far, or the latest
    /// ones of a [`bounded`](QueryLog::bounded) log.
    pub fn entries(&self) -> Vec<QueryLogEntry> {
        self.lock().entries.iter().cloned().collect()
    }

    /// How many entries a bounded log has forgotten to stay within its
    /// capacity.
    pub fn forgotten(&self) -> u64 {
        self.lock().forgotten
    }

    /// Forgets the entries so far.
    pub fn clear(&self) {
        self.lock().entries.clear();
    }

    /// Appends an entry, sends it to the subscribers and writes it to the
    /// writers.
    pub fn push(&self, entry: QueryLogEntry) {
        let mut state = self.lock();
        state.writers.retain_mut(|writer| {
            writeln!(writer, "{entry}")
                .and_then(|()| writer.flush())
                .is_ok()
        });
        state
            .subscribers
            .retain(|subscriber| subscriber.send(entry.clone()).is_ok());
        match state.capacity {
            Some(0) => state.forgotten += 1,
            Some(capacity) => {
                if state.entries.len() >= capacity {
                    state.entries.pop_front();
                    state.forgotten += 1;
                }
                state.entries.push_back(entry);
            }
            None => state.entries.push_back(entry),
        }
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
            answers: vec![Arc::new(Record::txt("example.com", 300, "x"))],
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
    fn a_bounded_log_keeps_the_latest_entries() {
        let log = QueryLog::bounded(2);
        for rcode in ["A", "B", "C"] {
            log.push(entry(rcode));
        }
        assert_eq!(log.entries(), vec![entry("B"), entry("C")]);
        assert_eq!(log.forgotten(), 1);
        let none = QueryLog::bounded(0);
        none.push(entry("A"));
        assert!(none.entries().is_empty());
        assert_eq!(none.forgotten(), 1);
    }

    /// A writer that keeps what it was given, shared with the test.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn entries_are_written_as_they_come() {
        let log = QueryLog::bounded(0);
        let lines = Lines::default();
        log.write_to(lines.clone());
        log.push(entry("NOERROR"));
        log.push(entry("NXDOMAIN"));
        assert_eq!(
            String::from_utf8(lines.0.lock().unwrap().clone()).unwrap(),
            "udp example.com. TXT NOERROR | example.com. 300 IN TXT \"x\"\n\
             udp example.com. TXT NXDOMAIN | example.com. 300 IN TXT \"x\"\n"
        );
        assert!(log.entries().is_empty());
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
