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
}

#[derive(Clone, Debug, Serialize)]
pub struct EnvelopeReport {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub client_ip: IpAddr,
    pub helo: String,
}
