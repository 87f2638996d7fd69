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
    DkimExpectation, DmarcExpectation, DnsFault, DnsSetup, Expectations, MessageSpec, MxFailure,
    Outcome, Scenario, Sender, SesIdentity, SpfExpectation,
};
pub use raw::{DkimResultName, DmarcResultName, PolicyName, SpfResultName};
