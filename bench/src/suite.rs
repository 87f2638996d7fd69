//! Wall time of the bundled suite, where the time goes per scenario, and
//! the fixed costs a scenario pays (key generation, server start).

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use anyhow::{Context, ensure};
use mailharness::{
    capture::{CaptureConfig, CaptureHandle},
    keys::{KeyAlgorithm, KeyPair},
};
use mock_dns::{Catalog, ServerHandle};

pub fn run(binary: &Path, scenarios: &Path) -> anyhow::Result<()> {
    let (serial, reports) = suite(binary, scenarios, Some(1))?;
    let (parallel, _) = suite(binary, scenarios, None)?;
    println!(
        "suite jobs=1 scenarios={} wall_s={:.3}",
        reports.len(),
        serial.as_secs_f64()
    );
    println!(
        "suite jobs=default({}) wall_s={:.3} speedup={:.2}",
        std::thread::available_parallelism().map_or(1, usize::from),
        parallel.as_secs_f64(),
        serial.as_secs_f64() / parallel.as_secs_f64()
    );

    // Where the time goes, from the --jobs 1 report, in run order.
    let total: u64 = reports.iter().map(|(_, ms)| ms).sum();
    println!("suite sum_of_scenarios_ms={total}");
    if let Some(((first, first_ms), rest)) = reports.split_first() {
        let mut later: Vec<u64> = rest.iter().map(|(_, ms)| *ms).collect();
        later.sort_unstable();
        let median = later.get(later.len() / 2).copied().unwrap_or_default();
        println!("suite first_scenario={first} ms={first_ms} median_of_later_ms={median}");
    }
    let mut slowest = reports.clone();
    slowest.sort_by_key(|(_, ms)| std::cmp::Reverse(*ms));
    for (name, ms) in slowest.iter().take(5) {
        println!(
            "suite slow scenario={name} ms={ms} share={:.0}%",
            *ms as f64 * 100.0 / total.max(1) as f64
        );
    }

    // The fixed costs, measured in this process.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    for (label, algorithm) in [
        ("rsa-1024", KeyAlgorithm::Rsa(1024)),
        ("rsa-2048", KeyAlgorithm::Rsa(2048)),
        ("ed25519", KeyAlgorithm::Ed25519),
    ] {
        let times = repeat(5, || {
            KeyPair::generate(algorithm)?;
            Ok(())
        })?;
        println!("fixed keygen={label} {times}");
    }
    let times = repeat(5, || {
        runtime.block_on(async {
            let capture =
                CaptureHandle::start("127.0.0.1:0".parse()?, CaptureConfig::default()).await?;
            capture.shutdown().await?;
            anyhow::Ok(())
        })
    })?;
    println!("fixed capture_start_with_starttls_cert {times}");
    let times = repeat(5, || {
        runtime.block_on(async {
            let config = CaptureConfig {
                starttls: false,
                ..CaptureConfig::default()
            };
            let capture = CaptureHandle::start("127.0.0.1:0".parse()?, config).await?;
            capture.shutdown().await?;
            anyhow::Ok(())
        })
    })?;
    println!("fixed capture_start_plain {times}");
    let times = repeat(5, || {
        runtime.block_on(async {
            let server = ServerHandle::start(Catalog::new(), "127.0.0.1:0".parse()?).await?;
            drop(server);
            anyhow::Ok(())
        })
    })?;
    println!("fixed mock_dns_start {times}");
    Ok(())
}

/// Runs the suite with the JSON reporter; returns the wall time and each
/// scenario's name and `duration_ms`, in report order.
fn suite(
    binary: &Path,
    scenarios: &Path,
    jobs: Option<usize>,
) -> anyhow::Result<(Duration, Vec<(String, u64)>)> {
    let mut command = Command::new(binary);
    command.arg("run").arg(scenarios).args(["--format", "json"]);
    if let Some(jobs) = jobs {
        command.args(["--jobs", &jobs.to_string()]);
    }
    let start = Instant::now();
    let output = command
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let wall = start.elapsed();
    ensure!(
        output.status.success(),
        "expected the suite to pass, found {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let reports = report["scenarios"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|s| {
                    (
                        s["file"].as_str().unwrap_or_default().to_string()
                            + s["variant"]
                                .as_str()
                                .map(|v| format!(" [{v}]"))
                                .as_deref()
                                .unwrap_or(""),
                        s["duration_ms"].as_u64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok((wall, reports))
}

/// Runs `f` `n` times; "first_ms=… min_ms=… max_ms=…".
fn repeat(n: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<String> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let min = times.iter().copied().fold(f64::INFINITY, f64::min);
    let max = times.iter().copied().fold(0.0, f64::max);
    Ok(format!(
        "runs={n} first_ms={:.1} min_ms={min:.1} max_ms={max:.1}",
        times[0]
    ))
}
