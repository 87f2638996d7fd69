//! Shared by the integration tests: the workspace root, the built binaries,
//! and the one table of snapshot redactions.

use std::path::{Path, PathBuf};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// The redactions every snapshot shares: SES ids, times, ports, temporary
/// paths, DKIM signature prefixes.
pub fn insta_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in FILTERS {
        settings.add_filter(pattern, *replacement);
    }
    settings.set_prepend_module_to_snapshot(false);
    settings
}

pub const FILTERS: &[(&str, &str)] = &[
    // SES message ids: prefix + ms timestamp + uuid + -000000
    (
        r"01[0-9a-f]{2}[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000",
        "[SES-ID]",
    ),
    // SRS addresses: their hash and timestamp cover the random SES id
    (r"SRS0[^\s\x22@]*@", "[SRS0]@"),
    // the first characters of a DKIM signature in Authentication-Results
    // (a quoted string when it holds `/`, `+` or `=`, RFC 2045 tspecials)
    (
        r#"header\.b=(\\?"[A-Za-z0-9+/=]+\\?"|[A-Za-z0-9+/=]+)"#,
        "header.b=[B]",
    ),
    // UUIDs (an SNS MessageId) once the SES ids that hold one are redacted
    (
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[UUID]",
    ),
    // ISO 8601 times as SES and SNS write them, and RFC 5322 dates
    (
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z",
        "[TIMESTAMP]",
    ),
    (
        r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}",
        "[DATE]",
    ),
    (
        r#""processingTimeMillis": \d+"#,
        r#""processingTimeMillis": "[MS]""#,
    ),
    (r#""duration_ms": \d+"#, r#""duration_ms": "[MS]""#),
    (r#""dns_queries": \d+"#, r#""dns_queries": "[N]""#),
    (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
    // JUnit XML: durations in seconds and the run's start
    (r#" time="[0-9.]+""#, r#" time="[TIME]""#),
    (r#" timestamp="[^"]+""#, r#" timestamp="[TIMESTAMP]""#),
    (r"/tmp/[^\s\x22:]+", "[TMP]"),
];

/// `text` with every redaction of [`FILTERS`] applied, for comparisons
/// outside snapshots.
pub fn redact(text: &str) -> String {
    // Compiled once: a report's JSON has thousands of strings, and
    // compiling every filter for each took minutes in a debug build.
    static COMPILED: std::sync::OnceLock<Vec<(regex::Regex, &str)>> = std::sync::OnceLock::new();
    let compiled = COMPILED.get_or_init(|| {
        FILTERS
            .iter()
            .map(|(pattern, replacement)| {
                (
                    regex::Regex::new(pattern).expect("a valid filter"),
                    *replacement,
                )
            })
            .collect()
    });
    compiled
        .iter()
        .fold(text.to_string(), |acc, (pattern, replacement)| {
            pattern.replace_all(&acc, *replacement).into_owned()
        })
}

/// The `mailharness` program: `harness/src/main.rs` built by cargo with
/// these tests, with their features (see `tests/Cargo.toml`).
pub fn mailharness_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_it-mailharness"))
}

/// The `mock-dns` program, built the same way.
pub fn mock_dns_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_it-mock-dns"))
}

/// Fails the test unless the peer program it needs is present, naming it
/// and its install command. A test that needs a peer is marked
/// `#[ignore = "needs <peer>: <install command>"]`, so plain `cargo test`
/// lists it as ignored with that reason; `cargo test -- --include-ignored`
/// (what `.ci/run` runs) runs it, and there a missing peer is a failure,
/// never a silent pass.
pub fn require_peer(what: &str, present: bool, install: &str) {
    assert!(
        present,
        "{what} is missing; this test needs it: install it with: {install}"
    );
}

/// Whether `program --version`-style probing finds `program` on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// A `mock-dns` process serving one zone file on a free loopback port;
/// killed on drop, and its query log printed if the test is failing.
pub struct MockDnsProcess {
    child: std::process::Child,
    pub port: u16,
    log: PathBuf,
}

impl MockDnsProcess {
    pub fn start(zone: &Path, log: &Path) -> Self {
        Self::start_with_faults(zone, &[], log)
    }

    /// [`MockDnsProcess::start`] with `faults` (`NAME[/TYPE]=KIND` each).
    pub fn start_with_faults(zone: &Path, faults: &[String], log: &Path) -> Self {
        let child = std::process::Command::new(mock_dns_bin())
            .args(["--listen", "127.0.0.1:0", "--log"])
            .args(faults.iter().flat_map(|f| ["--fault", f.as_str()]))
            .arg(zone)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(log).expect("create the mock-dns log"))
            .spawn()
            .expect("start mock-dns");
        let mut dns = Self {
            child,
            port: 0,
            log: log.to_path_buf(),
        };
        // The first stdout line names the address; it is flushed before
        // the server answers, so once it is read the server is ready.
        let stdout = dns.child.stdout.take().expect("piped stdout");
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read mock-dns's first line");
        dns.port = line
            .strip_prefix("mock-dns listening on ")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|addr| addr.parse::<std::net::SocketAddr>().ok())
            .map(|addr| addr.port())
            .unwrap_or_else(|| {
                panic!(
                    "expected \"mock-dns listening on 127.0.0.1:PORT (udp+tcp)\", found {line:?}"
                )
            });
        dns
    }
}

