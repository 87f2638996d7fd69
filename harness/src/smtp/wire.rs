//! The connection's byte level: bounded line reads, DATA and buffered
//! replies that are flushed only when the client has nothing more pending
//! (which is what makes PIPELINING work without deadlocks).

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

use super::{LineEndings, Reply};

/// The outcome of reading one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LineRead {
    /// A whole line, LF included, was appended.
    Line,
    /// The line was longer than the limit: at most `limit` bytes were
    /// appended and the rest of the line, up to its LF, was discarded.
    TooLong,
    /// The stream ended before a LF; any partial line is meaningless.
    Eof,
}

/// The outcome of reading a message after DATA.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Message {
    /// The message, dot-unstuffed, without the final `.` line.
    Complete(Vec<u8>),
    /// The final `.` arrived but the message was larger than the maximum;
    /// nothing was kept.
    TooBig,
    /// The final `.` arrived but the message held a bare LF or CR, which
    /// [`LineEndings::Strict`] refuses; nothing was kept.
    Bare(BareNewline),
    /// The stream ended before the final `.`.
    Closed,
}

/// A line ending that is not CRLF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BareNewline {
    /// A LF without a CR before it.
    Lf,
    /// A CR without a LF after it.
    Cr,
}

impl BareNewline {
    /// The refusal, in the words of Postfix's `smtpd_forbid_bare_newline`.
    pub(super) fn reply(self) -> Reply {
        let what = match self {
            BareNewline::Lf => "<LF>",
            BareNewline::Cr => "<CR>",
        };
        Reply::new(550, format!("5.5.2 Error: bare {what} received"))
    }
}

/// One LF-terminated piece of a message as [`read_chunk`] reads it: what
/// the line-ending rules need to know, even of bytes that were not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Chunk {
    pub read: LineRead,
    /// The byte before the final LF was a CR.
    pub crlf: bool,
    /// The chunk holds a CR that no LF follows.
    pub bare_cr: bool,
}

/// One line (LF included) appended to `out`, at most `limit` bytes of it
/// kept (memory stays bounded however long the line is), with how the
/// chunk ends and whether it holds a bare CR, looking at every byte, kept
/// or not.
pub(super) async fn read_chunk<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    out: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Chunk> {
    let mut kept = 0;
    let mut overflow = false;
    let mut prev = None;
    let mut bare_cr = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(Chunk {
                read: LineRead::Eof,
                crlf: false,
                bare_cr,
            });
        }
        let (chunk, complete) = match available.iter().position(|&b| b == b'\n') {
            Some(lf) => (&available[..=lf], true),
            None => (available, false),
        };
        let mut crlf = false;
        for &b in chunk {
            if prev == Some(b'\r') {
                if b == b'\n' {
                    crlf = true;
                } else {
                    bare_cr = true;
                }
            }
            prev = Some(b);
        }
        if !overflow {
            let room = limit - kept;
            if chunk.len() <= room {
                out.extend_from_slice(chunk);
                kept += chunk.len();
            } else {
                out.extend_from_slice(&chunk[..room]);
                kept = limit;
                overflow = true;
            }
        }
        let consumed = chunk.len();
        reader.consume(consumed);
        if complete {
            let read = if overflow {
                LineRead::TooLong
            } else {
                LineRead::Line
            };
            return Ok(Chunk {
                read,
                crlf,
                bare_cr,
            });
        }
    }
}

/// How many bytes a connection reads from its socket at once: a 4 KB
/// message with its commands arrives in one read, a 100 KB one in two.
const READ_BUFFER: usize = 64 * 1024;

/// A client connection: a buffered reader over the stream and the replies
/// not yet written.
pub(super) struct Wire<S> {
    reader: BufReader<S>,
    pending: Vec<u8>,
    /// How long the client may stay silent while the server waits for a
    /// line; `None` waits for ever.
    idle_timeout: Option<Duration>,
    /// The size of the last message read on this connection: the next
    /// one's buffer is reserved from it instead of growing from empty.
    size_hint: usize,
}

/// Whether an error from [`Wire::read_line`] or [`Wire::read_message`]
/// means the client stayed silent past the idle timeout.
pub(super) fn is_idle_timeout(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::TimedOut
}

