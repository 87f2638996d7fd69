//! The senders: build a scenario's message and hand it to a relay over
//! SMTP, as an application hands it to SES's SMTP interface (`submit`),
//! or sign it with the scenario's own keys and send it straight to the
//! next hop from a given address (`direct`), or hand it to an SMTP relay
//! someone else runs, with STARTTLS and AUTH (`external`). A message is
//! an [`Outgoing`] (`outgoing`): its generated attachments are produced
//! while it is sent, never whole in memory. What is sent is a
//! [`MessageSpec`] (`spec`), from a [`DirectSender`] when there is no relay.

mod build;
mod direct;
mod external;
mod outgoing;
mod spec;
mod submit;

pub(crate) use build::sender_address;
pub use build::{BuildError, build_message, envelope_recipients, prepare_message};
pub use direct::{DirectError, send_direct, sign_direct};
pub use external::{
    ExternalError, ExternalRelay, SmtpAuth, SmtpTls, relay_password, submit_external,
};
pub use outgoing::Outgoing;
pub(crate) use outgoing::base64_len;
pub use spec::{AttachmentData, AttachmentSpec, DirectSender, MessageSpec};
pub use submit::{SubmitError, SubmitReply, submit, submit_outgoing};
