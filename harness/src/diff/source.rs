use std::{
    fmt,
    path::{Component, Path, PathBuf},
    process::Command,
    str::FromStr,
};

use crate::scenario::ZoneFiles;

/// Where one side of a diff reads the scenarios' zone files from. Zone
/// files are named by their path relative to the current folder (where
/// mailharness runs), e.g. `scenarios/ses/zones/custom/example.com.zone`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneSource {
    /// The files as they are (the side left out on the command line).
    WorkingTree,
    /// A folder that stands in for the current folder: the zone file
    /// `P` is read from `<folder>/P` (a copy of the repository, another
    /// checkout, a `git worktree`).
    Folder(PathBuf),
    /// `git:REV`: the zone file `P` as of a git revision
    /// (`git show REV:./P`, run in the current folder).
    Git(String),
}

impl FromStr for ZoneSource {
    type Err = String;

    fn from_str(s: &str) -> Result<ZoneSource, String> {
        match s.strip_prefix("git:") {
            Some("") => Err("expected git:REV with a revision, found \"git:\"".into()),
            Some(rev) => Ok(ZoneSource::Git(rev.to_string())),
            None if s.is_empty() => Err("expected a folder or git:REV, found \"\"".into()),
            None => Ok(ZoneSource::Folder(PathBuf::from(s))),
        }
    }
}

impl fmt::Display for ZoneSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZoneSource::WorkingTree => f.write_str("the working tree"),
            ZoneSource::Folder(dir) => write!(f, "{}", dir.display()),
            ZoneSource::Git(rev) => write!(f, "git:{rev}"),
        }
    }
}

/// A side that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{option} {path}: expected a folder, found none")]
    NotAFolder { option: String, path: String },
    #[error("{option} git:{rev}: not a git revision here: {message}")]
    UnknownRevision {
        option: String,
        rev: String,
        message: String,
    },
    #[error("{option} git:{rev}: cannot run git: {message}")]
    GitMissing {
        option: String,
        rev: String,
        message: String,
    },
    #[error("cannot read the current folder: {0}")]
    CurrentFolder(String),
}

impl SourceError {
    /// A bad argument (exit 2) rather than a broken environment (exit 3).
    pub fn is_usage(&self) -> bool {
        !matches!(
            self,
            SourceError::GitMissing { .. } | SourceError::CurrentFolder(_)
        )
    }
}

/// Reads zone files from a [`ZoneSource`] for the scenario loader.
#[derive(Clone, Debug)]
pub struct ZoneSourceReader {
    source: ZoneSource,
    /// The current folder, which zone paths are relative to.
    cwd: PathBuf,
}

impl ZoneSourceReader {
    /// Checks that the source can be read: the folder exists, the
    /// revision is one git knows. `option` names the side in errors
    /// (`--before`, `--after`).
    pub fn new(source: ZoneSource, option: &str) -> Result<ZoneSourceReader, SourceError> {
        let cwd = std::env::current_dir()
            .and_then(|d| d.canonicalize())
            .map_err(|e| SourceError::CurrentFolder(e.to_string()))?;
        match &source {
            ZoneSource::WorkingTree => {}
            ZoneSource::Folder(dir) if !dir.is_dir() => {
                return Err(SourceError::NotAFolder {
                    option: option.into(),
                    path: dir.display().to_string(),
                });
            }
            ZoneSource::Folder(_) => {}
            ZoneSource::Git(rev) => {
                let out = Command::new("git")
                    .args(["rev-parse", "--verify", "--quiet"])
                    .arg(format!("{rev}^{{commit}}"))
                    .current_dir(&cwd)
                    .output()
                    .map_err(|e| SourceError::GitMissing {
                        option: option.into(),
                        rev: rev.clone(),
                        message: e.to_string(),
                    })?;
                if !out.status.success() {
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    return Err(SourceError::UnknownRevision {
                        option: option.into(),
                        rev: rev.clone(),
                        message: first_line(&stderr)
                            .unwrap_or("git rev-parse found no such commit")
                            .to_string(),
                    });
                }
            }
        }
        Ok(ZoneSourceReader { source, cwd })
    }