impl<S: AsyncRead + AsyncWrite + Unpin> Wire<S> {
    pub(super) fn new(stream: S) -> Self {
        Self {
            reader: BufReader::with_capacity(READ_BUFFER, stream),
            pending: Vec::new(),
            idle_timeout: None,
            size_hint: 0,
        }
    }

    /// Fails every line read that waits longer than `timeout` for the
    /// client with an error [`is_idle_timeout`] recognises.
    pub(super) fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// The stream, for a STARTTLS upgrade. Input buffered beyond the
    /// command is dropped: a client must wait for the 220 before the
    /// handshake (RFC 3207 §4), and bytes sent in plain text must never be
    /// read as commands of the encrypted session.
    pub(super) fn into_inner(self) -> S {
        self.reader.into_inner()
    }

    /// Queues a reply; it is written at the next flush.
    pub(super) fn queue(&mut self, reply: &Reply) {
        self.pending.extend_from_slice(reply.to_wire().as_bytes());
    }

    /// Writes the queued replies.
    pub(super) async fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let stream = self.reader.get_mut();
            stream.write_all(&self.pending).await?;
            stream.flush().await?;
            self.pending.clear();
        }
        Ok(())
    }

    /// Reads one line like [`read_chunk`]; flushes the queued replies first
    /// unless a whole line is already buffered, so that the server never
    /// waits for a client that waits for a reply.
    pub(super) async fn read_line(
        &mut self,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> io::Result<LineRead> {
        Ok(self.read_chunk(out, limit).await?.read)
    }

    /// [`read_chunk`] with the flushing of [`Wire::read_line`]. The idle
    /// timeout is armed only when the line is not buffered whole, that is
    /// when the read may wait for the client.
    async fn read_chunk(&mut self, out: &mut Vec<u8>, limit: usize) -> io::Result<Chunk> {
        if memchr::memchr(b'\n', self.reader.buffer()).is_some() {
            return read_chunk(&mut self.reader, out, limit).await;
        }
        self.flush().await?;
        let read = read_chunk(&mut self.reader, out, limit);
        match self.idle_timeout {
            None => read.await,
            Some(timeout) => tokio::time::timeout(timeout, read)
                .await
                .unwrap_or_else(|_| Err(io::Error::new(io::ErrorKind::TimedOut, "idle timeout"))),
        }
    }

    /// Reads a message after the 354 reply, up to its end as `endings`
    /// reads it (`<CRLF>.<CRLF>`; with [`LineEndings::Lenient`] also
    /// `<LF>.<LF>` and `<LF>.<CRLF>`). Bytes are kept exactly as received;
    /// a line starting with `.` loses that first dot (RFC 5321 §4.5.2),
    /// where a line is what follows a CRLF (or, leniently, any LF).
    /// [`LineEndings::Strict`] refuses a message holding a bare LF or CR
    /// once it has been read to its end. Memory stays within `max_size`
    /// plus a few bytes: once the message is larger than `max_size`, or
    /// refused, the rest is read and dropped.
    ///
    /// The lines already buffered are taken in one pass over the buffer
    /// (no await, no timer); only a line that is not buffered whole is
    /// read with [`Wire::read_chunk`], which may wait for the client.
    pub(super) async fn read_message(
        &mut self,
        max_size: usize,
        endings: LineEndings,
    ) -> io::Result<Message> {
        let reserve = self.size_hint.min(max_size).saturating_add(Body::SLACK);
        let mut body = Body::new(max_size, endings, reserve);
        let ended = loop {
            let buffered = self.reader.buffer();
            let mut used = 0;
            let mut ended = false;
            while let Some(lf) = memchr::memchr(b'\n', &buffered[used..]) {
                let line = &buffered[used..=used + lf];
                used += lf + 1;
                if body.buffered_line(line) {
                    ended = true;
                    break;
                }
            }
            self.reader.consume(used);
            if ended {
                break true;
            }
            let (buffer, limit) = body.target();
            let start = buffer.len();
            let chunk = self.read_chunk(buffer, limit).await?;
            if chunk.read == LineRead::Eof {
                break false;
            }
            if body.line(start, chunk) {
                break true;
            }
        };
        if !ended {
            return Ok(Message::Closed);
        }
        let message = body.finish();
        if let Message::Complete(data) = &message {
            self.size_hint = data.len();
        }
        Ok(message)
    }
}

