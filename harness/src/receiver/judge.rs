//! What the receiving MTA does at the end of DATA when a scenario names
//! receiver profiles: verify, gather the signals, let every profile decide.

use super::{
    ReceiverOutcome,
    deferral::Deferral,
    evaluate::{Evidence, evaluate, refusal, strictest},
    profile::{Enforcement, Profile},
};
use crate::{
    smtp::{LineEndings, Reply},
    verify::{Signals, Verdict, Verifier, VerifyInput},
};

/// The receivers a scenario runs against (`[receivers]`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Receivers {
    /// In the order the scenario names them; empty when it names none.
    pub profiles: Vec<Profile>,
    /// `bulk = true|false`: overrides every profile's own `bulk`.
    pub bulk: Option<bool>,
    /// `dmarc = "rfc7489" | "rfc9989"`: the DMARC specification the
    /// receiver follows; `None`: the run's (`--dmarc`, else the default).
    pub dmarc: Option<mailharness_auth::DmarcSpec>,
    /// `enforcement = "defer" | "reject"`: overrides every profile's own
    /// enforcement stage.
    pub enforcement: Option<Enforcement>,
    /// `greylist` and `defer`: deferrals at RCPT TO that do not depend on
    /// the message, in that order.
    pub deferrals: Vec<Deferral>,
}

impl Receivers {
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    pub fn names(&self) -> Vec<&str> {
        self.profiles.iter().map(|p| p.name.as_str()).collect()
    }

    /// How the capture reads a message's lines as these receivers: one
    /// SMTP connection has one reading, so the profiles must agree (a
    /// scenario that names profiles reading differently is refused at
    /// load, see [`Receivers::line_endings_conflict`]); the first
    /// profile's, or [`LineEndings::Strict`] without profiles.
    pub fn line_endings(&self) -> LineEndings {
        self.profiles
            .first()
            .map_or(LineEndings::Strict, |p| p.line_endings)
    }

    /// Why `profiles` cannot be acted on by one capture: two of them read
    /// line endings differently.
    pub fn line_endings_conflict(profiles: &[Profile]) -> Option<String> {
        let first = profiles.first()?;
        let other = profiles
            .iter()
            .find(|p| p.line_endings != first.line_endings)?;
        let name = |p: &Profile| match p.line_endings {
            LineEndings::Lenient => "lenient",
            LineEndings::Strict | LineEndings::Keep => "strict",
        };
        Some(format!(
            "expected profiles that read line endings alike (the capture is one SMTP server), found \"{}\" {} and \"{}\" {}; name them in separate scenarios",
            first.name,
            name(first),
            other.name,
            name(other)
        ))
    }
}

/// The receiving side's judgement of one message.
#[derive(Clone, Debug)]
pub struct Judgement {
    pub verdict: Verdict,
    pub signals: Signals,
    /// One per profile, in the scenario's order.
    pub outcomes: Vec<ReceiverOutcome>,
}

impl Judgement {
    /// The reply of the strictest profile when it refuses (5xx) or defers
    /// (4xx) the message; `None` when every profile accepts it.
    pub fn refusal(&self) -> Option<Reply> {
        strictest(&self.outcomes).and_then(refusal)
    }
}

/// Verifies a message as `receivers` see it, and lets each decide.
pub async fn judge(
    verifier: &Verifier,
    input: VerifyInput<'_>,
    tls: Option<&str>,
    receivers: &Receivers,
) -> Judgement {
    let verdict = verifier.verify(input).await;
    let signals = verifier.signals(input, &verdict).await;
    let evidence = Evidence {
        verdict: &verdict,
        signals: &signals,
        tls,
        bulk: receivers.bulk,
        enforcement: receivers.enforcement,
        client_ip: input.client_ip,
        helo: input.helo,
    };
    let outcomes = receivers
        .profiles
        .iter()
        .map(|profile| evaluate(profile, &evidence))
        .collect();
    Judgement {
        verdict,
        signals,
        outcomes,
    }
}
