use std::net::IpAddr;

use serde::Serialize;

use crate::verify::{Mismatch, Verdict};

/// Everything one run produced.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub scenarios: Vec<ScenarioReport>,
    pub summary: Summary,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
}

impl RunReport {
    pub fn new(scenarios: Vec<ScenarioReport>) -> RunReport {
        let passed = scenarios.iter().filter(|s| s.passed).count();
        RunReport {
            summary: Summary {
                total: scenarios.len(),
                passed,
                failed: scenarios.len() - passed,
            },
            scenarios,
        }
    }

    pub fn passed(&self) -> bool {
        self.summary.failed == 0
    }
}

/// One scenario's result.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioReport {
    pub name: String,
    pub file: String,
    /// The variant's name when the file declares several sender
    /// configurations; `name` then reads "<scenario> [<variant>]".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub description: Option<String>,
    pub passed: bool,
    pub relay: RelayReport,
    pub messages: Vec<MessageReport>,
    /// Unmet expectations, for the relay outcome and every message.
    pub failures: Vec<Mismatch>,
    /// DNS queries the mock DNS answered during the scenario.
    pub dns_queries: usize,
    pub duration_ms: u64,
}

/// How the relay answered the sender.
#[derive(Clone, Debug, Serialize)]
pub struct RelayReport {
    pub accepted: bool,
    pub reply: String,
}

/// One message as the capture received it, and the receiver's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct MessageReport {
    pub envelope: EnvelopeReport,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// What each receiver profile the scenario names did with the message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub receivers: Vec<ReceiverOutcome>,
}

/// One receiver profile's decision about a message.
#[derive(Clone, Debug, Serialize)]
pub struct ReceiverOutcome {
    /// The profile's name, e.g. `gmail-bulk`, `docomo`.
    pub profile: String,
    pub disposition: Disposition,
    /// The SMTP reply the receiver gave at the end of DATA, when it
    /// refused or deferred (e.g. `550 5.7.26 …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// Why, one line per rule that decided.
    pub reasons: Vec<String>,
}

/// Where the receiver puts the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Disposition {
    Inbox,
    Spam,
    /// A 4xx reply: the sender should retry.
    Tempfail,
    /// A 5xx reply: refused.
    Reject,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnvelopeReport {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub client_ip: IpAddr,
    pub helo: String,
    /// The TLS protocol version of the delivering connection, if STARTTLS
    /// was used (e.g. `TLSv1.3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<String>,
}
