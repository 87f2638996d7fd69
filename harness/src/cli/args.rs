//! The command line as clap reads it: one struct per command, flags as
//! typed as clap can make them. Defaults are the library's constants (the
//! same the settings' `Default`s read); [`super::parse`] resolves these
//! structs once into the commands' settings.

use std::{net::SocketAddr, path::PathBuf};

use clap::{ArgMatches, Parser, Subcommand, parser::ValueSource};

use super::{Format, live::DEFAULT_CAPTURE_TIMEOUT};
use crate::{diff::ZoneSource, dmarc_reports::limits, runner::Partition, ses};

/// The whole command line.
#[derive(Parser)]
#[command(
    name = "mailharness",
    version,
    about = "End-to-end email deliverability test harness"
)]
pub struct Args {
    #[command(subcommand)]
    pub command: CommandArgs,
}

/// One command's arguments.
// Parsed once, then taken apart: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum CommandArgs {
    /// Run scenario files or folders and compare verdicts with expectations.
    Run(RunArgs),
    /// Run scenarios against two versions of their zone files and print
    /// only the verdicts that change, with the record changes that caused
    /// them. Exit 1 when a scenario's expectations break under --after.
    Diff(DiffArgs),
    /// Validate scenario files without running them.
    Check(CheckArgs),
    /// Audit a real SES identity (GetEmailIdentity + DNS): what receivers
    /// will see, and the records still missing (feature `live`).
    Audit(AuditArgs),
    /// Print the DNS records an SES identity needs, in BIND syntax.
    SesRecords(SesRecordsArgs),
    /// Read DMARC aggregate reports (RFC 7489 or RFC 9990; XML, .gz,
    /// .zip) and say per sending source what passes aligned today and
    /// what p=quarantine or p=reject would do to it.
    DmarcReports(DmarcReportsArgs),
}

/// `mailharness run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Scenario files or folders (default: scenarios/).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Save each captured message (.eml + JSON sidecar) and the zone served,
    /// in a folder per scenario file (and variant) below DIR.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    /// With --save: replace the files an earlier run saved for the same
    /// scenarios (without it, such a folder is a usage error).
    #[arg(long)]
    pub force: bool,
    /// Scenarios run at once (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = jobs)]
    pub jobs: Option<usize>,
    /// Also write a JUnit XML report (one test case per scenario).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write a self-contained HTML report with a diagram per message.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write each SES notification of the mailbox simulator (Bounce,
    /// Complaint, Delivery) as the JSON body SNS delivers, in a folder per
    /// scenario file (and variant) below DIR.
    #[arg(long, value_name = "DIR")]
    pub notifications: Option<PathBuf>,
    /// POST each SES notification of the mailbox simulator to URL, as SNS
    /// POSTs to a subscribed HTTP endpoint; only http:// on this machine
    /// (127.0.0.1, [::1], localhost) is accepted.
    #[arg(long, value_name = "URL")]
    pub notify_url: Option<crate::http::LoopbackUrl>,
    /// Write, as the receiver, one DMARC aggregate report (RFC 7489 XML,
    /// and RFC 9990 XML in DIR/rfc9990/) per policy domain whose rua=
    /// destinations are authorised.
    #[arg(long, value_name = "DIR")]
    pub dmarc_reports: Option<PathBuf>,
    /// Run only scenarios whose name or file path contains PATTERN
    /// (case-insensitive, `*` globs); repeat to run those matching any.
    #[arg(long = "filter", value_name = "PATTERN")]
    pub filters: Vec<String>,
    /// Run shard K of N: scenario i (0-based, sorted by file then
    /// variant) belongs to shard i % N + 1; the N shards of a suite are
    /// disjoint and cover it.
    #[arg(long, value_name = "K/N")]
    pub partition: Option<Partition>,
    /// Human format: print only failing scenarios and the summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// The DMARC specification receivers follow where a scenario's
    /// [receivers] does not name one: rfc7489 (the default, what
    /// deployed receivers implement) or rfc9989. The other is always
    /// evaluated too, and where it concludes differently the report
    /// says so.
    #[arg(long, value_name = "SPEC")]
    pub dmarc: Option<mailharness_auth::DmarcSpec>,
    #[command(flatten)]
    pub live: LiveArgs,
}

/// `run`'s options for `via = "ses"` scenarios (live mode).
#[derive(clap::Args)]
#[command(next_help_heading = "Live mode (via = \"ses\")")]
pub struct LiveArgs {
    /// Print what would be sent through SES, and to whom; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The AWS region (default: the environment's).
    #[arg(long)]
    pub region: Option<String>,
    /// Send AWS requests here (an emulator) instead of AWS.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// A recipient allowed besides the SES mailbox simulator (repeat).
    #[arg(
        long = "allow-recipient",
        value_name = "ADDRESS",
        env = "MAILHARNESS_ALLOWED_RECIPIENTS",
        value_delimiter = ','
    )]
    pub allowed_recipients: Vec<String>,
    /// SES sends per UTC day.
    #[arg(long, value_name = "N", default_value_t = ses::SANDBOX_DAILY_QUOTA)]
    pub daily_budget: u32,
    /// Keep the day's send count in FILE across runs.
    #[arg(long, value_name = "FILE", env = "MAILHARNESS_BUDGET_FILE")]
    pub budget_file: Option<PathBuf>,
    /// The bucket an SES receipt rule stores received mail in.
    #[arg(long, value_name = "BUCKET", env = "MAILHARNESS_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// The receipt rule's object key prefix.
    #[arg(
        long,
        value_name = "PREFIX",
        env = "MAILHARNESS_S3_PREFIX",
        default_value = ""
    )]
    pub s3_prefix: String,
    /// How long to wait for the message in S3.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_CAPTURE_TIMEOUT.as_secs())]
    pub capture_timeout: u64,
    /// Resolve through this nameserver instead of the system's.
    #[arg(long, value_name = "ADDR")]
    pub nameserver: Option<SocketAddr>,
    /// Send from this address instead of the scenario's From.
    #[arg(long, value_name = "ADDRESS", env = "MAILHARNESS_FROM")]
    pub from: Option<String>,
    /// Send to this address instead of the scenario's recipients (repeat).
    #[arg(
        long,
        value_name = "ADDRESS",
        env = "MAILHARNESS_TO",
        value_delimiter = ','
    )]
    pub to: Vec<String>,
}