    pub fn source(&self) -> &ZoneSource {
        &self.source
    }

    /// `path` relative to the current folder, without `.` and `..`.
    fn relative(&self, path: &Path) -> Result<PathBuf, String> {
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        };
        let normal = normalize(&absolute);
        normal
            .strip_prefix(&self.cwd)
            .map(Path::to_path_buf)
            .map_err(|_| {
                format!(
                    "it is outside the current folder {}, which {} stands in for",
                    self.cwd.display(),
                    self.source
                )
            })
    }
}

impl ZoneFiles for ZoneSourceReader {
    fn read(&self, path: &Path) -> Result<String, String> {
        match &self.source {
            ZoneSource::WorkingTree => std::fs::read_to_string(path).map_err(|e| e.to_string()),
            ZoneSource::Folder(dir) => {
                let file = dir.join(self.relative(path)?);
                std::fs::read_to_string(&file)
                    .map_err(|e| format!("{} (in {}): {e}", file.display(), self.source))
            }
            ZoneSource::Git(rev) => {
                let relative = self.relative(path)?;
                let spec = format!("{rev}:./{}", relative.display());
                let out = Command::new("git")
                    .arg("show")
                    .arg(&spec)
                    .current_dir(&self.cwd)
                    .output()
                    .map_err(|e| format!("cannot run git show {spec}: {e}"))?;
                if !out.status.success() {
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    return Err(format!(
                        "git show {spec}: {}",
                        first_line(&stderr).unwrap_or("failed")
                    ));
                }
                String::from_utf8(out.stdout).map_err(|_| format!("{spec} is not UTF-8"))
            }
        }
    }
}

fn first_line(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.strip_prefix("fatal: ").unwrap_or(l))
}

/// `a/b/../c/./d` → `a/c/d`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        assert_eq!("git:HEAD~1".parse(), Ok(ZoneSource::Git("HEAD~1".into())));
        assert_eq!(
            "zones-new".parse(),
            Ok(ZoneSource::Folder(PathBuf::from("zones-new")))
        );
        assert!("git:".parse::<ZoneSource>().is_err());
        assert_eq!(ZoneSource::Git("v1".into()).to_string(), "git:v1");
    }

    #[test]
    fn paths_are_normalized() {
        assert_eq!(
            normalize(Path::new("/w/scenarios/forwarding/../ses/./zones/x.zone")),
            PathBuf::from("/w/scenarios/ses/zones/x.zone")
        );
    }

    #[test]
    fn a_folder_stands_in_for_the_current_folder() {
        let dir = tempfile::tempdir().unwrap();
        let zones = dir.path().join("scenarios/ses/zones");
        std::fs::create_dir_all(&zones).unwrap();
        std::fs::write(zones.join("a.zone"), "; new\n").unwrap();
        let reader =
            ZoneSourceReader::new(ZoneSource::Folder(dir.path().to_path_buf()), "--after").unwrap();
        assert_eq!(
            reader
                .read(Path::new("scenarios/forwarding/../ses/zones/a.zone"))
                .unwrap(),
            "; new\n"
        );
        let missing = reader.read(Path::new("scenarios/b.zone")).unwrap_err();
        assert!(missing.contains("scenarios/b.zone"), "{missing}");
        let outside = reader.read(Path::new("/elsewhere/c.zone")).unwrap_err();
        assert!(outside.contains("outside the current folder"), "{outside}");
        let absent = ZoneSourceReader::new(ZoneSource::Folder(dir.path().join("nope")), "--before")
            .unwrap_err();
        assert!(absent.is_usage());
        assert!(absent.to_string().starts_with("--before "), "{absent}");
    }
}
