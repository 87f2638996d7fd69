//! The sender: builds a scenario's message and hands it to a relay over
//! SMTP, as an application would hand it to SES's SMTP interface.

mod build;
mod submit;

pub(crate) use build::sender_address;
pub use build::{BuildError, build_message, envelope_recipients};
pub use submit::{SubmitError, SubmitReply, submit};
