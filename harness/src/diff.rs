//! `mailharness diff`: runs scenarios against two versions of their zone
//! files and reports only the verdicts that change, each with the record
//! changes that caused it.
//!
//! - `source`: [`ZoneSource`], where one side's zone files come from (the
//!   working tree, a folder standing in for the current folder, a git
//!   revision), read through [`crate::scenario::ZoneFiles`].
//! - `records`: [`RecordChange`], the difference of two record sets, each
//!   change with the zone-file line that writes it.
//! - `compare`: [`FieldChange`], the difference of two verdicts, and the
//!   one-line explanation that chains cause and effects.
//! - `model`: [`DiffReport`], what the command prints (human or JSON).
//! - `run`: [`run_diff`], both sides of every scenario whose records differ.
//! - `render`: the human output; `github`: annotations at the zone-file
//!   line of each record change (`--format github`); `markdown`: the
//!   summary for CI job summaries (`--format markdown`).

mod compare;
mod github;
mod markdown;
mod model;
mod records;
mod render;
mod run;
mod source;

pub use compare::{FieldChange, explain, verdict_changes};
pub use github::{diff_annotations, write_github};
pub use markdown::write_markdown;
pub use model::{DiffReport, DiffStatus, DiffSummary, ScenarioDiff};
pub use records::{ChangeKind, RecordChange, located_record_changes, record_changes};
pub use render::write_human;
pub use run::run_diff;
pub use source::{SourceError, ZoneSource, ZoneSourceReader};
