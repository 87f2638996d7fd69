//! `mailharness init DOMAIN`: a scenario folder for one's own domain,
//! SES's default setup and the recommended one side by side, ready to run.
//!
//! The zone files hold the records SES asks for, from the same builders
//! as `mailharness ses-records` (`ses::easy_dkim_record`, …). The
//! expectations of the verdict follow from the setup (the default one
//! fails DMARC, the custom one passes aligned); what each receiver profile
//! does, and whether the relay passes a refusal back, is what the profiles
//! compiled into this binary do with that verdict: `init` runs both
//! scenarios once, offline, and writes what they answered. A rule-derived
//! expectation that does not hold is a bug, and nothing is written.

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
};

use mailharness_auth::Policy;

use super::init_files::{self, Observed, Plan, Setup};
use crate::{
    exit,
    receiver::{Disposition, bundled_names},
    report::{Reporter, RunReport},
    runner::{RunOptions, run_all},
    scenario::{self, ZoneFiles, address_domain, is_domain_name, is_region},
    ses,
};

/// The receiver profiles a new folder's scenarios name unless told
/// otherwise: the bundled suite's.
pub const DEFAULT_RECEIVERS: &[&str] = &[
    "gmail-bulk",
    "yahoo-bulk",
    "outlook",
    "docomo",
    "au-high",
    "generic",
];

/// The label of the custom MAIL FROM domain unless `--mail-from` names
/// one: `bounce.<domain>`.
pub const DEFAULT_MAIL_FROM_LABEL: &str = "bounce";

/// The DMARC policy the zone files publish unless `--dmarc-policy` names
/// one: `p=none`, where every domain starts.
pub const DEFAULT_DMARC_POLICY: Policy = Policy::None;

/// The local part of the From address unless `--from` names one.
pub const DEFAULT_FROM_LOCAL: &str = "noreply";

/// What `init` was asked for.
#[derive(Clone, Debug)]
pub struct InitSettings {
    /// The domain identity, e.g. `shop.example`.
    pub domain: String,
    pub region: String,
    /// The custom MAIL FROM domain; `bounce.<domain>` when absent.
    pub mail_from: Option<String>,
    /// The DMARC policy the zone files publish.
    pub dmarc_policy: Policy,
    /// The receiver profiles the scenarios name; [`DEFAULT_RECEIVERS`]
    /// when empty.
    pub receivers: Vec<String>,
    /// The header From; `noreply@<domain>` when absent.
    pub from: Option<String>,
    /// The folder to write; the domain's name when absent.
    pub dir: Option<PathBuf>,
}

impl Default for InitSettings {
    fn default() -> Self {
        InitSettings {
            domain: String::new(),
            region: ses::DEFAULT_REGION.to_string(),
            mail_from: None,
            dmarc_policy: DEFAULT_DMARC_POLICY,
            receivers: Vec::new(),
            from: None,
            dir: None,
        }
    }
}

/// `mailharness init DOMAIN`: checks the settings (every problem at
/// once, exit 2), refuses to write over any file (exit 2), runs the new
/// scenarios once and writes the folder.
pub async fn init(settings: &InitSettings, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let plan = match plan(settings) {
        Ok(p) => p,
        Err(problems) => {
            for p in problems {
                let _ = writeln!(err, "error: {p}");
            }
            return exit::USAGE;
        }
    };
    let files = init_files::paths(&plan);
    let taken: Vec<&PathBuf> = files.iter().filter(|p| p.exists()).collect();
    if !taken.is_empty() {
        for path in &taken {
            let _ = writeln!(
                err,
                "error: {} exists; init writes no file over another",
                path.display()
            );
        }
        let _ = writeln!(
            err,
            "error: nothing written; remove {} or choose another folder with --dir",
            if taken.len() == 1 { "it" } else { "them" }
        );
        return exit::USAGE;
    }
    let observed = match observe(&plan).await {
        Ok(o) => o,
        Err((code, message)) => {
            let _ = writeln!(err, "error: {message}");
            let _ = writeln!(err, "error: nothing written");
            return code;
        }
    };
    let contents = init_files::contents(&plan, Some(&observed));
    // The files as written must load: a template that does not is a bug.
    if let Err(message) = load(&plan, &contents) {
        let _ = writeln!(err, "error: {message}");
        return exit::ENVIRONMENT;
    }
    for (path, text) in &contents {
        if let Err(e) = write_new(path, text) {
            let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
            return exit::ENVIRONMENT;
        }
    }
    let _ = init_files::write_summary(out, &plan, &observed);
    exit::SUCCESS
}