/// A message being read: what is kept, and what the line-ending and size
/// rules have decided so far.
struct Body {
    data: Vec<u8>,
    /// Where a line goes once the message is refused: only its first
    /// bytes, enough to recognise the terminator.
    scratch: Vec<u8>,
    refused: Option<Message>,
    /// The next byte starts a line (after a CRLF, or leniently any LF).
    line_start: bool,
    max_size: usize,
    endings: LineEndings,
}

impl Body {
    /// Room for the terminator line and a stuffing dot beyond `max_size`,
    /// so that the terminator is always recognised.
    const SLACK: usize = 3;

    fn new(max_size: usize, endings: LineEndings, reserve: usize) -> Self {
        Self {
            data: Vec::with_capacity(reserve),
            scratch: Vec::with_capacity(Self::SLACK),
            refused: None,
            line_start: true,
            max_size,
            endings,
        }
    }

    /// The buffer the next line goes to, and how much of it may be kept.
    fn target(&mut self) -> (&mut Vec<u8>, usize) {
        if self.refused.is_none() {
            let limit = (self.max_size - self.data.len()).saturating_add(Self::SLACK);
            (&mut self.data, limit)
        } else {
            self.scratch.clear();
            (&mut self.scratch, Self::SLACK)
        }
    }

    /// Takes one whole line (LF included) from the read buffer, as
    /// [`read_chunk`] would have read it; returns whether it ended the
    /// message.
    fn buffered_line(&mut self, line: &[u8]) -> bool {
        let (buffer, limit) = self.target();
        let start = buffer.len();
        let read = if line.len() <= limit {
            buffer.extend_from_slice(line);
            LineRead::Line
        } else {
            buffer.extend_from_slice(&line[..limit]);
            LineRead::TooLong
        };
        // The only LF is the last byte, so a CR anywhere but just before
        // it is followed by something other than a LF.
        let without_lf = &line[..line.len() - 1];
        let crlf = without_lf.last() == Some(&b'\r');
        let before_eol = &without_lf[..without_lf.len() - usize::from(crlf)];
        let bare_cr = memchr::memchr(b'\r', before_eol).is_some();
        self.line(
            start,
            Chunk {
                read,
                crlf,
                bare_cr,
            },
        )
    }

    /// Applies the rules to a line appended at `start` of the buffer
    /// [`Body::target`] gave; returns whether it ended the message.
    fn line(&mut self, start: usize, chunk: Chunk) -> bool {
        let keeping = self.refused.is_none();
        let lenient = self.endings == LineEndings::Lenient;
        let buffer = if keeping {
            &mut self.data
        } else {
            &mut self.scratch
        };
        // Longer than the terminator: part of an oversized message.
        let whole = chunk.read == LineRead::Line;
        if whole && self.line_start {
            let line = &buffer[start..];
            if line == b".\r\n" || (lenient && line == b".\n") {
                buffer.truncate(start);
                return true;
            }
        }
        if keeping && self.line_start && buffer.get(start) == Some(&b'.') {
            buffer.remove(start);
        }
        if self.refused.is_none() {
            let strict = self.endings == LineEndings::Strict;
            self.refused = if !whole || self.data.len() > self.max_size {
                Some(Message::TooBig)
            } else if strict && !chunk.crlf {
                Some(Message::Bare(BareNewline::Lf))
            } else if strict && chunk.bare_cr {
                Some(Message::Bare(BareNewline::Cr))
            } else {
                None
            };
            if self.refused.is_some() {
                self.data = Vec::new();
            }
        }
        self.line_start = chunk.crlf || lenient;
        false
    }

