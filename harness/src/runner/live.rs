//! A `via = "ses"` scenario through real Amazon SES: the message goes out
//! through `SendEmail` with a run token, the S3 capture finds it, the
//! verifier judges it with real DNS (or a given nameserver) and compares
//! its verdict with the receiving side's `Authentication-Results`.

use std::{net::SocketAddr, time::Instant};

use super::{EnvironmentError, ScenarioRun};
use crate::{
    expect,
    live::{Clients, Guard, S3Capture, SendOutcome, received_by, send_raw, their_results},
    report::{EnvelopeReport, MessageReport, RelayReport, ScenarioReport},
    scenario::{Scenario, Sender},
    send,
    verify::{Verifier, VerifyInput},
};

/// The receiving host's name in the harness's own Authentication-Results.
const LIVE_VERIFIER_HOST: &str = "mailharness.verify";

/// What live scenarios share: the account's clients, the sandbox guard,
/// the capture, the resolver, and address overrides.
#[derive(Debug)]
pub struct LiveContext {
    pub clients: Clients,
    pub guard: Guard,
    /// Where the receiving side stores raw mail; without it nothing is
    /// verified (the mailbox simulator, for instance).
    pub capture: Option<S3Capture>,
    /// The nameserver the verifier asks; the system's resolver when `None`.
    pub nameserver: Option<SocketAddr>,
    /// Replaces the scenario's From address (the identity's sender).
    pub from: Option<String>,
    /// Replaces the scenario's recipients.
    pub to: Option<Vec<String>>,
    /// Print capture progress on stderr.
    pub progress: bool,
}

/// The scenario's message as live mode sends it: From and recipients
/// replaced by the overrides.
pub fn live_message(scenario: &Scenario, cx: &LiveContext) -> crate::scenario::MessageSpec {
    let mut message = scenario.message.clone();
    if let Some(from) = &cx.from {
        message.from = from.clone();
    }
    if let Some(to) = &cx.to {
        message.to = to.clone();
        message.cc.clear();
    }
    message
}

/// Runs one `via = "ses"` scenario against the account of `cx`.
pub async fn run_live_scenario(
    scenario: &Scenario,
    cx: &LiveContext,
) -> Result<ScenarioRun, EnvironmentError> {
    let started = Instant::now();
    let env = |message: String| EnvironmentError {
        scenario: scenario.file.display().to_string(),
        message,
    };
    let Sender::Ses(ses_sender) = &scenario.sender else {
        return Err(env("not a via = \"ses\" scenario".into()));
    };
    let message = live_message(scenario, cx);
    let built = send::build_message(&message).map_err(|e| env(e.to_string()))?;
    let rcpt_to = send::envelope_recipients(&message).map_err(|e| env(e.to_string()))?;
    let from_address = send::sender_address(&message).map_err(|e| env(e.to_string()))?;
    let token = crate::live::new_run_token();
    let raw = crate::live::with_run_token(&built, &token);

    cx.guard
        .admit(&rcpt_to)
        .await
        .map_err(|e| env(e.to_string()))?;
    let ses_client = match &ses_sender.region {
        Some(region) if *region != cx.clients.region => aws_sdk_sesv2::Client::from_conf(
            cx.clients
                .ses
                .config()
                .to_builder()
                .region(aws_sdk_sesv2::config::Region::new(region.clone()))
                .build(),
        ),
        _ => cx.clients.ses.clone(),
    };
    let outcome = send_raw(
        &ses_client,
        &from_address,
        &rcpt_to,
        &raw,
        ses_sender.configuration_set.as_deref(),
        &ses_sender.tags,
    )
    .await
    .map_err(|e| env(e.to_string()))?;
    let accepted = matches!(outcome, SendOutcome::Accepted { .. });
    let reply = outcome.to_string();
    let mut failures =
        expect::compare_outcome(&scenario.expect, (!accepted).then_some(reply.as_str()));

    let mut messages = Vec::new();
    let mut stored = Vec::new();
    if accepted {
        match &cx.capture {
            Some(capture) => {
                let progress = cx.progress;
                let mut report = |line: &str| {
                    if progress {
                        eprintln!("{line}");
                    }
                };
                let (_key, bytes) = capture
                    .find(&token, &mut report)
                    .await
                    .map_err(|e| env(e.to_string()))?;
                let by = received_by(&bytes).map_err(&env)?;
                let verifier = match cx.nameserver {
                    Some(ns) => Verifier::new(ns, LIVE_VERIFIER_HOST),
                    None => Verifier::system(LIVE_VERIFIER_HOST),
                }
                .map_err(|e| env(format!("resolver: {e}")))?
                .with_spec(scenario.receivers.dmarc.unwrap_or_default());
                let verdict = verifier
                    .verify(VerifyInput {
                        raw: &bytes,
                        client_ip: by.client_ip,
                        helo: &by.helo,
                        mail_from: &by.mail_from,
                    })
                    .await;
                failures.extend(expect::compare(&scenario.expect, &verdict));
                if let Some(ar) = &by.authentication_results {
                    let theirs = their_results(ar);
                    let side = expect::ReceivingSide {
                        spf: theirs.spf.as_deref(),
                        dkim: &theirs.dkim,
                        dmarc: theirs.dmarc.as_deref(),
                    };
                    failures.extend(expect::compare_with_receiving_side(&side, &verdict));
                }
                let header =
                    String::from_utf8_lossy(crate::headers::split_header(&bytes).0).into_owned();
                messages.push(MessageReport {
                    envelope: EnvelopeReport {
                        mail_from: by.mail_from.clone(),
                        rcpt_to: rcpt_to.clone(),
                        client_ip: by.client_ip,
                        helo: by.helo.clone(),
                        tls: None,
                    },
                    verdict,
                    receivers: Vec::new(),
                    signals: None,
                    stored_headers: header,
                });
                stored.push(bytes);
            }
            None => failures.push(expect::Mismatch::new(
                "messages",
                "the message from the S3 capture",
                "no capture configured (--s3-bucket or MAILHARNESS_S3_BUCKET)",
            )),
        }
    }
    // Live mode judges no receiver profiles: expectations about them fail
    // ("no outcome") instead of passing unchecked.
    if !messages.is_empty() {
        failures.extend(expect::compare_receivers(&scenario.expect.receivers, &[]));
    }
    // An accepted send without a capture is reported above.
    if !accepted {
        failures.extend(expect::delivery_rules(&scenario.expect, false, &reply, 0));
    }
    let report = ScenarioReport {
        name: scenario.name.clone(),
        file: scenario.file.display().to_string(),
        variant: scenario.variant.clone(),
        description: scenario.description.clone(),
        passed: failures.is_empty(),
        error: None,
        relay: RelayReport {
            accepted,
            reply: if accepted {
                format!("{reply} (run token {token})")
            } else {
                reply
            },
            attempts: Vec::new(),
        },
        messages,
        failures,
        dns_queries: 0,
        duration_ms: started.elapsed().as_millis() as u64,
        route: super::route::route(scenario),
        feedback: None,
        dns: Vec::new(),
    };
    Ok(ScenarioRun {
        report,
        captured: Vec::new(),
        stored,
        zone_file: String::new(),
        dns_faults: Vec::new(),
        query_log: Vec::new(),
        feedback_messages: Vec::new(),
    })
}
