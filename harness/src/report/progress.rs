use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Reporter, RunReport, ScenarioReport};

/// A progress bar on stderr: "running N scenarios", advancing as each
/// finishes, cleared when the run is over (or abandoned). indicatif draws
/// nothing when stderr is not a terminal; callers add this reporter only
/// when it is.
#[derive(Default)]
pub struct ProgressReporter {
    bar: Option<ProgressBar>,
    failed: usize,
}

impl ProgressReporter {
    pub fn stderr() -> Self {
        ProgressReporter::default()
    }
}

impl Reporter for ProgressReporter {
    fn run_started(&mut self, total: usize) {
        // Configured while hidden, so that the first frame is complete.
        let bar = ProgressBar::hidden();
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {pos}/{len} {wide_msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_length(total as u64);
        bar.set_prefix(format!(
            "running {total} scenario{}",
            if total == 1 { "" } else { "s" }
        ));
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(100));
        self.bar = Some(bar);
    }

    fn scenario_finished(&mut self, report: &ScenarioReport) {
        let Some(bar) = &self.bar else { return };
        if !report.passed {
            self.failed += 1;
            bar.set_message(format!("{} failed", self.failed));
        }
        bar.inc(1);
    }

    fn finish(&mut self, _report: &RunReport) -> std::io::Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        Ok(())
    }
}

impl Drop for ProgressReporter {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
