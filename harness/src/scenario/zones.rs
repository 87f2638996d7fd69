use std::path::Path;

/// Where a scenario's zone files are read from. The loader asks for each
/// zone file by the path the scenario names (joined to the scenario's
/// folder); [`FileSystem`] reads that path, `mailharness diff` reads the
/// same file from another folder or git revision.
pub trait ZoneFiles {
    /// The text of the zone file at `path`, or why it cannot be read
    /// (a lowercase fragment).
    fn read(&self, path: &Path) -> Result<String, String>;
}

/// The zone files as they are on disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileSystem;

impl ZoneFiles for FileSystem {
    fn read(&self, path: &Path) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| e.to_string())
    }
}