/// The settings checked and completed.
fn plan(settings: &InitSettings) -> Result<Plan, Vec<String>> {
    let mut problems = Vec::new();
    let domain = settings
        .domain
        .strip_suffix('.')
        .unwrap_or(&settings.domain)
        .to_ascii_lowercase();
    if !is_domain_name(&domain) || !domain.contains('.') {
        problems.push(format!(
            "DOMAIN: expected a domain name such as shop.example, found {:?}",
            settings.domain
        ));
    }
    if !is_region(&settings.region) {
        problems.push(format!(
            "--region: expected an AWS region such as us-east-1, found {:?}",
            settings.region
        ));
    }
    let mail_from = match &settings.mail_from {
        Some(m) => m.strip_suffix('.').unwrap_or(m).to_ascii_lowercase(),
        None => format!("{DEFAULT_MAIL_FROM_LABEL}.{domain}"),
    };
    if !is_domain_name(&mail_from) {
        problems.push(format!(
            "--mail-from: expected a domain name such as bounce.{domain}, found {:?}",
            settings.mail_from.as_deref().unwrap_or_default()
        ));
    } else if !mail_from.ends_with(&format!(".{domain}")) {
        // SES: the MAIL FROM domain must be a subdomain of the identity
        // (SES-FACTS.md, "Custom MAIL FROM").
        problems.push(format!(
            "--mail-from: expected a subdomain of {domain} (SES takes no other), found {mail_from:?}"
        ));
    }
    let from = settings
        .from
        .clone()
        .unwrap_or_else(|| format!("{DEFAULT_FROM_LOCAL}@{domain}"));
    match address_domain(&from) {
        None => problems.push(format!(
            "--from: expected an address such as \"Shop <noreply@{domain}>\", found {from:?}"
        )),
        Some(d) if !ses::identity_covers(&domain, &d) => problems.push(format!(
            "--from: expected an address at {domain} or a subdomain (the SES identity sends for those only), found {from:?}"
        )),
        Some(_) => {}
    }
    let known = bundled_names();
    let mut receivers: Vec<String> = if settings.receivers.is_empty() {
        DEFAULT_RECEIVERS.iter().map(|r| r.to_string()).collect()
    } else {
        settings
            .receivers
            .iter()
            .map(|r| r.trim().to_string())
            .collect()
    };
    for r in &receivers {
        if !known.contains(r) {
            problems.push(format!(
                "--receivers: expected bundled profile names, one of {}, found {r:?}",
                crate::document::quoted_list(&known.iter().map(String::as_str).collect::<Vec<_>>())
            ));
        }
    }
    let mut seen = Vec::new();
    receivers.retain(|r| {
        let first = !seen.contains(r);
        seen.push(r.clone());
        first
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    let dir = settings
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&domain));
    Ok(Plan {
        domain,
        region: settings.region.clone(),
        mail_from,
        policy: settings.dmarc_policy,
        receivers,
        from,
        dir,
    })
}

/// Runs the drafts (expectations of the verdict, none of the receivers
/// or the outcome) once: what the receivers did and how the relay
/// answered, per setup.
async fn observe(plan: &Plan) -> Result<BTreeMap<Setup, Observed>, (i32, String)> {
    let drafts = init_files::contents(plan, None);
    let scenarios = load(plan, &drafts).map_err(|m| (exit::ENVIRONMENT, m))?;
    let options = RunOptions {
        jobs: 2,
        ..RunOptions::default()
    };
    let runs = run_all(scenarios, &options, &mut Quiet)
        .await
        .map_err(|e| (exit::ENVIRONMENT, e.to_string()))?;
    let mut observed = BTreeMap::new();
    for run in runs {
        let report = run.report;
        if let Some(error) = &report.error {
            return Err((
                exit::ENVIRONMENT,
                format!("{} could not run: {error}", report.file),
            ));
        }
        if !report.failures.is_empty() {
            let failures: Vec<String> = report
                .failures
                .iter()
                .map(|f| format!("expected {} = {}, found {}", f.field, f.expected, f.found))
                .collect();
            return Err((
                exit::EXPECTATION_FAILED,
                format!(
                    "the expectations init writes for {} do not hold (a bug in mailharness): {}",
                    report.file,
                    failures.join("; ")
                ),
            ));
        }
        let setup = Setup::of_file(Path::new(&report.file));
        let receivers: Vec<(String, Disposition)> = report
            .messages
            .first()
            .map(|m| {
                m.receivers
                    .iter()
                    .map(|r| (r.profile.clone(), r.disposition))
                    .collect()
            })
            .unwrap_or_default();
        let outcome = if report.relay.accepted {
            "delivered".to_string()
        } else {
            format!("refused: {}", reply_code(&report.relay.reply))
        };
        observed.insert(setup, Observed { outcome, receivers });
    }
    Ok(observed)
}

