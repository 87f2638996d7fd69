//! Which files a scenario's errors may quote: those below the current
//! folder (the engine's rule, [`crate::document::may_quote`]) and the
//! receiver profiles compiled into mailharness.
//! Scenario files the user names are always shown.

use std::path::Path;

use crate::document::{self, FileErrors};

/// Whether messages may quote `file`: it is a bundled receiver profile
/// (`<bundled>/NAME.toml`) or lies below the current folder (symbolic
/// links resolved).
pub fn may_quote(file: &Path) -> bool {
    crate::receiver::Bundled::at(file).is_some() || document::may_quote(file, &[])
}

/// The errors of a file a scenario names, with quotes withheld unless
/// [`may_quote`] allows them.
pub(super) fn guard(errors: FileErrors) -> FileErrors {
    if crate::receiver::Bundled::at(&errors.path).is_some() {
        return errors;
    }
    document::guard(errors, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_profiles_are_quoted() {
        let here = std::env::current_dir().unwrap();
        assert!(may_quote(&here.join("Cargo.toml")));
        assert!(may_quote(
            &crate::receiver::Bundled::named("gmail").unwrap().path()
        ));
        assert!(!may_quote(Path::new("/etc/hostname")) || here.starts_with("/etc"));
    }
}
