use serde::Serialize;

use super::{compare::FieldChange, records::RecordChange};
use crate::expect::Mismatch;

/// What `mailharness diff` found: only the scenarios whose verdict
/// changes, each with the record changes that caused it.
#[derive(Clone, Debug, Serialize)]
pub struct DiffReport {
    /// Where each side's zone files came from (`git:HEAD`, a folder, `the
    /// working tree`).
    pub before: String,
    pub after: String,
    pub scenarios: Vec<ScenarioDiff>,
    pub summary: DiffSummary,
}

impl DiffReport {
    /// Whether a scenario that met its expectations under `--before` no
    /// longer does under `--after`.
    pub fn broke_something(&self) -> bool {
        self.summary.broken > 0
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct DiffSummary {
    /// Scenarios loaded.
    pub scenarios: usize,
    /// Of those, the ones whose DNS records differ between the two sides:
    /// the ones that were run (the others cannot change).
    pub with_record_changes: usize,
    /// Of those, the ones whose verdict changes.
    pub changed: usize,
    /// Of those, met their expectations before and no longer do.
    pub broken: usize,
    /// Of those, did not meet their expectations before and now do.
    pub fixed: usize,
}

/// Whether a changed verdict still meets the scenario's expectations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffStatus {
    /// Met its expectations under `--before`, fails them under `--after`.
    Broken,
    /// Failed them before, meets them now.
    Fixed,
    /// Changed, with the same standing as before.
    Changed,
}

impl DiffStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffStatus::Broken => "BROKEN",
            DiffStatus::Fixed => "FIXED",
            DiffStatus::Changed => "CHANGED",
        }
    }
}

/// One scenario whose verdict changes.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioDiff {
    pub name: String,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub status: DiffStatus,
    /// Cause and effects in one line.
    pub explanation: String,
    /// The record changes the scenario's run looked up (or all of its
    /// record changes when it looked none of them up).
    pub records: Vec<RecordChange>,
    /// Every field of the verdict that differs.
    pub changes: Vec<FieldChange>,
    /// The expectations not met under `--after`.
    pub failures: Vec<Mismatch>,
}
