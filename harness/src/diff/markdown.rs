//! `diff --format markdown` (and `--markdown FILE`): the changed verdicts
//! for a CI job summary: per scenario its standing, the cause chain, the
//! record changes with the zone-file lines that write them, the changed
//! fields, and the expectations it no longer meets at their lines.

use std::io::Write;

use super::{
    model::{DiffReport, DiffStatus},
    records::ChangeKind,
};
use crate::report::{
    ExpectationIndex, MARK_FAILED, MARK_PASSED, markdown_code as code, markdown_text as text,
    markdown_unmet_line,
};

/// Writes the diff as Markdown; `index` places the unmet expectations
/// (the scenarios as loaded with `--after`'s zone files).
pub fn write_markdown(
    report: &DiffReport,
    index: &ExpectationIndex,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "## mailharness diff: {} verdict{} changed, {} broken, {} fixed\n",
        s.changed,
        if s.changed == 1 { "" } else { "s" },
        s.broken,
        s.fixed
    )?;
    writeln!(
        out,
        "Zone files {} (before) and {} (after): {} scenario{}, {} with changed records.",
        code(&format!("--before {}", report.before)),
        code(&format!("--after {}", report.after)),
        s.scenarios,
        if s.scenarios == 1 { "" } else { "s" },
        s.with_record_changes
    )?;
    for d in &report.scenarios {
        let mark = match d.status {
            DiffStatus::Broken => MARK_FAILED,
            DiffStatus::Fixed => MARK_PASSED,
            DiffStatus::Changed => "🔀",
        };
        writeln!(
            out,
            "\n### {mark} {} {}\n",
            d.status.as_str(),
            text(&d.name)
        )?;
        writeln!(out, "{}\n", code(&d.file))?;
        writeln!(out, "> {}\n", text(&d.explanation))?;
        writeln!(out, "| record | change | where |\n|---|---|---|")?;
        for r in &d.records {
            let place = match (&r.origin, r.change) {
                (Some(o), ChangeKind::Removed) => format!(
                    "{} under {}",
                    code(&o.to_string()),
                    code(&format!("--before {}", report.before))
                ),
                (Some(o), _) => code(&o.to_string()),
                (None, _) => "—".to_string(),
            };
            writeln!(
                out,
                "| {} | {} | {place} |",
                code(&format!("{} {}", r.rtype, r.name)),
                text(&r.detail())
            )?;
        }
        if !d.changes.is_empty() {
            writeln!(out, "\n| field | before | after |\n|---|---|---|")?;
            for c in &d.changes {
                let field = match c.message {
                    Some(n) if d.changes.iter().any(|c| c.message > Some(1)) => {
                        format!("message {n} {}", c.field)
                    }
                    _ => c.field.clone(),
                };
                writeln!(
                    out,
                    "| {} | {} | {} |",
                    code(&field),
                    code(&c.before),
                    code(&c.after)
                )?;
            }
        }
        if !d.failures.is_empty() {
            writeln!(out, "\n**Unmet expectations under --after**\n")?;
            for f in &d.failures {
                let place = index
                    .position_in(&d.file, d.variant.as_deref(), &f.field)
                    .map_or_else(|| d.file.clone(), |p| p.to_string());
                writeln!(out, "{}", markdown_unmet_line(&place, f))?;
            }
        }
    }
    Ok(())
}
