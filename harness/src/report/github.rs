//! GitHub Actions workflow commands (`--format github`): an `::error`
//! annotation at the scenario line of each unmet expectation, which GitHub
//! shows on that line of the file (in a pull request's diff, the job's
//! summary and the log). The commands and their escaping are GitHub's
//! (docs.github.com, "Workflow commands for GitHub Actions").

use std::{fmt, io::Write};

use super::{ExpectationIndex, MessageReport, Reporter, RunReport, ScenarioReport};

/// How GitHub shows an annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One annotation: `::error file=F,line=L,col=C,title=T::message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    pub level: Level,
    /// The file, relative to the repository's root (where the job runs).
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub title: String,
    /// Several lines are allowed.
    pub message: String,
}

impl fmt::Display for Annotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut properties = Vec::new();
        if let Some(file) = &self.file {
            properties.push(format!("file={}", escape_property(github_path(file))));
            if let Some(line) = self.line {
                properties.push(format!("line={line}"));
                if let Some(column) = self.column {
                    properties.push(format!("col={column}"));
                }
            }
        }
        properties.push(format!("title={}", escape_property(&self.title)));
        write!(
            f,
            "::{} {}::{}",
            self.level.as_str(),
            properties.join(","),
            escape_data(&self.message)
        )
    }
}

/// A command's message: `%`, CR and LF escaped, so that the message
/// cannot end the command or start another.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value: as [`escape_data`], and `:` and `,`,
/// which end a property.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A path as GitHub names files: relative, without a leading `./`.
fn github_path(path: &str) -> &str {
    let mut path = path;
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    path
}

/// What the receiver saw of a message, in one line: the Return-Path, the
/// DKIM signers, the results and what is aligned.
pub fn message_line(m: &MessageReport) -> String {
    let v = &m.verdict;
    let signers = if v.dkim.is_empty() {
        "none".to_string()
    } else {
        v.dkim
            .iter()
            .map(|d| format!("{} ({})", d.domain, d.result))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    format!(
        "Return-Path {}, DKIM d= {signers}, SPF {}, DMARC {} for {} (aligned: SPF {}, DKIM {})",
        if m.envelope.mail_from.is_empty() {
            "<>"
        } else {
            v.return_path_domain.as_str()
        },
        v.spf.result,
        v.dmarc.result,
        v.dmarc.domain,
        yes_no(v.dmarc.spf_aligned),
        yes_no(v.dmarc.dkim_aligned),
    )
}

/// The annotations of one scenario: an error at the line of each unmet
/// expectation, or one for the file when it could not run.
pub fn scenario_annotations(s: &ScenarioReport, index: &ExpectationIndex) -> Vec<Annotation> {
    let title = format!("mailharness: {}", s.name);
    if let Some(error) = &s.error {
        return vec![Annotation {
            level: Level::Error,
            file: Some(s.file.clone()),
            line: None,
            column: None,
            title,
            message: format!("could not run: {error}"),
        }];
    }
    let seen = s
        .messages
        .first()
        .map(|m| format!("\nthe receiver saw: {}", message_line(m)))
        .unwrap_or_default();
    s.failures
        .iter()
        .map(|f| {
            let position = index.position(s, f);
            Annotation {
                level: Level::Error,
                file: Some(s.file.clone()),
                line: position.map(|p| p.line),
                column: position.map(|p| p.column),
                title: title.clone(),
                message: format!(
                    "expected {} = {}, found {}{seen}",
                    f.field, f.expected, f.found
                ),
            }
        })
        .collect()
}

/// Prints the run's annotations, then its summary line.
pub struct GithubReporter<W: Write> {
    out: W,
    index: ExpectationIndex,
}

impl<W: Write> GithubReporter<W> {
    pub fn new(out: W, index: ExpectationIndex) -> Self {
        GithubReporter { out, index }
    }
}

impl<W: Write> Reporter for GithubReporter<W> {
    fn finish(&mut self, report: &RunReport) -> std::io::Result<()> {
        for s in &report.scenarios {
            for a in scenario_annotations(s, &self.index) {
                writeln!(self.out, "{a}")?;
            }
        }
        let s = &report.summary;
        writeln!(
            self.out,
            "mailharness: {} scenario{}: {} passed, {} failed",
            s.total,
            if s.total == 1 { "" } else { "s" },
            s.passed,
            s.failed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_cannot_be_broken_out_of() {
        let a = Annotation {
            level: Level::Warning,
            file: Some("./x,y:z.toml".into()),
            line: Some(3),
            column: Some(7),
            title: "a: b, 100%".into(),
            message: "first\r\nsecond ::error::x 50%".into(),
        };
        assert_eq!(
            a.to_string(),
            "::warning file=x%2Cy%3Az.toml,line=3,col=7,title=a%3A b%2C 100%25::first%0D%0Asecond ::error::x 50%25"
        );
    }

    #[test]
    fn a_file_without_a_line_is_annotated_as_a_whole() {
        let a = Annotation {
            level: Level::Error,
            file: Some("s.toml".into()),
            line: None,
            column: Some(1),
            title: "t".into(),
            message: "m".into(),
        };
        assert_eq!(a.to_string(), "::error file=s.toml,title=t::m");
    }
}
