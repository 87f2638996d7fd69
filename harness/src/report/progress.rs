use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Reporter, RunReport, ScenarioReport};

/// A progress bar on stderr: "running N scenarios", advancing as each
/// finishes, cleared when the run is over (or abandoned). indicatif draws
/// nothing when stderr is not a terminal; callers add this reporter only
/// when it is.
pub struct ProgressReporter {
    bar: ProgressBar,
    failed: usize,
}

impl ProgressReporter {
    pub fn stderr() -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {pos}/{len} {wide_msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        ProgressReporter { bar, failed: 0 }
    }
}

impl Reporter for ProgressReporter {
    fn run_started(&mut self, total: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_prefix(format!(
            "running {total} scenario{}",
            if total == 1 { "" } else { "s" }
        ));
        self.bar.enable_steady_tick(Duration::from_millis(100));
    }

    fn scenario_finished(&mut self, report: &ScenarioReport) {
        if !report.passed {
            self.failed += 1;
            self.bar.set_message(format!("{} failed", self.failed));
        }
        self.bar.inc(1);
    }

    fn finish(&mut self, _report: &RunReport) -> std::io::Result<()> {
        self.bar.finish_and_clear();
        Ok(())
    }
}

impl Drop for ProgressReporter {
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}
