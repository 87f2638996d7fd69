//! From a file's text to typed values: TOML syntax errors, unknown keys and
//! wrong types all become diagnostics, every one of a file at once.

use std::path::Path;

use serde::de::DeserializeOwned;
use toml::{
    Spanned,
    de::{DeTable, DeValue, ValueDeserializer},
};

use super::{
    diagnostic::{Diagnostic, FileErrors},
    message::humanize,
    prune::prune,
};

/// The text of the file at `path`; the error as the file's diagnostic.
pub fn read_text(path: &Path) -> Result<String, FileErrors> {
    std::fs::read_to_string(path).map_err(|e| FileErrors::unreadable(path, &e))
}

/// Parses the TOML document of `text` into its top-level table, every
/// syntax error a diagnostic; `None` when there was one.
pub fn parse_table<'t>(
    text: &'t str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Spanned<DeTable<'t>>> {
    let (root, syntax) = DeTable::parse_recoverable(text);
    for e in &syntax {
        let span = e.span().unwrap_or(0..0);
        diagnostics.push(Diagnostic::at(text, span, humanize(e.message())));
    }
    syntax.is_empty().then_some(root)
}

/// [`parse_table`] as a value, ready for [`deserialize_pruning`].
pub fn parse_document<'t>(
    text: &'t str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Spanned<DeValue<'t>>> {
    let root = parse_table(text, diagnostics)?;
    let span = root.span();
    Some(Spanned::new(span, DeValue::Table(root.into_inner())))
}

/// Deserializes `value` (a part of `text`), collecting every error into
/// `diagnostics`: after each error the offending key (or array element) is
/// pruned and deserialization is tried again, so one typo does not hide
/// the next. The names of pruned keys go to `pruned_keys`, so that later
/// "missing" checks can stay quiet about them.
pub fn deserialize_pruning<T: DeserializeOwned>(
    text: &str,
    value: &Spanned<DeValue<'_>>,
    diagnostics: &mut Vec<Diagnostic>,
    pruned_keys: &mut Vec<String>,
) -> Option<T> {
    let mut value = value.clone();
    let mut pruned: Vec<String> = Vec::new();
    for _ in 0..256 {
        // With keys pruned the file has errors already; the partial value
        // still goes through the semantic checks so that their errors are
        // reported in the same pass.
        let e = match T::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(v) => return Some(v),
            Err(e) => e,
        };
        let span = e.span().unwrap_or_else(|| value.span());
        if is_consequence(e.message(), &pruned) {
            return None;
        }
        diagnostics.push(Diagnostic::at(text, span.clone(), humanize(e.message())));
        let key = prune(&mut value, span.start)?;
        pruned_keys.push(key.clone());
        pruned.push(key);
    }
    None
}

/// Whether serde's `message` only says that a key pruned after its own
/// error is missing.
fn is_consequence(message: &str, pruned: &[String]) -> bool {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .is_some_and(|key| pruned.iter().any(|p| p == key))
}
