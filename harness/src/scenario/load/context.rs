//! What every section's check shares: the file being read, the errors
//! found so far, and the ways to report one at its span.

use std::{
    net::{IpAddr, SocketAddr},
    ops::Range,
    path::Path,
};

use serde::de::DeserializeOwned;
use toml::{
    Spanned,
    de::{DeTable, DeValue},
};

use super::super::{
    names::{self, Name},
    zones::ZoneFiles,
};
use crate::document::{Diagnostic, FileErrors, deserialize_pruning};

/// One scenario file being checked.
pub(super) struct Context<'a> {
    pub(super) text: &'a str,
    pub(super) path: &'a Path,
    pub(super) zones: &'a dyn ZoneFiles,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Errors in the files this one names (zone files, receiver profiles).
    pub(super) other_files: Vec<FileErrors>,
    /// Keys removed after an error; a later "missing" check on one of
    /// them would only repeat that error.
    pub(super) pruned: Vec<String>,
}

/// How many errors had been found at some point: a check is clean when
/// none was added since.
#[derive(Clone, Copy)]
pub(super) struct Mark(usize);

/// A key given in the file, and where: `None` when it is not given.
pub(super) type Key = (&'static str, Option<Range<usize>>);

/// The span of an optional value.
pub(super) fn span_of<T>(value: &Option<Spanned<T>>) -> Option<Range<usize>> {
    value.as_ref().map(|v| v.span())
}

impl<'a> Context<'a> {
    pub(super) fn new(text: &'a str, path: &'a Path, zones: &'a dyn ZoneFiles) -> Self {
        Context {
            text,
            path,
            zones,
            diagnostics: Vec::new(),
            other_files: Vec::new(),
            pruned: Vec::new(),
        }
    }

    pub(super) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::at(self.text, span, message));
    }

    /// Errors in another file this one names, its quotes guarded.
    pub(super) fn other_file(&mut self, errors: FileErrors) {
        self.other_files.push(super::super::quote::guard(errors));
    }

    pub(super) fn mark(&self) -> Mark {
        Mark(self.diagnostics.len() + self.other_files.len())
    }

    /// Whether no error was found since `mark`.
    pub(super) fn clean_since(&self, mark: Mark) -> bool {
        self.mark().0 == mark.0
    }

    /// The folder the file's relative paths start from.
    pub(super) fn folder(&self) -> &'a Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// `result`'s value, or its message reported at `span`.
    pub(super) fn checked<T>(
        &mut self,
        span: Range<usize>,
        result: Result<T, String>,
    ) -> Option<T> {
        result.map_err(|message| self.error(span, message)).ok()
    }

    /// Whether `value`, written at `span`, is a valid `name`; its error
    /// reported otherwise.
    pub(super) fn check_name(&mut self, name: &Name, span: Range<usize>, value: &str) -> bool {
        self.checked(span, name.check(value)).is_some()
    }

    /// `value` when it is a valid `name`; `None` after its error.
    pub(super) fn valid_name<'v>(
        &mut self,
        name: &Name,
        value: &'v Spanned<String>,
    ) -> Option<&'v String> {
        self.check_name(name, value.span(), value.get_ref())
            .then(|| value.get_ref())
    }

    pub(super) fn ip_address(&mut self, value: &Spanned<String>) -> Option<IpAddr> {
        self.checked(value.span(), names::ip_address(value.get_ref()))
    }

    pub(super) fn socket_address(&mut self, value: &Spanned<String>) -> Option<SocketAddr> {
        self.checked(value.span(), names::socket_address(value.get_ref()))
    }

    /// An error at each key given: `<key> <why>` (`"tls_ca applies only
    /// to an external relay …"`).
    pub(super) fn refuse_keys(&mut self, keys: &[Key], why: &str) {
        for (key, span) in keys {
            if let Some(span) = span {
                self.error(span.clone(), format!("{key} {why}"));
            }
        }
    }

    /// The top-level `key` of the file, deserialized; `None` when it is
    /// absent or was refused (its errors reported).
    pub(super) fn section<T: DeserializeOwned>(
        &mut self,
        root: &DeTable<'_>,
        key: &str,
    ) -> Option<T> {
        let value = root.get(key)?;
        self.deserialize(value)
    }

    /// [`Context::section`], with an error when the file has no `key`.
    pub(super) fn required<T: DeserializeOwned>(
        &mut self,
        root: &Spanned<DeTable<'_>>,
        key: &str,
    ) -> Option<T> {
        if root.get_ref().get(key).is_none() {
            let start = root.span().start;
            self.error(start..start, format!("missing section [{key}]"));
            return None;
        }
        self.section(root.get_ref(), key)
    }

    fn deserialize<T: DeserializeOwned>(&mut self, value: &Spanned<DeValue<'_>>) -> Option<T> {
        deserialize_pruning(self.text, value, &mut self.diagnostics, &mut self.pruned)
    }
}
