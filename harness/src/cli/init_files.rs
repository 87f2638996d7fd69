//! The files `mailharness init` writes: two scenarios, their zone files,
//! a README and a GitHub workflow, as text.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    io::Write,
    path::{Path, PathBuf},
};

use mailharness_auth::Policy;

use crate::{receiver::Disposition, ses};

/// What a folder is made for: the settings checked and completed.
#[derive(Clone, Debug)]
pub(super) struct Plan {
    pub domain: String,
    pub region: String,
    pub mail_from: String,
    pub policy: Policy,
    pub receivers: Vec<String>,
    pub from: String,
    pub dir: PathBuf,
}

/// The two setups side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Setup {
    /// SES as shipped: no custom MAIL FROM, no Easy DKIM.
    Default,
    /// A custom MAIL FROM domain and Easy DKIM.
    Custom,
}

impl Setup {
    fn name(self) -> &'static str {
        match self {
            Setup::Default => "default",
            Setup::Custom => "custom",
        }
    }

    /// The setup whose scenario file is `path`.
    pub(super) fn of_file(path: &Path) -> Setup {
        if path.file_stem().is_some_and(|s| s == "custom") {
            Setup::Custom
        } else {
            Setup::Default
        }
    }
}

/// What a setup's scenario did when `init` ran it: the relay's answer and
/// each receiver profile's disposition.
#[derive(Clone, Debug)]
pub(super) struct Observed {
    /// `delivered`, or `refused: <code>`.
    pub outcome: String,
    pub receivers: Vec<(String, Disposition)>,
}

/// The README's name.
const README: &str = "README.md";
/// The workflow's name: GitHub runs it from `.github/workflows/`.
const WORKFLOW: &str = "github-workflow.yml";

pub(super) fn scenario_path(plan: &Plan, setup: Setup) -> PathBuf {
    plan.dir.join(format!("{}.toml", setup.name()))
}

fn zone_path(plan: &Plan, setup: Setup) -> PathBuf {
    plan.dir.join(zone_reference(plan, setup))
}

/// The zone file as the scenario names it, relative to its folder.
fn zone_reference(plan: &Plan, setup: Setup) -> String {
    format!("zones/{}/{}.zone", setup.name(), plan.domain)
}

/// Every file `init` writes, in the order it lists them.
pub(super) fn paths(plan: &Plan) -> Vec<PathBuf> {
    vec![
        scenario_path(plan, Setup::Default),
        scenario_path(plan, Setup::Custom),
        zone_path(plan, Setup::Default),
        zone_path(plan, Setup::Custom),
        plan.dir.join(README),
        plan.dir.join(WORKFLOW),
    ]
}

/// Every file with its text. Without `observed` the scenarios are
/// drafts: they expect nothing of the receivers or the relay's answer.
pub(super) fn contents(
    plan: &Plan,
    observed: Option<&BTreeMap<Setup, Observed>>,
) -> Vec<(PathBuf, String)> {
    let observed = |setup| observed.and_then(|o| o.get(&setup));
    paths(plan)
        .into_iter()
        .zip([
            scenario(plan, Setup::Default, observed(Setup::Default)),
            scenario(plan, Setup::Custom, observed(Setup::Custom)),
            zone(plan, Setup::Default),
            zone(plan, Setup::Custom),
            readme(plan),
            workflow(plan),
        ])
        .collect()
}

/// A TOML string holding `value`.
fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

