//! The validated scenario: what the runner executes.

use std::path::PathBuf;

pub use crate::{
    hop::{HopIdentity, HopKind},
    keys::KeyAlgorithm,
    mta::{MtaBackend, PostfixRelay},
    relay::{MxFailure, SesIdentity},
    send::{ExternalRelay, SmtpAuth, SmtpTls},
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

/// A sender without a relay.
#[derive(Clone, Debug)]
pub struct DirectSender {
    pub egress_ip: std::net::IpAddr,
    pub helo: String,
    /// The envelope from; the header From address when not given.
    pub mail_from: Option<String>,
    /// DKIM signatures it adds, in order (the first ends up on top).
    pub signers: Vec<Signer>,
}

/// A DKIM signature a direct sender adds, with a key the harness generates.
#[derive(Clone, Debug)]
pub struct Signer {
    /// `d=` as the scenario writes it (case kept: DKIM compares domains
    /// without regard to case, RFC 6376 §3.5).
    pub domain: String,
    pub selector: String,
    pub algorithm: KeyAlgorithm,
    pub publish: Publish,
    /// The tags the scenario sets; what it leaves out is SES's way.
    pub tags: SignerTags,
}

/// A direct sender's choices for one signature (RFC 6376 §3.5).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignerTags {
    /// `h=`, as written.
    pub headers: Option<Vec<String>>,
    /// `c=`: header and body canonicalisation, `true` for relaxed.
    pub relaxed: Option<(bool, bool)>,
    /// `l=`.
    pub body_length: Option<crate::keys::BodyLength>,
    /// `t=` and `x=`, seconds from the send time.
    pub timestamp_offset: Option<i64>,
    pub expires_after: Option<i64>,
}

/// What the mock DNS holds at `<selector>._domainkey.<domain>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Publish {
    /// The public key.
    Key,
    /// A revoked key: `p=` empty (RFC 6376 §3.6.1).
    Revoked,
    /// Nothing: the key is not published.
    Nothing,
}

/// The message the scenario sends.
#[derive(Clone, Debug)]
pub struct MessageSpec {
    /// The header From (for a raw message, the one it contains); with
    /// several addresses, the first.
    pub from: String,
    /// The From field's other addresses (`from = ["a@x", "b@y"]`); the
    /// message then carries a Sender field with the first (RFC 5322
    /// §3.6.2 requires one).
    pub other_from: Vec<String>,
    /// A complete message read from a file, sent as it is.
    pub raw: Option<Vec<u8>>,
    pub attachments: Vec<AttachmentSpec>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    pub headers: Vec<(String, String)>,
}

/// An attachment: generated bytes of a given size, or a file's content.
#[derive(Clone, Debug)]
pub struct AttachmentSpec {
    pub name: String,
    pub content_type: String,
    pub data: AttachmentData,
}

#[derive(Clone, Debug)]
pub enum AttachmentData {
    /// This many deterministic pseudo-random bytes.
    Generated(u64),
    File(std::path::PathBuf),
}

/// What the scenario expects; every part is optional.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    /// The disposition expected of each named receiver profile, in the
    /// order of `[receivers] profiles`.
    pub receivers: Vec<(String, crate::report::Disposition)>,
    pub outcome: Option<Outcome>,
    pub return_path_domain: Option<String>,
    pub spf: Option<SpfExpectation>,
    pub dkim: Option<Vec<DkimExpectation>>,
    pub dmarc: Option<DmarcExpectation>,
    pub arc: Option<ArcExpectation>,
}

#[derive(Clone, Debug, Default)]
pub struct ArcExpectation {
    pub result: Option<AnyOf<DkimResult>>,
    pub sets: Option<usize>,
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
