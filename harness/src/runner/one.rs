use std::{
    net::{Ipv4Addr, SocketAddr},
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use mock_dns::{Catalog, ServerHandle};

use super::{APP_HELO, RECEIVER_HOST};
use crate::{
    capture::{CaptureConfig, CaptureHandle, CaptureReceivers, Captured},
    clock::SimClock,
    dns::{FAULT_QUERY_TIMEOUT, Nameserver, QUERY_TIMEOUT},
    expect, findings,
    hop::{HopConfig, HopHandle},
    publish,
    receiver::Disposition,
    relay::{RelayConfig, RelayHandle, SesIdentity},
    report::{DnsQuery, EnvelopeReport, MessageReport, RelayReport, ScenarioReport},
    scenario::{Scenario, Sender},
    send,
    ses::{self, IdentityCheck},
    verify::{Verifier, VerifyInput, domain_of},
};

/// How long to wait for the relay's delivery to reach the capture.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

/// The environment failed: a port could not be bound, a server did not start.
#[derive(Debug, thiserror::Error)]
#[error("{scenario}: {message}")]
pub struct EnvironmentError {
    pub scenario: String,
    pub message: String,
}

/// A finished scenario: the report, and what `--save` writes.
pub struct ScenarioRun {
    pub report: ScenarioReport,
    pub captured: Vec<Captured>,
    pub stored: Vec<Vec<u8>>,
    pub zone_file: String,
    /// The scenario's DNS faults, each as `mock-dns --fault` takes it
    /// (`NAME[/TYPE]=KIND`), so that a saved zone can be served as the
    /// receiver met it.
    pub dns_faults: Vec<String>,
    pub query_log: Vec<mock_dns::QueryLogEntry>,
    /// The messages SES's feedback host stored (from the mailbox
    /// simulator), for `--save`.
    pub feedback_messages: Vec<Captured>,
}

pub(super) fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

/// The scenario's mock DNS as every party resolves through it: with a
/// short timeout when the scenario makes a query time out, so that the
/// run does not wait out real time for a verdict that is the same either
/// way (temperror).
fn nameserver(scenario: &Scenario, addr: SocketAddr) -> Nameserver {
    let waits = scenario
        .dns
        .faults
        .iter()
        .any(|f| f.fault == mock_dns::Fault::Timeout);
    Nameserver::new(addr).with_timeout(if waits {
        FAULT_QUERY_TIMEOUT
    } else {
        QUERY_TIMEOUT
    })
}

/// Runs one scenario end to end on loopback.
pub async fn run_scenario(scenario: &Scenario) -> Result<ScenarioRun, EnvironmentError> {
    let started = Instant::now();
    let env = |message: String| EnvironmentError {
        scenario: scenario.file.display().to_string(),
        message,
    };

    let catalog = Catalog::new();
    catalog.extend(scenario.dns.records.iter().cloned());
    for f in &scenario.dns.faults {
        catalog.set_fault(&f.name, f.rtype.as_deref(), f.fault);
    }
    let dns = ServerHandle::start(catalog.clone(), loopback())
        .await
        .map_err(|e| env(format!("cannot start the mock DNS: {e}")))?;
    let nameserver = nameserver(scenario, dns.addr());
    // With receiver profiles the capture verifies at the end of DATA; the
    // query log's length then marks where the receiver's queries begin.
    let judging_from = Arc::new(OnceLock::<usize>::new());
    // Simulated time: the relay moves it to its retries, the capture
    // measures deferrals in it.
    let clock = SimClock::new();
    let capture_config = CaptureConfig {
        deferrals: scenario.receivers.deferrals.clone(),
        clock: clock.clone(),
        receivers: (!scenario.receivers.is_empty()).then(|| {
            let log = dns.query_log();
            let mark = Arc::clone(&judging_from);
            CaptureReceivers {
                receivers: scenario.receivers.clone(),
                nameserver,
                on_judge: Some(Arc::new(move || {
                    let _ = mark.set(log.entries().len());
                })),
            }
        }),
        ..CaptureConfig::default()
    };
    let capture = CaptureHandle::start(loopback(), capture_config)
        .await
        .map_err(|e| env(format!("cannot start the capture mailbox: {e}")))?;

    // The path is built from the receiver backwards: each hop sends to the
    // next, the sender to the first.
    let mut hops = Vec::new();
    let mut next_hop = capture.addr();
    // Whoever delivers to the capture uses STARTTLS, trusting the
    // capture's certificate of this run only.
    let mut next_hop_tls = capture.client_tls().cloned();
    for hop in scenario.hops.iter().rev() {
        let arc_key = publish::hop(&catalog, hop).map_err(|e| env(e.to_string()))?;
        let config = HopConfig {
            hop: hop.clone(),
            next_hop,
            nameserver,
            next_hop_tls: next_hop_tls.take(),
            arc_key,
        };
        let handle = HopHandle::start(loopback(), config)
            .await
            .map_err(|e| env(e.to_string()))?;
        next_hop = handle.addr();
        hops.push(handle);
    }

    // Generated attachments are produced while the message is sent to the
    // relay; the other senders need the message whole.
    let outgoing = send::prepare_message(&scenario.message).map_err(|e| env(e.to_string()))?;
    let rcpt_to = send::envelope_recipients(&scenario.message).map_err(|e| env(e.to_string()))?;
    let from_address = send::sender_address(&scenario.message).map_err(|e| env(e.to_string()))?;
    let from_domain = domain_of(&from_address);
    let mut smtp_path = None;
    let mut ses_check = None;
    let mut feedback_host = super::feedback::FeedbackHost::default();
    let (reply, relay) = match &scenario.sender {
        Sender::Relay(ses) => {
            feedback_host = super::feedback::FeedbackHost::start(&catalog, &ses.region, &rcpt_to)
                .await
                .map_err(env)?;
            let relay_config = RelayConfig {
                ses: ses.clone(),
                next_hop,
                nameserver,
                next_hop_tls: next_hop_tls.clone(),
                clock: clock.clone(),
                simulator: feedback_host.simulator(),
            };
            let keys = publish::ses_side(&catalog, ses).map_err(|e| env(e.to_string()))?;
            let relay = RelayHandle::start(loopback(), relay_config, keys)
                .await
                .map_err(|e| env(e.to_string()))?;
            let reply =
                send::submit_outgoing(relay.addr(), APP_HELO, &from_address, &rcpt_to, &outgoing)
                    .await
                    .map_err(|e| env(e.to_string()))?;
            ses_check = Some(check_identity(&catalog, ses).await.map_err(env)?);
            (reply, Some(relay))
        }
        Sender::Ses(_) => {
            return Err(env(
                "via = \"ses\" sends through real Amazon SES; it runs only in live mode (`mailharness run` built with the live feature)".into(),
            ));
        }
        Sender::Direct(direct) => {
            let message = outgoing.to_bytes();
            let keys = publish::signers(&catalog, "direct", &direct.signers)
                .map_err(|e| env(e.to_string()))?;
            let signed =
                send::sign_direct(direct, &keys, &message).map_err(|e| env(e.to_string()))?;
            let mail_from = direct.mail_from.clone().unwrap_or(from_address);
            let reply = send::send_direct(
                direct,
                &mail_from,
                &rcpt_to,
                &signed,
                next_hop,
                next_hop_tls.as_ref(),
            )
            .await
            .map_err(|e| env(e.to_string()))?;
            (reply, None)
        }
        Sender::Smtp(smtp) => {
            let message = outgoing.to_bytes();
            let submission = super::smtp::Submission {
                helo: APP_HELO,
                mail_from: &from_address,
                rcpt_to: &rcpt_to,
                message: &message,
            };
            let (reply, path) =
                super::smtp::send_via_smtp(smtp, next_hop, dns.addr(), &catalog, submission)
                    .await
                    .map_err(env)?;
            smtp_path = Some(path);
            (reply, None)
        }
    };

    let mut failures = expect::compare_outcome(
        &scenario.expect,
        (!reply.accepted).then(|| reply.to_string()).as_deref(),
    );
    // The SES-like relay keeps the mailbox simulator's recipients; the
    // others reach the receiver.
    let reaches_receiver = !matches!(scenario.sender, Sender::Relay(_))
        || rcpt_to
            .iter()
            .any(|r| crate::ses::simulator_mailbox(r).is_none());
    if reply.accepted
        && reaches_receiver
        && tokio::time::timeout(DELIVERY_TIMEOUT, capture.mailbox().wait_for(1))
            .await
            .is_err()
    {
        let logs = match &smtp_path {
            Some(path) => path.logs().await,
            None => String::new(),
        };
        return Err(env(format!(
            "the message was accepted but nothing reached the capture{logs}"
        )));
    }
    // The built-in relay's attempts to deliver, retries included.
    let attempts: Vec<_> = relay
        .as_ref()
        .map(|r| r.deliveries())
        .unwrap_or_default()
        .into_iter()
        .flat_map(|d| d.attempts)
        .collect();
    drop(relay);
    drop(smtp_path);
    drop(hops);
    // Everything the senders sent has been read: a lenient receiver may
    // have taken more messages than were sent (SMTP smuggling).
    let _ = tokio::time::timeout(DELIVERY_TIMEOUT, capture.mailbox().wait_quiet()).await;
    let captured = capture.mailbox().messages();
    // Queries from here on are the receiver's; before, the path's.
    let path_queries = judging_from
        .get()
        .copied()
        .unwrap_or_else(|| dns.query_log().entries().len());

    let verifier = Verifier::new(nameserver, RECEIVER_HOST)
        .map_err(|e| env(format!("resolver: {e}")))?
        .with_spec(scenario.receivers.dmarc.unwrap_or_default());
    let path = findings::Path {
        from_domain: Some(from_domain.as_str()).filter(|d| !d.is_empty()),
        ses: match (&scenario.sender, &ses_check) {
            (Sender::Relay(identity), Some(check)) => Some((identity, check)),
            _ => None,
        },
        hops: &scenario.hops,
    };
    let mut messages = Vec::new();
    let mut stored = Vec::new();
    for c in &captured {
        // Judged by the capture: its verdict is the receiver's.
        let verdict = match &c.judgement {
            Some(judgement) => judgement.verdict.clone(),
            None => {
                let raw = c.raw();
                verifier
                    .verify(VerifyInput {
                        raw: &raw,
                        client_ip: c.envelope.client_ip,
                        helo: &c.envelope.helo,
                        mail_from: &c.envelope.mail_from,
                    })
                    .await
            }
        };
        let outcomes = c
            .judgement
            .as_ref()
            .map(|j| j.outcomes.clone())
            .unwrap_or_default();
        failures.extend(expect::compare(&scenario.expect, &verdict));
        failures.extend(expect::compare_receivers(
            &scenario.expect.receivers,
            &outcomes,
        ));
        let findings = findings::derive(&path, Some((&verdict, &outcomes)));
        let copy = super::stored_copy(c, &verdict);
        let stored_headers =
            String::from_utf8_lossy(crate::headers::split_header(&copy).0).into_owned();
        stored.push(copy);
        messages.push(MessageReport {
            envelope: EnvelopeReport {
                mail_from: c.envelope.mail_from.clone(),
                rcpt_to: c.envelope.rcpt_to.clone(),
                client_ip: c.envelope.client_ip,
                helo: c.envelope.helo.clone(),
                tls: c.envelope.tls.clone(),
            },
            verdict,
            receivers: outcomes,
            signals: c.judgement.as_ref().map(|j| j.signals.clone()),
            findings,
            stored_headers,
        });
    }
    // Without a message, the findings about the send (SES refused it).
    let send_findings = if messages.is_empty() {
        findings::derive(&path, None)
    } else {
        Vec::new()
    };
    failures.extend(expect::compare_findings(
        &scenario.expect,
        send_findings
            .iter()
            .chain(messages.iter().flat_map(|m| &m.findings)),
    ));
    // What the mailbox simulator gave back.
    let (feedback, feedback_messages) = feedback_host.report();
    failures.extend(expect::compare_feedback(
        &scenario.expect,
        reply.accepted,
        messages.len(),
        &feedback_host.simulated(),
    ));
    failures.extend(expect::delivery_rules(
        &scenario.expect,
        reply.accepted,
        &reply.to_string(),
        messages.len() + feedback_host.simulated_messages(),
    ));
    // The last reply of the delivery to the receiver: the relay's last
    // attempt, a direct sender's own, else the capture's.
    let last_code = match &scenario.sender {
        Sender::Relay(_) => attempts.last().map(|a| a.reply.code),
        Sender::Direct(_) => Some(reply.code),
        _ => captured
            .last()
            .and_then(|c| c.reply.get(..3).and_then(|code| code.parse().ok())),
    };
    let attempt_count = match &scenario.sender {
        Sender::Relay(_) => attempts.len(),
        _ => usize::from(last_code.is_some()),
    };
    failures.extend(expect::compare_delivery(
        &scenario.expect,
        attempt_count,
        Disposition::of_delivery(
            last_code,
            messages.last().map_or(&[][..], |m| m.receivers.as_slice()),
        ),
    ));

    let query_log = dns.query_log().entries();
    let report = ScenarioReport {
        name: scenario.name.clone(),
        file: scenario.file.display().to_string(),
        variant: scenario.variant.clone(),
        description: scenario.description.clone(),
        passed: failures.is_empty(),
        error: None,
        relay: RelayReport {
            accepted: reply.accepted,
            reply: reply.to_string(),
            attempts,
        },
        findings: send_findings,
        messages,
        failures,
        dns_queries: query_log.len(),
        duration_ms: started.elapsed().as_millis() as u64,
        route: super::route::route(scenario, ses_check.as_ref()),
        feedback,
        dns: DnsQuery::from_log(&query_log, path_queries),
    };
    Ok(ScenarioRun {
        report,
        captured,
        stored,
        zone_file: catalog.to_zone_file(),
        dns_faults: scenario
            .dns
            .faults
            .iter()
            .map(|f| {
                format!(
                    "{}{}={}",
                    f.name,
                    f.rtype
                        .as_deref()
                        .map(|t| format!("/{t}"))
                        .unwrap_or_default(),
                    f.fault.name()
                )
            })
            .collect(),
        query_log,
        feedback_messages,
    })
}

/// SES's own check of the identity (the one the relay decided with),
/// asked of the scenario's DNS through a server of its own on the same
/// records, so that the scenario's query log holds only what the path
/// and the receiver asked.
async fn check_identity(
    catalog: &Catalog,
    identity: &SesIdentity,
) -> Result<IdentityCheck, String> {
    let server = ServerHandle::start(catalog.clone(), loopback())
        .await
        .map_err(|e| format!("cannot start the mock DNS for SES's check: {e}"))?;
    let dns = mailharness_auth::dns::HickoryLookup::new(server.addr(), crate::dns::QUERY_TIMEOUT)
        .map_err(|e| format!("resolver: {e}"))?;
    Ok(ses::check_identity(&dns, &identity.setup()).await)
}
