//! The `mailharness` command line: parses arguments and dispatches to
//! [`mailharness::cli`].

use std::path::PathBuf;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use mailharness::{
    cli,
    diff::ZoneSource,
    exit,
    runner::{Partition, RunOptions, Selection},
};

#[derive(Parser)]
#[command(
    name = "mailharness",
    version,
    about = "End-to-end email deliverability test harness"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

// Parsed once, then taken apart: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run scenario files or folders and compare verdicts with expectations.
    Run {
        /// Scenario files or folders (default: scenarios/).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Human)]
        format: FormatArg,
        /// Save each captured message (.eml + JSON sidecar) and the zone served,
        /// in a folder per scenario file (and variant) below DIR.
        #[arg(long, value_name = "DIR")]
        save: Option<PathBuf>,
        /// With --save: replace the files an earlier run saved for the same
        /// scenarios (without it, such a folder is a usage error).
        #[arg(long)]
        force: bool,
        /// Scenarios run at once (default: the number of cores).
        #[arg(long, value_name = "N", value_parser = jobs)]
        jobs: Option<usize>,
        /// Also write a JUnit XML report (one test case per scenario).
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Also write a self-contained HTML report with a diagram per message.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Write, as the receiver, one DMARC aggregate report (RFC 7489 XML)
        /// per policy domain whose rua= destinations are authorised.
        #[arg(long, value_name = "DIR")]
        dmarc_reports: Option<PathBuf>,
        /// Run only scenarios whose name or file path contains PATTERN
        /// (case-insensitive, `*` globs); repeat to run those matching any.
        #[arg(long = "filter", value_name = "PATTERN")]
        filters: Vec<String>,
        /// Run shard K of N: scenario i (0-based, sorted by file then
        /// variant) belongs to shard i % N + 1; the N shards of a suite are
        /// disjoint and cover it.
        #[arg(long, value_name = "K/N")]
        partition: Option<Partition>,
        /// Human format: print only failing scenarios and the summary.
        #[arg(long, short)]
        quiet: bool,
        /// The DMARC specification receivers follow where a scenario's
        /// [receivers] does not name one: rfc7489 (the default, what
        /// deployed receivers implement) or rfc9989. The other is always
        /// evaluated too, and where it concludes differently the report
        /// says so.
        #[arg(long, value_name = "SPEC")]
        dmarc: Option<mailharness_auth::DmarcSpec>,
        #[command(flatten)]
        live: LiveArgs,
    },
    /// Run scenarios against two versions of their zone files and print
    /// only the verdicts that change, with the record changes that caused
    /// them. Exit 1 when a scenario's expectations break under --after.
    Diff {
        /// Scenario files or folders (default: scenarios/).
        paths: Vec<PathBuf>,
        /// The zone files before the change: a folder that stands in for
        /// the current folder (zone file P is read from PATH/P), or git:REV
        /// (P as of that revision). Default: the files as they are.
        #[arg(long, value_name = "PATH")]
        before: Option<ZoneSource>,
        /// The zone files after the change, as --before. Default: the files
        /// as they are.
        #[arg(long, value_name = "PATH")]
        after: Option<ZoneSource>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Human)]
        format: FormatArg,
        /// Scenarios run at once (default: the number of cores).
        #[arg(long, value_name = "N", value_parser = jobs)]
        jobs: Option<usize>,
    },
    /// Validate scenario files without running them.
    Check {
        /// Scenario files or folders (default: scenarios/).
        paths: Vec<PathBuf>,
    },
    /// Audit a real SES identity (GetEmailIdentity + DNS): what receivers
    /// will see, and the records still missing (feature `live`).
    Audit {
        /// The domain identity, e.g. example.com.
        identity: String,
        /// The AWS region (default: the environment's).
        #[arg(long)]
        region: Option<String>,
        /// The From address (or domain) to predict for (default: the identity).
        #[arg(long, value_name = "ADDRESS")]
        from: Option<String>,
        /// Write the live records and identity attributes to FILE.
        #[arg(long, value_name = "FILE", conflicts_with = "check")]
        snapshot: Option<PathBuf>,
        /// Compare with a snapshot; exit 1 with a diff on drift.
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
        /// Send AWS requests here (an emulator) instead of AWS.
        #[arg(long, value_name = "URL")]
        endpoint_url: Option<String>,
        /// Resolve through this nameserver instead of the system's.
        #[arg(long, value_name = "ADDR")]
        nameserver: Option<std::net::SocketAddr>,
    },
    /// Print the DNS records an SES identity needs, in BIND syntax.
    SesRecords {
        /// The domain identity, e.g. example.com.
        identity: String,
        /// The custom MAIL FROM domain, e.g. bounce.example.com.
        #[arg(long, value_name = "DOMAIN")]
        mail_from: Option<String>,
        /// The AWS region.
        #[arg(long, default_value = "us-east-1")]
        region: String,
    },
}

