//! The validated scenario: what the runner executes.

use std::path::PathBuf;

pub use crate::relay::{MxFailure, SesIdentity};
use crate::scenario::raw::{DkimResultName, DmarcResultName, PolicyName, SpfResultName};

/// One scenario file, checked and ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub file: PathBuf,
    /// Set when the file declares variants: each runs as its own scenario.
    pub variant: Option<String>,
    pub description: Option<String>,
    pub dns: DnsSetup,
    pub sender: Sender,
    pub message: MessageSpec,
    pub expect: Expectations,
}

/// What the mock DNS serves for the scenario, before the relay publishes
/// its own records.
#[derive(Clone, Debug, Default)]
pub struct DnsSetup {
    pub records: Vec<mock_dns::Record>,
    pub faults: Vec<DnsFault>,
}

#[derive(Clone, Debug)]
pub struct DnsFault {
    pub name: String,
    pub rtype: Option<String>,
    pub fault: mock_dns::Fault,
}

/// How the message enters the path to the receiver.
#[derive(Clone, Debug)]
pub enum Sender {
    /// Through the built-in SES-like relay.
    Relay(SesIdentity),
}

/// The message the scenario sends.
#[derive(Clone, Debug)]
pub struct MessageSpec {
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    pub headers: Vec<(String, String)>,
}

/// What the scenario expects; every part is optional.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    pub outcome: Option<Outcome>,
    pub return_path_domain: Option<String>,
    pub spf: Option<SpfExpectation>,
    pub dkim: Option<Vec<DkimExpectation>>,
    pub dmarc: Option<DmarcExpectation>,
}

/// Whether the relay accepted the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Refused, optionally with the error code the refusal must name.
    Refused(Option<String>),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Delivered => f.write_str("delivered"),
            Outcome::Refused(None) => f.write_str("refused"),
            Outcome::Refused(Some(code)) => write!(f, "refused: {code}"),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct SpfExpectation {
    pub result: Option<SpfResultName>,
    pub domain: Option<String>,
}

#[derive(Clone, Debug)]
pub struct DkimExpectation {
    pub domain: String,
    pub result: DkimResultName,
    pub selector: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct DmarcExpectation {
    pub result: Option<DmarcResultName>,
    pub policy: Option<PolicyName>,
    pub spf_aligned: Option<bool>,
    pub dkim_aligned: Option<bool>,
    pub disposition: Option<PolicyName>,
}
