//! The report model and one reporter per output. Reporters read only the
//! model, never verifier internals; the runner emits events
//! ([`Reporter::run_started`], [`Reporter::scenario_finished`]) and the
//! command finishes every reporter with the whole [`RunReport`].
//!
//! - `model`: [`RunReport`], [`ScenarioReport`], [`MessageReport`].
//! - `human`: the terminal reporter.
//! - `feedback`: [`FeedbackReport`], what the SES mailbox simulator gave
//!   back (feedback messages, SNS notifications), and its terminal lines.
//! - `json`: the JSON reporter.
//! - `junit`: the JUnit XML reporter (`--junit FILE`).
//! - `html`: the HTML reporter (`--html FILE`).
//! - `aggregate`: DMARC aggregate reports (`--dmarc-reports DIR`), RFC 7489
//!   and RFC 9990.
//! - `dmarc_reports`: the outputs of `mailharness dmarc-reports` (text,
//!   JSON, an HTML page), from [`crate::dmarc_reports::Analysis`].
//! - `github`: GitHub Actions annotations (`--format github`) at the
//!   line of each unmet expectation.
//! - `markdown`: the Markdown summary (`--format markdown`, `--markdown
//!   FILE`), for CI job summaries.
//! - `positions`: [`ExpectationIndex`], where each scenario's
//!   expectations are written, for the outputs that point at lines.
//! - `lazy_file`: [`LazyFile`], a report file made on its first byte.
//! - `progress`: the progress bar on stderr.
//! - `fanout`: [`FanOut`], several reporters fed the same events.
//! - `style`: [`Style`], colours for the terminal.
//! - `markup`: escaping for XML and HTML, shared by the aggregate and HTML
//!   reports.

mod aggregate;
mod dmarc_reports;
mod fanout;
mod feedback;
mod github;
mod html;
mod human;
mod json;
mod junit;
mod lazy_file;
mod markdown;
mod markup;
mod model;
mod positions;
mod progress;
mod style;

pub use aggregate::{AggregateReporter, RFC9990_FOLDER};
pub use dmarc_reports::{dmarc_reports_html, write_dmarc_reports_human, write_dmarc_reports_json};
pub use fanout::FanOut;
pub use feedback::{FeedbackMessageReport, FeedbackReport, ReceivedFeedback};
pub use github::{Annotation, GithubReporter, Level, escape_data, escape_property, message_line};
pub use html::HtmlReporter;
pub use human::HumanReporter;
pub use json::JsonReporter;
pub use junit::JunitReporter;
pub use lazy_file::LazyFile;
pub use markdown::{
    ERROR as MARK_ERROR, FAILED as MARK_FAILED, MarkdownReporter, PASSED as MARK_PASSED,
    code as markdown_code, text as markdown_text, unmet_line as markdown_unmet_line,
};
pub use model::{
    DnsClient, DnsQuery, EnvelopeReport, MessageReport, RelayReport, RouteStep, RunReport,
    ScenarioReport, Summary,
};
pub use positions::ExpectationIndex;
pub use progress::ProgressReporter;
pub use style::Style;

/// Consumes what the runner emits.
pub trait Reporter {
    /// The run starts with `total` scenarios (after `--filter` and
    /// `--partition`).
    fn run_started(&mut self, _total: usize) {}
    /// A scenario finished (called in completion order).
    fn scenario_finished(&mut self, _report: &ScenarioReport) {}
    /// The run is over; `report` holds every scenario in file order.
    fn finish(&mut self, report: &RunReport) -> std::io::Result<()>;
}
