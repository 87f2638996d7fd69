//! The validated scenario: what the runner executes.

use std::path::PathBuf;

pub use crate::{
    hop::{HopIdentity, HopKind},
    keys::{Publish, Signer, SignerTags},
    mta::{MtaBackend, PostfixRelay},
    relay::{MxFailure, SesIdentity},
    send::{AttachmentData, AttachmentSpec, DirectSender, ExternalRelay, MessageSpec},
};
use mailharness_auth::{DkimResult, DmarcResult, Policy, SpfResult};

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
    /// Intermediaries between the sender and the receiver, in order.
    pub hops: Vec<HopIdentity>,
    pub message: MessageSpec,
    /// The receiver profiles the capture acts as (`[receivers]`); none
    /// when the scenario names none.
    pub receivers: crate::receiver::Receivers,
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
    /// Straight to the next hop, as written, from a given address: a
    /// third-party sender, a spoofer, a server of one's own.
    Direct(DirectSender),
    /// Through real Amazon SES (`SendEmail` with raw MIME); runs only in
    /// live mode (feature `live`).
    Ses(SesSender),
    /// Through a real SMTP relay: one given by address, or a Postfix +
    /// OpenDKIM relay that the harness runs.
    Smtp(SmtpSender),
}

/// A sender through an SMTP relay (`via = "smtp"`).
#[derive(Clone, Debug)]
pub struct SmtpSender {
    pub relay: SmtpRelay,
    /// The address the receiver evaluates SPF against: the relay's
    /// onward connections reach the capture declared as coming from it.
    pub egress_ip: std::net::IpAddr,
}

/// Which relay.
#[derive(Clone, Debug)]
pub enum SmtpRelay {
    /// A relay someone runs, by address (`address`).
    External(ExternalRelay),
    /// A Postfix + OpenDKIM relay the harness configures and runs
    /// (`[sender.postfix]`).
    Postfix(PostfixRelay),
}

impl SmtpRelay {
    /// One line for reports: `SMTP relay 127.0.0.1:2525`, `Postfix +
    /// OpenDKIM (native)`.
    pub fn describe(&self) -> String {
        match self {
            SmtpRelay::External(relay) => format!("SMTP relay {}", relay.address),
            SmtpRelay::Postfix(p) => match &p.backend {
                MtaBackend::Native => "Postfix + OpenDKIM (native)".into(),
                MtaBackend::Container { image } => format!("Postfix + OpenDKIM ({image})"),
            },
        }
    }
}

/// A sender through real Amazon SES. The account, credentials and region
/// come from the environment (aws-config's default chain).
#[derive(Clone, Debug, Default)]
pub struct SesSender {
    /// The region to send from; the environment's when not given.
    pub region: Option<String>,
    /// `ConfigurationSetName` of the send.
    pub configuration_set: Option<String>,
    /// `EmailTags`: name and value pairs.
    pub tags: Vec<(String, String)>,
}

/// What the scenario expects; every part is optional.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    /// The disposition expected of each named receiver profile, in the
    /// order of `[receivers] profiles`.
    pub receivers: Vec<(String, crate::receiver::Disposition)>,
    pub outcome: Option<Outcome>,
    /// `[expect.feedback]`: what the SES mailbox simulator gives back.
    pub feedback: Option<FeedbackExpectation>,
    pub return_path_domain: Option<String>,
    pub spf: Option<SpfExpectation>,
    pub dkim: Option<Vec<DkimExpectation>>,
    pub dmarc: Option<DmarcExpectation>,
    pub arc: Option<ArcExpectation>,
    pub delivery: Option<DeliveryExpectation>,
}

/// `delivery = { attempts = 2, disposition = "inbox" }`: how many attempts
/// the sending path made to deliver to the receiver, and what became of
/// the message there in the end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryExpectation {
    pub attempts: Option<u32>,
    pub disposition: Option<crate::receiver::Disposition>,
}

#[derive(Clone, Debug, Default)]
pub struct ArcExpectation {
    pub result: Option<AnyOf<DkimResult>>,
    pub sets: Option<usize>,
}

/// `[expect.feedback]`: what the SES mailbox simulator gives back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedbackExpectation {
    /// The kinds of the feedback messages that reached the MAIL FROM
    /// domain's MX, as a set; empty for `kind = "none"`.
    pub kinds: Option<Vec<crate::relay::FeedbackKind>>,
    /// The types of the notifications SES published, in order.
    pub notifications: Option<Vec<crate::relay::NotificationType>>,
    /// The MX host every feedback message went to (`*` globs).
    pub mx: Option<String>,
    /// The domain every feedback message was addressed to (`*` globs).
    pub rcpt_domain: Option<String>,
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
    pub result: Option<AnyOf<SpfResult>>,
    pub domain: Option<String>,
    pub helo_result: Option<AnyOf<SpfResult>>,
}

#[derive(Clone, Debug)]
pub struct DkimExpectation {
    pub domain: String,
    pub result: AnyOf<DkimResult>,
    pub selector: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct DmarcExpectation {
    pub result: Option<AnyOf<DmarcResult>>,
    pub policy: Option<Policy>,
    pub spf_aligned: Option<bool>,
    pub dkim_aligned: Option<bool>,
    pub disposition: Option<AnyOf<Policy>>,
    /// Every `rua` destination is authorised to receive reports.
    pub rua_authorized: Option<bool>,
}

/// An expected value: one, or several of which any is accepted
/// (`result = "pass"` or `result = ["pass", "neutral"]`), for outcomes the
/// RFCs leave to the receiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnyOf<T>(pub Vec<T>);

impl<T: PartialEq> AnyOf<T> {
    pub fn one(value: T) -> AnyOf<T> {
        AnyOf(vec![value])
    }

    pub fn accepts(&self, found: &T) -> bool {
        self.0.contains(found)
    }
}

impl<T: std::fmt::Display> std::fmt::Display for AnyOf<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, value) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" or ")?;
            }
            write!(f, "{value}")?;
        }
        Ok(())
    }
}
