//! A profile file's shape as serde reads it.

use serde::Deserialize;
use toml::Spanned;

use super::profile::{Action, Conditions, Enforcement};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    pub description: Option<String>,
    #[serde(default)]
    pub bulk: bool,
    #[serde(default)]
    pub line_endings: RawLineEndings,
    #[serde(default)]
    pub enforcement: Enforcement,
    #[serde(default)]
    pub rule: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    #[serde(default)]
    pub when: Conditions,
    /// Optional here so that a bad action or reason does not hide the
    /// errors of the other rules; missing ones are reported after.
    pub action: Option<Spanned<Action>>,
    pub reply: Option<Spanned<String>>,
    pub defer_reply: Option<Spanned<String>>,
    pub banner: Option<Spanned<String>>,
    pub reason: Option<Spanned<String>>,
}

/// `line_endings`: how the receiver reads the lines of a message.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawLineEndings {
    #[default]
    Strict,
    Lenient,
}
