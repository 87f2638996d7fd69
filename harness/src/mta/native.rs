//! The native backend: Debian's `postfix` and `opendkim` binaries, every
//! file in one temporary folder, loopback ports only, nothing written to
//! /etc and no systemd.
//!
//! - OpenDKIM runs in the foreground (`opendkim -f -x FILE`) as a child of
//!   the harness, on a unix socket in the folder; it is killed on drop (it
//!   only signs: there is nothing to flush).
//! - Postfix runs with its own `main.cf`/`master.cf` (`postfix -c DIR
//!   start`): `start` returns once the master has bound its listener (the
//!   master's `-w` handshake), and fails if the port was taken meanwhile, in
//!   which case another free port is tried. Drop runs `postfix -c DIR
//!   stop`, which waits for the master to exit.
//!
//! Postfix's log goes to `DIR/maillog` (`maillog_file`); OpenDKIM logs
//! only to syslog, so only its startup errors (stderr) are kept. Both are
//! printed when the handle is dropped during a panic.

use std::{
    fs,
    io::Write,
    net::{SocketAddr, TcpListener},
    os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant, SystemTime},
};

use tokio::process::{Child, Command};

use super::config::{ConfigFile, Endpoints, Layout, PostfixRelay, render};
use crate::keys::KeyError;

/// What Debian calls the packages, for messages.
pub(crate) const INSTALL: &str = "apt-get install postfix opendkim opendkim-tools";
/// How long OpenDKIM may take to open its socket.
const MILTER_START: Duration = Duration::from_secs(10);
/// How many times a free port is picked when Postfix finds it taken.
const PORT_ATTEMPTS: usize = 5;

/// How the managed relay is connected at run time.
#[derive(Clone, Debug)]
pub struct MtaRuntime {
    /// Where Postfix delivers (`relayhost`): the egress forwarder or the
    /// capture.
    pub relayhost: SocketAddr,
    /// The DNS server OpenDKIM asks when it verifies (the mock DNS).
    pub nameserver: Option<SocketAddr>,
    /// STARTTLS offered to clients, if any.
    pub smtpd_tls: Option<SmtpdTls>,
}

/// A certificate chain and its private key, PEM, for Postfix's smtpd.
#[derive(Clone)]
pub struct SmtpdTls {
    pub chain_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for SmtpdTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpdTls")
            .field("key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Why the managed relay could not run.
#[derive(Debug, thiserror::Error)]
pub enum MtaError {
    #[error(
        "{program} is not installed (looked in PATH and /usr/sbin); install it with: {INSTALL}"
    )]
    Missing { program: &'static str },
    #[error(
        "the native Postfix backend needs root (Postfix's master starts as root and drops to the postfix user); run as root, or use backend = \"container\""
    )]
    NotRoot,
    #[error("cannot {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} did not start: {reason}\n{logs}")]
    Start {
        what: &'static str,
        reason: String,
        logs: String,
    },
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error("the container backend failed: {0}")]
    Container(String),
    #[error(
        "backend = \"container\" needs mailharness built with the feature `containers` (cargo build --features containers)"
    )]
    NoContainers,
}

impl MtaError {
    /// True when a program or a permission is missing: the machine cannot
    /// run the relay, nothing went wrong in it.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, MtaError::Missing { .. } | MtaError::NotRoot)
    }
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> MtaError {
    let what = what.into();
    move |source| MtaError::Io { what, source }
}

/// A Postfix + OpenDKIM relay running from the Debian binaries; stops on
/// drop.
pub struct NativeMta {
    addr: SocketAddr,
    postfix: PathBuf,
    layout: Layout,
    started_in: Duration,
    /// Killed on drop (`kill_on_drop`).
    _opendkim: Child,
    /// Removed last, after Postfix has stopped.
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for NativeMta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeMta")
            .field("addr", &self.addr)
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl NativeMta {
    /// Checks that the binaries are here and that this is root.
    pub fn available() -> Result<(), MtaError> {
        find_program("postfix")?;
        find_program("opendkim")?;
        if fs::metadata("/proc/self").map_or(true, |m| m.uid() != 0) {
            return Err(MtaError::NotRoot);
        }
        Ok(())
    }

    /// Writes the configuration for `relay` (signing with `private_keys`,
    /// PEM, in the order of its signers) and starts OpenDKIM, then Postfix.
    pub async fn start(
        relay: &PostfixRelay,
        private_keys: &[String],
        runtime: &MtaRuntime,
    ) -> Result<NativeMta, MtaError> {
        let started = Instant::now();
        Self::available()?;
        let postfix = find_program("postfix")?;
        let opendkim = find_program("opendkim")?;
        let dir = tempfile::Builder::new()
            .prefix("mailharness-mta-")
            .tempdir()
            .map_err(io("create a temporary folder"))?;
        // The postfix user must reach its queue below the folder.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))
            .map_err(io("open the temporary folder to the postfix user"))?;
        let layout = Layout::native(dir.path());
        for folder in [&layout.queue, &layout.run] {
            fs::create_dir_all(folder).map_err(io(format!("create {}", folder.display())))?;
        }

        let mut port = free_port()?;
        let files = render(relay, private_keys, &layout, &endpoints(port, runtime));
        write_files(&layout.root, &files)?;

        let opendkim_log = dir.path().join("opendkim.log");
        let mut opendkim = Command::new(&opendkim)
            .arg("-f")
            .arg("-x")
            .arg(layout.opendkim_conf())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&opendkim_log).map_err(io("create opendkim.log"))?)
            .kill_on_drop(true)
            .spawn()
            .map_err(io("run opendkim"))?;
        wait_for_milter(&mut opendkim, &layout, &opendkim_log).await?;