fn scenario(plan: &Plan, setup: Setup, observed: Option<&Observed>) -> String {
    let domain = &plan.domain;
    let region = &plan.region;
    let policy = plan.policy;
    let mut t = String::new();
    match setup {
        Setup::Default => {
            let _ = write!(
                t,
                "# {domain} sent through SES as it is shipped: the identity is verified,\n\
                 # but there is no custom MAIL FROM domain and no Easy DKIM.\n\
                 #\n\
                 # What it teaches: SPF and DKIM pass, but for amazonses.com, not for\n\
                 # {domain}: the Return-Path is <id>@{rp} and the only signature is\n\
                 # d=amazonses.com, so neither is aligned with the header From and\n\
                 # DMARC for {domain} fails (policy {policy}). Receivers that demand\n\
                 # alignment refuse such mail; custom.toml is the fix.\n",
                rp = ses::default_mail_from_domain(region),
            );
        }
        Setup::Custom => {
            let _ = write!(
                t,
                "# {domain} with the recommended SES setup: the custom MAIL FROM domain\n\
                 # {mail_from} (its MX to SES's feedback endpoint and its SPF record),\n\
                 # Easy DKIM (three CNAMEs) and a DMARC record (policy {policy}).\n\
                 #\n\
                 # What it teaches: the Return-Path moves to {mail_from}, so SPF\n\
                 # passes for a domain aligned with {domain}; the message carries an\n\
                 # author signature d={domain} besides SES's d=amazonses.com; DMARC\n\
                 # passes, aligned both ways.\n",
                mail_from = plan.mail_from,
            );
        }
    }
    let _ = write!(
        t,
        "#\n# Written by `mailharness init` {}; README.md says what to change.\n",
        env!("CARGO_PKG_VERSION")
    );
    let name = match setup {
        Setup::Default => format!("{domain}: SES default, DMARC fails"),
        Setup::Custom => format!("{domain}: custom MAIL FROM + Easy DKIM, DMARC passes aligned"),
    };
    let _ = writeln!(t, "name = {}\n", toml_string(&name));
    let _ = writeln!(
        t,
        "[dns]\nzones = [{}]\n",
        toml_string(&zone_reference(plan, setup))
    );
    let _ = writeln!(
        t,
        "[sender]\nvia = \"relay\"\nregion = {}\nidentity = {}",
        toml_string(region),
        toml_string(domain)
    );
    match setup {
        Setup::Default => {
            let _ = writeln!(t, "easy_dkim = false\n");
        }
        Setup::Custom => {
            let _ = writeln!(
                t,
                "mail_from_domain = {}\neasy_dkim = true\n",
                toml_string(&plan.mail_from)
            );
        }
    }
    let _ = writeln!(
        t,
        "[message]\nfrom = {}\nto = [\"user@receiver.test\"]\nsubject = \"Your order has shipped\"\n\
         text = \"Your order #1234 has shipped.\\r\\n\"\n\
         # One-click unsubscribe (RFC 8058), which Gmail's and Yahoo's bulk rules ask for.\n\
         headers = [\n  {{ name = \"List-Unsubscribe\", value = {} }},\n  \
         {{ name = \"List-Unsubscribe-Post\", value = \"List-Unsubscribe=One-Click\" }},\n]\n",
        toml_string(&plan.from),
        toml_string(&format!("<https://{domain}/unsubscribe?u=1234>")),
    );
    let profiles: Vec<String> = plan.receivers.iter().map(|r| toml_string(r)).collect();
    let _ = writeln!(
        t,
        "# The kinds of receivers the message meets (bundled profiles; see\n\
         # `mailharness --version`). The capture acts as all of them and answers\n\
         # with the strictest one's reply.\n\
         [receivers]\nprofiles = [{}]\n",
        profiles.join(", ")
    );
    let _ = writeln!(t, "[expect]");
    if let Some(o) = observed {
        let _ = writeln!(t, "outcome = {}", toml_string(&o.outcome));
    }
    match setup {
        Setup::Default => {
            let rp = toml_string(&ses::default_mail_from_domain(region));
            let _ = writeln!(
                t,
                "return_path_domain = {rp}\n\
                 spf = {{ result = \"pass\", domain = {rp} }}\n\
                 dkim = [{{ domain = \"amazonses.com\", result = \"pass\" }}]\n\
                 dmarc = {{ result = \"fail\", policy = \"{policy}\", spf_aligned = false, dkim_aligned = false, disposition = \"{policy}\" }}"
            );
        }
        Setup::Custom => {
            let mf = toml_string(&plan.mail_from);
            let _ = writeln!(
                t,
                "return_path_domain = {mf}\n\
                 spf = {{ result = \"pass\", domain = {mf} }}\n\
                 dkim = [\n  {{ domain = {}, result = \"pass\" }},\n  {{ domain = \"amazonses.com\", result = \"pass\" }},\n]\n\
                 dmarc = {{ result = \"pass\", policy = \"{policy}\", spf_aligned = true, dkim_aligned = true, disposition = \"none\" }}",
                toml_string(domain)
            );
        }
    }
    if let Some(o) = observed
        && !o.receivers.is_empty()
    {
        let _ = writeln!(
            t,
            "\n# What each profile did when `mailharness init` ran this scenario.\n[expect.receivers]"
        );
        for (profile, disposition) in &o.receivers {
            let _ = writeln!(t, "{profile} = \"{}\"", disposition.as_str());
        }
    }
    t
}

