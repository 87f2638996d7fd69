use std::net::IpAddr;

use serde::Serialize;

use crate::{expect::Mismatch, findings::Finding, receiver::ReceiverOutcome, verify::Verdict};

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
    /// Scenarios that ran and missed an expectation, or could not run.
    pub failed: usize,
    /// Of the failed, those that could not run (an environment error).
    pub errors: usize,
}

impl RunReport {
    pub fn new(scenarios: Vec<ScenarioReport>) -> RunReport {
        let passed = scenarios.iter().filter(|s| s.passed).count();
        RunReport {
            summary: Summary {
                total: scenarios.len(),
                passed,
                failed: scenarios.len() - passed,
                errors: scenarios.iter().filter(|s| s.error.is_some()).count(),
            },
            scenarios,
        }
    }

    pub fn passed(&self) -> bool {
        self.summary.failed == 0
    }

    /// The scenarios that could not run.
    pub fn errors(&self) -> impl Iterator<Item = &ScenarioReport> {
        self.scenarios.iter().filter(|s| s.error.is_some())
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
    /// Why the scenario could not run to the end (a server that did not
    /// start, a send the client could not make); it then has no messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub relay: RelayReport,
    /// Findings about the send when no message reached the receiver (SES
    /// refused it); a message's own findings are in its report.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    pub messages: Vec<MessageReport>,
    /// Unmet expectations, for the relay outcome and every message.
    pub failures: Vec<Mismatch>,
    /// DNS queries the mock DNS answered during the scenario.
    pub dns_queries: usize,
    pub duration_ms: u64,
    /// The hosts the message passed, sender to receiver, for diagrams.
    /// Not in the JSON report.
    #[serde(skip)]
    pub route: Vec<RouteStep>,
    /// What the SES mailbox simulator gave back, when a recipient was
    /// one of its addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback: Option<super::FeedbackReport>,
    /// The DNS queries answered during the scenario, with their answers,
    /// sorted (their order and retries vary with timing). Not in the JSON
    /// report.
    #[serde(skip)]
    pub dns: Vec<DnsQuery>,
}

impl ScenarioReport {
    /// Every finding of the scenario: the send's, then each message's.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .chain(self.messages.iter().flat_map(|m| &m.findings))
    }

    /// The scenario's name without its " [<variant>]" suffix.
    pub fn base_name(&self) -> &str {
        self.variant
            .as_deref()
            .and_then(|v| {
                self.name
                    .strip_suffix(']')
                    .and_then(|n| n.strip_suffix(v))
                    .and_then(|n| n.strip_suffix(" ["))
            })
            .unwrap_or(&self.name)
    }
}

/// One host on a message's way: the sending application, the relay, a
/// forwarder or list, the receiver.
#[derive(Clone, Debug, Default)]
pub struct RouteStep {
    /// What it is: `sender`, `relay`, `forwarder`, `mailing list`, `receiver`.
    pub role: String,
    /// Its name, e.g. `Amazon SES ap-northeast-1`.
    pub name: String,
    /// Host name and address, or what it does to the message.
    pub detail: String,
}

/// Who asked the mock DNS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DnsClient {
    /// The relay and the hops, before delivery (e.g. SES's MAIL FROM MX check).
    Path,
    /// The receiver's verifier: SPF, DKIM, DMARC, ARC.
    Receiver,
}

/// One distinct DNS question and its answer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DnsQuery {
    pub client: DnsClient,
    pub name: String,
    pub qtype: String,
    /// `NOERROR`, `NXDOMAIN`, `SERVFAIL`, `TIMEOUT`, `TRUNCATED`, ...
    pub rcode: String,
    /// Each answer record in master-file syntax.
    pub answers: Vec<String>,
    /// How many times it was asked (retries, UDP then TCP).
    pub count: usize,
}

impl DnsQuery {
    /// The distinct questions of a query log, each with how often it was
    /// asked, sorted by client, name and type. `path` is how many of the
    /// first entries the sending path made (the rest are the receiver's).
    pub fn from_log(entries: &[mock_dns::QueryLogEntry], path: usize) -> Vec<DnsQuery> {
        let mut out: Vec<DnsQuery> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let answers = e.answer_lines();
            let client = if i < path {
                DnsClient::Path
            } else {
                DnsClient::Receiver
            };
            match out.iter_mut().find(|q| {
                q.client == client
                    && q.name == e.name
                    && q.qtype == e.qtype
                    && q.rcode == e.rcode
                    && q.answers == answers
            }) {
                Some(q) => q.count += 1,
                None => out.push(DnsQuery {
                    client,
                    name: e.name.clone(),
                    qtype: e.qtype.clone(),
                    rcode: e.rcode.clone(),
                    answers,
                    count: 1,
                }),
            }
        }
        out.sort();
        out
    }
}

/// How the relay answered the sender.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RelayReport {
    pub accepted: bool,
    pub reply: String,
    /// The SES-like relay's attempts to deliver to the next hop, each with
    /// its time (simulated, since the first) and reply; in the JSON report
    /// only when there was more than one (it retried a deferral).
    #[serde(skip_serializing_if = "at_most_one")]
    pub attempts: Vec<crate::relay::Attempt>,
}

fn at_most_one(attempts: &[crate::relay::Attempt]) -> bool {
    attempts.len() <= 1
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
    /// What the receivers' rules looked at besides the verdict (reverse
    /// DNS, SPF of the From domain, format, unsubscribe headers), when the
    /// scenario names receiver profiles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signals: Option<crate::verify::Signals>,
    /// Why the message looks the way it does, how fragile a pass is, and
    /// the fixes, errors first.
    pub findings: Vec<Finding>,
    /// The header block of the message as the receiver stored it
    /// (Return-Path, Authentication-Results and Received on top). Not in
    /// the JSON report.
    #[serde(skip)]
    pub stored_headers: String,
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
