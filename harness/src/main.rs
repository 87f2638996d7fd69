//! The `mailharness` command line: parses arguments and dispatches to
//! [`mailharness::cli`].

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use mailharness::{
    cli, exit,
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

#[derive(Subcommand)]
enum Command {
    /// Run scenario files or folders and compare verdicts with expectations.
    Run {
        /// Scenario files or folders (default: scenarios/).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Human)]
        format: FormatArg,
        /// Save each captured message (.eml + JSON sidecar) and the zone served.
        #[arg(long, value_name = "DIR")]
        save: Option<PathBuf>,
        /// Scenarios run at once (default: the number of cores).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Also write a JUnit XML report (one test case per scenario).
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
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
    },
    /// Validate scenario files without running them.
    Check {
        /// Scenario files or folders (default: scenarios/).
        paths: Vec<PathBuf>,
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
    let args = match Args::try_parse() {
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
            jobs,
            junit,
            filters,
            partition,
            quiet,
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
                selection: Selection { filters, partition },
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
        Command::Check { paths } => cli::check(&default_paths(paths), &mut out, &mut err),
        Command::SesRecords {
            identity,
            mail_from,
            region,
        } => cli::ses_records(&identity, mail_from.as_deref(), &region, &mut out),
    };
    std::process::exit(code);
}
