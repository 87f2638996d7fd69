//! Which files an error message may quote. A scenario can name any file
//! (`zones = ["../../etc/passwd"]`); its errors then say where and what
//! was expected, but show text only of files below the current folder
//! (the project being tested) and of the bundled receiver profiles.
//! Scenario files the user names are always shown.

use std::path::Path;

use super::{Diagnostic, FileErrors};

/// What replaces the quoted part of a message about a file that is not
/// shown.
const WITHHELD: &str = "(its text is not shown: the file is outside the current folder)";

/// Whether messages may quote `file`: it is a bundled receiver profile
/// (`<bundled>/NAME.toml`) or lies below the current folder (symbolic
/// links resolved).
pub fn may_quote(file: &Path) -> bool {
    if crate::receiver::Bundled::at(file).is_some() {
        return true;
    }
    let (Ok(file), Some(here)) = (
        file.canonicalize(),
        std::env::current_dir()
            .ok()
            .and_then(|d| d.canonicalize().ok()),
    ) else {
        return false;
    };
    file.starts_with(here)
}

/// `message` without anything it quotes from the file: the part before
/// its first `"`, then a note that the text is withheld.
pub fn withhold(message: &str) -> String {
    match message.split_once('"') {
        None => message.to_string(),
        Some((before, _)) => {
            let before = before.trim_end().trim_end_matches(',');
            format!("{before} {WITHHELD}")
        }
    }
}

/// The errors of a file another one names, with quotes withheld unless
/// [`may_quote`] allows them.
pub fn guard(errors: FileErrors) -> FileErrors {
    if may_quote(&errors.path) {
        return errors;
    }
    FileErrors {
        diagnostics: errors
            .diagnostics
            .into_iter()
            .map(|d| Diagnostic {
                message: withhold(&d.message),
                ..d
            })
            .collect(),
        ..errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_withheld() {
        assert_eq!(
            withhold(r#"unknown record type "x:0:0", expected one of A, AAAA"#),
            format!("unknown record type {WITHHELD}")
        );
        assert_eq!(
            withhold(r#"expected a TTL, found "root""#),
            format!("expected a TTL, found {WITHHELD}")
        );
        assert_eq!(
            withhold("expected a record type, found end of line"),
            "expected a record type, found end of line"
        );
    }

    #[test]
    fn only_files_below_the_current_folder_or_bundled_are_quoted() {
        let here = std::env::current_dir().unwrap();
        assert!(may_quote(&here.join("Cargo.toml")));
        assert!(may_quote(
            &crate::receiver::Bundled::named("gmail").unwrap().path()
        ));
        assert!(!may_quote(Path::new("/etc/hostname")) || here.starts_with("/etc"));
        assert!(!may_quote(&here.join("no-such-file")));
    }
}
