//! The capture mailbox over real SMTP on loopback.

use std::net::SocketAddr;
use std::time::Duration;

use mailharness::capture::{CaptureConfig, CaptureHandle, Mailbox};
use mailharness::smtp::{LineEndings, deliver, deliver_tls, proxy_v1_line};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

const WAIT: Duration = Duration::from_secs(30);

async fn start(config: CaptureConfig) -> CaptureHandle {
    CaptureHandle::start("127.0.0.1:0".parse().unwrap(), config)
        .await
        .expect("capture starts on loopback")
}

async fn wait_for(mailbox: &Mailbox, n: usize) {
    tokio::time::timeout(WAIT, mailbox.wait_for(n))
        .await
        .unwrap_or_else(|_| panic!("{n} messages expected, {} stored", mailbox.len()));
}

/// A deliberately plain SMTP client: it writes what it is told and reads
/// replies line by line, so the tests control every byte on the wire.
struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    /// Connects, writes `before_greeting` (a PROXY header) at once and reads
    /// the greeting.
    async fn connect(addr: SocketAddr, before_greeting: Option<&str>) -> Self {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (reader, mut writer) = stream.into_split();
        if let Some(header) = before_greeting {
            writer.write_all(header.as_bytes()).await.unwrap();
        }
        let mut client = Self {
            reader: BufReader::new(reader),
            writer,
        };
        let greeting = client.reply().await;
        assert!(greeting.starts_with("220 "), "{greeting}");
        client
    }

    async fn write(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
    }

    /// Reads one (possibly multi-line) reply; returns its last line.
    async fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.unwrap();
            assert!(
                line.ends_with("\r\n") && line.len() >= 5,
                "bad reply line {line:?}"
            );
            if line.as_bytes()[3] == b' ' {
                return line.trim_end().to_string();
            }
        }
    }

    /// Sends a command and checks the reply code.
    async fn command(&mut self, line: &str, code: &str) -> String {
        self.write(format!("{line}\r\n").as_bytes()).await;
        let reply = self.reply().await;
        assert!(reply.starts_with(code), "{line} -> {reply}");
        reply
    }

    /// Sends one message; returns the final reply.
    async fn send(&mut self, from: &str, to: &str, message: &[u8]) -> String {
        self.command(&format!("MAIL FROM:<{from}> BODY=8BITMIME"), "250 ")
            .await;
        self.command(&format!("RCPT TO:<{to}>"), "250 ").await;
        self.command("DATA", "354 ").await;
        self.write(&stuff(message)).await;
        self.write(b".\r\n").await;
        self.reply().await
    }

    /// Closes the write side and reads what the server still sends until it
    /// closes the connection.
    async fn finish(mut self) -> String {
        self.writer.shutdown().await.unwrap();
        let mut rest = String::new();
        self.reader.read_to_string(&mut rest).await.unwrap();
        rest
    }
}

