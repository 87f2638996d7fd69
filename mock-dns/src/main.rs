//! `mock-dns`: serve master files over UDP and TCP until Ctrl-C or SIGTERM.
//!
//! ```text
//! mock-dns --listen 127.0.0.1:0 --fault _dmarc.example.com/TXT=servfail example.com.zone
//! ```

use std::{io::Write, net::SocketAddr, path::PathBuf, process::ExitCode};

use clap::Parser;
use mock_dns::{Catalog, FaultSpec, QueryLog, bind, parse_zone, run};

/// The process exit codes.
mod exit {
    /// Served until asked to stop.
    pub const OK: u8 = 0;
    /// A zone file is unreadable or invalid, or the arguments are (clap
    /// uses 2 for usage errors too).
    pub const BAD_INPUT: u8 = 2;
    /// The environment failed us: the address cannot be bound, a socket broke.
    pub const ENVIRONMENT: u8 = 3;
}

/// An authoritative DNS server for tests, over UDP and TCP.
#[derive(Debug, Parser)]
#[command(name = "mock-dns", version)]
struct Args {
    /// Address to listen on, for UDP and TCP alike (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5353")]
    listen: SocketAddr,

    /// Origin of relative names in files without a $ORIGIN line.
    #[arg(long, value_name = "NAME", default_value = ".")]
    origin: String,

    /// Make NAME fail (all types, or only TYPE): KIND is servfail, timeout or truncate.
    #[arg(long = "fault", value_name = "NAME[/TYPE]=KIND")]
    faults: Vec<FaultSpec>,

    /// Print each query on stderr, one line each.
    #[arg(long)]
    log: bool,

    /// Master files (zone files) to serve.
    #[arg(value_name = "ZONEFILE")]
    zones: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let catalog = Catalog::new();
    if !load(&args, &catalog) {
        return ExitCode::from(exit::BAD_INPUT);
    }
    for spec in &args.faults {
        catalog.set_fault(&spec.name, spec.rtype.as_deref(), spec.fault);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            stderr(&format!("mock-dns: cannot start the runtime: {e}"));
            return ExitCode::from(exit::ENVIRONMENT);
        }
    };
    runtime.block_on(serve(args.listen, args.log, catalog))
}

/// Loads every zone file into `catalog`, printing every error of every file
/// as `path:line:column: message`; false if there was any.
fn load(args: &Args, catalog: &Catalog) -> bool {
    let mut ok = true;
    for path in &args.zones {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                stderr(&format!("{}: cannot read the file: {e}", path.display()));
                ok = false;
                continue;
            }
        };
        match parse_zone(&text, &args.origin) {
            Ok(records) => catalog.extend(records),
            Err(errors) => {
                ok = false;
                for error in errors {
                    stderr(&format!("{}:{error}", path.display()));
                }
            }
        }
    }
    ok
}

async fn serve(listen: SocketAddr, log_queries: bool, catalog: Catalog) -> ExitCode {
    let bound = bind(listen)
        .await
        .and_then(|(udp, tcp)| Ok((udp.local_addr()?, udp, tcp)));
    let (addr, udp, tcp) = match bound {
        Ok(bound) => bound,
        Err(e) => {
            stderr(&format!("mock-dns: cannot listen on {listen}: {e}"));
            return ExitCode::from(exit::ENVIRONMENT);
        }
    };
    let shutdown = match shutdown_signal() {
        Ok(shutdown) => shutdown,
        Err(e) => {
            stderr(&format!("mock-dns: cannot handle signals: {e}"));
            return ExitCode::from(exit::ENVIRONMENT);
        }
    };
    let log = QueryLog::new();
    if log_queries {
        let mut entries = log.subscribe();
        tokio::spawn(async move {
            while let Some(entry) = entries.recv().await {
                stderr(&entry.to_string());
            }
        });
    }
    // Tests read the port from this line: print it whole and flush.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "mock-dns listening on {addr} (udp+tcp)");
    let _ = stdout.flush();
    drop(stdout);

    match run(udp, tcp, catalog, log, shutdown).await {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            stderr(&format!("mock-dns: {e}"));
            ExitCode::from(exit::ENVIRONMENT)
        }
    }
}

/// A future that completes on Ctrl-C (SIGINT) or SIGTERM. The handlers are
/// installed before this returns, so a signal sent as soon as the
/// "listening" line appears is not missed.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

/// A future that completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}

/// Writes a line to stderr; a closed stderr is no reason to panic.
fn stderr(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
