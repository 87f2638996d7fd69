//! The command line resolved once into what a command runs with: the
//! library's settings and run options, every default filled in (the way
//! ripgrep turns its low-level arguments into `HiArgs`). Tests build an
//! [`Invocation`] from an argument list as the binary does.

use std::{ffi::OsString, io::Write, path::PathBuf};

use clap::{CommandFactory, FromArgMatches};

use super::{
    AuditSettings, DiffSettings, DmarcReportsSettings, LiveRunSettings, RunSettings,
    args::{
        Args, AuditArgs, CommandArgs, DiffArgs, DmarcReportsArgs, LiveArgs, RunArgs, SesRecordsArgs,
    },
};
use crate::{
    diff::ZoneSource,
    runner::{NotificationTargets, RunOptions, Selection, default_jobs},
};

/// The scenario folder the commands read when given no paths.
pub const DEFAULT_SCENARIOS: &str = "scenarios";

/// A command with everything it needs.
// Made once per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Invocation {
    Run {
        paths: Vec<PathBuf>,
        settings: RunSettings,
        options: RunOptions,
    },
    Diff {
        paths: Vec<PathBuf>,
        settings: DiffSettings,
        options: RunOptions,
    },
    Check {
        paths: Vec<PathBuf>,
    },
    Audit(AuditSettings),
    SesRecords {
        identity: String,
        mail_from: Option<String>,
        region: String,
    },
    DmarcReports(DmarcReportsSettings),
}

/// Reads a command line (`argv[0]` first). The error is clap's: a usage
/// error, or the help or version text that was asked for
/// (`clap::Error::use_stderr` tells them apart).
pub fn parse<I, T>(argv: I) -> Result<Invocation, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = Args::command().try_get_matches_from(argv)?;
    let args = Args::from_arg_matches(&matches)?;
    let live_flags = matches
        .subcommand_matches("run")
        .map(LiveArgs::given)
        .unwrap_or_default();
    Ok(Invocation::new(args, live_flags))
}

impl Invocation {
    /// Resolves parsed arguments; `live_flags` are the live-mode flags
    /// given on the command line ([`LiveArgs::given`]).
    pub fn new(args: Args, live_flags: Vec<String>) -> Invocation {
        match args.command {
            CommandArgs::Run(run) => run.resolve(live_flags),
            CommandArgs::Diff(diff) => diff.resolve(),
            CommandArgs::Check(check) => Invocation::Check {
                paths: paths_or_default(check.paths),
            },
            CommandArgs::Audit(audit) => Invocation::Audit(audit.into()),
            CommandArgs::SesRecords(SesRecordsArgs {
                identity,
                mail_from,
                region,
            }) => Invocation::SesRecords {
                identity,
                mail_from,
                region,
            },
            CommandArgs::DmarcReports(args) => Invocation::DmarcReports(args.into()),
        }
    }

    /// Runs the command; returns the process exit code ([`crate::exit`]).
    pub async fn execute(self, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
        match self {
            Invocation::Run {
                paths,
                settings,
                options,
            } => super::run(&paths, &settings, &options, out, err).await,
            Invocation::Diff {
                paths,
                settings,
                options,
            } => super::diff(&paths, &settings, &options, out, err).await,
            Invocation::Check { paths } => super::check(&paths, out, err),
            Invocation::Audit(settings) => super::audit(&settings, out, err).await,
            Invocation::SesRecords {
                identity,
                mail_from,
                region,
            } => super::ses_records(&identity, mail_from.as_deref(), &region, out, err),
            Invocation::DmarcReports(settings) => super::dmarc_reports(&settings, out, err).await,
        }
    }
}

impl RunArgs {
    fn resolve(self, live_flags: Vec<String>) -> Invocation {
        Invocation::Run {
            paths: paths_or_default(self.paths),
            settings: RunSettings {
                format: self.format,
                quiet: self.quiet,
                junit: self.junit,
                html: self.html,
                dmarc_reports: self.dmarc_reports,
                selection: Selection {
                    filters: self.filters,
                    partition: self.partition,
                },
                dmarc: self.dmarc,
                live: self.live.into(),
                live_flags,
                force: self.force,
            },
            options: RunOptions {
                notifications: NotificationTargets {
                    dir: self.notifications,
                    url: self.notify_url,
                },
                ..run_options(self.jobs, self.save)
            },
        }
    }
}

impl DiffArgs {
    fn resolve(self) -> Invocation {
        Invocation::Diff {
            paths: paths_or_default(self.paths),
            settings: DiffSettings {
                before: self.before.unwrap_or(ZoneSource::WorkingTree),
                after: self.after.unwrap_or(ZoneSource::WorkingTree),
                format: self.format,
            },
            options: run_options(self.jobs, None),
        }
    }
}

impl From<LiveArgs> for LiveRunSettings {
    fn from(args: LiveArgs) -> Self {
        LiveRunSettings {
            region: args.region,
            endpoint_url: args.endpoint_url,
            allowed_recipients: args.allowed_recipients,
            daily_budget: args.daily_budget,
            budget_file: args.budget_file,
            s3_bucket: args.s3_bucket,
            s3_prefix: args.s3_prefix,
            capture_timeout: std::time::Duration::from_secs(args.capture_timeout),
            nameserver: args.nameserver,
            from: args.from,
            to: args.to,
            dry_run: args.dry_run,
        }
    }
}

