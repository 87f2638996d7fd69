//! Measures the managed Postfix + OpenDKIM relay against the built-in
//! SES-like relay: time to start, per-message latency (submission until
//! the capture holds the message) and one whole scenario run.
//!
//! Needs Postfix and OpenDKIM (and root) for the managed side:
//!
//! ```sh
//! sudo cargo run --release -p mailharness --example mta_latency -- 50
//! ```

use std::{
    net::SocketAddr,
    path::Path,
    time::{Duration, Instant},
};

use mailharness::{
    capture::{CaptureConfig, CaptureHandle},
    mta::{EgressProxy, ManagedMta},
    relay::{RelayConfig, RelayHandle},
    runner::run_scenario,
    scenario::{self, Scenario, Sender, SmtpRelay},
    send,
};
use mock_dns::{Catalog, ServerHandle};

const FROM: &str = "noreply@example.com";

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn load(path: &str) -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    scenario::load_file(&root.join(path))
        .unwrap_or_else(|e| panic!("{path}: {e:?}"))
        .remove(0)
}

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name:<44} n={:<3} min {:>7.2} ms  median {:>7.2} ms  mean {:>7.2} ms  max {:>7.2} ms",
        samples.len(),
        ms(samples[0]),
        ms(samples[samples.len() / 2]),
        ms(mean),
        ms(samples[samples.len() - 1]),
    );
}

/// Submits `n` messages one after another to `relay`; the time from each
/// submission until the capture holds it.
async fn latencies(
    relay: SocketAddr,
    capture: &CaptureHandle,
    scenario: &Scenario,
    n: usize,
) -> Vec<Duration> {
    let message = send::build_message(&scenario.message).unwrap();
    let rcpt_to = send::envelope_recipients(&scenario.message).unwrap();
    let already = capture.mailbox().messages().len();
    let mut out = Vec::new();
    for i in 1..=n {
        let started = Instant::now();
        let reply = send::submit(relay, "app.sender.test", FROM, &rcpt_to, &message)
            .await
            .unwrap();
        assert!(reply.accepted, "{reply}");
        capture.mailbox().wait_for(already + i).await;
        out.push(started.elapsed());
    }
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let builtin = load("scenarios/ses/default.toml");
    let managed = load("tests/mta-scenarios/ses-default.toml");

    // The built-in relay.
    let catalog = Catalog::new();
    catalog.extend(builtin.dns.records.iter().cloned());
    let dns = ServerHandle::start(catalog.clone(), loopback())
        .await
        .unwrap();
    let capture = CaptureHandle::start(loopback(), CaptureConfig::default())
        .await
        .unwrap();
    let Sender::Relay(ses) = &builtin.sender else {
        panic!("scenarios/ses/default.toml is not via = \"relay\"")
    };
    let mut starts = Vec::new();
    let mut relay = None;
    for _ in 0..5 {
        let started = Instant::now();
        drop(relay.take());
        // Publishing is part of what a relay's start costs.
        let keys = mailharness::publish::ses_side(&catalog, ses).unwrap();
        relay = Some(
            RelayHandle::start(
                loopback(),
                RelayConfig {
                    ses: ses.clone(),
                    next_hop: capture.addr(),
                    nameserver: dns.addr().into(),
                    next_hop_tls: capture.client_tls().cloned(),
                    clock: mailharness::clock::SimClock::new(),
                    simulator: Default::default(),
                },
                keys,
            )
            .await
            .unwrap(),
        );
        starts.push(started.elapsed());
    }
    stats("built-in relay: start (keys cached)", starts);
    let relay = relay.unwrap();
    stats(
        "built-in relay: per message",
        latencies(relay.addr(), &capture, &builtin, n).await,
    );
    drop(relay);

    // The managed Postfix + OpenDKIM.
    let Sender::Smtp(smtp) = &managed.sender else {
        panic!("tests/mta-scenarios/ses-default.toml is not via = \"smtp\"")
    };
    let SmtpRelay::Postfix(postfix) = &smtp.relay else {
        panic!("not a managed relay")
    };
    let catalog = Catalog::new();
    catalog.extend(managed.dns.records.iter().cloned());
    let dns = ServerHandle::start(catalog.clone(), loopback())
        .await
        .unwrap();
    let proxy = EgressProxy::start(loopback(), capture.addr(), smtp.egress_ip)
        .await
        .unwrap();
    let mut starts = Vec::new();
    let mut stops = Vec::new();
    let mut mta = None;
    for _ in 0..5 {
        if let Some(old) = mta.take() {
            let stopping = Instant::now();
            drop(old);
            stops.push(stopping.elapsed());
        }
        let started = Instant::now();
        let keys = mailharness::publish::signers(&catalog, "mta", &postfix.signers).unwrap();
        let running = ManagedMta::start(postfix, &keys, proxy.addr(), dns.addr())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        starts.push(started.elapsed());
        mta = Some(running);
    }
    stats("Postfix + OpenDKIM: start (keys cached)", starts);
    stats("Postfix + OpenDKIM: stop", stops);
    let mta = mta.unwrap();
    stats(
        "Postfix + OpenDKIM: per message",
        latencies(mta.addr(), &capture, &managed, n).await,
    );
    drop(mta);

    // Whole scenarios: DNS, capture, relay, send, verify.
    for (name, scenario) in [
        ("built-in relay", &builtin),
        ("Postfix + OpenDKIM", &managed),
    ] {
        let mut runs = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            let run = run_scenario(scenario)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(run.report.passed, "{:?}", run.report.failures);
            runs.push(started.elapsed());
        }
        stats(&format!("{name}: whole scenario"), runs);
    }
}
