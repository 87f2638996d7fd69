//! The bundled profiles: the files of `receivers/` at the top of the
//! workspace, compiled in, so that a `mailharness` installed anywhere
//! (`cargo install`) has them without the source tree. In diagnostics a
//! bundled profile is `<bundled>/NAME.toml`, wherever the binary was built.

use std::path::{Path, PathBuf};

/// The folder a bundled profile's path names in diagnostics:
/// `<bundled>/gmail-bulk.toml`.
pub const BUNDLED_FOLDER: &str = "<bundled>";

/// Every bundled profile by name, sorted; `the_table_is_the_folder` (below)
/// keeps it equal to `receivers/*.toml`.
const PROFILES: &[(&str, &str)] = &[
    ("au-high", include_str!("../../../receivers/au-high.toml")),
    ("docomo", include_str!("../../../receivers/docomo.toml")),
    (
        "docomo-strict",
        include_str!("../../../receivers/docomo-strict.toml"),
    ),
    ("generic", include_str!("../../../receivers/generic.toml")),
    ("gmail", include_str!("../../../receivers/gmail.toml")),
    (
        "gmail-bulk",
        include_str!("../../../receivers/gmail-bulk.toml"),
    ),
    (
        "lenient-mta",
        include_str!("../../../receivers/lenient-mta.toml"),
    ),
    ("outlook", include_str!("../../../receivers/outlook.toml")),
    ("softbank", include_str!("../../../receivers/softbank.toml")),
    (
        "yahoo-bulk",
        include_str!("../../../receivers/yahoo-bulk.toml"),
    ),
];

/// One bundled profile: its name and its file's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bundled {
    pub name: &'static str,
    pub text: &'static str,
}

impl Bundled {
    /// The bundled profile called `name`.
    pub fn named(name: &str) -> Option<Bundled> {
        Self::all().find(|b| b.name == name)
    }

    /// Every bundled profile, sorted by name.
    pub fn all() -> impl Iterator<Item = Bundled> {
        PROFILES.iter().map(|&(name, text)| Bundled { name, text })
    }

    /// The path diagnostics give it: `<bundled>/NAME.toml`.
    pub fn path(&self) -> PathBuf {
        Path::new(BUNDLED_FOLDER).join(format!("{}.toml", self.name))
    }

    /// The bundled profile whose [`Bundled::path`] is `path`, if any.
    pub fn at(path: &Path) -> Option<Bundled> {
        Self::all().find(|b| b.path() == path)
    }
}

/// The names of the bundled profiles, sorted.
pub fn bundled_names() -> Vec<String> {
    Bundled::all().map(|b| b.name.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `receivers/*.toml` of the workspace is bundled, with its text
    /// as it is, and nothing else.
    #[test]
    fn the_table_is_the_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../receivers");
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| {
                let name = p.file_stem().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        files.sort();
        let bundled: Vec<(String, String)> = Bundled::all()
            .map(|b| (b.name.to_string(), b.text.to_string()))
            .collect();
        assert_eq!(bundled, files);
    }

    #[test]
    fn paths_name_the_bundled_folder() {
        let gmail = Bundled::named("gmail-bulk").unwrap();
        assert_eq!(gmail.path(), Path::new("<bundled>/gmail-bulk.toml"));
        assert_eq!(Bundled::at(&gmail.path()), Some(gmail));
        assert_eq!(Bundled::at(Path::new("receivers/gmail-bulk.toml")), None);
        assert_eq!(Bundled::at(Path::new("/x/<bundled>/gmail-bulk.toml")), None);
        assert_eq!(Bundled::named("nope"), None);
    }
}
