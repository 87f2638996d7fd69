//! One SMTP connection: the command state machine.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::command::strip_eol;
use super::stream::Stream;
use super::tls::version_name;
use super::wire::{LineRead, Message, Wire, is_idle_timeout};
use super::{
    Command, CommandError, Handler, Reply, ServerConfig, Transaction, parse_command, parse_proxy_v1,
};

/// Serves one accepted connection to its end.
pub(super) async fn serve<H: Handler>(
    stream: TcpStream,
    peer: SocketAddr,
    handler: Arc<H>,
    config: Arc<ServerConfig>,
) {
    // Tells the handler the connection is over when dropped, even when the
    // server aborts the task.
    struct Open<H: Handler>(Arc<H>);
    impl<H: Handler> Drop for Open<H> {
        fn drop(&mut self) {
            self.0.connection(false);
        }
    }
    handler.connection(true);
    let _open = Open(Arc::clone(&handler));
    // An I/O error means the client is gone or the socket failed: there is
    // nobody left to reply to, and nothing was delivered for a message
    // still in progress.
    let _ = Session::new(peer, handler, config).run(stream).await;
}

/// The reply before closing a connection that stayed silent too long.
fn idle_timeout() -> Reply {
    Reply::new(421, "4.4.2 idle timeout")
}

/// Whether the connection goes on after a command.
enum Flow {
    Continue,
    Close,
    /// The 220 for STARTTLS is queued: flush it, then hand the socket to
    /// the TLS handshake.
    StartTls,
}

struct Session<H> {
    handler: Arc<H>,
    config: Arc<ServerConfig>,
    /// The transaction being built; `helo` and the peer survive resets.
    tx: Transaction,
    /// Whether HELO or EHLO was accepted.
    greeted: bool,
    /// Whether MAIL was accepted (`tx.mail_from` is `""` for the null path).
    in_mail: bool,
}

impl<H: Handler> Session<H> {
    fn new(peer: SocketAddr, handler: Arc<H>, config: Arc<ServerConfig>) -> Self {
        Self {
            handler,
            config,
            tx: Transaction::new(peer),
            greeted: false,
            in_mail: false,
        }
    }

    async fn run<S: AsyncRead + AsyncWrite + Unpin>(mut self, stream: S) -> io::Result<()> {
        let idle = self.config.idle_timeout;
        let mut wire = Wire::new(Stream::Plain(stream)).with_idle_timeout(idle);
        let greeting = format!("{} ESMTP {}", self.config.hostname, self.config.greeting);
        wire.queue(&Reply::new(220, greeting.trim_end()));
        wire.flush().await?;
        let max = self.config.max_line_length;
        let mut line = Vec::new();
        let mut first = true;
        loop {
            line.clear();
            let read = match wire.read_line(&mut line, max.saturating_add(2)).await {
                Err(error) if is_idle_timeout(&error) => {
                    wire.queue(&idle_timeout());
                    wire.flush().await?;
                    return Ok(());
                }
                read => read?,
            };
            let is_first = std::mem::replace(&mut first, false);
            let text = match read {
                LineRead::Eof => return Ok(()),
                LineRead::TooLong => None,
                LineRead::Line => Some(strip_eol(&line)).filter(|text| text.len() <= max),
            };
            let Some(text) = text else {
                wire.queue(&CommandError::LineTooLong { max }.reply());
                continue;
            };
            if text.starts_with(b"PROXY ") {
                if let Err(reply) = self.proxy(text, is_first) {
                    wire.queue(&reply);
                    wire.flush().await?;
                    return Ok(());
                }
                continue;
            }
            match self.command(text, &mut wire).await? {
                Flow::Continue => {}
                Flow::Close => {
                    wire.flush().await?;
                    return Ok(());
                }
                Flow::StartTls => {
                    wire.flush().await?;
                    // Bytes the client sent before the handshake are
                    // dropped with the plain reader (RFC 3207 §4).
                    let stream = wire.into_inner();
                    let (Stream::Plain(plain), Some(config)) = (stream, &self.config.tls) else {
                        return Ok(());
                    };
                    let tls = tokio_rustls::TlsAcceptor::from(Arc::clone(config))
                        .accept(plain)
                        .await?;
                    let version = tls.get_ref().1.protocol_version().map(version_name);
                    self.start_over(version);
                    wire = Wire::new(Stream::Tls(Box::new(tls))).with_idle_timeout(idle);
                }
            }
        }
    }

