use std::{fmt, path::PathBuf, str::FromStr, sync::Arc};

use tokio::sync::Semaphore;

use super::{EnvironmentError, ScenarioRun, run_scenario, save_folders, save_run};
use crate::{
    report::{RelayReport, Reporter, ScenarioReport},
    scenario::Scenario,
};

/// How to run a set of scenarios.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Scenarios running at once, each with its own servers.
    pub jobs: usize,
    /// Where to save messages, sidecars and zones: a folder per scenario
    /// below it ([`super::save_folders`]).
    pub save: Option<PathBuf>,
    /// Where SES's notifications go besides the report.
    pub notifications: super::NotificationTargets,
    /// Live mode: what `via = "ses"` scenarios send through.
    #[cfg(feature = "live")]
    pub live: Option<Arc<super::LiveContext>>,
}

/// Scenarios run at once when the number of cores cannot be read.
pub const FALLBACK_JOBS: usize = 2;

/// `--jobs`'s default: one scenario per core, [`FALLBACK_JOBS`] when the
/// number of cores cannot be read.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(FALLBACK_JOBS, |n| n.get())
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: default_jobs(),
            save: None,
            notifications: super::NotificationTargets::default(),
            #[cfg(feature = "live")]
            live: None,
        }
    }
}

/// Runs every scenario, at most `options.jobs` at once; tells `reporter`
/// that the run starts and of each scenario as it finishes; returns the
/// runs in the order given.
pub async fn run_all(
    scenarios: Vec<Scenario>,
    options: &RunOptions,
    reporter: &mut dyn Reporter,
) -> Result<Vec<ScenarioRun>, EnvironmentError> {
    // One folder per scenario below --save and below --notifications.
    let relative = if options.save.is_some() || options.notifications.dir.is_some() {
        save_folders(&scenarios).map_err(|e| EnvironmentError {
            scenario: "--save".into(),
            message: e.to_string(),
        })?
    } else {
        Vec::new()
    };
    let folders: Vec<PathBuf> = match &options.save {
        Some(dir) => relative.iter().map(|f| dir.join(f)).collect(),
        None => Vec::new(),
    };
    reporter.run_started(scenarios.len());
    let limit = Arc::new(Semaphore::new(options.jobs.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let count = scenarios.len();
    for (index, scenario) in scenarios.into_iter().enumerate() {
        let limit = limit.clone();
        #[cfg(feature = "live")]
        let live = options.live.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let started = std::time::Instant::now();
            #[cfg(feature = "live")]
            if let (crate::scenario::Sender::Ses(_), Some(cx)) = (&scenario.sender, &live) {
                let result = super::run_live_scenario(&scenario, cx).await;
                return (index, settle(&scenario, result, started));
            }
            let result = run_scenario(&scenario).await;
            (index, settle(&scenario, result, started))
        });
    }
    let mut done: Vec<Option<ScenarioRun>> = (0..count).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        let (index, run) = joined.map_err(|e| EnvironmentError {
            scenario: "runner".into(),
            message: format!("a scenario task failed: {e}"),
        })?;
        reporter.scenario_finished(&run.report);
        if let Some(feedback) = &run.report.feedback
            && !options.notifications.is_empty()
        {
            super::notify::deliver_notifications(
                &options.notifications,
                relative.get(index).map(PathBuf::as_path),
                &run.report.name,
                &feedback.notifications,
            )
            .await
            .map_err(|message| EnvironmentError {
                scenario: run.report.file.clone(),
                message,
            })?;
        }
        if let Some(folder) = folders.get(index)
            && run.report.error.is_none()
        {
            save_run(folder, &run).map_err(|e| EnvironmentError {
                scenario: run.report.file.clone(),
                message: format!("cannot save to {}: {e}", folder.display()),
            })?;
        }
        done[index] = Some(run);
    }
    Ok(done.into_iter().flatten().collect())
}

/// A scenario that could not run is reported as such, with why, and the
/// others go on: one broken scenario never hides the rest of a batch.
fn settle(
    scenario: &Scenario,
    result: Result<ScenarioRun, EnvironmentError>,
    started: std::time::Instant,
) -> ScenarioRun {
    match result {
        Ok(run) => run,
        Err(e) => ScenarioRun {
            report: ScenarioReport {
                name: scenario.name.clone(),
                file: scenario.file.display().to_string(),
                variant: scenario.variant.clone(),
                description: scenario.description.clone(),
                passed: false,
                error: Some(e.message),
                relay: RelayReport {
                    accepted: false,
                    reply: String::new(),
                    attempts: Vec::new(),
                },
                messages: Vec::new(),
                failures: Vec::new(),
                dns_queries: 0,
                duration_ms: started.elapsed().as_millis() as u64,
                route: super::route::route(scenario),
                feedback: None,
                dns: Vec::new(),
            },
            captured: Vec::new(),
            stored: Vec::new(),
            zone_file: String::new(),
            dns_faults: Vec::new(),
            query_log: Vec::new(),
            feedback_messages: Vec::new(),
        },
    }
}