    /// The message, once its terminator has been read.
    fn finish(self) -> Message {
        match self.refused {
            Some(refused) => refused,
            None => {
                let mut data = self.data;
                // A reservation from a much larger previous message is not
                // kept with this one in the mailbox.
                if data.capacity() > data.len().saturating_mul(2).max(4096) {
                    data.shrink_to_fit();
                }
                Message::Complete(data)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt;

    use super::*;

    async fn lines(input: &[u8], limit: usize) -> Vec<(LineRead, Vec<u8>)> {
        let mut reader = BufReader::with_capacity(4, input);
        let mut out = Vec::new();
        loop {
            let mut line = Vec::new();
            let read = read_chunk(&mut reader, &mut line, limit)
                .await
                .unwrap()
                .read;
            out.push((read, line));
            if read == LineRead::Eof {
                return out;
            }
        }
    }

    #[tokio::test]
    async fn lines_across_buffer_boundaries() {
        let read = lines(b"EHLO a.test\r\nbare\nlast", 100).await;
        assert_eq!(
            read,
            vec![
                (LineRead::Line, b"EHLO a.test\r\n".to_vec()),
                (LineRead::Line, b"bare\n".to_vec()),
                (LineRead::Eof, b"last".to_vec()),
            ]
        );
    }

    #[tokio::test]
    async fn long_lines_are_cut_and_skipped() {
        let read = lines(b"0123456789\r\nok\r\n", 5).await;
        assert_eq!(
            read,
            vec![
                (LineRead::TooLong, b"01234".to_vec()),
                (LineRead::Line, b"ok\r\n".to_vec()),
                (LineRead::Eof, Vec::new()),
            ]
        );
    }

    async fn message_with(
        input: &[u8],
        max_size: usize,
        endings: LineEndings,
    ) -> (Message, Vec<u8>) {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        client.write_all(input).await.unwrap();
        client.shutdown().await.unwrap();
        read_from(server, max_size, endings).await
    }

    /// One message read from `server`, and the rest of the stream.
    async fn read_from(
        server: tokio::io::DuplexStream,
        max_size: usize,
        endings: LineEndings,
    ) -> (Message, Vec<u8>) {
        let mut wire = Wire::new(server);
        let message = wire.read_message(max_size, endings).await.unwrap();
        let mut rest = Vec::new();
        wire.reader.read_to_end(&mut rest).await.unwrap();
        (message, rest)
    }

    async fn message(input: &[u8], max_size: usize) -> (Message, Vec<u8>) {
        message_with(input, max_size, LineEndings::Strict).await
    }

    fn complete(bytes: &[u8]) -> Message {
        Message::Complete(bytes.to_vec())
    }

    #[tokio::test]
    async fn message_is_unstuffed_and_exact() {
        let (read, rest) = message(b"A: b\r\n\r\n..dot\r\n.x\r\n\r\n.\r\nQUIT\r\n", 1000).await;
        assert_eq!(read, complete(b"A: b\r\n\r\n.dot\r\nx\r\n\r\n"));
        assert_eq!(rest, b"QUIT\r\n");
    }

    /// SMTP smuggling: `<LF>.<CRLF>` and `<LF>.<LF>` in the middle of a
    /// message, then the commands of a second one.
    const SMUGGLED: &[u8] = b"a\r\n\n.\r\nMAIL FROM:<x@y>\r\nDATA\r\nb\n.\n\r\n.\r\nQUIT\r\n";

    #[tokio::test]
    async fn strict_ends_only_at_crlf_dot_crlf_and_refuses_bare_lf() {
        let (read, rest) = message(SMUGGLED, 1000).await;
        assert_eq!(read, Message::Bare(BareNewline::Lf));
        assert_eq!(rest, b"QUIT\r\n");
        let (read, _) = message(b"a\n.\n", 1000).await;
        assert_eq!(read, Message::Closed);
        let (read, rest) = message(b"a\rb\r\n.\r\nNOOP\r\n", 1000).await;
        assert_eq!(read, Message::Bare(BareNewline::Cr));
        assert_eq!(rest, b"NOOP\r\n");
        let (read, _) = message(b".\r\r\n.\r\n", 1000).await;
        assert_eq!(read, Message::Bare(BareNewline::Cr));
    }

    #[tokio::test]
    async fn keep_ends_only_at_crlf_dot_crlf_and_keeps_bare_lf() {
        let (read, rest) = message_with(SMUGGLED, 1000, LineEndings::Keep).await;
        assert_eq!(
            read,
            complete(b"a\r\n\n.\r\nMAIL FROM:<x@y>\r\nDATA\r\nb\n.\n\r\n")
        );
        assert_eq!(rest, b"QUIT\r\n");
        // No line starts after a bare LF: its dot stays.
        let (read, _) = message_with(b"x\n..y\r\n..z\r\n.\r\n", 1000, LineEndings::Keep).await;
        assert_eq!(read, complete(b"x\n..y\r\n.z\r\n"));
        let (read, _) = message_with(b".\r\r\n. \r\n..\r\n.\r\n", 1000, LineEndings::Keep).await;
        assert_eq!(read, complete(b"\r\r\n \r\n.\r\n"));
    }

    #[tokio::test]
    async fn lenient_ends_at_a_bare_lf_dot() {
        let (read, rest) = message_with(SMUGGLED, 1000, LineEndings::Lenient).await;
        assert_eq!(read, complete(b"a\r\n\n"));
        assert_eq!(rest, b"MAIL FROM:<x@y>\r\nDATA\r\nb\n.\n\r\n.\r\nQUIT\r\n");
        let (read, _) = message_with(b"a\n.\n", 1000, LineEndings::Lenient).await;
        assert_eq!(read, complete(b"a\n"));
        let (read, _) = message_with(b"x\n..y\r\n.\r\n", 1000, LineEndings::Lenient).await;
        assert_eq!(read, complete(b"x\n.y\r\n"));
    }

    #[tokio::test]
    async fn dot_lookalikes_are_not_terminators() {
        let (read, _) = message(b". \r\n..\r\n.x.\r\n.\r\n", 1000).await;
        assert_eq!(read, complete(b" \r\n.\r\nx.\r\n"));
    }

    #[tokio::test]
    async fn size_limit_is_exact() {
        let (read, _) = message(b"12345678\r\n.\r\n", 10).await;
        assert_eq!(read, complete(b"12345678\r\n"));
        let (read, _) = message(b"..2345678\r\n.\r\n", 10).await;
        assert_eq!(read, complete(b".2345678\r\n"));
        let (read, rest) = message(b"123456789\r\n.\r\nNOOP\r\n", 10).await;
        assert_eq!(read, Message::TooBig);
        assert_eq!(rest, b"NOOP\r\n");
        let (read, rest) = message(b"12345\r\n12345\r\nmore\r\n.\r\nNOOP\r\n", 10).await;
        assert_eq!(read, Message::TooBig);
        assert_eq!(rest, b"NOOP\r\n");
        let long = [vec![b'x'; 100], b"\r\n.\r\nNOOP\r\n".to_vec()].concat();
        let (read, rest) = message(&long, 10).await;
        assert_eq!(read, Message::TooBig);
        assert_eq!(rest, b"NOOP\r\n");
        // A long line ending in a bare LF, then a dot after it: not the end.
        let long = [vec![b'x'; 100], b"\n.\r\nmore\r\n.\r\nNOOP\r\n".to_vec()].concat();
        let (read, rest) = message(&long, 10).await;
        assert_eq!(read, Message::TooBig);
        assert_eq!(rest, b"NOOP\r\n");
    }

    /// The input written `piece` bytes at a time by another task, so that
    /// lines arrive split across reads.
    async fn message_in_pieces(
        input: &[u8],
        piece: usize,
        max_size: usize,
        endings: LineEndings,
    ) -> (Message, Vec<u8>) {
        let (mut client, server) = tokio::io::duplex(piece);
        let input = input.to_vec();
        let writer = tokio::spawn(async move {
            for part in input.chunks(piece) {
                client.write_all(part).await.unwrap();
            }
            client.shutdown().await.unwrap();
        });
        let read = read_from(server, max_size, endings).await;
        writer.await.unwrap();
        read
    }

    /// Whole lines taken from the buffer and lines read as they arrive, a
    /// byte or a few at a time, give the same message, refusal and rest.
    #[tokio::test]
    async fn buffered_and_arriving_lines_read_alike() {
        let long = [vec![b'x'; 100], b"\n.\r\nmore\r\n.\r\nNOOP\r\n".to_vec()].concat();
        let inputs: [&[u8]; 10] = [
            b"A: b\r\n\r\n..dot\r\n.x\r\n\r\n.\r\nQUIT\r\n",
            SMUGGLED,
            b"a\rb\r\n.\r\nNOOP\r\n",
            b".\r\r\n.\r\n",
            b"x\n..y\r\n..z\r\n.\r\n",
            b". \r\n..\r\n.x.\r\n.\r\n",
            b"12345\r\n12345\r\nmore\r\n.\r\nNOOP\r\n",
            b"..2345678\r\n.\r\n",
            b"Subject: x\r\n\r\npartial",
            &long,
        ];
        for input in inputs {
            for endings in [LineEndings::Strict, LineEndings::Keep, LineEndings::Lenient] {
                for max_size in [10, 1000] {
                    let whole = message_with(input, max_size, endings).await;
                    for piece in [1, 2, 3, 7] {
                        let split = message_in_pieces(input, piece, max_size, endings).await;
                        assert_eq!(
                            split,
                            whole,
                            "{:?} in pieces of {piece}, {endings:?}, max {max_size}",
                            String::from_utf8_lossy(input)
                        );
                    }
                }
            }
        }
    }

    /// A connection reserves the next message's buffer from the last one's
    /// size, and a much smaller message does not keep that reservation.
    #[tokio::test]
    async fn next_message_is_reserved_from_the_last() {
        let big = [vec![b'y'; 8000], b"\r\n.\r\n".to_vec()].concat();
        let (mut client, server) = tokio::io::duplex(1 << 16);
        client.write_all(&big).await.unwrap();
        client.write_all(b"small\r\n.\r\n").await.unwrap();
        client.shutdown().await.unwrap();
        let mut wire = Wire::new(server);
        let first = wire
            .read_message(100_000, LineEndings::Strict)
            .await
            .unwrap();
        assert_eq!(first, complete(&big[..8002]));
        assert_eq!(wire.size_hint, 8002);
        let Message::Complete(second) = wire
            .read_message(100_000, LineEndings::Strict)
            .await
            .unwrap()
        else {
            panic!("the second message was not read");
        };
        assert_eq!(second, b"small\r\n");
        assert!(
            second.capacity() <= 4096,
            "kept {} bytes",
            second.capacity()
        );
    }

    #[tokio::test]
    async fn chunks_see_bytes_across_buffer_boundaries() {
        let mut reader = BufReader::with_capacity(2, &b"ab\r\ncd\rx\n\n"[..]);
        let mut out = Vec::new();
        let first = read_chunk(&mut reader, &mut out, 1).await.unwrap();
        assert_eq!(
            first,
            Chunk {
                read: LineRead::TooLong,
                crlf: true,
                bare_cr: false
            }
        );
        let second = read_chunk(&mut reader, &mut out, 100).await.unwrap();
        assert!(!second.crlf && second.bare_cr, "{second:?}");
        let third = read_chunk(&mut reader, &mut out, 100).await.unwrap();
        assert!(!third.crlf && !third.bare_cr, "{third:?}");
    }

    #[tokio::test]
    async fn closed_before_terminator() {
        let (read, _) = message(b"Subject: x\r\n\r\npartial", 1000).await;
        assert_eq!(read, Message::Closed);
        let (read, _) = message(b"Subject: x\r\n", 1000).await;
        assert_eq!(read, Message::Closed);
    }

    #[tokio::test]
    async fn replies_wait_for_pending_input() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        client.write_all(b"one\r\ntwo\r\n").await.unwrap();
        let mut wire = Wire::new(server);
        let mut line = Vec::new();
        wire.read_line(&mut line, 100).await.unwrap();
        wire.queue(&Reply::ok("1"));
        line.clear();
        // "two" is buffered: no flush yet.
        wire.read_line(&mut line, 100).await.unwrap();
        wire.queue(&Reply::ok("2"));
        let mut byte = [0; 1];
        let polled = std::future::poll_fn(|cx| {
            let mut buf = tokio::io::ReadBuf::new(&mut byte);
            std::task::Poll::Ready(std::pin::Pin::new(&mut client).poll_read(cx, &mut buf))
        })
        .await;
        assert!(polled.is_pending(), "replies were flushed too early");
        client.shutdown().await.unwrap();
        line.clear();
        // Nothing buffered: both replies go out before the read.
        assert_eq!(wire.read_line(&mut line, 100).await.unwrap(), LineRead::Eof);
        drop(wire);
        let mut replies = String::new();
        client.read_to_string(&mut replies).await.unwrap();
        assert_eq!(replies, "250 1\r\n250 2\r\n");
    }
}
