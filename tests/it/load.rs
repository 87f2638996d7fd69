//! Load without loss: many concurrent raw-TCP clients push messages into
//! the capture, misbehaving now and then, and every message the capture
//! acknowledged must be stored byte-exact exactly once; nothing else may
//! be stored. Memory stays bounded: the capture runs with a low spool
//! threshold ([`SPOOL_THRESHOLD`]), so most messages go to disk, and the
//! bytes its mailbox holds in memory are at most the threshold times the
//! messages kept there; every spooled one reads back byte-exact and the
//! spool files are gone once the capture and its mailbox are dropped.
//!
//! The count is `MAILHARNESS_LOAD_MESSAGES` (default [`DEFAULT_MESSAGES`],
//! which keeps a debug build quick on two cores); the full run is
//! `MAILHARNESS_LOAD_MESSAGES=20000`. Nothing here is timed.

use std::collections::HashMap;
use std::net::SocketAddr;

use mailharness::capture::{CaptureConfig, CaptureHandle};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

const DEFAULT_MESSAGES: usize = 20_000;
const CLIENTS: usize = 64;
/// Messages are up to about 8 KB: roughly three in four go to disk.
const SPOOL_THRESHOLD: usize = 2 * 1024;
const SEED: u64 = 0x6d61_696c_6861_726e;