/// Which of the loaded scenarios run: `--filter` and `--partition`.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Keep scenarios whose name or file path contains one of these
    /// (case-insensitive; `*` matches any run of characters). Empty: all.
    pub filters: Vec<String>,
    /// Keep one shard of what the filters left.
    pub partition: Option<Partition>,
}

/// `--filter` left no scenario.
#[derive(Debug, thiserror::Error)]
#[error(
    "no scenario matches {}: {loaded} scenario{} loaded, none has it in its name or file path",
    filters.iter().map(|f| format!("--filter {f:?}")).collect::<Vec<_>>().join(" or "),
    if *loaded == 1 { "" } else { "s" }
)]
pub struct NothingSelected {
    pub filters: Vec<String>,
    pub loaded: usize,
}

impl Selection {
    /// Sorts `scenarios` by file, then variant, keeps those that match a
    /// filter, then the partition's shard of them. A shard may be empty;
    /// filters that match nothing are an error.
    pub fn apply(&self, mut scenarios: Vec<Scenario>) -> Result<Vec<Scenario>, NothingSelected> {
        // Stable: variants keep the order their file declares them in.
        scenarios.sort_by(|a, b| a.file.cmp(&b.file));
        let loaded = scenarios.len();
        if !self.filters.is_empty() {
            scenarios.retain(|s| self.matches(&s.name, &s.file.display().to_string()));
            if scenarios.is_empty() {
                return Err(NothingSelected {
                    filters: self.filters.clone(),
                    loaded,
                });
            }
        }
        if let Some(partition) = self.partition {
            scenarios = scenarios
                .into_iter()
                .enumerate()
                .filter(|(i, _)| partition.contains(*i))
                .map(|(_, s)| s)
                .collect();
        }
        Ok(scenarios)
    }

    /// Whether a scenario with this name and file path passes the filters.
    pub fn matches(&self, name: &str, file: &str) -> bool {
        self.filters.is_empty()
            || self
                .filters
                .iter()
                .any(|f| glob_contains(f, name) || glob_contains(f, file))
    }
}

/// Whether `text` contains `pattern`, ignoring case, where `*` in the
/// pattern matches any run of characters.
fn glob_contains(pattern: &str, text: &str) -> bool {
    let text = text.to_lowercase();
    let mut rest = text.as_str();
    for part in pattern.to_lowercase().split('*') {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// `--partition K/N`: shard K (1-based) of N. Scenario i (0-based, of the
/// filtered list sorted by file, variants in file order) belongs to shard
/// `i % N + 1`, so the N shards of one suite are disjoint and together
/// cover it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    shard: usize,
    count: usize,
}

impl Partition {
    /// Shard `shard` of `count`; `None` unless 1 ≤ shard ≤ count.
    pub fn new(shard: usize, count: usize) -> Option<Partition> {
        (1..=count)
            .contains(&shard)
            .then_some(Partition { shard, count })
    }

    /// Whether scenario `index` (0-based) belongs to this shard.
    pub fn contains(self, index: usize) -> bool {
        index % self.count + 1 == self.shard
    }
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Partition, String> {
        s.split_once('/')
            .and_then(|(k, n)| Partition::new(k.trim().parse().ok()?, n.trim().parse().ok()?))
            .ok_or_else(|| format!("expected K/N with whole numbers 1 <= K <= N, found {s:?}"))
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.shard, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_case_insensitive_substrings_with_globs() {
        assert!(glob_contains("DEFAULT", "scenarios/ses/default.toml"));
        assert!(glob_contains("ses/*fault", "scenarios/ses/default.toml"));
        assert!(glob_contains("*", "anything"));
        assert!(glob_contains(
            "mx*reject",
            "mail-from-mx-missing-reject.toml"
        ));
        assert!(!glob_contains(
            "reject*mx",
            "mail-from-mx-missing-reject.toml"
        ));
        assert!(!glob_contains("custom", "scenarios/ses/default.toml"));
        let selection = Selection {
            filters: vec!["nothing".into(), "easy dkim".into()],
            partition: None,
        };
        assert!(selection.matches("SES custom MAIL FROM + Easy DKIM", "x.toml"));
        assert!(!selection.matches("SES default", "x.toml"));
        assert!(Selection::default().matches("any", "any"));
    }

    #[test]
    fn partitions_are_disjoint_and_cover() {
        for count in 1..=5 {
            let shards: Vec<Partition> = (1..=count)
                .map(|k| format!("{k}/{count}").parse().unwrap())
                .collect();
            for i in 0..17 {
                assert_eq!(shards.iter().filter(|p| p.contains(i)).count(), 1);
            }
        }
        let p: Partition = "2/3".parse().unwrap();
        assert_eq!(
            (0..7).filter(|&i| p.contains(i)).collect::<Vec<_>>(),
            [1, 4]
        );
        assert_eq!(p.to_string(), "2/3");
    }

    #[test]
    fn bad_partitions_say_what_was_expected() {
        for bad in ["3/2", "0/2", "1/0", "1", "a/b", "-1/2", ""] {
            let e = bad.parse::<Partition>().unwrap_err();
            assert_eq!(
                e,
                format!("expected K/N with whole numbers 1 <= K <= N, found {bad:?}")
            );
        }
    }
}
