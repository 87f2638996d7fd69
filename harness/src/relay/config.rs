use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use crate::{clock::SimClock, ses};

/// What SES does when the custom MAIL FROM domain is not verified
/// (`BehaviorOnMxFailure`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum MxFailure {
    /// Fall back to the amazonses.com envelope, silently (the SES default).
    #[serde(rename = "USE_DEFAULT_VALUE")]
    UseDefaultValue,
    /// Refuse the send with `MailFromDomainNotVerified`.
    #[serde(rename = "REJECT_MESSAGE")]
    RejectMessage,
}

/// The SES identity configuration the relay emulates: what a scenario's
/// `[sender]` with `via = "relay"` describes.
#[derive(Clone, Debug)]
pub struct SesIdentity {
    /// AWS region, e.g. `ap-northeast-1`.
    pub region: String,
    /// The verified domain identity, e.g. `example.com`.
    pub identity: String,
    /// The custom MAIL FROM domain, e.g. `bounce.example.com`.
    pub mail_from_domain: Option<String>,
    /// Easy DKIM signing with the identity's own key.
    pub easy_dkim: bool,
    /// The Easy DKIM tokens SES gave the identity; `None`: tokens derived
    /// from identity and region ([`crate::ses::easy_dkim_tokens`]).
    pub dkim_tokens: Option<[String; 3]>,
    /// BYODKIM: the selector of a key the user brings; its public key is
    /// published at `<selector>._domainkey.<identity>` (on the user's behalf,
    /// since the harness generates the key).
    pub byodkim_selector: Option<String>,
    /// Author key length: 2048 (default) or 1024.
    pub dkim_key_bits: usize,
    pub behavior_on_mx_failure: MxFailure,
    /// The address the receiver sees the message come from.
    pub egress_ip: IpAddr,
    /// The sending host name given in EHLO; SES's observed host by default.
    pub helo: Option<String>,
    /// How long and how often SES retries a deferred message.
    pub delivery: DeliveryOptions,
}

/// How SES retries a message the receiver deferred (a 4xx reply): a
/// configuration set's `DeliveryOptions.MaxDeliverySeconds`, and the waits
/// between attempts ([`ses::RETRY_INTERVALS`] unless the scenario gives
/// its own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryOptions {
    /// How long after the first attempt SES stops trying.
    pub max_delivery: Duration,
    /// The waits between attempts; the last is repeated.
    pub retry_intervals: Vec<Duration>,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        DeliveryOptions {
            max_delivery: Duration::from_secs(ses::MAX_DELIVERY_SECONDS),
            retry_intervals: ses::RETRY_INTERVALS.to_vec(),
        }
    }
}

impl DeliveryOptions {
    /// The wait before attempt `n + 2`, after `n + 1` attempts failed for
    /// now.
    pub fn wait_after(&self, failed: usize) -> Duration {
        let last = self.retry_intervals.len().saturating_sub(1);
        self.retry_intervals
            .get(failed.saturating_sub(1).min(last))
            .copied()
            .unwrap_or(ses::RETRY_INTERVALS[0])
    }
}

impl SesIdentity {
    /// The Easy DKIM tokens the identity signs with: the ones given, else
    /// those derived from identity and region.
    pub fn easy_dkim_tokens(&self) -> [String; 3] {
        self.dkim_tokens
            .clone()
            .unwrap_or_else(|| crate::ses::easy_dkim_tokens(&self.identity, &self.region))
    }

    /// What SES checks in DNS for this identity before a send.
    pub fn setup(&self) -> crate::ses::IdentitySetup {
        let key = if self.easy_dkim {
            crate::ses::AuthorKey::EasyDkim(self.easy_dkim_tokens())
        } else if let Some(selector) = &self.byodkim_selector {
            crate::ses::AuthorKey::Byodkim(selector.clone())
        } else {
            crate::ses::AuthorKey::None
        };
        crate::ses::IdentitySetup {
            identity: self.identity.clone(),
            region: self.region.clone(),
            mail_from_domain: self.mail_from_domain.clone(),
            key,
        }
    }
}

/// The relay's configuration: the identity it emulates and where it sends.
#[derive(Clone, Debug)]
pub struct RelayConfig {
    pub ses: SesIdentity,
    /// The next hop (the receiving MTA).
    pub next_hop: SocketAddr,
    /// The DNS server SES's own lookups (MAIL FROM MX) go to.
    pub nameserver: crate::dns::Nameserver,
    /// Whom to trust when the next hop offers STARTTLS; without it the
    /// relay delivers in plain text.
    pub next_hop_tls: Option<crate::smtp::ClientTls>,
    /// The scenario's simulated time: the relay moves it to each retry
    /// instead of waiting.
    pub clock: SimClock,

    /// The mailbox simulator: where MX hosts listen for the feedback it
    /// sends, and its record of what it did.
    pub simulator: super::MailboxSimulator,
}
