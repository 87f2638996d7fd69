//! The live-mode parts of the commands: `run` with `via = "ses"`
//! scenarios (sandbox guard, dry run, S3 capture) and `audit`.

use std::{io::Write, net::SocketAddr, path::PathBuf, time::Duration};

use crate::{
    exit,
    runner::RunOptions,
    scenario::{Scenario, Sender},
    ses,
};

/// How long a live run waits for a sent message to appear in S3
/// (`--capture-timeout`'s default).
pub const DEFAULT_CAPTURE_TIMEOUT: Duration = Duration::from_secs(300);

/// How often a live run looks for the message in S3 while it waits.
pub const CAPTURE_POLL_INTERVAL: Duration = Duration::from_secs(3);

/// `run`'s live-mode settings (used by `via = "ses"` scenarios only). The
/// defaults are the command line's: the sandbox's daily quota, a
/// [`DEFAULT_CAPTURE_TIMEOUT`], the environment's region, no S3 capture.
#[derive(Clone, Debug)]
pub struct LiveRunSettings {
    /// `--region`; else the environment's (aws-config's chain).
    pub region: Option<String>,
    /// `--endpoint-url`: an emulator instead of AWS.
    pub endpoint_url: Option<String>,
    /// Recipients allowed besides the SES mailbox simulator.
    pub allowed_recipients: Vec<String>,
    /// Sends per UTC day (default: the sandbox's quota,
    /// [`ses::SANDBOX_DAILY_QUOTA`]).
    pub daily_budget: u32,
    /// Where the day's count is kept across runs.
    pub budget_file: Option<PathBuf>,
    /// Where the receiving side's receipt rule stores raw mail.
    pub s3_bucket: Option<String>,
    /// The receipt rule's object key prefix.
    pub s3_prefix: String,
    /// How long to wait for a message in S3.
    pub capture_timeout: Duration,
    /// The verifier's nameserver; the system's resolver when `None`.
    pub nameserver: Option<SocketAddr>,
    /// Replaces the scenarios' From address.
    pub from: Option<String>,
    /// Replaces the scenarios' recipients.
    pub to: Vec<String>,
    /// Print what would be sent, to whom, and send nothing.
    pub dry_run: bool,
}

impl Default for LiveRunSettings {
    fn default() -> Self {
        LiveRunSettings {
            region: None,
            endpoint_url: None,
            allowed_recipients: Vec::new(),
            daily_budget: ses::SANDBOX_DAILY_QUOTA,
            budget_file: None,
            s3_bucket: None,
            s3_prefix: String::new(),
            capture_timeout: DEFAULT_CAPTURE_TIMEOUT,
            nameserver: None,
            from: None,
            to: Vec::new(),
            dry_run: false,
        }
    }
}

/// Whether `run` goes on after [`prepare`].
pub(super) enum Prepared {
    Continue,
    Exit(i32),
}

