//! One problem at a place of a file's text ([`Diagnostic`]), and every
//! problem of one file ([`FileErrors`]): printed as `path:line:col:
//! message`, or drawn for a terminal.

use std::{
    fmt,
    ops::Range,
    path::{Path, PathBuf},
};

/// One problem in a file (a scenario, a receiver profile, a zone file), at
/// a byte span of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: usize,
    pub column: usize,
    pub span: Range<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn at(text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let (line, column) = line_column(text, span.start);
        Diagnostic {
            line,
            column,
            span,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Every problem found in one file, in the order of the text.
#[derive(Clone, Debug, thiserror::Error)]
pub struct FileErrors {
    pub path: PathBuf,
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for FileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                d.line,
                d.column,
                d.message
            )?;
        }
        Ok(())
    }
}

impl FileErrors {
    /// The problems of the file at `path`, in the order of the text (by
    /// span; those at one span in the order found), each once.
    pub fn in_text_order(path: &Path, mut diagnostics: Vec<Diagnostic>) -> FileErrors {
        diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        diagnostics.dedup();
        FileErrors {
            path: path.to_path_buf(),
            diagnostics,
        }
    }

    /// The file at `path` could not be read: one problem at its start.
    pub fn unreadable(path: &Path, error: &std::io::Error) -> FileErrors {
        FileErrors {
            path: path.to_path_buf(),
            diagnostics: vec![Diagnostic {
                line: 1,
                column: 1,
                span: 0..0,
                message: format!("cannot read the file: {error}"),
            }],
        }
    }

    /// The diagnostics drawn for a terminal: the source line, a label under
    /// the span, the message (miette's graphical handler). Falls back to
    /// the plain `path:line:col: message` form when the file cannot be read.
    pub fn render_fancy(&self) -> String {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return self.to_string();
        };
        let handler = miette::GraphicalReportHandler::new();
        let mut out = String::new();
        for d in &self.diagnostics {
            let span = if d.span.is_empty() && d.span.start == 0 {
                offset_of(&text, d.line, d.column)..offset_of(&text, d.line, d.column) + 1
            } else {
                d.span.clone()
            };
            let start = span.start.min(text.len());
            let len = span.end.min(text.len()).saturating_sub(start);
            let fancy = Fancy {
                message: format!(
                    "{}:{}:{}: {}",
                    self.path.display(),
                    d.line,
                    d.column,
                    d.message
                ),
                src: miette::NamedSource::new(self.path.display().to_string(), text.clone()),
                span: (start, len).into(),
            };
            if handler.render_report(&mut out, &fancy).is_err() {
                return self.to_string();
            }
        }
        out
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
struct Fancy {
    message: String,
    #[source_code]
    src: miette::NamedSource<String>,
    #[label("here")]
    span: miette::SourceSpan,
}

/// The byte offset of a 1-based line and column (in characters).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[line_start.min(text.len())..];
    line_start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // after the two-byte 'é'
        assert_eq!(line_column(text, 9), (2, 3));
        assert_eq!(offset_of(text, 2, 3), 9);
        assert_eq!(offset_of(text, 1, 1), 0);
    }
}
