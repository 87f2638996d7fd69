//! Which files an error message may quote. A file can name any other
//! file (a scenario's `zones = ["../../etc/passwd"]`); errors in that file
//! then say where and what was expected, but show text only of files below
//! the current folder (the project being tested) and of the folders the
//! caller adds (the bundled receiver profiles). Files the user names are
//! always shown (the caller's choice).

use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, FileErrors};

/// What replaces the quoted part of a message about a file that is not
/// shown.
const WITHHELD: &str = "(its text is not shown: the file is outside the current folder)";

/// Whether messages may quote `file`: it lies below the current folder or
/// below one of `also` (symbolic links resolved).
pub fn may_quote(file: &Path, also: &[PathBuf]) -> bool {
    let Ok(file) = file.canonicalize() else {
        return false;
    };
    std::env::current_dir()
        .ok()
        .into_iter()
        .chain(also.iter().cloned())
        .filter_map(|root| root.canonicalize().ok())
        .any(|root| file.starts_with(root))
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
pub fn guard(errors: FileErrors, also: &[PathBuf]) -> FileErrors {
    if may_quote(&errors.path, also) {
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
    fn only_files_below_the_current_folder_or_the_added_ones_are_quoted() {
        let here = std::env::current_dir().unwrap();
        let hostname = Path::new("/etc/hostname");
        assert!(may_quote(&here.join("Cargo.toml"), &[]));
        assert!(!may_quote(hostname, &[]) || here.starts_with("/etc"));
        assert!(may_quote(hostname, &[PathBuf::from("/etc")]) || !hostname.exists());
        assert!(!may_quote(&here.join("no-such-file"), &[]));
    }
}