/// `run`'s options for `via = "ses"` scenarios (live mode).
#[derive(clap::Args)]
#[command(next_help_heading = "Live mode (via = \"ses\")")]
struct LiveArgs {
    /// Print what would be sent through SES, and to whom; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// The AWS region (default: the environment's).
    #[arg(long)]
    region: Option<String>,
    /// Send AWS requests here (an emulator) instead of AWS.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// A recipient allowed besides the SES mailbox simulator (repeat).
    #[arg(
        long = "allow-recipient",
        value_name = "ADDRESS",
        env = "MAILHARNESS_ALLOWED_RECIPIENTS",
        value_delimiter = ','
    )]
    allowed_recipients: Vec<String>,
    /// SES sends per UTC day.
    #[arg(long, value_name = "N", default_value_t = 200)]
    daily_budget: u32,
    /// Keep the day's send count in FILE across runs.
    #[arg(long, value_name = "FILE", env = "MAILHARNESS_BUDGET_FILE")]
    budget_file: Option<PathBuf>,
    /// The bucket an SES receipt rule stores received mail in.
    #[arg(long, value_name = "BUCKET", env = "MAILHARNESS_S3_BUCKET")]
    s3_bucket: Option<String>,
    /// The receipt rule's object key prefix.
    #[arg(
        long,
        value_name = "PREFIX",
        env = "MAILHARNESS_S3_PREFIX",
        default_value = ""
    )]
    s3_prefix: String,
    /// How long to wait for the message in S3.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    capture_timeout: u64,
    /// Resolve through this nameserver instead of the system's.
    #[arg(long, value_name = "ADDR")]
    nameserver: Option<std::net::SocketAddr>,
    /// Send from this address instead of the scenario's From.
    #[arg(long, value_name = "ADDRESS", env = "MAILHARNESS_FROM")]
    from: Option<String>,
    /// Send to this address instead of the scenario's recipients (repeat).
    #[arg(
        long,
        value_name = "ADDRESS",
        env = "MAILHARNESS_TO",
        value_delimiter = ','
    )]
    to: Vec<String>,
}

impl LiveArgs {
    fn settings(self) -> cli::LiveRunSettings {
        cli::LiveRunSettings {
            region: self.region,
            endpoint_url: self.endpoint_url,
            allowed_recipients: self.allowed_recipients,
            daily_budget: self.daily_budget,
            budget_file: self.budget_file,
            s3_bucket: self.s3_bucket,
            s3_prefix: self.s3_prefix,
            capture_timeout: std::time::Duration::from_secs(self.capture_timeout),
            nameserver: self.nameserver,
            from: self.from,
            to: self.to,
            dry_run: self.dry_run,
        }
    }
}

impl LiveArgs {
    /// `run`'s live-mode options, by their flag and argument id.
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

    /// The live-mode options given on the command line (not those taken
    /// from the environment or defaults), by their flags.
    fn given(run: &ArgMatches) -> Vec<String> {
        Self::FLAGS
            .iter()
            .filter(|(_, id)| run.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
            .map(|(flag, _)| flag.to_string())
            .collect()
    }
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

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Human,
    Json,
}

fn default_paths(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        paths
    }
}

fn main() {
    let parsed = Args::command().try_get_matches().and_then(|matches| {
        Args::from_arg_matches(&matches).map(|args| {
            let live_flags = matches
                .subcommand_matches("run")
                .map(LiveArgs::given)
                .unwrap_or_default();
            (args, live_flags)
        })
    });
    let (args, live_flags) = match parsed {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    let code = match args.command {
        Command::Run {
            paths,
            format,
            save,
            force,
            jobs,
            junit,
            html,
            dmarc_reports,
            filters,
            partition,
            quiet,
            dmarc,
            live,
        } => {
            let mut options = RunOptions {
                save,
                ..RunOptions::default()
            };
            if let Some(jobs) = jobs {
                options.jobs = jobs;
            }
            let settings = cli::RunSettings {
                format: match format {
                    FormatArg::Human => cli::Format::Human,
                    FormatArg::Json => cli::Format::Json,
                },
                quiet,
                junit,
                html,
                dmarc_reports,
                selection: Selection { filters, partition },
                dmarc,
                live: live.settings(),
                live_flags,
                force,
            };
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    std::process::exit(exit::ENVIRONMENT);
                }
            };
            runtime.block_on(cli::run(
                &default_paths(paths),
                &settings,
                &options,
                &mut out,
                &mut err,
            ))
        }
        Command::Audit {
            identity,
            region,
            from,
            snapshot,
            check,
            endpoint_url,
            nameserver,
        } => {
            let settings = cli::AuditSettings {
                identity,
                region,
                from,
                snapshot,
                check,
                endpoint_url,
                nameserver,
            };
            match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r.block_on(cli::audit(&settings, &mut out, &mut err)),
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    exit::ENVIRONMENT
                }
            }
        }
        Command::Diff {
            paths,
            before,
            after,
            format,
            jobs,
        } => {
            let mut options = RunOptions::default();
            if let Some(jobs) = jobs {
                options.jobs = jobs;
            }
            let settings = cli::DiffSettings {
                before: before.unwrap_or(ZoneSource::WorkingTree),
                after: after.unwrap_or(ZoneSource::WorkingTree),
                format: match format {
                    FormatArg::Human => cli::Format::Human,
                    FormatArg::Json => cli::Format::Json,
                },
            };
            match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r.block_on(cli::diff(
                    &default_paths(paths),
                    &settings,
                    &options,
                    &mut out,
                    &mut err,
                )),
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    exit::ENVIRONMENT
                }
            }
        }
        Command::Check { paths } => cli::check(&default_paths(paths), &mut out, &mut err),
        Command::SesRecords {
            identity,
            mail_from,
            region,
        } => cli::ses_records(&identity, mail_from.as_deref(), &region, &mut out, &mut err),
    };
    std::process::exit(code);
}