impl Drop for MockDnsProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- mock-dns log ({}) ---\n{log}", self.log.display());
        }
    }
}

/// How to install the AWS emulator the live-mode tests run against.
#[cfg(feature = "live-offline")]
pub const MOTO_INSTALL: &str = "python3 -m pip install -r tests/independent/requirements-moto.txt";

/// A moto server (an AWS API emulator) on a free loopback port; killed on
/// drop, its log printed if the test is failing.
#[cfg(feature = "live-offline")]
pub struct MotoServer {
    child: std::process::Child,
    pub port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

#[cfg(feature = "live-offline")]
impl MotoServer {
    /// Fails the test when moto is not installed (see [`require_peer`]).
    pub fn start() -> MotoServer {
        let importable = std::process::Command::new("python3")
            .args(["-c", "import moto.server, flask, flask_cors"])
            .output()
            .is_ok_and(|o| o.status.success());
        require_peer("moto's server (moto[server])", importable, MOTO_INSTALL);
        let dir = tempfile::tempdir().expect("create a temporary folder");
        // moto binds the port it is given: pick a free one by binding
        // 127.0.0.1:0 and releasing it, and retry on the rare conflict.
        let err_log = dir.path().join("moto.log");
        for _attempt in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("bind a loopback port")
                .port();
            let log = std::fs::File::create(&err_log).expect("create the moto log");
            let mut child = std::process::Command::new("python3")
                .args([
                    "-m",
                    "moto.server",
                    "-H",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                ])
                .stdin(std::process::Stdio::null())
                .stdout(log.try_clone().expect("clone the log handle"))
                .stderr(log)
                .spawn()
                .expect("start python3 -m moto.server");
            // Ready when its HTTP endpoint answers: poll, at most 30 s.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited: the port was taken meanwhile, try another
                }
                if http_get(port, "/moto-api/").is_ok() {
                    return MotoServer {
                        child,
                        port,
                        log: err_log,
                        _dir: dir,
                    };
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "moto's server did not start on a loopback port: {}",
            std::fs::read_to_string(&err_log).unwrap_or_default()
        );
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// moto's internal state (`/moto-api/data.json`), parsed.
    pub fn data(&self) -> serde_json::Value {
        let body = http_get(self.port, "/moto-api/data.json").expect("GET /moto-api/data.json");
        serde_json::from_str(&body).expect("moto's data.json is JSON")
    }
}

#[cfg(feature = "live-offline")]
impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- moto log ---\n{log}");
        }
    }
}

/// A plain HTTP/1.0 GET on a loopback port; the body of a 200 answer.
#[cfg(feature = "live-offline")]
pub fn http_get(port: u16, path: &str) -> Result<String, String> {
    use std::io::{Read, Write};
    let mut stream =
        std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no HTTP header")?;
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        return Err(head.lines().next().unwrap_or_default().to_string());
    }
    Ok(body.to_string())
}

/// What a run of the `mailharness` binary printed, and how it ended.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the built `mailharness` binary with `args` in `dir`.
pub fn mailharness(args: &[&str], dir: &Path) -> Output {
    let out = std::process::Command::new(mailharness_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run mailharness");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `git args` in `dir` as a committer named `t`; fails the test
/// unless git succeeds.
pub fn git_in(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.test"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// A run as the CLI snapshots show it: exit code, stdout, stderr.
pub fn render(o: &Output) -> String {
    format!(
        "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        o.code, o.stdout, o.stderr
    )
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A two-thread tokio runtime for the tests that drive async parts.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
