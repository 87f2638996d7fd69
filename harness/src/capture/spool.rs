//! Message bodies over a size threshold, kept on disk instead of in memory.
//!
//! The capture stores a message of at most `threshold` bytes in memory and
//! a larger one in a file of its own: in the configured directory, or in a
//! temporary directory made on first use. A file is removed when the last
//! [`super::Captured`] holding it is dropped (the mailbox and every copy
//! taken from it), and the temporary directory with the last file and the
//! capture that made it.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tempfile::TempDir;

/// The default threshold: messages above 1 MiB go to disk.
pub const DEFAULT_SPOOL_THRESHOLD: usize = 1024 * 1024;

/// Where the bytes of a stored message are.
#[derive(Clone, Debug)]
pub(super) enum Body {
    /// In memory.
    Memory(Vec<u8>),
    /// In a spool file.
    Spooled(Arc<SpoolFile>),
}

impl Body {
    /// The bytes: borrowed from memory or read from the spool file.
    pub(super) fn read(&self) -> io::Result<Cow<'_, [u8]>> {
        match self {
            Body::Memory(bytes) => Ok(Cow::Borrowed(bytes)),
            Body::Spooled(file) => std::fs::read(&file.path).map(Cow::Owned),
        }
    }

    /// The size of the message in bytes, wherever it is.
    pub(super) fn len(&self) -> usize {
        match self {
            Body::Memory(bytes) => bytes.len(),
            Body::Spooled(file) => file.len,
        }
    }

    /// The bytes held in memory: the message's size, or 0 when spooled.
    pub(super) fn in_memory(&self) -> usize {
        match self {
            Body::Memory(bytes) => bytes.len(),
            Body::Spooled(_) => 0,
        }
    }

    /// The spool file, when the message is on disk.
    pub(super) fn path(&self) -> Option<&Path> {
        match self {
            Body::Memory(_) => None,
            Body::Spooled(file) => Some(&file.path),
        }
    }
}

/// One spooled message; the file is removed when this is dropped.
#[derive(Debug)]
pub(super) struct SpoolFile {
    path: PathBuf,
    len: usize,
    /// Keeps a temporary directory alive while it holds the file.
    _dir: Arc<SpoolDir>,
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The directory spool files go to.
#[derive(Debug)]
enum SpoolDir {
    /// Made by the capture; removed with the last file and the capture.
    Temp(TempDir),
    /// Configured; only the files are removed.
    Given(PathBuf),
}

impl SpoolDir {
    fn path(&self) -> &Path {
        match self {
            SpoolDir::Temp(dir) => dir.path(),
            SpoolDir::Given(path) => path,
        }
    }
}

/// Decides where each message goes and writes the large ones to disk.
#[derive(Debug)]
pub(super) struct Spool {
    threshold: usize,
    configured: Option<PathBuf>,
    /// Made on the first message over the threshold.
    dir: Mutex<Option<Arc<SpoolDir>>>,
}

impl Spool {
    pub(super) fn new(threshold: usize, dir: Option<PathBuf>) -> Self {
        Self {
            threshold,
            configured: dir,
            dir: Mutex::new(None),
        }
    }

    fn dir(&self) -> io::Result<Arc<SpoolDir>> {
        let mut dir = self.dir.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(dir) = dir.as_ref() {
            return Ok(dir.clone());
        }
        let made = Arc::new(match &self.configured {
            Some(path) => {
                std::fs::create_dir_all(path)?;
                SpoolDir::Given(path.clone())
            }
            None => SpoolDir::Temp(
                tempfile::Builder::new()
                    .prefix("mailharness-spool-")
                    .tempdir()?,
            ),
        });
        *dir = Some(made.clone());
        Ok(made)
    }

    /// Keeps `data` in memory when it is at most the threshold, else
    /// writes it to a new spool file (off the async worker threads).
    pub(super) async fn store(&self, data: Vec<u8>) -> io::Result<Body> {
        if data.len() <= self.threshold {
            return Ok(Body::Memory(data));
        }
        let dir = self.dir()?;
        tokio::task::spawn_blocking(move || write(dir, &data))
            .await
            .map_err(io::Error::other)?
    }

    /// [`Spool::store`] without a runtime.
    #[cfg(test)]
    pub(super) fn store_blocking(&self, data: Vec<u8>) -> io::Result<Body> {
        if data.len() <= self.threshold {
            return Ok(Body::Memory(data));
        }
        write(self.dir()?, &data)
    }
}

fn write(dir: Arc<SpoolDir>, data: &[u8]) -> io::Result<Body> {
    let mut file = tempfile::Builder::new()
        .prefix("msg-")
        .suffix(".eml")
        .tempfile_in(dir.path())?;
    file.write_all(data)?;
    file.flush()?;
    let path = file.into_temp_path().keep().map_err(|e| e.error)?;
    Ok(Body::Spooled(Arc::new(SpoolFile {
        path,
        len: data.len(),
        _dir: dir,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_stays_in_memory_large_goes_to_disk() {
        let spool = Spool::new(4, None);
        let small = spool.store_blocking(b"1234".to_vec()).unwrap();
        assert_eq!(small.in_memory(), 4);
        assert!(small.path().is_none());
        // No directory until something is spooled.
        assert!(spool.dir.lock().unwrap().is_none());

        let large = spool.store_blocking(b"12345\r\n".to_vec()).unwrap();
        assert_eq!(large.in_memory(), 0);
        assert_eq!(large.len(), 7);
        assert_eq!(&*large.read().unwrap(), b"12345\r\n");
        let path = large.path().unwrap().to_path_buf();
        let dir = path.parent().unwrap().to_path_buf();
        assert!(path.is_file());

        let copy = large.clone();
        drop(large);
        assert!(path.is_file(), "a copy still holds the file");
        drop(copy);
        assert!(!path.exists(), "the last copy removes the file");
        assert!(dir.is_dir(), "the spool keeps its directory");
        drop(spool);
        assert!(!dir.exists(), "the temporary directory goes with the spool");
    }

    #[test]
    fn configured_directory_is_kept() {
        let given = tempfile::tempdir().unwrap();
        let dir = given.path().join("spool");
        let spool = Spool::new(0, Some(dir.clone()));
        let body = spool.store_blocking(b"x".to_vec()).unwrap();
        assert_eq!(body.path().unwrap().parent().unwrap(), dir);
        drop((body, spool));
        assert!(dir.is_dir());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    }
}