impl LiveArgs {
    /// The live-mode options that apply to live scenarios only, by their
    /// flag and argument id (`--dry-run` applies to any run).
    const FLAGS: &[(&str, &str)] = &[
        ("--region", "region"),
        ("--endpoint-url", "endpoint_url"),
        ("--allow-recipient", "allowed_recipients"),
        ("--daily-budget", "daily_budget"),
        ("--budget-file", "budget_file"),
        ("--s3-bucket", "s3_bucket"),
        ("--s3-prefix", "s3_prefix"),
        ("--capture-timeout", "capture_timeout"),
        ("--nameserver", "nameserver"),
        ("--from", "from"),
        ("--to", "to"),
    ];

    /// Those of [`Self::FLAGS`] given on the command line (not taken from
    /// the environment or defaults), given `run`'s matches.
    pub fn given(run: &ArgMatches) -> Vec<String> {
        Self::FLAGS
            .iter()
            .filter(|(_, id)| run.value_source(id) == Some(ValueSource::CommandLine))
            .map(|(flag, _)| flag.to_string())
            .collect()
    }
}

/// `mailharness diff`.
#[derive(clap::Args)]
pub struct DiffArgs {
    /// Scenario files or folders (default: scenarios/).
    pub paths: Vec<PathBuf>,
    /// The zone files before the change: a folder that stands in for
    /// the current folder (zone file P is read from PATH/P), or git:REV
    /// (P as of that revision). Default: the files as they are.
    #[arg(long, value_name = "PATH")]
    pub before: Option<ZoneSource>,
    /// The zone files after the change, as --before. Default: the files
    /// as they are.
    #[arg(long, value_name = "PATH")]
    pub after: Option<ZoneSource>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Scenarios run at once (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = jobs)]
    pub jobs: Option<usize>,
}

/// `mailharness check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// Scenario files or folders (default: scenarios/).
    pub paths: Vec<PathBuf>,
}

/// `mailharness audit`.
#[derive(clap::Args)]
pub struct AuditArgs {
    /// The domain identity, e.g. example.com.
    pub identity: String,
    /// The AWS region (default: the environment's).
    #[arg(long)]
    pub region: Option<String>,
    /// The From address (or domain) to predict for (default: the identity).
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,
    /// Write the live records and identity attributes to FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "check")]
    pub snapshot: Option<PathBuf>,
    /// Compare with a snapshot; exit 1 with a diff on drift.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
    /// Send AWS requests here (an emulator) instead of AWS.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Resolve through this nameserver instead of the system's.
    #[arg(long, value_name = "ADDR")]
    pub nameserver: Option<SocketAddr>,
}

/// `mailharness ses-records`.
#[derive(clap::Args)]
pub struct SesRecordsArgs {
    /// The domain identity, e.g. example.com.
    pub identity: String,
    /// The custom MAIL FROM domain, e.g. bounce.example.com.
    #[arg(long, value_name = "DOMAIN")]
    pub mail_from: Option<String>,
    /// The AWS region.
    #[arg(long, default_value = ses::DEFAULT_REGION)]
    pub region: String,
}

/// `mailharness dmarc-reports`.
#[derive(clap::Args)]
pub struct DmarcReportsArgs {
    /// Report files, or folders walked for *.xml, *.gz and *.zip files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write the answer as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// The sp= of the stricter records (none, quarantine or reject);
    /// default: the same as their p=, as in a record without sp=.
    #[arg(long, value_name = "POLICY")]
    pub sp: Option<mailharness_auth::Policy>,
    /// Look up each source's reverse name (PTR) through this nameserver;
    /// without it nothing is looked up.
    #[arg(long, value_name = "ADDR")]
    pub nameserver: Option<SocketAddr>,
    /// The largest compressed file (.gz, .zip) read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = limits::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// The most XML one report may be or decompress to, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = limits::DEFAULT_MAX_XML_SIZE)]
    pub max_xml_size: u64,
}

/// `--jobs`: a whole number of at least 1.
fn jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "expected a whole number of scenarios to run at once, at least 1, found {text:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every live-mode option but `--dry-run` is one whose use offline is
    /// refused: [`LiveArgs::FLAGS`] lists them all.
    #[test]
    fn every_live_mode_option_is_listed() {
        let command = Args::command();
        let run = command.find_subcommand("run").expect("run");
        let heading = Some("Live mode (via = \"ses\")");
        let options: Vec<(String, String)> = run
            .get_arguments()
            .filter(|a| a.get_help_heading() == heading && a.get_id() != "dry_run")
            .map(|a| {
                (
                    format!("--{}", a.get_long().expect("a long flag")),
                    a.get_id().to_string(),
                )
            })
            .collect();
        let listed: Vec<(String, String)> = LiveArgs::FLAGS
            .iter()
            .map(|(flag, id)| (flag.to_string(), id.to_string()))
            .collect();
        assert_eq!(options, listed);
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Args::command().debug_assert();
    }
}