fn zone(plan: &Plan, setup: Setup) -> String {
    let domain = &plan.domain;
    let mut t = String::new();
    match setup {
        Setup::Default => {
            let _ = write!(
                t,
                "; {domain} as receivers see it with SES's default setup: no record\n\
                 ; for SES at all, and a DMARC record (p={}).\n",
                plan.policy
            );
        }
        Setup::Custom => {
            let _ = write!(
                t,
                "; {domain} as receivers see it with the recommended SES setup: the\n\
                 ; records SES asks for, as `mailharness ses-records {domain} --mail-from\n\
                 ; {} --region {}` prints them, and a DMARC record (p={}).\n\
                 ;\n\
                 ; The Easy DKIM tokens are the emulated SES's, derived from the domain\n\
                 ; and region so that it can sign; your identity's own differ (the SES\n\
                 ; console lists them): publish those, and leave these here.\n",
                plan.mail_from, plan.region, plan.policy
            );
        }
    }
    let _ = write!(
        t,
        ";\n\
         ; Written by `mailharness init`. The SOA and NS records stand in for your\n\
         ; zone's own: put in your other records (your SPF, MX, ...) to test the\n\
         ; zone you publish.\n\
         $ORIGIN {domain}.\n\
         $TTL 3600\n\
         @       IN SOA  ns1.{domain}. hostmaster.{domain}. ( 1 3600 600 1209600 300 )\n\
         \x20       IN NS   ns1.{domain}.\n"
    );
    if setup == Setup::Custom {
        let _ = writeln!(t, "\n; Easy DKIM: three CNAMEs to the keys SES publishes.");
        for token in ses::easy_dkim_tokens(domain, &plan.region) {
            let _ = writeln!(t, "{}", ses::easy_dkim_record(domain, &token));
        }
        let _ = writeln!(
            t,
            "\n; Custom MAIL FROM: exactly one MX to SES's feedback endpoint, and SPF.\n{}\n{}",
            ses::mail_from_mx(&plan.mail_from, &plan.region),
            ses::mail_from_spf(&plan.mail_from)
        );
    }
    let _ = writeln!(
        t,
        "\n; DMARC: add rua=mailto:... to receive aggregate reports.\n{}",
        ses::dmarc_record_with_policy(domain, plan.policy)
    );
    t
}

/// `OWNER/NAME` of the Action: the repository the manifest names when it
/// is on GitHub.
fn action_repository() -> Option<&'static str> {
    env!("CARGO_PKG_REPOSITORY")
        .strip_prefix("https://github.com/")
        .map(|r| r.trim_end_matches('/').trim_end_matches(".git"))
}

fn workflow(plan: &Plan) -> String {
    let folder = plan.dir.display().to_string();
    let folder = folder.trim_end_matches('/');
    let version = env!("CARGO_PKG_VERSION");
    let uses = match action_repository() {
        Some(repo) => format!("{repo}@v{version}"),
        None => {
            format!("OWNER/mailharness@v{version}  # the GitHub repository that hosts mailharness")
        }
    };
    format!(
        "# Runs the deliverability scenarios of {folder}/ with the mailharness\n\
         # Action on every push and pull request: a job summary with a table per\n\
         # scenario, an annotation at the line of each unmet expectation and, in a\n\
         # pull request, at the zone-file line of each record change that changes\n\
         # a verdict; the HTML, JUnit and JSON reports as artifacts.\n\
         #\n\
         # Written by `mailharness init`. GitHub runs workflows from\n\
         # .github/workflows/ at the root of the repository: move this file\n\
         # there (the paths below assume {folder}/ sits at that root).\n\
         name: deliverability\n\
         on:\n  push:\n  pull_request:\n\
         jobs:\n  mailharness:\n    runs-on: ubuntu-latest\n    steps:\n\
         \x20     - uses: actions/checkout@v4\n\
         \x20       with:\n\
         \x20         fetch-depth: 0  # diff-base reads the zone files at the base commit\n\
         \x20     - uses: {uses}\n\
         \x20       with:\n\
         \x20         scenarios: {folder}/\n\
         \x20         # In a pull request: which verdicts the zone changes flip.\n\
         \x20         diff-base: ${{{{ github.event.pull_request.base.sha }}}}\n"
    )
}

