use std::io::Write;

use super::model::DiffReport;

/// The diff as a person reads it: per changed scenario a header line with
/// its standing (`BROKEN`, `CHANGED`, `FIXED`), the explanation, the
/// record changes, each changed field, and the expectations it no longer
/// meets; then a summary line.
pub fn write_human(report: &DiffReport, out: &mut dyn Write) -> std::io::Result<()> {
    for s in &report.scenarios {
        writeln!(out, "{} {} ({})", s.status.as_str(), s.name, s.file)?;
        writeln!(out, "  {}", s.explanation)?;
        let several = s.changes.iter().any(|c| c.message > Some(1));
        let width = s
            .changes
            .iter()
            .map(|c| label(c.message, &c.field, several).len())
            .chain(std::iter::once("record".len()))
            .max()
            .unwrap_or(0);
        for r in &s.records {
            writeln!(
                out,
                "    {:width$}  {} {} {}",
                "record",
                r.rtype,
                r.name,
                r.detail()
            )?;
        }
        for c in &s.changes {
            writeln!(
                out,
                "    {:width$}  {} → {}",
                label(c.message, &c.field, several),
                c.before,
                c.after
            )?;
        }
        for f in &s.failures {
            writeln!(
                out,
                "    expected {} = {}, found {}",
                f.field, f.expected, f.found
            )?;
        }
    }
    let s = &report.summary;
    writeln!(
        out,
        "{}--before {}, --after {}: {} scenario{}, {} with changed records, {} verdict{} changed: {} broken, {} fixed",
        if report.scenarios.is_empty() {
            ""
        } else {
            "\n"
        },
        report.before,
        report.after,
        s.scenarios,
        if s.scenarios == 1 { "" } else { "s" },
        s.with_record_changes,
        s.changed,
        if s.changed == 1 { "" } else { "s" },
        s.broken,
        s.fixed
    )
}

/// `dmarc.result`, or `message 2 dmarc.result` when several messages
/// changed.
fn label(message: Option<usize>, field: &str, several: bool) -> String {
    match message {
        Some(n) if several => format!("message {n} {field}"),
        _ => field.to_string(),
    }
}
