//! The HTML reporter (`--html FILE`): one self-contained page, no network
//! fetches and no script, that draws per scenario the path of the message,
//! the identifiers the receiver checked and which of them align with the
//! header From.
//!
//! - `page`: [`HtmlReporter`], the document, the overview and one section
//!   per file with its variants side by side.
//! - `diagram`: one message: route, identifiers and alignment, verdicts,
//!   receiver dispositions, raw headers.
//! - `feedback`: what the SES mailbox simulator gave back.
//! - `style`: the inline stylesheet.
//! - `text`: HTML escaping and small formatting helpers.

mod diagram;
mod feedback;
mod page;
mod style;
mod text;

pub use page::HtmlReporter;
pub(super) use style::CSS;
