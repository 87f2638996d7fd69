//! `diff --format github`: an annotation at the zone-file line of each
//! record change that changed a verdict (an error when it broke the
//! scenario's expectations, a warning when it changed a verdict but not
//! the standing, a notice when it fixed one), then the summary line.

use std::io::Write;

use super::{
    model::{DiffReport, DiffStatus, ScenarioDiff},
    records::{ChangeKind, RecordChange},
};
use crate::report::{Annotation, Level};

/// The annotations of one changed scenario: one per record change it
/// looked up.
pub fn diff_annotations(report: &DiffReport, s: &ScenarioDiff) -> Vec<Annotation> {
    let level = match s.status {
        DiffStatus::Broken => Level::Error,
        DiffStatus::Changed => Level::Warning,
        DiffStatus::Fixed => Level::Notice,
    };
    let title = format!("mailharness diff: {} {}", s.status.as_str(), s.name);
    let mut effects = vec![s.explanation.clone()];
    effects.extend(
        s.changes
            .iter()
            .map(|c| format!("{}: {} → {}", c.field, c.before, c.after)),
    );
    effects.extend(
        s.failures
            .iter()
            .map(|f| format!("expected {} = {}, found {}", f.field, f.expected, f.found)),
    );
    s.records
        .iter()
        .map(|r| {
            let (file, line, column) = place(r, &s.file);
            let was = match (&r.origin, r.change) {
                (Some(o), ChangeKind::Removed) => {
                    format!(" (line {} under --before {})", o.line, report.before)
                }
                _ => String::new(),
            };
            Annotation {
                level,
                file: Some(file),
                line,
                column,
                title: title.clone(),
                message: format!(
                    "{} {} {}{was}\n{}",
                    r.rtype,
                    r.name,
                    r.detail(),
                    effects.join("\n")
                ),
            }
        })
        .collect()
}

/// Where a record change is shown: at the line that writes it; a removed
/// record, which has no line any more, on its file as a whole; a change
/// whose file is not known, on the scenario file.
fn place(r: &RecordChange, scenario: &str) -> (String, Option<usize>, Option<usize>) {
    match (&r.origin, r.change) {
        (Some(o), ChangeKind::Removed) => (o.file.display().to_string(), None, None),
        (Some(o), _) => (o.file.display().to_string(), Some(o.line), Some(o.column)),
        (None, _) => (scenario.to_string(), None, None),
    }
}

/// Writes every changed scenario's annotations, then the summary line.
pub fn write_github(report: &DiffReport, out: &mut dyn Write) -> std::io::Result<()> {
    for s in &report.scenarios {
        for a in diff_annotations(report, s) {
            writeln!(out, "{a}")?;
        }
    }
    let s = &report.summary;
    writeln!(
        out,
        "mailharness diff: --before {}, --after {}: {} verdict{} changed: {} broken, {} fixed",
        report.before,
        report.after,
        s.changed,
        if s.changed == 1 { "" } else { "s" },
        s.broken,
        s.fixed
    )
}
