//! A file that a report is written into, made (with its folder) only
//! when the report writes its first byte: a run that stops before it
//! reports leaves nothing behind.

use std::{
    fs::File,
    io::Write,
    path::{Path, PathBuf},
};

/// Writes go to the file at `path`, created on the first write; errors
/// name the path.
#[derive(Debug)]
pub struct LazyFile {
    path: PathBuf,
    file: Option<File>,
}

impl LazyFile {
    pub fn new(path: impl Into<PathBuf>) -> LazyFile {
        LazyFile {
            path: path.into(),
            file: None,
        }
    }

    fn file(&mut self) -> std::io::Result<&mut File> {
        if self.file.is_none() {
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| with_path(dir, e))?;
            }
            let file = File::create(&self.path).map_err(|e| with_path(&self.path, e))?;
            self.file = Some(file);
        }
        Ok(self.file.as_mut().expect("just created"))
    }
}

impl Write for LazyFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let path = self.path.clone();
        self.file()?.write(buf).map_err(|e| with_path(&path, e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush().map_err(|e| with_path(&self.path, e)),
            None => Ok(()),
        }
    }
}

fn with_path(path: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_and_its_folder_come_with_the_first_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/report.md");
        let mut file = LazyFile::new(&path);
        file.flush().unwrap();
        assert!(!path.exists());
        write!(file, "# x").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# x");
    }
}
