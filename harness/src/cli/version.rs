//! `mailharness --version`: the release, the DMARC specification a run
//! follows unless told otherwise, and which receiver profiles are
//! compiled in, each by a digest of its file, so that two reports can be
//! told apart when their profiles differ.

use std::{fmt::Write, sync::LazyLock};

use mailharness_auth::DmarcSpec;
use sha2::{Digest, Sha256};

use crate::receiver::Bundled;

/// How many hex digits of a profile's SHA-256 `--version` prints.
pub const PROFILE_DIGEST_LENGTH: usize = 12;

/// The text `--version` prints (`-V` prints its first line only).
pub fn long_version() -> &'static str {
    static TEXT: LazyLock<String> = LazyLock::new(version_text);
    TEXT.as_str()
}

/// The first [`PROFILE_DIGEST_LENGTH`] hex digits of the SHA-256 of a
/// bundled profile's file.
pub fn profile_digest(profile: &Bundled) -> String {
    let digest = Sha256::digest(profile.text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex.truncate(PROFILE_DIGEST_LENGTH);
    hex
}

fn version_text() -> String {
    let default = DmarcSpec::default();
    let mut text = format!(
        "{}\nDMARC specification: {} by default; {} with --dmarc {} or a scenario's [receivers] dmarc\n\
         bundled receiver profiles (SHA-256 of each file, first {PROFILE_DIGEST_LENGTH} hex digits):",
        env!("CARGO_PKG_VERSION"),
        spec_name(default),
        spec_name(default.other()),
        default.other(),
    );
    let width = Bundled::all().map(|b| b.name.len()).max().unwrap_or(0);
    for profile in Bundled::all() {
        let _ = write!(
            text,
            "\n  {:width$}  {}",
            profile.name,
            profile_digest(&profile)
        );
    }
    text
}

/// `RFC 7489`.
fn spec_name(spec: DmarcSpec) -> String {
    format!("RFC {}", spec.as_str().trim_start_matches("rfc"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_version_names_the_dmarc_default_and_every_profile() {
        let text = long_version();
        assert!(
            text.starts_with(env!("CARGO_PKG_VERSION")),
            "clap prints the name in front: {text}"
        );
        assert!(
            text.contains(
                "DMARC specification: RFC 7489 by default; RFC 9989 with --dmarc rfc9989"
            ),
            "{text}"
        );
        for profile in Bundled::all() {
            let line = format!("{} ", profile.name);
            let digest = profile_digest(&profile);
            assert_eq!(digest.len(), PROFILE_DIGEST_LENGTH);
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with(&line) && l.ends_with(&digest)),
                "{} {digest} missing from {text}",
                profile.name
            );
        }
    }

    #[test]
    fn a_digest_is_of_the_file_as_compiled_in() {
        let generic = Bundled::named("generic").unwrap();
        let mut changed = generic;
        let text = format!("{} ", generic.text);
        changed.text = Box::leak(text.into_boxed_str());
        assert_ne!(profile_digest(&generic), profile_digest(&changed));
    }
}
