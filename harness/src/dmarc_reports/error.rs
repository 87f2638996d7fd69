//! What a file that cannot be read is told with.

use std::fmt;

/// One error of one file: `path:line:col: message`, or `path: message`
/// when it is about the file as a whole. A member of a zip archive is
/// named `archive.zip[member.xml]`; positions in a compressed file are in
/// its decompressed XML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    /// Line and column (both from 1; the column counts characters).
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl FileError {
    pub fn whole(file: impl Into<String>, message: impl Into<String>) -> Self {
        FileError {
            file: file.into(),
            position: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Line and column (from 1; the column in characters) of byte `offset` of
/// `text`.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "<a>\n  <bé>x</bé>\n</a>";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 3));
        assert_eq!(line_col(text, text.find('x').unwrap()), (2, 7));
        assert_eq!(line_col(text, 10_000), (3, 5));
    }

    #[test]
    fn shown_as_path_line_col() {
        let e = FileError {
            file: "r.xml".into(),
            position: Some((3, 7)),
            message: "expected a number".into(),
        };
        assert_eq!(e.to_string(), "r.xml:3:7: expected a number");
        assert_eq!(
            FileError::whole("r.zip", "not a zip").to_string(),
            "r.zip: not a zip"
        );
    }
}