impl From<AuditArgs> for AuditSettings {
    fn from(args: AuditArgs) -> Self {
        AuditSettings {
            identity: args.identity,
            region: args.region,
            from: args.from,
            snapshot: args.snapshot,
            check: args.check,
            endpoint_url: args.endpoint_url,
            nameserver: args.nameserver,
        }
    }
}

impl From<DmarcReportsArgs> for DmarcReportsSettings {
    fn from(args: DmarcReportsArgs) -> Self {
        DmarcReportsSettings {
            paths: args.paths,
            format: args.format,
            html: args.html,
            sp: args.sp,
            nameserver: args.nameserver,
            limits: crate::dmarc_reports::Limits {
                max_file_size: args.max_file_size,
                max_xml_size: args.max_xml_size,
                ..crate::dmarc_reports::Limits::default()
            },
        }
    }
}

/// `--jobs` (else [`default_jobs`]) and `--save`.
fn run_options(jobs: Option<usize>, save: Option<PathBuf>) -> RunOptions {
    RunOptions {
        jobs: jobs.unwrap_or_else(default_jobs),
        save,
        ..RunOptions::default()
    }
}

/// The paths given, else [`DEFAULT_SCENARIOS`].
fn paths_or_default(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from(DEFAULT_SCENARIOS)]
    } else {
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{cli::Format, ses};

    fn parse_ok(argv: &[&str]) -> Invocation {
        parse(std::iter::once("mailharness").chain(argv.iter().copied()))
            .unwrap_or_else(|e| panic!("{argv:?}: {e}"))
    }

    /// The command line's defaults and the settings' `Default`s read the
    /// same constants. (Fields clap may take from `MAILHARNESS_*`
    /// variables are left out: the test's environment may set them.)
    #[test]
    fn run_defaults_are_the_librarys() {
        let Invocation::Run {
            paths,
            settings,
            options,
        } = parse_ok(&["run"])
        else {
            panic!("not a run");
        };
        assert_eq!(paths, [PathBuf::from(DEFAULT_SCENARIOS)]);
        assert_eq!(settings.format, Format::Human);
        assert_eq!(options.jobs, default_jobs());
        assert_eq!(options.jobs, RunOptions::default().jobs);
        assert!(settings.live_flags.is_empty());
        let (live, default) = (settings.live, LiveRunSettings::default());
        assert_eq!(live.daily_budget, ses::SANDBOX_DAILY_QUOTA);
        assert_eq!(live.daily_budget, default.daily_budget);
        assert_eq!(live.capture_timeout, crate::cli::DEFAULT_CAPTURE_TIMEOUT);
        assert_eq!(live.capture_timeout, default.capture_timeout);
        assert_eq!(
            (
                live.region,
                live.endpoint_url,
                live.nameserver,
                live.dry_run
            ),
            (None, None, None, false)
        );
    }

    #[test]
    fn ses_records_region_defaults_to_the_librarys() {
        let Invocation::SesRecords { region, .. } = parse_ok(&["ses-records", "example.com"])
        else {
            panic!("not ses-records");
        };
        assert_eq!(region, ses::DEFAULT_REGION);
    }

    #[test]
    fn flags_are_resolved_once() {
        let Invocation::Run {
            paths,
            settings,
            options,
        } = parse_ok(&[
            "run",
            "a.toml",
            "--jobs",
            "3",
            "--save",
            "out",
            "--format",
            "json",
            "--capture-timeout",
            "7",
            "--region",
            "eu-west-1",
            "--dry-run",
        ])
        else {
            panic!("not a run");
        };
        assert_eq!(paths, [PathBuf::from("a.toml")]);
        assert_eq!(options.jobs, 3);
        assert_eq!(options.save, Some(PathBuf::from("out")));
        assert_eq!(settings.format, Format::Json);
        assert_eq!(
            settings.live.capture_timeout,
            std::time::Duration::from_secs(7)
        );
        assert!(settings.live.dry_run);
        // In the order of the help text; --dry-run applies to any run.
        assert_eq!(settings.live_flags, ["--region", "--capture-timeout"]);

        let Invocation::Diff {
            settings, options, ..
        } = parse_ok(&["diff", "--after", "git:HEAD", "--jobs", "1"])
        else {
            panic!("not a diff");
        };
        assert_eq!(settings.before, ZoneSource::WorkingTree);
        assert_eq!(settings.after, ZoneSource::Git("HEAD".into()));
        assert_eq!(options.jobs, 1);
    }

    #[test]
    fn dmarc_reports_limits_default_to_the_librarys() {
        let Invocation::DmarcReports(settings) = parse_ok(&["dmarc-reports", "reports/"]) else {
            panic!("not dmarc-reports");
        };
        assert_eq!(settings.limits, crate::dmarc_reports::Limits::default());
        assert_eq!(settings.sp, None);
        let Invocation::DmarcReports(settings) = parse_ok(&[
            "dmarc-reports",
            "r.xml",
            "--sp",
            "none",
            "--max-xml-size",
            "1000",
        ]) else {
            panic!("not dmarc-reports");
        };
        assert_eq!(settings.sp, Some(mailharness_auth::Policy::None));
        assert_eq!(settings.limits.max_xml_size, 1000);
        assert!(parse(["mailharness", "dmarc-reports"]).is_err());
    }

    #[test]
    fn usage_errors_and_help_are_clap_errors() {
        let e = parse(["mailharness", "run", "--jobs", "0"]).unwrap_err();
        assert!(e.use_stderr());
        assert!(e.to_string().contains("at least 1"), "{e}");
        let e = parse(["mailharness", "--help"]).unwrap_err();
        assert!(!e.use_stderr());
    }
}
