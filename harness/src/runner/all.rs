use std::{path::PathBuf, sync::Arc};

use tokio::sync::Semaphore;

use super::{EnvironmentError, ScenarioRun, run_scenario, save_run};
use crate::{report::Reporter, scenario::Scenario};

/// How to run a set of scenarios.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Scenarios running at once, each with its own servers.
    pub jobs: usize,
    /// Where to save messages, sidecars and zones.
    pub save: Option<PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            save: None,
        }
    }
}

/// Runs every scenario, at most `options.jobs` at once; tells `reporter`
/// of each as it finishes; returns the runs in the order given.
pub async fn run_all(
    scenarios: Vec<Scenario>,
    options: &RunOptions,
    reporter: &mut dyn Reporter,
) -> Result<Vec<ScenarioRun>, EnvironmentError> {
    let limit = Arc::new(Semaphore::new(options.jobs.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, scenario) in scenarios.into_iter().enumerate() {
        let limit = limit.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (index, run_scenario(&scenario).await)
        });
    }
    let mut done: Vec<Option<ScenarioRun>> = Vec::new();
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        let (index, result) = joined.map_err(|e| EnvironmentError {
            scenario: "runner".into(),
            message: format!("a scenario task failed: {e}"),
        })?;
        match result {
            Ok(run) => {
                reporter.scenario_finished(&run.report);
                if let Some(dir) = &options.save {
                    save_run(dir, &run).map_err(|e| EnvironmentError {
                        scenario: run.report.file.clone(),
                        message: format!("cannot save to {}: {e}", dir.display()),
                    })?;
                }
                if done.len() <= index {
                    done.resize_with(index + 1, || None);
                }
                done[index] = Some(run);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(done.into_iter().flatten().collect()),
    }
}
