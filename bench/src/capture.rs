//! Capture ingest: the in-process capture, or another sink, driven by the
//! load generator.

use std::net::SocketAddr;

use anyhow::{bail, ensure};
use mailharness::capture::{CaptureConfig, CaptureHandle};

use crate::load::{self, drive};

/// Drives the capture (or `target`) and prints one line:
/// `capture sink=<name> clients=N size=B messages=M seconds=S msgs_per_s=R intact=…`.
pub async fn run(
    clients: usize,
    size: usize,
    messages: usize,
    target: Option<SocketAddr>,
) -> anyhow::Result<()> {
    ensure!(clients > 0, "expected at least one client, found 0");
    let (sink, outcome, intact) = match target {
        Some(addr) => {
            let outcome = drive(addr, clients, size, messages).await?;
            (format!("{addr}"), outcome, "unchecked".to_string())
        }
        None => {
            let config = CaptureConfig {
                starttls: false,
                ..CaptureConfig::default()
            };
            let capture = CaptureHandle::start("127.0.0.1:0".parse()?, config).await?;
            let outcome = drive(capture.addr(), clients, size, messages).await?;
            check_intact(&capture, clients, size, messages)?;
            capture.shutdown().await?;
            ("capture".to_string(), outcome, "yes".to_string())
        }
    };
    ensure!(
        outcome.accepted == messages,
        "expected {messages} messages accepted, found {}",
        outcome.accepted
    );
    let seconds = outcome.elapsed.as_secs_f64();
    println!(
        "capture sink={sink} clients={clients} size={size} messages={messages} \
         seconds={seconds:.3} msgs_per_s={:.0} intact={intact}",
        messages as f64 / seconds
    );
    Ok(())
}

/// Every message the generator sent is stored exactly once, byte for byte.
fn check_intact(
    capture: &CaptureHandle,
    clients: usize,
    size: usize,
    messages: usize,
) -> anyhow::Result<()> {
    let stored = capture.mailbox().messages();
    ensure!(
        stored.len() == messages,
        "expected {messages} stored messages, found {}",
        stored.len()
    );
    let mut seen = vec![Vec::<bool>::new(); clients];
    for captured in &stored {
        let raw = captured.raw();
        let (client, n) = ids(&raw)?;
        let expected = load::message(client, n, size);
        if *raw != *expected {
            bail!(
                "message {client}/{n} was stored altered ({} bytes)",
                raw.len()
            );
        }
        let slots = seen
            .get_mut(client)
            .ok_or_else(|| anyhow::anyhow!("expected a client below {clients}, found {client}"))?;
        if slots.len() <= n {
            slots.resize(n + 1, false);
        }
        ensure!(!slots[n], "message {client}/{n} was stored twice");
        slots[n] = true;
    }
    Ok(())
}

/// The client and message numbers from the `Subject: load C N` line.
fn ids(raw: &[u8]) -> anyhow::Result<(usize, usize)> {
    let text = String::from_utf8_lossy(&raw[..raw.len().min(512)]);
    let subject = text
        .lines()
        .find_map(|l| l.strip_prefix("Subject: load "))
        .ok_or_else(|| anyhow::anyhow!("expected a Subject: load line, found none"))?;
    let mut parts = subject.split_whitespace().map(str::parse::<usize>);
    match (parts.next(), parts.next()) {
        (Some(Ok(c)), Some(Ok(n))) => Ok((c, n)),
        _ => bail!("expected \"load CLIENT N\" in the subject, found {subject:?}"),
    }
}