/// Dot-stuffs a message that ends with CRLF (RFC 5321 §4.5.2): a line is
/// whatever follows a CRLF; a bare LF starts no line.
fn stuff(message: &[u8]) -> Vec<u8> {
    assert!(message.ends_with(b"\r\n"));
    let mut wire = Vec::with_capacity(message.len() + 16);
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

/// A distinct message per client and sequence number: 8-bit UTF-8, lines
/// that need dot-stuffing, and a large one every tenth message so that
/// lines cross the server's buffer boundaries. (Bare LFs are refused by
/// default: see `a_smuggled_message_is_refused_unless_the_capture_is_lenient`.)
fn message(client: usize, seq: usize) -> Vec<u8> {
    let mut text = format!(
        "From: Client {client} <client{client}@sender.test>\r\n\
         To: inbox@capture.test\r\n\
         Subject: message {seq} from client {client} — ünïcødé\r\n\
         X-Client-Seq: {client}/{seq}\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         Grüße aus 日本, client {client}, message {seq}.\r\n\
         .\r\n\
         ..\r\n\
         .leading dot\r\n\
         ...three dots\r\n"
    );
    if seq.is_multiple_of(10) {
        for line in 0..2000 {
            text.push_str(&format!(".{line:04} {}\r\n", "é".repeat(30)));
        }
    }
    text.push_str("-- \r\nend\r\n");
    text.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_lose_nothing() {
    const CLIENTS: usize = 8;
    const MESSAGES: usize = 50;
    let capture = start(CaptureConfig::default()).await;
    let addr = capture.addr();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            tokio::spawn(async move {
                let mut smtp = Client::connect(addr, None).await;
                smtp.command("EHLO client.test", "250 ").await;
                let mut sent = Vec::new();
                for seq in 0..MESSAGES {
                    let from = format!("client{client}@sender.test");
                    let raw = message(client, seq);
                    let reply = smtp.send(&from, "inbox@capture.test", &raw).await;
                    assert!(reply.starts_with("250 2.0.0 Ok: queued as C"), "{reply}");
                    sent.push((from, raw));
                }
                smtp.command("QUIT", "221 ").await;
                sent
            })
        })
        .collect();
    let mut sent = Vec::new();
    for client in clients {
        sent.extend(client.await.unwrap());
    }

    wait_for(capture.mailbox(), CLIENTS * MESSAGES).await;
    let messages = capture.mailbox().messages();
    assert_eq!(messages.len(), CLIENTS * MESSAGES);
    let seqs: Vec<u64> = messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=(CLIENTS * MESSAGES) as u64).collect::<Vec<_>>());
    let mut ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), CLIENTS * MESSAGES);

    let mut stored: Vec<(String, Vec<u8>)> = messages
        .iter()
        .map(|m| {
            assert_eq!(m.envelope.helo, "client.test");
            assert_eq!(m.envelope.rcpt_to, ["inbox@capture.test"]);
            assert!(!m.envelope.proxied);
            assert_eq!(m.envelope.client_ip, m.envelope.peer.ip());
            (m.envelope.mail_from.clone(), m.raw().into_owned())
        })
        .collect();
    stored.sort();
    sent.sort();
    // Compare one by one so that a failure names the message, not 4 MB.
    for (stored, sent) in stored.iter().zip(&sent) {
        assert_eq!(stored.0, sent.0);
        assert!(
            stored.1 == sent.1,
            "stored message differs from the one sent:\n{}\n---\n{}",
            String::from_utf8_lossy(&stored.1),
            String::from_utf8_lossy(&sent.1)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_stores_nothing_and_proxy_ip_is_recorded() {
    let capture = start(CaptureConfig::default()).await;
    let addr = capture.addr();
    let client: SocketAddr = "203.0.113.7:40000".parse().unwrap();
    let proxy = proxy_v1_line(client, addr);

    let mut partial = Client::connect(addr, Some(&proxy)).await;
    partial.command("EHLO relay.test", "250 ").await;
    partial
        .command("MAIL FROM:<bounce@sender.test>", "250 ")
        .await;
    partial
        .command("RCPT TO:<inbox@capture.test>", "250 ")
        .await;
    partial.command("DATA", "354 ").await;
    partial
        .write(b"Subject: partial\r\n\r\nthis message never ends\r\n")
        .await;
    // The server closes its side once it has seen the end of the stream:
    // by then it has given up on the message.
    assert_eq!(partial.finish().await, "");
    assert!(capture.mailbox().is_empty());

    let mut whole = Client::connect(addr, Some(&proxy)).await;
    whole.command("EHLO relay.test", "250 ").await;
    let reply = whole
        .send(
            "bounce@sender.test",
            "inbox@capture.test",
            b"Subject: whole\r\n\r\nbody\r\n",
        )
        .await;
    assert_eq!(reply, "250 2.0.0 Ok: queued as C000001");
    whole.command("QUIT", "221 ").await;

    wait_for(capture.mailbox(), 1).await;
    let messages = capture.mailbox().messages();
    assert_eq!(messages.len(), 1);
    let envelope = &messages[0].envelope;
    assert_eq!(envelope.client_ip.to_string(), "203.0.113.7");
    assert!(envelope.proxied);
    assert!(envelope.peer.ip().is_loopback());
    assert_eq!(envelope.helo, "relay.test");
    assert_eq!(envelope.mail_from, "bounce@sender.test");
    assert_eq!(envelope.rcpt_to, ["inbox@capture.test"]);
    assert_eq!(&*messages[0].raw(), b"Subject: whole\r\n\r\nbody\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_commands_in_one_write() {
    let capture = start(CaptureConfig::default()).await;
    let mut client = Client::connect(capture.addr(), None).await;
    client
        .write(
            b"EHLO pipe.test\r\n\
              MAIL FROM:<a@sender.test>\r\n\
              RCPT TO:<b@capture.test>\r\n\
              RCPT TO:<c@capture.test>\r\n\
              DATA\r\n\
              Subject: pipelined\r\n\r\n..body\r\n.\r\n\
              QUIT\r\n",
        )
        .await;
    let replies = client.finish().await;
    let last_lines: Vec<&str> = replies
        .split_terminator("\r\n")
        .filter(|line| line.as_bytes().get(3) == Some(&b' '))
        .collect();
    assert_eq!(
        last_lines,
        [
            "250 SMTPUTF8",
            "250 2.1.0 Ok",
            "250 2.1.5 Ok",
            "250 2.1.5 Ok",
            "354 End data with <CR><LF>.<CR><LF>",
            "250 2.0.0 Ok: queued as C000001",
            "221 2.0.0 Bye",
        ]
    );
    assert!(replies.starts_with("250-mx.capture.test\r\n250-PIPELINING\r\n"));
    // Stored before the 250 went out: no waiting needed.
    let messages = capture.mailbox().messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].envelope.rcpt_to,
        ["b@capture.test", "c@capture.test"]
    );
    assert_eq!(&*messages[0].raw(), b"Subject: pipelined\r\n\r\n.body\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_header_refused_when_not_accepted() {
    let mut config = CaptureConfig::default();
    config.smtp.accept_proxy = false;
    let capture = start(config).await;
    let addr = capture.addr();
    let proxy = proxy_v1_line("203.0.113.7:40000".parse().unwrap(), addr);
    let client = Client::connect(addr, Some(&proxy)).await;
    let rest = client.finish().await;
    assert!(rest.starts_with("554 5.7.0 "), "{rest}");
    assert!(capture.mailbox().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_accepting() {
    let capture = start(CaptureConfig::default()).await;
    let addr = capture.addr();
    let mut client = Client::connect(addr, None).await;
    client.command("NOOP", "250 ").await;
    capture.shutdown().await.unwrap();
    assert!(TcpStream::connect(addr).await.is_err());
}

/// The same message, byte for byte, over plain SMTP and over STARTTLS with
/// the capture's certificate of this run as the only trusted root.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_and_starttls_deliver_byte_exact() {
    let capture = start(CaptureConfig::default()).await;
    let trust = capture
        .client_tls()
        .cloned()
        .expect("the capture offers STARTTLS by default");
    assert_eq!(trust.host, "mx.capture.test");
    // Dot-stuffing, 8-bit text and 2000 lines that cross buffer
    // boundaries.
    let raw = message(0, 10);
    let egress = "203.0.113.7".parse().unwrap();
    let rcpt = ["inbox@capture.test".to_string()];
    let plain = deliver(
        capture.addr(),
        egress,
        "relay.test",
        "a@sender.test",
        &rcpt,
        &raw,
    )
    .await
    .unwrap();
    assert_eq!(plain.to_string(), "250 2.0.0 Ok: queued as C000001");
    let tls = deliver_tls(
        capture.addr(),
        egress,
        "relay.test",
        "b@sender.test",
        &rcpt,
        &raw,
        Some(&trust),
    )
    .await
    .unwrap();
    assert_eq!(tls.to_string(), "250 2.0.0 Ok: queued as C000002");

    let messages = capture.mailbox().messages();
    assert_eq!(messages.len(), 2);
    for (m, (mail_from, tls)) in messages
        .iter()
        .zip([("a@sender.test", None), ("b@sender.test", Some("TLSv1.3"))])
    {
        assert!(*m.raw() == *raw, "{} arrived changed", m.envelope.mail_from);
        assert_eq!(m.envelope.mail_from, mail_from);
        assert_eq!(m.envelope.tls.as_deref(), tls);
        assert_eq!(m.envelope.client_ip.to_string(), "203.0.113.7");
        // The HELO after the handshake is the one that counts.
        assert_eq!(m.envelope.helo, "relay.test");
    }
    let received = mailharness::capture::received_header(&messages[1], "mx.capture.test");
    assert!(received.contains("(using TLSv1.3)"), "{received}");
    assert!(received.contains("with ESMTPS"), "{received}");
}

/// A sender told to trust another certificate refuses to deliver: the
/// capture's certificate is trusted for its own run only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_with_an_untrusted_certificate_fails() {
    let capture = start(CaptureConfig::default()).await;
    let other = start(CaptureConfig::default()).await;
    let wrong = other.client_tls().cloned().unwrap();
    let error = deliver_tls(
        capture.addr(),
        "203.0.113.7".parse().unwrap(),
        "relay.test",
        "a@sender.test",
        &["inbox@capture.test".to_string()],
        b"Subject: x\r\n\r\nbody\r\n",
        Some(&wrong),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, mailharness::smtp::DeliveryError::Tls(_)),
        "{error}"
    );
    assert!(capture.mailbox().is_empty());
}

/// A capture that acts as receiver profiles refuses at the end of DATA with
/// the strictest profile's reply, and records the message and every
/// profile's outcome all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_profiles_refuse_at_the_end_of_data() {
    use mailharness::{
        capture::CaptureReceivers,
        receiver::{Disposition, Receivers, load_profile_str},
    };

    let dns =
        mock_dns::ServerHandle::start(mock_dns::Catalog::new(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
    let profile = |name: &str, text: &str| {
        load_profile_str(
            text,
            std::path::Path::new(&format!("receivers/{name}.toml")),
        )
        .unwrap()
    };
    let receivers = Receivers {
        profiles: vec![
            profile(
                "lenient",
                "[[rule]]\nwhen = { dmarc = \"fail\" }\naction = \"spam\"\nreason = \"dmarc\"\n",
            ),
            profile(
                "strict",
                "[[rule]]\nwhen = { spf = \"!pass\", dkim = \"!pass\" }\naction = \"reject\"\n\
                 reply = \"550 5.7.26 unauthenticated mail from {from_domain}\"\nreason = \"no SPF, no DKIM\"\n",
            ),
            profile(
                "deferring",
                "[[rule]]\nwhen = { fcrdns = false }\naction = \"tempfail\"\n\
                 reply = \"451 4.7.25 no PTR for {client_ip}\"\nreason = \"no reverse DNS\"\n",
            ),
        ],
        ..Receivers::default()
    };
    let capture = start(CaptureConfig {
        receivers: Some(CaptureReceivers {
            receivers,
            nameserver: dns.addr().into(),
            on_judge: None,
        }),
        ..CaptureConfig::default()
    })
    .await;
    // A client IP without reverse DNS (the resolver answers for loopback
    // itself).
    let proxy = proxy_v1_line("203.0.113.7:40000".parse().unwrap(), capture.addr());
    let mut client = Client::connect(capture.addr(), Some(&proxy)).await;
    client.command("EHLO relay.test", "250 ").await;
    let raw = b"From: a@sender.test\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\
                Message-ID: <1@sender.test>\r\nSubject: x\r\n\r\nbody\r\n";
    let reply = client
        .send("a@sender.test", "inbox@capture.test", raw)
        .await;
    assert_eq!(reply, "550 5.7.26 unauthenticated mail from sender.test");
    client.command("QUIT", "221 ").await;

    let messages = capture.mailbox().messages();
    let [m] = &messages[..] else {
        panic!("{} messages", messages.len())
    };
    assert_eq!(*m.raw(), *raw);
    assert_eq!(m.reply, reply);
    let judgement = m.judgement.as_ref().expect("judged");
    let found: Vec<(&str, Disposition, Option<&str>)> = judgement
        .outcomes
        .iter()
        .map(|o| (o.profile.as_str(), o.disposition, o.reply.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            ("lenient", Disposition::Inbox, None),
            (
                "strict",
                Disposition::Reject,
                Some("550 5.7.26 unauthenticated mail from sender.test")
            ),
            (
                "deferring",
                Disposition::Tempfail,
                Some("451 4.7.25 no PTR for 203.0.113.7")
            ),
        ]
    );
    assert!(!judgement.signals.fcrdns);
}

/// A greylisting capture defers a recipient at RCPT TO until its window
/// has passed on the scenario's simulated clock, and records nothing of a
/// deferred attempt; a message it deferred at the end of DATA is replaced
/// by its retry, which keeps its queue id and counts the attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferrals_in_simulated_time_and_retries_in_place() {
    use mailharness::{
        capture::CaptureReceivers,
        clock::SimClock,
        receiver::{Deferral, Receivers, load_profile_str},
    };

    let dns =
        mock_dns::ServerHandle::start(mock_dns::Catalog::new(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
    let clock = SimClock::new();
    let receivers = Receivers {
        // Defers every message from a client without reverse DNS.
        profiles: vec![
            load_profile_str(
                "[[rule]]\nwhen = { fcrdns = false }\naction = \"tempfail\"\n\
                 reply = \"451 4.7.25 no PTR\"\nreason = \"no reverse DNS\"\n",
                std::path::Path::new("receivers/deferring.toml"),
            )
            .unwrap(),
        ],
        ..Receivers::default()
    };
    let capture = start(CaptureConfig {
        receivers: Some(CaptureReceivers {
            receivers,
            nameserver: dns.addr().into(),
            on_judge: None,
        }),
        deferrals: vec![Deferral::greylist(Duration::from_secs(300))],
        clock: clock.clone(),
        ..CaptureConfig::default()
    })
    .await;
    let proxy = proxy_v1_line("203.0.113.7:40000".parse().unwrap(), capture.addr());
    let raw = b"From: a@sender.test\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\
                Message-ID: <1@sender.test>\r\nSubject: x\r\n\r\nbody\r\n";
    let mut client = Client::connect(capture.addr(), Some(&proxy)).await;
    client.command("EHLO relay.test", "250 ").await;

    // The first attempt, and a retry one minute later: greylisted.
    for minute in [0, 1] {
        clock.advance_to(Duration::from_secs(60 * minute));
        client.command("MAIL FROM:<a@sender.test>", "250 ").await;
        client
            .command(
                "RCPT TO:<inbox@capture.test>",
                "450 4.2.0 Greylisted, try again later",
            )
            .await;
        client.command("RSET", "250 ").await;
    }
    // Another sender is a delivery of its own: greylisted from now on.
    client.command("MAIL FROM:<b@sender.test>", "250 ").await;
    client.command("RCPT TO:<inbox@capture.test>", "450 ").await;
    client.command("RSET", "250 ").await;
    assert!(
        capture.mailbox().is_empty(),
        "a greylisted attempt is stored"
    );

    // Five minutes after the first attempt the recipient is accepted; the
    // profile defers the message at the end of DATA, twice.
    clock.advance_to(Duration::from_secs(300));
    for _ in 0..2 {
        let reply = client
            .send("a@sender.test", "inbox@capture.test", raw)
            .await;
        assert_eq!(reply, "451 4.7.25 no PTR");
    }
    client.command("QUIT", "221 ").await;
    let messages = capture.mailbox().messages();
    let [m] = &messages[..] else {
        panic!(
            "{} messages: a retry must replace the deferred copy",
            messages.len()
        )
    };
    assert_eq!((m.seq, m.id.as_str(), m.attempts), (1, "C000001", 2));
    assert_eq!(m.reply, "451 4.7.25 no PTR");
    assert_eq!(*m.raw(), *raw);
}

/// A capture with small limits, so that each is reached with a few bytes.
fn limited(config: impl FnOnce(&mut mailharness::smtp::ServerConfig)) -> CaptureConfig {
    let mut capture = CaptureConfig {
        starttls: false,
        ..CaptureConfig::default()
    };
    capture.smtp.max_message_size = 1000;
    capture.smtp.max_recipients = 2;
    capture.smtp.max_line_length = 100;
    config(&mut capture.smtp);
    capture
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_recipient_and_line_limits() {
    let capture = start(limited(|_| {})).await;
    let mut client = Client::connect(capture.addr(), None).await;
    let ehlo = client.command("EHLO limits.test", "250 ").await;
    assert_eq!(ehlo, "250 SMTPUTF8");
    // A declared size over the limit is refused at MAIL.
    client
        .command(
            "MAIL FROM:<a@sender.test> SIZE=1001",
            "552 5.3.4 message size exceeds fixed maximum message size",
        )
        .await;
    // An undeclared oversize message is refused at the end of DATA, and
    // the session goes on.
    client.command("MAIL FROM:<a@sender.test>", "250 ").await;
    client.command("RCPT TO:<1@capture.test>", "250 ").await;
    client.command("RCPT TO:<2@capture.test>", "250 ").await;
    client
        .command("RCPT TO:<3@capture.test>", "452 4.5.3 too many recipients")
        .await;
    client.command("DATA", "354 ").await;
    client
        .write(&[b"x".repeat(60), b"\r\n".to_vec()].concat().repeat(20))
        .await;
    client.write(b".\r\n").await;
    assert_eq!(
        client.reply().await,
        "552 5.3.4 message exceeds fixed maximum message size"
    );
    // A command line over the limit.
    client
        .command(&format!("NOOP {}", "x".repeat(100)), "500 5.5.2")
        .await;
    // A message exactly at the limit goes through, with every recipient
    // the cap allowed.
    let exact = [b"y".repeat(998), b"\r\n".to_vec()].concat();
    client
        .command("MAIL FROM:<a@sender.test> SIZE=1000", "250 ")
        .await;
    client.command("RCPT TO:<1@capture.test>", "250 ").await;
    client.command("RCPT TO:<2@capture.test>", "250 ").await;
    client.command("DATA", "354 ").await;
    client.write(&exact).await;
    client.write(b".\r\n").await;
    assert_eq!(client.reply().await, "250 2.0.0 Ok: queued as C000001");
    client.command("QUIT", "221 ").await;
    let messages = capture.mailbox().messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(*messages[0].raw(), *exact);
    assert_eq!(
        messages[0].envelope.rcpt_to,
        ["1@capture.test", "2@capture.test"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_client_gets_421_and_is_closed() {
    // The server's limit is tiny; the test only waits for its reply.
    let capture = start(limited(|smtp| {
        smtp.idle_timeout = Duration::from_millis(50);
    }))
    .await;
    let mut client = Client::connect(capture.addr(), None).await;
    client.command("EHLO idle.test", "250 ").await;
    client.command("MAIL FROM:<a@sender.test>", "250 ").await;
    client.command("RCPT TO:<b@capture.test>", "250 ").await;
    client.command("DATA", "354 ").await;
    client.write(b"Subject: never finished\r\n").await;
    assert_eq!(client.reply().await, "421 4.4.2 idle timeout");
    let mut rest = String::new();
    client.reader.read_to_string(&mut rest).await.unwrap();
    assert_eq!(rest, "");
    assert!(capture.mailbox().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_get_421() {
    const CAP: usize = 4;
    let capture = start(limited(|smtp| smtp.max_connections = CAP)).await;
    // The greeting proves each connection holds a slot.
    let mut held = Vec::new();
    for _ in 0..CAP {
        held.push(Client::connect(capture.addr(), None).await);
    }
    let mut over = TcpStream::connect(capture.addr()).await.unwrap();
    let mut refusal = String::new();
    over.read_to_string(&mut refusal).await.unwrap();
    assert_eq!(refusal, "421 4.7.0 too many connections\r\n");
    // The held connections are still served.
    for client in &mut held {
        client.command("NOOP", "250 ").await;
    }
    let mut last = held.pop().unwrap();
    last.command("EHLO held.test", "250 ").await;
    let reply = last
        .send(
            "a@sender.test",
            "b@capture.test",
            b"Subject: held\r\n\r\nok\r\n",
        )
        .await;
    assert_eq!(reply, "250 2.0.0 Ok: queued as C000001");
}

/// A message over the spool threshold goes to a file in the capture's
/// temporary spool directory, reads back byte-exact, and the file and the
/// directory are gone once the capture and its messages are dropped; a
/// message under the threshold stays in memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_message_is_spooled_to_disk_and_removed_with_the_capture() {
    let capture = start(CaptureConfig {
        starttls: false,
        spool_threshold: 4096,
        ..CaptureConfig::default()
    })
    .await;
    let mut client = Client::connect(capture.addr(), None).await;
    client.command("EHLO spool.test", "250 ").await;
    let large = message(1, 0);
    assert!(large.len() > 4096);
    let small = message(1, 1);
    assert!(small.len() <= 4096);
    for m in [&large, &small] {
        let reply = client.send("a@sender.test", "b@capture.test", m).await;
        assert!(reply.starts_with("250 2.0.0 Ok: queued as C"), "{reply}");
    }
    client.command("QUIT", "221 ").await;

    let mailbox = capture.mailbox().clone();
    let messages = mailbox.messages();
    assert_eq!(messages.len(), 2);
    let path = messages[0].spool_path().expect("spooled").to_path_buf();
    let dir = path.parent().unwrap().to_path_buf();
    assert_eq!(std::fs::read(&path).unwrap(), large);
    assert_eq!(*messages[0].raw(), *large);
    assert_eq!(messages[0].size(), large.len());
    assert!(messages[1].spool_path().is_none());
    assert_eq!(*messages[1].raw(), *small);
    assert_eq!(mailbox.in_memory_bytes(), small.len());

    capture.shutdown().await.unwrap();
    drop(messages);
    assert!(path.is_file(), "the mailbox still holds the message");
    drop(mailbox);
    assert!(!path.exists(), "spool file outlived the capture");
    assert!(!dir.exists(), "spool directory outlived the capture");
}

/// The core of SMTP smuggling (CVE-2023-51764 and kin): a message holding
/// `<LF>.<CRLF>` and, after it, the commands of a second message, as a
/// relay that passes bare LFs on would deliver it.
const SMUGGLING: &[u8] = b"From: a@sender.test\r\nSubject: hello\r\n\r\nhello\r\n\n.\r\n\
    MAIL FROM:<ceo@bank.example>\r\nRCPT TO:<inbox@capture.test>\r\nDATA\r\n\
    From: ceo@bank.example\r\nSubject: wire the money\r\n\r\npay now\r\n";

/// By default only `<CRLF>.<CRLF>` ends DATA and a bare LF or CR refuses
/// the message with 550 5.5.2, as Postfix's `smtpd_forbid_bare_newline =
/// reject` does: nothing is stored and the session goes on. A capture set
/// to the lenient reading (what a receiver profile with `line_endings =
/// "lenient"` asks for) ends the first message at `<LF>.<CRLF>` and takes
/// the second, smuggled one with its own envelope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_smuggled_message_is_refused_unless_the_capture_is_lenient() {
    let capture = start(CaptureConfig::default()).await;
    let mut smtp = Client::connect(capture.addr(), None).await;
    smtp.command("EHLO relay.test", "250 ").await;
    let reply = smtp
        .send("a@sender.test", "inbox@capture.test", SMUGGLING)
        .await;
    assert_eq!(reply, "550 5.5.2 Error: bare <LF> received");
    let reply = smtp
        .send(
            "a@sender.test",
            "inbox@capture.test",
            b"Subject: x\r\n\r\na\rb\r\n",
        )
        .await;
    assert_eq!(reply, "550 5.5.2 Error: bare <CR> received");
    // The session goes on, and a clean message is taken.
    let reply = smtp
        .send(
            "a@sender.test",
            "inbox@capture.test",
            b"Subject: x\r\n\r\n.dot\r\n",
        )
        .await;
    assert!(reply.starts_with("250 2.0.0 Ok: queued as C"), "{reply}");
    let messages = capture.mailbox().messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(&*messages[0].raw(), b"Subject: x\r\n\r\n.dot\r\n");

    let mut config = CaptureConfig::default();
    config.smtp.line_endings = LineEndings::Lenient;
    let capture = start(config).await;
    let mut smtp = Client::connect(capture.addr(), None).await;
    smtp.command("EHLO relay.test", "250 ").await;
    let reply = smtp
        .send("a@sender.test", "inbox@capture.test", SMUGGLING)
        .await;
    assert!(
        reply.starts_with("250 2.0.0 Ok: queued as C000001"),
        "{reply}"
    );
    // The rest of the "message" was read as commands: MAIL, RCPT, DATA and
    // the end of the smuggled message (the client's own final dot).
    for code in [
        "250 2.1.0",
        "250 2.1.5",
        "354 ",
        "250 2.0.0 Ok: queued as C000002",
    ] {
        let reply = smtp.reply().await;
        assert!(reply.starts_with(code), "expected {code}, found {reply}");
    }
    let messages = capture.mailbox().messages();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].envelope.mail_from, "a@sender.test");
    assert_eq!(
        &*messages[0].raw(),
        b"From: a@sender.test\r\nSubject: hello\r\n\r\nhello\r\n\n"
    );
    assert_eq!(messages[1].envelope.mail_from, "ceo@bank.example");
    assert_eq!(messages[1].envelope.rcpt_to, ["inbox@capture.test"]);
    assert_eq!(
        &*messages[1].raw(),
        b"From: ceo@bank.example\r\nSubject: wire the money\r\n\r\npay now\r\n"
    );
}
