//! `mailharness-bench`: throughput of the harness's parts, each measured
//! beside a real peer in the same run (see `bench/run.sh` and
//! `bench/RESULTS.md`).
//!
//! # Layout
//!
//! - `load`: the SMTP load generator (raw TCP, pipelined), shared by every
//!   sink it drives.
//! - `capture`: capture ingest, or any other sink with `--target`.
//! - `verify`: the verifier on saved messages against mock DNS (whole, or
//!   DKIM or SPF alone; one message at a time or several), and the
//!   dkimpy + pyspf + authheaders loop on the same messages and server.
//! - `dns`: UDP queries per second against mock DNS, and `dig` as a weak peer.
//! - `suite`: wall time of the bundled suite and the per-scenario fixed cost.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, Subcommand};

mod capture;
mod dns;
mod load;
mod suite;
mod verify;

/// The allocator the `mailharness` binary uses, so that the figures are
/// those of the verifier as shipped.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "mailharness-bench")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Messages/s into the capture (or `--target`), every stored byte checked.
    Capture {
        #[arg(long, default_value_t = 1)]
        clients: usize,
        /// The size of each message, in bytes.
        #[arg(long, default_value_t = 4096)]
        size: usize,
        /// Messages in all, split between the clients.
        #[arg(long, default_value_t = 2000)]
        messages: usize,
        /// Drive this SMTP server instead of an in-process capture (nothing
        /// can be checked there but the 250 replies).
        #[arg(long, value_name = "HOST:PORT")]
        target: Option<SocketAddr>,
    },
    /// Messages/s through the judge (`Verifier::verify`, or DKIM or SPF
    /// alone), then through the Python peer doing the same.
    Verify {
        /// A scenario folder written by `mailharness run --save`.
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 200)]
        messages: usize,
        /// Messages verified at a time (1: one after the other).
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        /// What is timed, for the judge and the peer alike.
        #[arg(long, value_enum, default_value_t = verify::Mechanism::All)]
        mechanism: verify::Mechanism,
        /// The Python loop to run as the peer on the same DNS server
        /// (skipped when absent).
        #[arg(long, value_name = "SCRIPT")]
        peer: Option<PathBuf>,
        /// Messages for the peer (it is slower).
        #[arg(long, default_value_t = 50)]
        peer_messages: usize,
        /// An argument for the peer script (repeat for several), e.g.
        /// `--peer-arg=--psl-once`.
        #[arg(long = "peer-arg", value_name = "ARG", allow_hyphen_values = true)]
        peer_args: Vec<String>,
    },
    /// UDP queries/s against mock DNS on loopback, and `dig` in a loop.
    Dns {
        #[arg(long, default_value_t = 100_000)]
        queries: usize,
        /// Queries in flight (one socket each).
        #[arg(long, default_value_t = 16)]
        sockets: usize,
        /// Queries by `dig`, one process each (0 skips the peer).
        #[arg(long, default_value_t = 200)]
        dig_queries: usize,
    },
    /// Wall time of the bundled suite with `--jobs 1` and the default jobs.
    Suite {
        /// The release `mailharness` binary.
        #[arg(long, default_value = "target/release/mailharness")]
        binary: PathBuf,
        #[arg(long, default_value = "scenarios")]
        scenarios: PathBuf,
    },
}

/// The runtime of `verify`: with one message at a time, a single thread
/// runs the verifier and the mock DNS it asks, so that a query and its
/// answer are a send and a receive, not a wake-up of another thread each
/// (the peer's answers come from the same thread while it waits for the
/// peer's process); with several messages in flight, every core.
fn verify_runtime(concurrency: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = if concurrency == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    Ok(builder.enable_all().build()?)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.command {
        Command::Capture {
            clients,
            size,
            messages,
            target,
        } => runtime.block_on(capture::run(clients, size, messages, target)),
        Command::Verify {
            dir,
            messages,
            concurrency,
            mechanism,
            peer,
            peer_messages,
            peer_args,
        } => verify_runtime(concurrency)?.block_on(verify::run(verify::VerifyRun {
            dir: &dir,
            messages,
            concurrency,
            mechanism,
            peer: peer.as_deref(),
            peer_messages,
            peer_args: &peer_args,
        })),
        Command::Dns {
            queries,
            sockets,
            dig_queries,
        } => runtime.block_on(dns::run(queries, sockets, dig_queries)),
        Command::Suite { binary, scenarios } => suite::run(&binary, &scenarios),
    }
}
