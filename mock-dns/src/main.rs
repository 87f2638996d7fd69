//! `mock-dns`: serve master files over UDP and TCP until Ctrl-C or SIGTERM.
//!
//! ```text
//! mock-dns --fault _dmarc.example.com/TXT=servfail example.com.zone
//! ```
//!
//! It listens on a free loopback port unless told otherwise and prints
//! the address; it keeps no query in memory (`--log` and `--log-file`
//! stream them), and bounds what TCP clients can make it hold.

use std::{
    io::Write,
    net::{Ipv4Addr, SocketAddr, SocketAddrV4},
    path::PathBuf,
    process::ExitCode,
    time::Duration,
};

use clap::Parser;
use mock_dns::{
    Catalog, DEFAULT_MAX_TCP_CONNECTIONS, DEFAULT_TCP_IDLE_TIMEOUT, FaultSpec, QueryLog,
    ServerConfig, bind, origin_for_file, parse_zone, run_with,
};

/// Where the server listens unless `--listen` says otherwise: a free port
/// on loopback, printed on start (no well-known port, such as mDNS's 5353,
/// is taken by default).
const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0));

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
    /// Address to listen on, for UDP and TCP alike; port 0 picks a free
    /// port. The address is printed on start.
    #[arg(long, value_name = "ADDR", default_value_t = DEFAULT_LISTEN)]
    listen: SocketAddr,

    /// Origin of relative names in files without a $ORIGIN line, for every
    /// file. Default: each file's name without .zone or .db when it holds
    /// a dot (example.com.zone → example.com.), else the root.
    #[arg(long, value_name = "NAME")]
    origin: Option<String>,

    /// Make NAME fail (all types, or only TYPE): KIND is servfail, timeout or truncate.
    #[arg(long = "fault", value_name = "NAME[/TYPE]=KIND")]
    faults: Vec<FaultSpec>,

    /// Print each query on stderr, one line each.
    #[arg(long)]
    log: bool,

    /// Append each query to FILE, one line each.
    #[arg(long, value_name = "FILE")]
    log_file: Option<PathBuf>,

    /// Close a TCP connection that sends no query for this long.
    #[arg(long, value_name = "SECONDS", value_parser = seconds,
          default_value_t = DEFAULT_TCP_IDLE_TIMEOUT.as_secs_f64())]
    tcp_idle_timeout: f64,

    /// Serve at most N TCP connections at once; a new one closes the one
    /// quiet the longest.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..),
          default_value_t = DEFAULT_MAX_TCP_CONNECTIONS as u32)]
    max_tcp_connections: u32,

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
    let log = QueryLog::bounded(0);
    if args.log {
        log.write_to(std::io::stderr());
    }
    if let Some(path) = &args.log_file {
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(file) => log.write_to(file),
            Err(e) => {
                stderr(&format!(
                    "mock-dns: --log-file: cannot open {}: {e}",
                    path.display()
                ));
                return ExitCode::from(exit::BAD_INPUT);
            }
        }
    }
    let config = ServerConfig {
        tcp_idle_timeout: Duration::from_secs_f64(args.tcp_idle_timeout),
        max_tcp_connections: args.max_tcp_connections as usize,
    };
    runtime.block_on(serve(args.listen, config, log, catalog))
}

/// A positive number of seconds, such as `10` or `0.5`.
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!(
            "expected a number of seconds between 0 and 86400, such as 10 or 0.5, found {text:?}"
        )),
    }
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
        let origin = args.origin.clone().unwrap_or_else(|| origin_for_file(path));
        match parse_zone(&text, &origin) {
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

async fn serve(
    listen: SocketAddr,
    config: ServerConfig,
    log: QueryLog,
    catalog: Catalog,
) -> ExitCode {
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
    // Tests read the port from this line: print it whole and flush.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "mock-dns listening on {addr} (udp+tcp)");
    let _ = stdout.flush();
    drop(stdout);

    match run_with(udp, tcp, catalog, log, config, shutdown).await {
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