        let postfix_dir = layout.postfix_dir();
        let mut attempt = 1;
        loop {
            // Output to a file, not a pipe: the daemons inherit it, and a
            // pipe would only reach end-of-file when they let go of it.
            let output = dir.path().join("postfix-start.log");
            let status = Command::new(&postfix)
                .arg("-c")
                .arg(&postfix_dir)
                .arg("start")
                .stdin(Stdio::null())
                .stdout(fs::File::create(&output).map_err(io("create postfix-start.log"))?)
                .stderr(Stdio::from(
                    fs::OpenOptions::new()
                        .append(true)
                        .open(&output)
                        .map_err(io("open postfix-start.log"))?,
                ))
                .status()
                .await
                .map_err(io("run postfix start"))?;
            if status.success() {
                break;
            }
            let log = fs::read_to_string(&layout.maillog).unwrap_or_default();
            if attempt < PORT_ATTEMPTS && log.contains("Address already in use") {
                // Another process took the port between our probe and
                // Postfix's bind: pick another one.
                attempt += 1;
                port = free_port()?;
                let master = render(relay, private_keys, &layout, &endpoints(port, runtime))
                    .into_iter()
                    .filter(|f| f.relative.ends_with("master.cf"))
                    .collect::<Vec<_>>();
                write_files(&layout.root, &master)?;
                continue;
            }
            return Err(MtaError::Start {
                what: "postfix",
                reason: format!(
                    "postfix -c {} start exited with {status}\n{}",
                    postfix_dir.display(),
                    fs::read_to_string(&output).unwrap_or_default()
                ),
                logs: logs(&layout, &opendkim_log),
            });
        }
        Ok(NativeMta {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            postfix,
            layout,
            started_in: started.elapsed(),
            _opendkim: opendkim,
            dir,
        })
    }

    /// Postfix's smtpd: where the sender submits.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How long [`NativeMta::start`] took: configuration, OpenDKIM, Postfix.
    pub fn startup(&self) -> Duration {
        self.started_in
    }

    /// The folder holding the configuration, queue and logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Postfix's log and OpenDKIM's startup output.
    pub fn logs(&self) -> String {
        logs(&self.layout, &self.dir.path().join("opendkim.log"))
    }
}

impl Drop for NativeMta {
    fn drop(&mut self) {
        // Waits (up to Postfix's own 5 s) for the master to exit.
        let _ = std::process::Command::new(&self.postfix)
            .arg("-c")
            .arg(self.layout.postfix_dir())
            .arg("stop")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
    }
}

fn endpoints(port: u16, runtime: &MtaRuntime) -> Endpoints {
    Endpoints {
        smtpd: format!("127.0.0.1:{port}"),
        mynetworks: "127.0.0.0/8".into(),
        interfaces: "127.0.0.1".into(),
        relayhost: format!("[{}]:{}", runtime.relayhost.ip(), runtime.relayhost.port()),
        nameserver: runtime.nameserver,
        smtpd_tls: runtime
            .smtpd_tls
            .as_ref()
            .map(|t| (t.chain_pem.clone(), t.key_pem.clone())),
    }
}

/// Writes `files` below `root`; private keys with mode 0600 from the start.
pub(crate) fn write_files(root: &Path, files: &[ConfigFile]) -> Result<(), MtaError> {
    for file in files {
        let path = root.join(&file.relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io(format!("create {}", parent.display())))?;
            if file.secret {
                fs::set_permissions(parent, fs::Permissions::from_mode(0o700))
                    .map_err(io(format!("restrict {}", parent.display())))?;
            }
        }
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        options.mode(if file.secret { 0o600 } else { 0o644 });
        options
            .open(&path)
            .and_then(|mut f| {
                f.write_all(file.contents.as_bytes())?;
                // Postfix rereads a table whose time stamp is not yet in
                // the past (it may still be being written), 300 ms at a
                // time, in every command: date the files a minute back.
                f.set_modified(SystemTime::now() - Duration::from_secs(60))
            })
            .map_err(io(format!("write {}", path.display())))?;
    }
    Ok(())
}

/// A loopback port that was free a moment ago.
fn free_port() -> Result<u16, MtaError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(io("find a free loopback port"))
}

/// OpenDKIM gives no readiness signal in the foreground: poll its socket
/// (bounded, and failing as soon as the process exits).
async fn wait_for_milter(child: &mut Child, layout: &Layout, log: &Path) -> Result<(), MtaError> {
    let socket = layout.milter_socket();
    let deadline = Instant::now() + MILTER_START;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(MtaError::Start {
                what: "opendkim",
                reason: format!("it exited with {status}"),
                logs: logs(layout, log),
            });
        }
        if tokio::net::UnixStream::connect(&socket).await.is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(MtaError::Start {
                what: "opendkim",
                reason: format!(
                    "its socket {} did not accept within {MILTER_START:?}",
                    socket.display()
                ),
                logs: logs(layout, log),
            });
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn logs(layout: &Layout, opendkim_log: &Path) -> String {
    let maillog = fs::read_to_string(&layout.maillog).unwrap_or_default();
    let opendkim = fs::read_to_string(opendkim_log).unwrap_or_default();
    format!(
        "--- postfix maillog ({}) ---\n{maillog}--- opendkim stderr ---\n{opendkim}",
        layout.maillog.display()
    )
}

/// `program` on PATH or in the sbin folders (not on a user's PATH).
pub(crate) fn find_program(program: &'static str) -> Result<PathBuf, MtaError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .ok_or(MtaError::Missing { program })
}
