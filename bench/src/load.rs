//! The SMTP load generator: raw TCP, one connection per client, MAIL, RCPT
//! and DATA pipelined in one write, then the message and its dot in one
//! more.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

/// The message client `client` sends as its `n`th: `size` bytes (at
/// least the header), CRLF lines of 78 characters at most, none starting
/// with a dot, ending with CRLF.
pub fn message(client: usize, n: usize, size: usize) -> Vec<u8> {
    let mut out = format!(
        "From: load@sender.test\r\nTo: sink@receiver.test\r\nSubject: load {client} {n}\r\n\
         Message-ID: <c{client}.m{n}@sender.test>\r\n\r\n"
    )
    .into_bytes();
    // The body is cut from a repeated alphabet with memcpy, so that the
    // generator spends little of the CPU it shares with the sink.
    const PATTERN: &[u8] = b"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\
        abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";
    // Room for the terminating dot line the generator appends.
    out.reserve((size + 3).saturating_sub(out.len()));
    let mut i = 0usize;
    while out.len() + 2 < size {
        let room = (size - out.len() - 2).min(76);
        let from = (i + client + n) % 26;
        out.extend_from_slice(&PATTERN[from..from + room]);
        out.extend_from_slice(b"\r\n");
        i += 1;
    }
    out
}

/// What one run of the generator did.
pub struct Outcome {
    pub elapsed: Duration,
    /// Messages answered with 250 at the end of DATA.
    pub accepted: usize,
}

/// Sends `messages` messages of `size` bytes to `addr` over `clients`
/// concurrent connections; fails on any reply other than the expected one.
pub async fn drive(
    addr: SocketAddr,
    clients: usize,
    size: usize,
    messages: usize,
) -> anyhow::Result<Outcome> {
    let start = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let share = messages / clients + usize::from(client < messages % clients);
            tokio::spawn(async move { session(addr, client, share, size).await })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        accepted += task.await??;
    }
    Ok(Outcome {
        elapsed: start.elapsed(),
        accepted,
    })
}

/// One connection sending `count` messages; returns how many were accepted.
async fn session(
    addr: SocketAddr,
    client: usize,
    count: usize,
    size: usize,
) -> anyhow::Result<usize> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    expect(&mut read, &mut line, "220").await?;
    write.write_all(b"EHLO load.sender.test\r\n").await?;
    expect(&mut read, &mut line, "250").await?;
    let mut accepted = 0;
    for n in 0..count {
        let mut body = message(client, n, size);
        body.extend_from_slice(b".\r\n");
        write
            .write_all(b"MAIL FROM:<load@sender.test>\r\nRCPT TO:<sink@receiver.test>\r\nDATA\r\n")
            .await?;
        expect(&mut read, &mut line, "250").await?;
        expect(&mut read, &mut line, "250").await?;
        expect(&mut read, &mut line, "354").await?;
        // The message and its dot in one write, as a mailer with the
        // whole message at hand sends it.
        write.write_all(&body).await?;
        expect(&mut read, &mut line, "250").await?;
        accepted += 1;
    }
    write.write_all(b"QUIT\r\n").await?;
    expect(&mut read, &mut line, "221").await?;
    Ok(accepted)
}

/// Reads one reply (every line of a multi-line one) and checks its code.
async fn expect(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &mut String,
    code: &str,
) -> anyhow::Result<()> {
    loop {
        line.clear();
        if read.read_line(line).await? == 0 {
            bail!("expected a {code} reply, found the connection closed");
        }
        if !line.starts_with(code) {
            bail!("expected a {code} reply, found {:?}", line.trim_end());
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_has_the_size_asked_and_no_leading_dot() {
        for size in [200, 4096, 100 * 1024] {
            let m = message(3, 7, size);
            assert_eq!(m.len(), size);
            assert!(m.ends_with(b"\r\n"));
            assert!(m.split(|&b| b == b'\n').all(|l| l.first() != Some(&b'.')));
        }
    }
}