fn readme(plan: &Plan) -> String {
    let domain = &plan.domain;
    let folder = plan.dir.display().to_string();
    let folder = folder.trim_end_matches('/');
    let receivers = plan.receivers.join(", ");
    format!(
        "# Deliverability scenarios for {domain}\n\
         \n\
         Written by\n\
         \n\
         ```sh\n\
         {command}\n\
         ```\n\
         \n\
         Each scenario sends one message from `{from}` through an emulated \
         Amazon SES ({region}) to a capture mailbox that acts as these \
         receivers: {receivers}. Everything runs on loopback (SMTP and DNS), \
         offline:\n\
         \n\
         ```sh\n\
         mailharness run {folder}/\n\
         ```\n\
         \n\
         | file | what |\n\
         |---|---|\n\
         | `default.toml` | SES as shipped: the Return-Path and the only DKIM signature are amazonses.com's, so DMARC for {domain} fails |\n\
         | `custom.toml` | the custom MAIL FROM domain {mail_from} and Easy DKIM: SPF and DKIM pass aligned, DMARC passes |\n\
         | `zones/default/{domain}.zone` | {domain}'s DNS as receivers see it in the default setup |\n\
         | `zones/custom/{domain}.zone` | the same with the records SES asks for (`mailharness ses-records {domain} --mail-from {mail_from} --region {region}`) |\n\
         | `github-workflow.yml` | a GitHub Actions workflow that runs these scenarios with the mailharness Action |\n\
         \n\
         ## The expectations\n\
         \n\
         The verdict each scenario expects (`[expect]`: Return-Path, SPF,\n\
         DKIM, DMARC, alignment) follows from its setup. What each receiver\n\
         profile does with that verdict (`[expect.receivers]`) and whether the\n\
         relay passes a refusal back to the sender (`outcome`) are what the\n\
         profiles compiled into mailharness did when `init` ran the scenarios;\n\
         `mailharness --version` names those profiles with a digest of each, so\n\
         a later release whose profiles changed makes a changed expectation\n\
         visible. Change an expectation and `mailharness run` exits 1, naming\n\
         the line.\n\
         \n\
         ## Your own zone\n\
         \n\
         The zone files start with an SOA and NS record that stand in for your\n\
         zone's own. Put in the records you publish (your SPF, MX, an existing\n\
         DMARC record with `rua=`) to test what receivers will see of your real\n\
         zone, and before a change to your DNS, see which verdicts it changes:\n\
         \n\
         ```sh\n\
         mailharness diff --before git:HEAD {folder}/\n\
         ```\n\
         \n\
         The Easy DKIM CNAMEs in `zones/custom/` use the emulated SES's tokens\n\
         (derived from the domain and region, so that it can sign); your SES\n\
         identity's own tokens differ: publish those in your real zone and\n\
         leave these here.\n\
         \n\
         ## In CI\n\
         \n\
         Move `github-workflow.yml` to `.github/workflows/` at the root of your\n\
         repository. Another CI system can install mailharness with `cargo\n\
         install` and run `mailharness run {folder}/ --format markdown` for a\n\
         summary, `--junit FILE` for its test report.\n",
        region = plan.region,
        mail_from = plan.mail_from,
        from = plan.from,
        command = init_command(plan),
    )
}

/// The `mailharness init` command that writes `plan`'s folder.
fn init_command(plan: &Plan) -> String {
    let mut command = format!(
        "mailharness init {} --region {} --mail-from {} --dmarc-policy {}",
        plan.domain, plan.region, plan.mail_from, plan.policy
    );
    if plan.receivers != super::init::DEFAULT_RECEIVERS {
        command.push_str(&format!(" --receivers {}", plan.receivers.join(",")));
    }
    if plan.from != format!("{}@{}", super::init::DEFAULT_FROM_LOCAL, plan.domain) {
        command.push_str(&format!(" --from {:?}", plan.from));
    }
    if plan.dir != Path::new(&plan.domain) {
        command.push_str(&format!(" --dir {}", plan.dir.display()));
    }
    command
}

/// What `init` prints once the folder is written.
pub(super) fn write_summary(
    out: &mut dyn Write,
    plan: &Plan,
    observed: &BTreeMap<Setup, Observed>,
) -> std::io::Result<()> {
    writeln!(
        out,
        "init: {} in {}, MAIL FROM {}, DMARC p={}, receivers {}",
        plan.domain,
        plan.region,
        plan.mail_from,
        plan.policy,
        plan.receivers.join(", ")
    )?;
    let answer = |setup: Setup| {
        observed
            .get(&setup)
            .map_or_else(String::new, |o| format!("outcome {}", o.outcome))
    };
    let notes = [
        format!("SES as shipped: DMARC fails; {}", answer(Setup::Default)),
        format!(
            "custom MAIL FROM + Easy DKIM: DMARC passes aligned; {}",
            answer(Setup::Custom)
        ),
        String::new(),
        "the records SES asks for".to_string(),
        String::new(),
        "move to .github/workflows/ to run on every push".to_string(),
    ];
    let files: Vec<String> = paths(plan)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let width = files.iter().map(|f| f.len()).max().unwrap_or(0);
    for (file, note) in files.iter().zip(notes) {
        if note.is_empty() {
            writeln!(out, "  {file}")?;
        } else {
            writeln!(out, "  {file:width$}  {note}")?;
        }
    }
    let folder = plan.dir.display().to_string();
    writeln!(
        out,
        "both scenarios ran and met their expectations; run them again with: mailharness run {}/",
        folder.trim_end_matches('/')
    )
}
