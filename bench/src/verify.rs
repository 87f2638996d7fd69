//! The verifier on saved messages, DNS answered by mock DNS, beside the
//! dkimpy + pyspf + authheaders loop on the same messages and server.

use std::{
    net::IpAddr,
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use anyhow::{Context, bail, ensure};
use mailharness::verify::{Verifier, VerifyInput};
use mock_dns::{Catalog, ServerHandle, parse_zone};

/// A message as the receiver got it, with its envelope.
struct Saved {
    raw: Vec<u8>,
    client_ip: IpAddr,
    helo: String,
    mail_from: String,
}

/// The header fields `mailharness run --save` puts above the received bytes.
const ADDED_FIELDS: usize = 3;

pub async fn run(
    dir: &Path,
    messages: usize,
    concurrency: usize,
    peer: Option<&Path>,
    peer_messages: usize,
    peer_args: &[String],
) -> anyhow::Result<()> {
    ensure!(
        concurrency > 0,
        "expected --concurrency of 1 or more, found 0"
    );
    let saved: Vec<std::sync::Arc<Saved>> =
        load(dir)?.into_iter().map(std::sync::Arc::new).collect();
    let zone = std::fs::read_to_string(dir.join("zone.db"))
        .with_context(|| format!("cannot read {}", dir.join("zone.db").display()))?;
    let records = parse_zone(&zone, ".").map_err(|errors| {
        anyhow::anyhow!(
            "zone.db: {}",
            errors.first().map_or(String::new(), ToString::to_string)
        )
    })?;
    let catalog = Catalog::new();
    catalog.extend(records);
    let server = ServerHandle::start(catalog, "127.0.0.1:0".parse()?).await?;
    let verifier = Verifier::new(server.addr(), "mx.receiver.test").map_err(anyhow::Error::msg)?;

    // One untimed pass: every saved message must pass DMARC, or the figure
    // would measure an error path.
    for (i, m) in saved.iter().enumerate() {
        let verdict = verifier.verify(input(m)).await;
        let dmarc = serde_json::to_value(verdict.dmarc.result)?;
        let dkim: Vec<_> = verdict
            .dkim
            .iter()
            .map(|d| serde_json::to_value(d.result))
            .collect::<Result<_, _>>()?;
        ensure!(
            dmarc == "pass" && dkim.len() == 2 && dkim.iter().all(|d| d == "pass"),
            "expected message {} to pass DMARC with two DKIM passes, found dmarc={dmarc} dkim={dkim:?}",
            i + 1
        );
    }

    // One message after the other on this task; or `concurrency`
    // messages in flight at a time, each a task of its own, as a caller
    // with many messages would do it.
    let queries_before = server.query_log().entries().len();
    let start = Instant::now();
    if concurrency == 1 {
        for n in 0..messages {
            let verdict = verifier.verify(input(&saved[n % saved.len()])).await;
            std::hint::black_box(verdict);
        }
    }
    let mut next = if concurrency == 1 { messages } else { 0 };
    let mut in_flight = tokio::task::JoinSet::new();
    let verifier = std::sync::Arc::new(verifier);
    while next < messages || !in_flight.is_empty() {
        while next < messages && in_flight.len() < concurrency {
            let verifier = std::sync::Arc::clone(&verifier);
            let message = std::sync::Arc::clone(&saved[next % saved.len()]);
            in_flight.spawn(async move {
                std::hint::black_box(verifier.verify(input(&message)).await);
            });
            next += 1;
        }
        if let Some(done) = in_flight.join_next().await {
            done?;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let ours = messages as f64 / seconds;
    let queries = server.query_log().entries().len() - queries_before;
    println!(
        "verify impl=mailharness concurrency={concurrency} messages={messages} seconds={seconds:.3} msgs_per_s={ours:.1} dns_queries_per_message={:.1}",
        queries as f64 / messages as f64
    );

    if let Some(script) = peer {
        let output = Command::new("python3")
            .arg(script)
            .arg("--dns-port")
            .arg(server.addr().port().to_string())
            .arg("--messages")
            .arg(peer_messages.to_string())
            .args(peer_args)
            .arg(dir)
            .output()
            .with_context(|| format!("cannot run python3 {}", script.display()))?;
        if !output.status.success() {
            bail!(
                "{} failed: {}",
                script.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        print!("{stdout}");
        let theirs: f64 = stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix("msgs_per_s="))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                anyhow::anyhow!("expected msgs_per_s= from the peer, found {stdout:?}")
            })?;
        println!("verify ratio={:.1}", ours / theirs);
    }
    Ok(())
}

fn input(m: &Saved) -> VerifyInput<'_> {
    VerifyInput {
        raw: &m.raw,
        client_ip: m.client_ip,
        helo: &m.helo,
        mail_from: &m.mail_from,
    }
}

/// `N.eml` with its `N.json` sidecar, for N = 1, 2, … while they exist.
fn load(dir: &Path) -> anyhow::Result<Vec<Saved>> {
    let mut out = Vec::new();
    for n in 1.. {
        let eml: PathBuf = dir.join(format!("{n}.eml"));
        if !eml.exists() {
            break;
        }
        let raw = std::fs::read(&eml)?;
        let sidecar: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(format!("{n}.json")))?)?;
        let envelope = &sidecar["envelope"];
        let text = |key: &str| envelope[key].as_str().unwrap_or_default().to_string();
        out.push(Saved {
            raw: strip_added(&raw)?,
            client_ip: text("client_ip").parse()?,
            helo: text("helo"),
            mail_from: text("mail_from"),
        });
    }
    ensure!(
        !out.is_empty(),
        "expected 1.eml in {}, found none",
        dir.display()
    );
    Ok(out)
}

/// The received bytes: the stored copy less its first three header fields
/// (Return-Path, Authentication-Results, Received), continuation lines
/// included.
fn strip_added(raw: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut at = 0;
    let mut fields = 0;
    while fields < ADDED_FIELDS {
        let end = raw[at..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| anyhow::anyhow!("expected a CRLF header line, found the end"))?;
        at += end + 2;
        if !matches!(raw.get(at), Some(b' ' | b'\t')) {
            fields += 1;
        }
    }
    Ok(raw[at..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_three_fields_with_continuations() {
        let raw = b"Return-Path: <a@b>\r\nAuthentication-Results: x;\r\n\tspf=pass\r\nReceived: from y\r\n by z\r\nFrom: a@b\r\n\r\nbody\r\n";
        assert_eq!(strip_added(raw).unwrap(), b"From: a@b\r\n\r\nbody\r\n");
    }
}
