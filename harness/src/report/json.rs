use std::io::Write;

use super::{Reporter, RunReport};

/// Prints the whole run as one JSON document.
pub struct JsonReporter<W: Write> {
    out: W,
}

impl<W: Write> JsonReporter<W> {
    pub fn new(out: W) -> Self {
        JsonReporter { out }
    }
}

impl<W: Write> Reporter for JsonReporter<W> {
    fn finish(&mut self, report: &RunReport) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut self.out, report)?;
        writeln!(self.out)
    }
}
