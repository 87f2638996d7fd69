//! Which files a scenario's errors may quote: those below the current
//! folder and the bundled receiver profiles (the engine's rule,
//! [`crate::document::may_quote`], with the profiles' folder added).
//! Scenario files the user names are always shown.

use std::path::{Path, PathBuf};

use crate::document::{self, FileErrors};

/// The folders shown besides the current one.
fn also_shown() -> [PathBuf; 1] {
    [crate::receiver::bundled_dir()]
}

/// Whether messages may quote `file`: it lies below the current folder
/// or among the bundled receiver profiles (symbolic links resolved).
pub fn may_quote(file: &Path) -> bool {
    document::may_quote(file, &also_shown())
}

/// The errors of a file a scenario names, with quotes withheld unless
/// [`may_quote`] allows them.
pub(super) fn guard(errors: FileErrors) -> FileErrors {
    document::guard(errors, &also_shown())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_profiles_are_quoted() {
        let here = std::env::current_dir().unwrap();
        assert!(may_quote(&here.join("Cargo.toml")));
        assert!(may_quote(
            &crate::receiver::bundled_dir().join("gmail.toml")
        ));
        assert!(!may_quote(Path::new("/etc/hostname")) || here.starts_with("/etc"));
    }
}
