use super::{Reporter, RunReport, ScenarioReport};

/// Several reporters fed the same events, in the order they were added:
/// the stdout format, `--junit`, the progress bar.
#[derive(Default)]
pub struct FanOut<'a> {
    reporters: Vec<Box<dyn Reporter + 'a>>,
}

impl<'a> FanOut<'a> {
    pub fn new() -> Self {
        FanOut {
            reporters: Vec::new(),
        }
    }

    pub fn push(&mut self, reporter: impl Reporter + 'a) {
        self.reporters.push(Box::new(reporter));
    }
}

impl Reporter for FanOut<'_> {
    fn run_started(&mut self, total: usize) {
        for r in &mut self.reporters {
            r.run_started(total);
        }
    }

    fn scenario_finished(&mut self, report: &ScenarioReport) {
        for r in &mut self.reporters {
            r.scenario_finished(report);
        }
    }

    /// Finishes every reporter, even after one failed; returns the first
    /// error.
    fn finish(&mut self, report: &RunReport) -> std::io::Result<()> {
        let mut first_error = None;
        for r in &mut self.reporters {
            if let Err(e) = r.finish(report) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
