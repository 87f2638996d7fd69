//! The verifier on saved messages, DNS answered by mock DNS, beside the
//! dkimpy + pyspf + authheaders loop on the same messages and server.

use std::{
    net::IpAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Instant,
};

use anyhow::{Context, bail, ensure};
use mailharness::{
    dns::QUERY_TIMEOUT,
    verify::{Verifier, VerifyInput},
};
use mailharness_auth::{
    DkimResult, SpfResult, dkim,
    dns::DirectLookup,
    spf::{self, Receiver},
};
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

/// What one timed verification does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mechanism {
    /// `Verifier::verify`: SPF, DKIM, ARC, DMARC under both specifications.
    All,
    /// The judge's DKIM alone: every DKIM-Signature of the message.
    Dkim,
    /// The judge's SPF alone: MAIL FROM and HELO.
    Spf,
}

impl Mechanism {
    fn name(self) -> &'static str {
        match self {
            Mechanism::All => "all",
            Mechanism::Dkim => "dkim",
            Mechanism::Spf => "spf",
        }
    }
}

/// The judge's parts, bound to the mock DNS.
struct Judges {
    verifier: Verifier,
    /// The client the verifier uses, for the mechanisms alone.
    lookup: DirectLookup,
}

impl Judges {
    async fn once(&self, mechanism: Mechanism, m: &Saved) {
        match mechanism {
            Mechanism::All => {
                std::hint::black_box(self.verifier.verify(input(m)).await);
            }
            Mechanism::Dkim => {
                std::hint::black_box(dkim::verify(&self.lookup, &m.raw, now()).await);
            }
            Mechanism::Spf => {
                std::hint::black_box(self.spf(m).await);
            }
        }
    }

    async fn spf(&self, m: &Saved) -> (SpfResult, SpfResult) {
        let receiver = Receiver {
            name: RECEIVER,
            now: now(),
        };
        let (mail_from, helo) = tokio::join!(
            spf::check_mail_from(&self.lookup, receiver, m.client_ip, &m.mail_from, &m.helo),
            spf::check_helo(&self.lookup, receiver, m.client_ip, &m.helo),
        );
        (mail_from.result, helo.result)
    }
}

/// The receiver's name, in `Authentication-Results` and SPF's `%{r}`.
const RECEIVER: &str = "mx.receiver.test";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub struct VerifyRun<'a> {
    pub dir: &'a Path,
    pub messages: usize,
    pub concurrency: usize,
    pub mechanism: Mechanism,
    pub peer: Option<&'a Path>,
    pub peer_messages: usize,
    pub peer_args: &'a [String],
}

pub async fn run(args: VerifyRun<'_>) -> anyhow::Result<()> {
    let VerifyRun {
        dir,
        messages,
        concurrency,
        mechanism,
        peer,
        peer_messages,
        peer_args,
    } = args;
    ensure!(
        concurrency > 0,
        "expected --concurrency of 1 or more, found 0"
    );
    let saved: Vec<Arc<Saved>> = load(dir)?.into_iter().map(Arc::new).collect();
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
    let judges = Arc::new(Judges {
        verifier: Verifier::new(server.addr(), RECEIVER).map_err(anyhow::Error::msg)?,
        lookup: DirectLookup::new(server.addr(), QUERY_TIMEOUT),
    });

    // One untimed pass: every saved message must pass SPF and DMARC with
    // two DKIM passes, or the figure would measure an error path.
    for (i, m) in saved.iter().enumerate() {
        let verdict = judges.verifier.verify(input(m)).await;
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
        let alone = dkim::verify(&judges.lookup, &m.raw, now()).await;
        ensure!(
            alone.len() == 2 && alone.iter().all(|d| d.result == DkimResult::Pass),
            "expected the judge's DKIM alone to pass both signatures of message {}",
            i + 1
        );
        let (mail_from, _) = judges.spf(m).await;
        ensure!(
            mail_from == SpfResult::Pass && verdict.spf.result == SpfResult::Pass,
            "expected SPF to pass for message {}, found {mail_from}",
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
            judges.once(mechanism, &saved[n % saved.len()]).await;
        }
    } else {
        let mut next = 0;
        let mut in_flight = tokio::task::JoinSet::new();
        while next < messages || !in_flight.is_empty() {
            while next < messages && in_flight.len() < concurrency {
                let judges = Arc::clone(&judges);
                let message = Arc::clone(&saved[next % saved.len()]);
                in_flight.spawn(async move { judges.once(mechanism, &message).await });
                next += 1;
            }
            if let Some(done) = in_flight.join_next().await {
                done?;
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let ours = messages as f64 / seconds;
    let queries = server.query_log().entries().len() - queries_before;
    println!(
        "verify impl=mailharness mechanism={} concurrency={concurrency} messages={messages} seconds={seconds:.3} msgs_per_s={ours:.1} dns_queries_per_message={:.1}",
        mechanism.name(),
        queries as f64 / messages as f64
    );

    if let Some(script) = peer {
        // Awaited, not blocking: the mock DNS that answers the peer may
        // run on this very thread.
        let output = tokio::process::Command::new("python3")
            .arg(script)
            .arg("--dns-port")
            .arg(server.addr().port().to_string())
            .arg("--messages")
            .arg(peer_messages.to_string())
            .arg(format!("--mechanism={}", mechanism.name()))
            .args(peer_args)
            .arg(dir)
            .output()
            .await
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