    /// After the TLS handshake the session starts over: the client must
    /// greet again and nothing said in plain text counts (RFC 3207 §4.2).
    /// The client IP of a PROXY header stays: it describes the socket.
    fn start_over(&mut self, version: Option<String>) {
        self.reset();
        self.greeted = false;
        self.tx.helo.clear();
        self.tx.esmtp = false;
        self.tx.tls = Some(version.unwrap_or_else(|| "TLS".to_string()));
    }

    /// The reply to STARTTLS; `None` when the upgrade may go ahead.
    fn starttls(&self) -> Option<Reply> {
        if self.config.tls.is_none() {
            Some(Reply::new(502, "5.5.1 command not implemented"))
        } else if self.tx.tls.is_some() {
            Some(Reply::new(503, "5.5.1 TLS already active"))
        } else if !self.greeted {
            Some(Reply::new(503, "5.5.1 send HELO or EHLO first"))
        } else {
            None
        }
    }

    /// Applies a PROXY header, or says why the connection must be refused.
    fn proxy(&mut self, text: &[u8], first: bool) -> Result<(), Reply> {
        let trusted = self.config.accept_proxy && self.tx.peer.ip().to_canonical().is_loopback();
        if !trusted {
            return Err(Reply::new(
                554,
                "5.7.0 proxy header not accepted from this client",
            ));
        }
        if !first {
            return Err(Reply::new(
                554,
                "5.7.0 proxy header accepted only as the first line",
            ));
        }
        if let Some(header) = parse_proxy_v1(text).map_err(|error| error.reply())? {
            self.tx.client_ip = header.source.ip();
            self.tx.proxied = true;
        }
        Ok(())
    }

