//! The scenario file format: TOML read with spans, validated into a
//! [`Scenario`], every error of a file collected as a [`Diagnostic`] with
//! its line and column.

mod diagnostic;
mod load;
mod model;
mod raw;

pub use diagnostic::{Diagnostic, FileErrors};
pub use load::{discover, is_domain_name, load_file, load_str};
pub use model::{
    ArcExpectation, AttachmentData, AttachmentSpec, DirectSender, DkimExpectation,
    DmarcExpectation, DnsFault, DnsSetup, Expectations, HopIdentity, HopKind, MessageSpec,
    MxFailure, Outcome, Publish, Scenario, Sender, SesIdentity, Signer, SpfExpectation,
};
pub use raw::{DkimResultName, DmarcResultName, PolicyName, SpfResultName};