/// The scenarios of `contents` as the loader reads them, zone files from
/// memory.
fn load(plan: &Plan, contents: &[(PathBuf, String)]) -> Result<Vec<scenario::Scenario>, String> {
    let zones = Memory(contents);
    let mut scenarios = Vec::new();
    for setup in [Setup::Default, Setup::Custom] {
        let path = init_files::scenario_path(plan, setup);
        let text = contents
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| t.as_str())
            .unwrap_or_default();
        match scenario::load_str_with(text, &path, &zones) {
            Ok(s) => scenarios.extend(s),
            Err(errors) => {
                let errors: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                return Err(format!(
                    "the scenario init writes does not load (a bug in mailharness): {}",
                    errors.join("; ")
                ));
            }
        }
    }
    Ok(scenarios)
}

/// The zone files of a folder not yet written.
struct Memory<'a>(&'a [(PathBuf, String)]);

impl ZoneFiles for Memory<'_> {
    fn read(&self, path: &Path) -> Result<String, String> {
        self.0
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, text)| text.clone())
            .ok_or_else(|| "not among the files init writes".to_string())
    }
}

/// A run's reporter that reports nothing.
struct Quiet;

impl Reporter for Quiet {
    fn finish(&mut self, _report: &RunReport) -> std::io::Result<()> {
        Ok(())
    }
}

/// What `outcome = "refused: …"` names of a reply: its enhanced status
/// code when it has one (`5.7.32`), else its code (`550`).
fn reply_code(reply: &str) -> String {
    let mut words = reply.split_whitespace();
    let code = words.next().unwrap_or_default();
    match words.next() {
        Some(e) if e.split('.').count() == 3 && e.split('.').all(|p| p.parse::<u16>().is_ok()) => {
            e.to_string()
        }
        _ => code.to_string(),
    }
}

/// Writes a file that must not exist yet, its folder made.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(domain: &str) -> InitSettings {
        InitSettings {
            domain: domain.into(),
            ..InitSettings::default()
        }
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let problems = plan(&InitSettings {
            domain: "shop".into(),
            region: "useast1".into(),
            mail_from: Some("mail.other.example".into()),
            from: Some("no address".into()),
            receivers: vec!["gmail-bulk".into(), "hotmail".into()],
            ..InitSettings::default()
        })
        .unwrap_err();
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert!(problems[0].starts_with("DOMAIN: expected a domain name"));
        assert!(problems[1].starts_with("--region: expected an AWS region"));
        assert!(problems[2].contains("expected a subdomain of shop"));
        assert!(problems[3].starts_with("--from: expected an address"));
        assert!(problems[4].contains("found \"hotmail\""));
    }

    #[test]
    fn defaults_fill_the_plan() {
        let plan = plan(&settings("Shop.Example.")).unwrap();
        assert_eq!(plan.domain, "shop.example");
        assert_eq!(plan.mail_from, "bounce.shop.example");
        assert_eq!(plan.from, "noreply@shop.example");
        assert_eq!(plan.dir, PathBuf::from("shop.example"));
        assert_eq!(plan.receivers, DEFAULT_RECEIVERS);
        assert_eq!(plan.region, ses::DEFAULT_REGION);
    }

    #[test]
    fn a_from_outside_the_identity_is_refused() {
        let problems = plan(&InitSettings {
            from: Some("Shop <noreply@elsewhere.example>".into()),
            ..settings("shop.example")
        })
        .unwrap_err();
        assert!(
            problems[0].contains("at shop.example or a subdomain"),
            "{problems:?}"
        );
    }

    #[test]
    fn replies_name_their_enhanced_code() {
        assert_eq!(reply_code("550 5.7.32 Your email"), "5.7.32");
        assert_eq!(reply_code("550 Unknown user"), "550");
    }
}