    async fn command<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        text: &[u8],
        wire: &mut Wire<S>,
    ) -> io::Result<Flow> {
        let reply = match parse_command(text) {
            Err(error) => error.reply(),
            Ok(Command::Helo(domain)) => self.hello(domain, false),
            Ok(Command::Ehlo(domain)) => self.hello(domain, true),
            Ok(Command::Mail { from, params }) => self.mail(from, params),
            Ok(Command::Rcpt { to, .. }) => self.rcpt(to),
            Ok(Command::Data) => return self.data(wire).await,
            Ok(Command::Rset) => {
                self.reset();
                Reply::ok("2.0.0 Ok")
            }
            Ok(Command::Noop) => Reply::ok("2.0.0 Ok"),
            Ok(Command::Quit) => {
                wire.queue(&Reply::new(221, "2.0.0 Bye"));
                return Ok(Flow::Close);
            }
            Ok(Command::Vrfy(_)) => Reply::new(
                252,
                "2.5.0 Cannot VRFY user, but will accept message and attempt delivery",
            ),
            Ok(Command::Help) => Reply::new(
                214,
                "2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP",
            ),
            Ok(Command::StartTls) => match self.starttls() {
                Some(refusal) => refusal,
                None => {
                    self.reset();
                    wire.queue(&Reply::new(220, "2.0.0 Ready to start TLS"));
                    return Ok(Flow::StartTls);
                }
            },
            Ok(Command::Auth(_)) => Reply::new(502, "5.5.1 command not implemented"),
        };
        wire.queue(&reply);
        Ok(Flow::Continue)
    }

    /// Clears the mail transaction; the greeting stays.
    fn reset(&mut self) {
        self.in_mail = false;
        self.tx.mail_from.clear();
        self.tx.mail_params.clear();
        self.tx.rcpt_to.clear();
        self.tx.data.clear();
    }

    fn hello(&mut self, domain: String, esmtp: bool) -> Reply {
        self.reset();
        self.greeted = true;
        self.tx.helo = domain;
        self.tx.esmtp = esmtp;
        let hostname = &self.config.hostname;
        if esmtp {
            let starttls = if self.config.tls.is_some() && self.tx.tls.is_none() {
                "\nSTARTTLS"
            } else {
                ""
            };
            Reply::ok(format!(
                "{hostname}\nPIPELINING\n8BITMIME\nSIZE {}{starttls}\nENHANCEDSTATUSCODES\nSMTPUTF8",
                self.config.max_message_size
            ))
        } else {
            Reply::ok(hostname.clone())
        }
    }

    fn mail(&mut self, from: String, params: Vec<(String, Option<String>)>) -> Reply {
        if !self.greeted {
            return Reply::new(503, "5.5.1 send HELO or EHLO first");
        }
        if self.in_mail {
            return Reply::new(503, "5.5.1 nested MAIL command");
        }
        if let Some((_, size)) = params.iter().find(|(key, _)| key == "SIZE") {
            match size.as_deref().map(str::parse::<u64>) {
                Some(Ok(size)) if size > self.config.max_message_size as u64 => {
                    return Reply::new(
                        552,
                        "5.3.4 message size exceeds fixed maximum message size",
                    );
                }
                Some(Ok(_)) => {}
                _ => return Reply::new(501, "5.5.4 expected a decimal number after SIZE="),
            }
        }
        self.in_mail = true;
        self.tx.mail_from = from;
        self.tx.mail_params = params;
        Reply::ok("2.1.0 Ok")
    }

    fn rcpt(&mut self, to: String) -> Reply {
        if !self.in_mail {
            return Reply::new(503, "5.5.1 send MAIL first");
        }
        if self.tx.rcpt_to.len() >= self.config.max_recipients {
            return Reply::new(452, "4.5.3 too many recipients");
        }
        match self.handler.rcpt(&self.tx, &to) {
            Some(reply) => {
                if reply.is_positive() {
                    self.tx.rcpt_to.push(to);
                }
                reply
            }
            None => {
                self.tx.rcpt_to.push(to);
                Reply::ok("2.1.5 Ok")
            }
        }
    }

    async fn data<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        wire: &mut Wire<S>,
    ) -> io::Result<Flow> {
        if !self.in_mail {
            wire.queue(&Reply::new(503, "5.5.1 send MAIL first"));
            return Ok(Flow::Continue);
        }
        if self.tx.rcpt_to.is_empty() {
            wire.queue(&Reply::new(503, "5.5.1 send RCPT first"));
            return Ok(Flow::Continue);
        }
        wire.queue(&Reply::new(354, "End data with <CR><LF>.<CR><LF>"));
        let endings = self.config.line_endings;
        let reply = match wire
            .read_message(self.config.max_message_size, endings)
            .await
        {
            Err(error) if is_idle_timeout(&error) => {
                self.reset();
                wire.queue(&idle_timeout());
                return Ok(Flow::Close);
            }
            Err(error) => return Err(error),
            Ok(Message::Closed) => return Ok(Flow::Close),
            Ok(Message::TooBig) => {
                Reply::new(552, "5.3.4 message exceeds fixed maximum message size")
            }
            Ok(Message::Bare(bare)) => bare.reply(),
            Ok(Message::Complete(data)) => {
                let mut tx = self.tx.clone();
                tx.data = data;
                self.handler.deliver(tx).await
            }
        };
        self.reset();
        wire.queue(&reply);
        Ok(Flow::Continue)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// Records deliveries; vetoes recipients at `reject.test`.
    #[derive(Default)]
    struct Recorder {
        delivered: Mutex<Vec<Transaction>>,
    }

    impl Handler for Recorder {
        async fn deliver(&self, tx: Transaction) -> Reply {
            self.delivered.lock().unwrap().push(tx);
            Reply::ok("2.0.0 Ok: queued")
        }

        fn rcpt(&self, _tx: &Transaction, rcpt: &str) -> Option<Reply> {
            rcpt.ends_with("@reject.test")
                .then(|| Reply::new(550, "5.1.1 no such user"))
        }
    }

    fn config() -> ServerConfig {
        ServerConfig {
            hostname: "mx.test".into(),
            max_message_size: 100,
            max_recipients: 2,
            max_line_length: 64,
            idle_timeout: Duration::from_secs(30),
            max_connections: 8,
            accept_proxy: true,
            greeting: "ready".into(),
            tls: None,
            line_endings: crate::smtp::LineEndings::Strict,
        }
    }

    /// Runs a session over an in-memory stream: writes `script`, closes the
    /// write side and returns the replies (minus the greeting) and the
    /// deliveries.
    async fn converse_from(
        peer: &str,
        config: ServerConfig,
        script: &[u8],
    ) -> (Vec<String>, Vec<Transaction>) {
        drive(peer, config, script, true).await
    }

    /// Writes `script` (then closes the write side, or not) and returns
    /// what the server sent until it closed, minus the greeting, and the
    /// deliveries.
    async fn drive(
        peer: &str,
        config: ServerConfig,
        script: &[u8],
        close: bool,
    ) -> (Vec<String>, Vec<Transaction>) {
        let handler = Arc::new(Recorder::default());
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let session = Session::new(
            peer.parse().unwrap(),
            Arc::clone(&handler),
            Arc::new(config),
        );
        let task = tokio::spawn(session.run(server));
        client.write_all(script).await.unwrap();
        if close {
            client.shutdown().await.unwrap();
        }
        let mut replies = String::new();
        client.read_to_string(&mut replies).await.unwrap();
        task.await.unwrap().unwrap();
        let mut lines: Vec<String> = replies
            .split_terminator("\r\n")
            .map(str::to_string)
            .collect();
        assert_eq!(lines.remove(0), "220 mx.test ESMTP ready");
        let delivered = std::mem::take(&mut *handler.delivered.lock().unwrap());
        (lines, delivered)
    }

    async fn converse(script: &str) -> (Vec<String>, Vec<Transaction>) {
        converse_from("127.0.0.1:40000", config(), script.as_bytes()).await
    }

    #[tokio::test]
    async fn ehlo_advertises_extensions() {
        let (replies, _) = converse("EHLO c.test\r\nHELO c.test\r\nQUIT\r\n").await;
        assert_eq!(
            replies,
            [
                "250-mx.test",
                "250-PIPELINING",
                "250-8BITMIME",
                "250-SIZE 100",
                "250-ENHANCEDSTATUSCODES",
                "250 SMTPUTF8",
                "250 mx.test",
                "221 2.0.0 Bye",
            ]
        );
    }

    #[tokio::test]
    async fn one_message() {
        let (replies, delivered) = converse(
            "EHLO c.test\r\nMAIL FROM:<a@b.test> BODY=8BITMIME\r\nRCPT TO:<c@d.test>\r\n\
             DATA\r\nSubject: hi\r\n\r\n..x\r\nline\r\n.\r\nQUIT\r\n",
        )
        .await;
        assert_eq!(
            replies[6..],
            [
                "250 2.1.0 Ok",
                "250 2.1.5 Ok",
                "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued",
                "221 2.0.0 Bye",
            ]
        );
        let [tx] = &delivered[..] else {
            panic!("{delivered:?}")
        };
        assert_eq!(tx.helo, "c.test");
        assert!(tx.esmtp);
        assert!(!tx.proxied);
        assert_eq!(tx.client_ip, tx.peer.ip());
        assert_eq!(tx.mail_from, "a@b.test");
        assert_eq!(
            tx.mail_params,
            [("BODY".to_string(), Some("8BITMIME".to_string()))]
        );
        assert_eq!(tx.rcpt_to, ["c@d.test"]);
        assert_eq!(tx.data, b"Subject: hi\r\n\r\n.x\r\nline\r\n");
    }

    #[tokio::test]
    async fn a_bare_lf_refuses_the_message_and_the_session_goes_on() {
        let (replies, delivered) = converse(
            "EHLO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n\
             DATA\r\nSubject: hi\r\n\r\nx\n.\r\nMAIL FROM:<evil@e.test>\r\n\r\n.\r\n\
             MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\nok\r\n.\r\n",
        )
        .await;
        assert_eq!(
            replies[6..],
            [
                "250 2.1.0 Ok",
                "250 2.1.5 Ok",
                "354 End data with <CR><LF>.<CR><LF>",
                "550 5.5.2 Error: bare <LF> received",
                "250 2.1.0 Ok",
                "250 2.1.5 Ok",
                "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued",
            ]
        );
        let [tx] = &delivered[..] else {
            panic!("{delivered:?}")
        };
        assert_eq!(tx.data, b"ok\r\n");
    }

    #[tokio::test]
    async fn transaction_resets_after_data_but_helo_stays() {
        let (replies, delivered) = converse(
            "HELO c.test\r\nMAIL FROM:<>\r\nRCPT TO:<x@y>\r\nDATA\r\n1\r\n.\r\n\
             RCPT TO:<x@y>\r\nMAIL FROM:<a@b>\r\nRCPT TO:<z@y>\r\nDATA\r\n2\r\n.\r\n",
        )
        .await;
        assert_eq!(replies[5], "503 5.5.1 send MAIL first");
        assert_eq!(delivered.len(), 2);
        assert_eq!(delivered[0].mail_from, "");
        assert!(!delivered[0].esmtp);
        assert_eq!(delivered[1].rcpt_to, ["z@y"]);
        assert_eq!(delivered[1].helo, "c.test");
        assert_eq!(delivered[1].data, b"2\r\n");
    }

    #[tokio::test]
    async fn sequencing_errors() {
        let (replies, delivered) = converse(
            "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nEHLO c\r\nRCPT TO:<c@d>\r\n\
             MAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\nDATA\r\nRSET\r\nRCPT TO:<c@d>\r\n",
        )
        .await;
        let codes: Vec<&str> = replies.iter().map(|r| &r[..9]).collect();
        assert_eq!(
            codes,
            [
                "503 5.5.1",
                "503 5.5.1",
                "503 5.5.1",
                "250-mx.te",
                "250-PIPEL",
                "250-8BITM",
                "250-SIZE ",
                "250-ENHAN",
                "250 SMTPU",
                "503 5.5.1",
                "250 2.1.0",
                "503 5.5.1",
                "503 5.5.1",
                "250 2.0.0",
                "503 5.5.1",
            ]
        );
        assert!(delivered.is_empty());
    }

    #[tokio::test]
    async fn size_param_and_oversized_message() {
        let big = "x".repeat(120);
        let (replies, delivered) = converse(&format!(
            "EHLO c\r\nMAIL FROM:<a@b> SIZE=101\r\nMAIL FROM:<a@b> SIZE=big\r\n\
             MAIL FROM:<a@b> SIZE=100\r\nRCPT TO:<c@d>\r\nDATA\r\n{big}\r\n.\r\nNOOP\r\n"
        ))
        .await;
        assert_eq!(
            replies[6..],
            [
                "552 5.3.4 message size exceeds fixed maximum message size",
                "501 5.5.4 expected a decimal number after SIZE=",
                "250 2.1.0 Ok",
                "250 2.1.5 Ok",
                "354 End data with <CR><LF>.<CR><LF>",
                "552 5.3.4 message exceeds fixed maximum message size",
                "250 2.0.0 Ok",
            ]
        );
        assert!(delivered.is_empty());
    }

    #[tokio::test]
    async fn recipient_limit_and_veto() {
        let (replies, delivered) = converse(
            "EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@reject.test>\r\nRCPT TO:<1@d>\r\n\
             RCPT TO:<2@d>\r\nRCPT TO:<3@d>\r\nDATA\r\nm\r\n.\r\n",
        )
        .await;
        assert_eq!(
            replies[6..11],
            [
                "250 2.1.0 Ok",
                "550 5.1.1 no such user",
                "250 2.1.5 Ok",
                "250 2.1.5 Ok",
                "452 4.5.3 too many recipients",
            ]
        );
        assert_eq!(delivered[0].rcpt_to, ["1@d", "2@d"]);
    }

    #[tokio::test]
    async fn other_commands() {
        let (replies, _) =
            converse("NOOP\r\nVRFY x\r\nHELP\r\nSTARTTLS\r\nAUTH PLAIN\r\nxyzzy\r\nMAIL\r\n").await;
        let codes: Vec<&str> = replies.iter().map(|r| &r[..9]).collect();
        assert_eq!(
            codes,
            [
                "250 2.0.0",
                "252 2.5.0",
                "214 2.0.0",
                "502 5.5.1",
                "502 5.5.1",
                "500 5.5.1",
                "501 5.5.4"
            ]
        );
    }

    #[tokio::test]
    async fn long_and_non_utf8_lines() {
        let long = "x".repeat(65);
        let (replies, _) = converse_from(
            "127.0.0.1:1",
            config(),
            format!("NOOP {}\r\nNOOP {long}\r\nNOOP\r\n", "x".repeat(59))
                .as_bytes()
                .iter()
                .chain(b"MAIL FROM:<\xff@b>\r\n\xff\xfe\r\n")
                .copied()
                .collect::<Vec<u8>>()
                .as_slice(),
        )
        .await;
        let codes: Vec<&str> = replies.iter().map(|r| &r[..9]).collect();
        assert_eq!(
            codes,
            [
                "250 2.0.0",
                "500 5.5.2",
                "250 2.0.0",
                "501 5.5.4",
                "500 5.5.1"
            ]
        );
    }

    #[tokio::test]
    async fn proxy_header_from_loopback() {
        let (_, delivered) = converse(
            "PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\r\nHELO c\r\nMAIL FROM:<a@b>\r\n\
             RCPT TO:<c@d>\r\nDATA\r\nm\r\n.\r\n",
        )
        .await;
        assert_eq!(delivered[0].client_ip.to_string(), "203.0.113.7");
        assert!(delivered[0].proxied);
        assert_eq!(delivered[0].peer.to_string(), "127.0.0.1:40000");
    }

    #[tokio::test]
    async fn proxy_unknown_keeps_the_peer() {
        let (replies, delivered) = converse(
            "PROXY UNKNOWN\r\nHELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nm\r\n.\r\n",
        )
        .await;
        assert_eq!(replies[0], "250 mx.test");
        assert!(!delivered[0].proxied);
        assert_eq!(delivered[0].client_ip.to_string(), "127.0.0.1");
    }

    #[tokio::test]
    async fn proxy_header_refused() {
        let line = b"PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\r\nNOOP\r\n";
        let refused = ["554 5.7.0 proxy header not accepted from this client"];
        // Not from loopback.
        let (replies, _) = converse_from("192.0.2.1:1", config(), line).await;
        assert_eq!(replies, refused);
        // Not enabled.
        let off = ServerConfig {
            accept_proxy: false,
            ..config()
        };
        let (replies, _) = converse_from("127.0.0.1:1", off, line).await;
        assert_eq!(replies, refused);
        // Not the first line.
        let (replies, _) =
            converse("NOOP\r\nPROXY TCP4 203.0.113.7 127.0.0.1 1 25\r\nNOOP\r\n").await;
        assert_eq!(
            replies,
            [
                "250 2.0.0 Ok",
                "554 5.7.0 proxy header accepted only as the first line"
            ]
        );
        // Malformed.
        let (replies, _) = converse("PROXY TCP4 nonsense\r\nNOOP\r\n").await;
        assert_eq!(replies.len(), 1);
        assert!(replies[0].starts_with("554 5.7.0 expected a proxy protocol v1 header"));
    }

    /// Writes `script` and keeps the write side open, so only the idle
    /// timeout (50 ms) can end the session; returns what the server sent
    /// until it closed, minus the greeting, and the deliveries.
    async fn silent_after(script: &[u8]) -> (Vec<String>, Vec<Transaction>) {
        let config = ServerConfig {
            idle_timeout: Duration::from_millis(50),
            ..config()
        };
        drive("127.0.0.1:1", config, script, false).await
    }

    #[tokio::test]
    async fn idle_client_is_closed_with_421() {
        let (replies, _) = silent_after(b"").await;
        assert_eq!(replies, ["421 4.4.2 idle timeout"]);
        let (replies, _) = silent_after(b"NOOP\r\n").await;
        assert_eq!(replies, ["250 2.0.0 Ok", "421 4.4.2 idle timeout"]);
    }

    #[tokio::test]
    async fn idle_during_data_delivers_nothing() {
        let (replies, delivered) =
            silent_after(b"HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\npart\r\n").await;
        assert_eq!(
            replies[3..],
            [
                "354 End data with <CR><LF>.<CR><LF>",
                "421 4.4.2 idle timeout"
            ]
        );
        assert!(delivered.is_empty());
    }

    #[tokio::test]
    async fn dropped_during_data_delivers_nothing() {
        let (replies, delivered) = converse(
            "HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: x\r\n\r\npart",
        )
        .await;
        assert_eq!(
            replies.last().unwrap(),
            "354 End data with <CR><LF>.<CR><LF>"
        );
        assert!(delivered.is_empty());
    }

    /// Reads one reply (all its lines) from a client-side reader.
    async fn reply_lines<R: tokio::io::AsyncBufRead + Unpin>(reader: &mut R) -> Vec<String> {
        use tokio::io::AsyncBufReadExt;
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await.unwrap();
            assert!(line.ends_with("\r\n"), "bad reply line {line:?}");
            let last = line.as_bytes().get(3) == Some(&b' ');
            lines.push(line.trim_end().to_string());
            if last {
                return lines;
            }
        }
    }

    #[tokio::test]
    async fn starttls_upgrades_and_the_session_starts_over() {
        use tokio::io::BufReader;
        use tokio_rustls::rustls::{self, pki_types::ServerName};

        let certificate = crate::smtp::SelfSigned::generate("mx.test").unwrap();
        let config = ServerConfig {
            tls: Some(certificate.server_config.clone()),
            ..config()
        };
        let handler = Arc::new(Recorder::default());
        let (client, server) = tokio::io::duplex(1 << 20);
        let session = Session::new(
            "127.0.0.1:40000".parse().unwrap(),
            Arc::clone(&handler),
            Arc::new(config),
        );
        let task = tokio::spawn(session.run(server));
        let mut plain = BufReader::new(client);
        assert_eq!(reply_lines(&mut plain).await, ["220 mx.test ESMTP ready"]);
        plain.get_mut().write_all(b"STARTTLS\r\n").await.unwrap();
        assert_eq!(
            reply_lines(&mut plain).await,
            ["503 5.5.1 send HELO or EHLO first"]
        );
        plain.get_mut().write_all(b"EHLO c.test\r\n").await.unwrap();
        let ehlo = reply_lines(&mut plain).await;
        assert!(ehlo.contains(&"250-STARTTLS".to_string()), "{ehlo:?}");
        // A command pipelined after STARTTLS is dropped, never run
        // (RFC 3207 §4.2): no reply to it comes, in plain text or after.
        plain
            .get_mut()
            .write_all(b"STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n")
            .await
            .unwrap();
        assert_eq!(
            reply_lines(&mut plain).await,
            ["220 2.0.0 Ready to start TLS"]
        );
        assert!(plain.buffer().is_empty());

        let mut roots = rustls::RootCertStore::empty();
        roots.add(certificate.certificate.clone().into()).unwrap();
        let client_config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let tls = tokio_rustls::TlsConnector::from(Arc::new(client_config))
            .connect(ServerName::try_from("mx.test").unwrap(), plain.into_inner())
            .await
            .unwrap();
        let mut secure = BufReader::new(tls);
        // The plain-text greeting no longer counts.
        secure
            .get_mut()
            .write_all(b"MAIL FROM:<a@b.test>\r\n")
            .await
            .unwrap();
        assert_eq!(
            reply_lines(&mut secure).await,
            ["503 5.5.1 send HELO or EHLO first"]
        );
        secure
            .get_mut()
            .write_all(b"EHLO c.test\r\n")
            .await
            .unwrap();
        let ehlo = reply_lines(&mut secure).await;
        assert!(!ehlo.iter().any(|l| l.contains("STARTTLS")), "{ehlo:?}");
        secure
            .get_mut()
            .write_all(
                b"STARTTLS\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n\
                  Subject: secret\r\n\r\n..dot\r\n.\r\nQUIT\r\n",
            )
            .await
            .unwrap();
        let mut replies = Vec::new();
        for _ in 0..6 {
            replies.extend(reply_lines(&mut secure).await);
        }
        assert_eq!(
            replies,
            [
                "503 5.5.1 TLS already active",
                "250 2.1.0 Ok",
                "250 2.1.5 Ok",
                "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued",
                "221 2.0.0 Bye",
            ]
        );
        task.await.unwrap().unwrap();
        let delivered = std::mem::take(&mut *handler.delivered.lock().unwrap());
        let [tx] = &delivered[..] else {
            panic!("{delivered:?}")
        };
        assert_eq!(tx.tls.as_deref(), Some("TLSv1.3"));
        assert_eq!(tx.helo, "c.test");
        assert_eq!(tx.mail_from, "a@b.test");
        assert_eq!(tx.data, b"Subject: secret\r\n\r\n.dot\r\n");
    }
}