/// SplitMix64: small, seeded, the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// The message with this id, the same every time it is asked for: up to
/// about 8 KB, a unique `X-Load-Id` header, lines that need dot-stuffing,
/// some lines over 998 bytes, and in about one message in ten some bare
/// LF line endings (which the capture refuses with 550 5.5.2).
fn message(client: usize, n: usize) -> Vec<u8> {
    let mut rng = Rng::new(SEED ^ ((client as u64) << 32) ^ n as u64);
    let bare = rng.percent(10);
    let mut out = format!(
        "X-Load-Id: {client}-{n}\r\nFrom: c{client}@sender.test\r\nSubject: load {n}\r\n\r\n"
    )
    .into_bytes();
    let size = rng.below(8 * 1024);
    while out.len() < size {
        let length = if rng.percent(3) {
            999 + rng.below(600)
        } else {
            rng.below(120)
        };
        if rng.percent(10) {
            out.push(b'.');
        }
        out.extend((0..length).map(|_| b' ' + rng.below(95) as u8));
        if bare && rng.percent(5) {
            out.push(b'\n');
        } else {
            out.extend_from_slice(b"\r\n");
        }
    }
    // The last line ends with CRLF, or the "." after it would end no line
    // (and the server would wait for the end of the data).
    if !out.ends_with(b"\r\n") {
        out.pop();
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Dot-stuffs a message: a line is what follows a CRLF (a bare LF starts
/// no line, RFC 5321 §2.3.8).
fn stuff(message: &[u8]) -> Vec<u8> {
    let mut wire = Vec::with_capacity(message.len() + 64);
    let mut line_start = true;
    for chunk in message.split_inclusive(|&b| b == b'\n') {
        if line_start && chunk.starts_with(b".") {
            wire.push(b'.');
        }
        wire.extend_from_slice(chunk);
        line_start = chunk.ends_with(b"\r\n");
    }
    wire
}

/// Whether a message holds a LF without a CR before it.
fn has_bare_lf(message: &[u8]) -> bool {
    message
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || message[i - 1] != b'\r'))
}

/// A raw SMTP connection that checks every reply it reads.
struct Connection {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Connection {
    async fn open(addr: SocketAddr, client: usize) -> Self {
        let (reader, writer) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut connection = Self {
            reader: BufReader::new(reader),
            writer,
        };
        connection.expect("220 ").await;
        connection
            .writer
            .write_all(format!("EHLO load{client}.test\r\n").as_bytes())
            .await
            .unwrap();
        connection.expect("250 ").await;
        connection
    }

    /// Reads one reply (all its lines); returns the last line.
    async fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.unwrap();
            assert!(line.len() >= 5 && line.ends_with("\r\n"), "{line:?}");
            if line.as_bytes()[3] == b' ' {
                return line.trim_end().to_string();
            }
        }
    }

    async fn expect(&mut self, code: &str) -> String {
        let reply = self.reply().await;
        assert!(
            reply.starts_with(code),
            "expected {code:?}, found {reply:?}"
        );
        reply
    }

    /// MAIL, RCPT and DATA as one pipelined group; waits for the 354.
    async fn open_transaction(&mut self, client: usize) {
        self.writer
            .write_all(
                format!(
                    "MAIL FROM:<c{client}@sender.test>\r\nRCPT TO:<inbox@capture.test>\r\nDATA\r\n"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        self.expect("250 ").await;
        self.expect("250 ").await;
        self.expect("354 ").await;
    }
}

/// What one client did: the ids of the messages acknowledged with 250,
/// of those refused for a bare LF, and of those abandoned mid-DATA.
#[derive(Default)]
struct Outcome {
    acknowledged: Vec<(usize, usize)>,
    refused: Vec<(usize, usize)>,
    abandoned: Vec<(usize, usize)>,
}

async fn run_client(addr: SocketAddr, client: usize, count: usize) -> Outcome {
    let mut rng = Rng::new(SEED.rotate_left(17) ^ client as u64);
    let mut outcome = Outcome::default();
    let mut connection = Connection::open(addr, client).await;
    for n in 0..count {
        let original = message(client, n);
        let wire = stuff(&original);
        if rng.percent(10) {
            // A transaction reset half way: pipelined, nothing to store.
            connection
                .writer
                .write_all(
                    format!(
                        "MAIL FROM:<c{client}@sender.test>\r\nRCPT TO:<x@capture.test>\r\n\
                         RSET\r\nNOOP\r\n"
                    )
                    .as_bytes(),
                )
                .await
                .unwrap();
            for _ in 0..4 {
                connection.expect("250 ").await;
            }
        }
        connection.open_transaction(client).await;
        if rng.percent(3) {
            // Gone mid-DATA: part of the message, then the connection
            // closes; the capture must not store it.
            let cut = rng.below(wire.len());
            connection.writer.write_all(&wire[..cut]).await.unwrap();
            connection.writer.shutdown().await.unwrap();
            drop(connection);
            outcome.abandoned.push((client, n));
            connection = Connection::open(addr, client).await;
            continue;
        }
        connection.writer.write_all(&wire).await.unwrap();
        connection.writer.write_all(b".\r\n").await.unwrap();
        if has_bare_lf(&original) {
            connection.expect("550 5.5.2 ").await;
            outcome.refused.push((client, n));
        } else {
            connection.expect("250 2.0.0 Ok: queued as C").await;
            outcome.acknowledged.push((client, n));
        }
    }
    connection.writer.write_all(b"QUIT\r\n").await.unwrap();
    connection.expect("221 ").await;
    outcome
}

/// The `X-Load-Id` of a stored message.
fn load_id(raw: &[u8]) -> (usize, usize) {
    let first = raw.split(|&b| b == b'\r').next().unwrap();
    let text = std::str::from_utf8(first).unwrap();
    let id = text.strip_prefix("X-Load-Id: ").expect("x-load-id first");
    let (client, n) = id.split_once('-').unwrap();
    (client.parse().unwrap(), n.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_without_loss() {
    let total: usize = std::env::var("MAILHARNESS_LOAD_MESSAGES")
        .map(|count| count.parse().expect("MAILHARNESS_LOAD_MESSAGES is a count"))
        .unwrap_or(DEFAULT_MESSAGES);
    let spool = tempfile::tempdir().unwrap();
    let capture = CaptureHandle::start(
        "127.0.0.1:0".parse().unwrap(),
        CaptureConfig {
            starttls: false,
            spool_threshold: SPOOL_THRESHOLD,
            spool_dir: Some(spool.path().to_path_buf()),
            ..CaptureConfig::default()
        },
    )
    .await
    .unwrap();
    let addr = capture.addr();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let count = total / CLIENTS + usize::from(client < total % CLIENTS);
            tokio::spawn(run_client(addr, client, count))
        })
        .collect();
    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    let mut abandoned = Vec::new();
    for client in clients {
        let outcome = client.await.unwrap();
        acknowledged.extend(outcome.acknowledged);
        refused.extend(outcome.refused);
        abandoned.extend(outcome.abandoned);
    }
    assert_eq!(acknowledged.len() + refused.len() + abandoned.len(), total);
    assert!(!abandoned.is_empty(), "no disconnect was exercised");
    assert!(!refused.is_empty(), "no bare LF was exercised");

    // Every 250 was given after the store: the mailbox is complete now.
    let messages = capture.mailbox().messages();
    let mut stored: HashMap<(usize, usize), usize> = HashMap::new();
    let (mut in_memory, mut in_memory_size, mut spooled) = (0, 0, 0);
    for captured in &messages {
        // Read back from the spool file when the message is on disk.
        let raw = captured.raw();
        let id = load_id(&raw);
        *stored.entry(id).or_default() += 1;
        let expected = message(id.0, id.1);
        assert!(
            *raw == *expected,
            "message {id:?} differs from the one sent"
        );
        assert_eq!(captured.size(), expected.len());
        match captured.spool_path() {
            Some(path) => {
                assert!(expected.len() > SPOOL_THRESHOLD, "{id:?} spooled");
                assert!(path.starts_with(spool.path()), "{}", path.display());
                spooled += 1;
            }
            None => {
                assert!(expected.len() <= SPOOL_THRESHOLD, "{id:?} in memory");
                in_memory += 1;
                in_memory_size += expected.len();
            }
        }
    }
    let held = capture.mailbox().in_memory_bytes();
    assert_eq!(held, in_memory_size);
    assert!(
        held <= in_memory * SPOOL_THRESHOLD,
        "{held} bytes in memory for {in_memory} messages under the threshold"
    );
    assert!(
        spooled > 0 && in_memory > 0,
        "{spooled} spooled, {in_memory} not"
    );
    for id in &acknowledged {
        assert_eq!(stored.get(id), Some(&1), "acknowledged {id:?} stored once");
    }
    for id in abandoned.iter().chain(&refused) {
        assert_eq!(
            stored.get(id),
            None,
            "abandoned or refused {id:?} was stored"
        );
    }
    assert_eq!(messages.len(), acknowledged.len());
    eprintln!(
        "load: {total} messages from {CLIENTS} connections, {} acknowledged, {} refused for a bare LF, \
         {} abandoned mid-DATA, {spooled} spooled, {in_memory} ({held} bytes) in memory",
        acknowledged.len(),
        refused.len(),
        abandoned.len()
    );
    capture.shutdown().await.unwrap();
    drop(messages);
    // shutdown() returns once every connection task is gone, so the
    // mailbox and its files are released now.
    let empty = || std::fs::read_dir(spool.path()).unwrap().count() == 0;
    assert!(empty(), "spool files outlived the capture");
}