/// Before a run: a dry run prints the plan; live scenarios get the
/// account's clients (exit 3 when credentials or region are missing).
#[cfg_attr(not(feature = "live"), allow(unused_variables))]
pub(super) async fn prepare(
    scenarios: &[Scenario],
    settings: &LiveRunSettings,
    options: &mut RunOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Prepared {
    let live: Vec<&Scenario> = scenarios
        .iter()
        .filter(|s| matches!(s.sender, Sender::Ses(_)))
        .collect();
    if settings.dry_run {
        let _ = writeln!(
            out,
            "dry run: {} scenario{} would send through Amazon SES, {} would run offline",
            live.len(),
            if live.len() == 1 { "" } else { "s" },
            scenarios.len() - live.len()
        );
        for s in &live {
            let _ = writeln!(out, "{}", plan(s, settings));
        }
        return Prepared::Exit(exit::SUCCESS);
    }
    if live.is_empty() {
        return Prepared::Continue;
    }
    #[cfg(not(feature = "live"))]
    {
        let _ = writeln!(
            err,
            "error: {} needs live mode (via = \"ses\"), and this mailharness was built without it; build with `cargo build -p mailharness --features live`",
            live[0].file.display()
        );
        Prepared::Exit(exit::ENVIRONMENT)
    }
    #[cfg(feature = "live")]
    {
        match context(settings).await {
            Ok(cx) => {
                options.live = Some(std::sync::Arc::new(cx));
                Prepared::Continue
            }
            Err(message) => {
                let _ = writeln!(err, "error: {message}");
                Prepared::Exit(exit::ENVIRONMENT)
            }
        }
    }
}

/// One line per message a dry run would send.
fn plan(scenario: &Scenario, settings: &LiveRunSettings) -> String {
    let Sender::Ses(ses) = &scenario.sender else {
        return String::new();
    };
    let mut message = scenario.message.clone();
    if let Some(from) = &settings.from {
        message.from = from.clone();
    }
    if !settings.to.is_empty() {
        message.to = settings.to.clone();
        message.cc.clear();
    }
    let rcpts = crate::send::envelope_recipients(&message)
        .map(|r| r.join(", "))
        .unwrap_or_else(|e| format!("(invalid: {e})"));
    let mut line = format!(
        "  {}: SendEmail from {} to {} ({:?}) in {}",
        scenario.name,
        message.from,
        rcpts,
        message.subject,
        ses.region
            .as_deref()
            .or(settings.region.as_deref())
            .unwrap_or("the environment's region")
    );
    if let Some(c) = &ses.configuration_set {
        line.push_str(&format!(", configuration set {c}"));
    }
    if !ses.tags.is_empty() {
        let tags: Vec<String> = ses.tags.iter().map(|(n, v)| format!("{n}={v}")).collect();
        line.push_str(&format!(", tags {}", tags.join(" ")));
    }
    #[cfg(feature = "live")]
    if let Ok(list) = crate::send::envelope_recipients(&message) {
        let guard = crate::live::Guard::new(
            settings.allowed_recipients.clone(),
            Duration::ZERO,
            crate::live::Budget::new(settings.daily_budget, None),
        );
        if let Err(e) = guard.check_recipients(&list) {
            line.push_str(&format!("; refused by the sandbox guard: {e}"));
        }
    }
    match &settings.s3_bucket {
        Some(b) => line.push_str(&format!("; captured from s3://{b}/{}", settings.s3_prefix)),
        None => line.push_str("; no S3 capture"),
    }
    line
}

#[cfg(feature = "live")]
async fn context(settings: &LiveRunSettings) -> Result<crate::runner::LiveContext, String> {
    use crate::live::{Budget, Guard, LiveSettings, S3Capture, connect};
    let clients = connect(&LiveSettings {
        region: settings.region.clone(),
        endpoint_url: settings.endpoint_url.clone(),
    })
    .await
    .map_err(|e| e.to_string())?;
    let capture = settings.s3_bucket.as_ref().map(|bucket| S3Capture {
        s3: clients.s3.clone(),
        bucket: bucket.clone(),
        prefix: settings.s3_prefix.clone(),
        timeout: settings.capture_timeout,
        interval: CAPTURE_POLL_INTERVAL,
    });
    let allowed = settings.allowed_recipients.clone();
    Ok(crate::runner::LiveContext {
        clients,
        guard: Guard::new(
            allowed,
            ses::SANDBOX_SEND_INTERVAL,
            Budget::new(settings.daily_budget, settings.budget_file.clone()),
        ),
        capture,
        nameserver: settings.nameserver,
        from: settings.from.clone(),
        to: (!settings.to.is_empty()).then(|| settings.to.clone()),
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    })
}

/// `mailharness audit`'s settings.
#[derive(Clone, Debug, Default)]
pub struct AuditSettings {
    pub identity: String,
    pub region: Option<String>,
    pub from: Option<String>,
    pub snapshot: Option<PathBuf>,
    pub check: Option<PathBuf>,
    pub endpoint_url: Option<String>,
    pub nameserver: Option<SocketAddr>,
}

/// `mailharness audit IDENTITY`: 0 when the configuration is the aligned
/// one (and, with `--check`, nothing drifted), 1 otherwise, 2 for bad
/// usage, 3 without credentials or when AWS cannot be reached.
#[cfg(not(feature = "live"))]
pub async fn audit(_settings: &AuditSettings, _out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let _ = writeln!(
        err,
        "error: audit needs live mode, and this mailharness was built without it; build with `cargo build -p mailharness --features live`"
    );
    exit::ENVIRONMENT
}

/// `mailharness audit IDENTITY`: 0 when the configuration is the aligned
/// one (and, with `--check`, nothing drifted), 1 otherwise, 2 for bad
/// usage, 3 without credentials or when AWS cannot be reached.
#[cfg(feature = "live")]
pub async fn audit(settings: &AuditSettings, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    use mailharness_auth::dns::HickoryLookup;

    use crate::live::{LiveSettings, audit, connect, diff, get_identity, render_snapshot};
    if !crate::scenario::is_domain_name(&settings.identity) {
        let _ = writeln!(
            err,
            "error: expected a domain identity such as example.com, found {:?}",
            settings.identity
        );
        return exit::USAGE;
    }
    let clients = match connect(&LiveSettings {
        region: settings.region.clone(),
        endpoint_url: settings.endpoint_url.clone(),
    })
    .await
    {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "error: mailharness audit cannot reach SES: {e}");
            return exit::ENVIRONMENT;
        }
    };
    let attributes = match get_identity(&clients.ses, &settings.identity).await {
        Ok(a) => a,
        Err(e) if e.is_not_found() => {
            let _ = writeln!(
                err,
                "error: {e} (is the identity created in {}?)",
                clients.region
            );
            return exit::EXPECTATION_FAILED;
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return exit::ENVIRONMENT;
        }
    };
    let lookup = match settings.nameserver {
        Some(ns) => HickoryLookup::new(ns, crate::dns::QUERY_TIMEOUT),
        None => HickoryLookup::system(),
    };
    let lookup = match lookup {
        Ok(l) => l,
        Err(e) => {
            let _ = writeln!(err, "error: cannot set up the DNS resolver: {e}");
            return exit::ENVIRONMENT;
        }
    };
    let report = match audit(
        &attributes,
        &clients.region,
        settings.from.as_deref(),
        &lookup,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return exit::USAGE;
        }
    };
    let _ = write!(out, "{}", report.render());
    let snapshot = render_snapshot(&report);
    let mut code = if report.is_aligned() {
        exit::SUCCESS
    } else {
        exit::EXPECTATION_FAILED
    };
    if let Some(path) = &settings.snapshot {
        if let Err(e) = std::fs::write(path, &snapshot) {
            let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
            return exit::ENVIRONMENT;
        }
        let _ = writeln!(out, "snapshot written to {}", path.display());
    }
    if let Some(path) = &settings.check {
        let old = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(err, "error: cannot read {}: {e}", path.display());
                return exit::USAGE;
            }
        };
        match diff(&old, &snapshot) {
            None => {
                let _ = writeln!(out, "no drift from {}", path.display());
            }
            Some(d) => {
                let _ = writeln!(
                    out,
                    "drift from {} (- snapshot, + now):\n{d}",
                    path.display()
                );
                code = exit::EXPECTATION_FAILED;
            }
        }
    }
    code
}
