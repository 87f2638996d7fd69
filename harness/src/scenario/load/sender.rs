//! `[sender]`: which keys each `via` takes, then the sender of that kind
//! (`relay.rs`, `direct.rs`, `ses.rs`, `smtp.rs`).

use std::{
    net::{IpAddr, Ipv4Addr},
    ops::Range,
};

use super::{
    super::{
        model::Sender,
        names::address_domain,
        raw::{RawSender, Via},
    },
    context::{Context, Key, span_of},
};
use crate::send::MessageSpec;

/// Default egress address of the emulated SES sending host: inside
/// 54.240.0.0/18, one of the ranges amazonses.com's SPF record lists.
pub(super) const DEFAULT_EGRESS_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(54, 240, 27, 10));

impl Context<'_> {
    /// `message`: the scenario's, when it passed its checks (senders take
    /// their defaults from its From domain).
    pub(super) fn sender(
        &mut self,
        raw: RawSender,
        message: Option<&MessageSpec>,
    ) -> Option<Sender> {
        let mark = self.mark();
        for (key, span, owner) in misplaced(&raw) {
            self.error(span, format!("{key} applies only to via = {owner}"));
        }
        let misplaced = !self.clean_since(mark);
        let sender = match *raw.via.get_ref() {
            Via::Direct => self.direct_sender(raw, message).map(Sender::Direct),
            Via::Ses => self.ses_sender(raw).map(Sender::Ses),
            Via::Smtp => self.smtp_sender(raw, message).map(Sender::Smtp),
            Via::Relay => self.relay_sender(raw, message).map(Sender::Relay),
        };
        sender.filter(|_| !misplaced)
    }

    /// The `egress_ip` a sender cannot do without; `missing` says why when
    /// it is not given.
    pub(super) fn required_egress_ip(&mut self, raw: &RawSender, missing: &str) -> Option<IpAddr> {
        match &raw.egress_ip {
            Some(ip) => self.ip_address(ip),
            None => {
                self.error(raw.via.span(), missing);
                None
            }
        }
    }
}

/// The domain a sender's default host names are made of: the message's
/// From domain, or `sender.test` when it has none.
pub(super) fn from_domain(message: Option<&MessageSpec>) -> String {
    message
        .and_then(|m| address_domain(&m.from))
        .unwrap_or_else(|| "sender.test".into())
}

/// Who takes the keys given that `raw.via` does not: each key, where it
/// is written, and the vias it belongs to.
fn misplaced(raw: &RawSender) -> Vec<(&'static str, Range<usize>, &'static str)> {
    let (relay, direct, ses, hosts, smtp) = (
        relay_keys(raw),
        direct_keys(raw),
        ses_keys(raw),
        host_keys(raw),
        smtp_keys(raw),
    );
    let (to_relay, to_direct, to_ses, to_smtp) = ("\"relay\"", "\"direct\"", "\"ses\"", "\"smtp\"");
    let owners: Vec<(&[Key], &'static str)> = match raw.via.get_ref() {
        Via::Relay => vec![(&direct, to_direct), (&ses, to_ses), (&smtp, to_smtp)],
        Via::Direct => vec![(&relay, to_relay), (&ses, to_ses), (&smtp, to_smtp)],
        Via::Ses => vec![
            // The region is the one relay key that applies to SES too.
            (&relay[1..], to_relay),
            (&direct, to_direct),
            (&hosts, "\"relay\" or \"direct\" (SES picks its own hosts)"),
            (&smtp, to_smtp),
        ],
        Via::Smtp => vec![
            (&relay, to_relay),
            (
                &direct,
                "\"direct\" (a managed relay's signatures go in [sender.postfix])",
            ),
            (&ses, to_ses),
        ],
    };
    owners
        .into_iter()
        .flat_map(|(keys, owner)| {
            keys.iter()
                .filter_map(move |(key, span)| Some((*key, span.clone()?, owner)))
        })
        .collect()
}

/// The keys of the built-in relay, the region first.
fn relay_keys(raw: &RawSender) -> [Key; 9] {
    [
        ("region", span_of(&raw.region)),
        ("identity", span_of(&raw.identity)),
        ("mail_from_domain", span_of(&raw.mail_from_domain)),
        ("easy_dkim", span_of(&raw.easy_dkim)),
        ("byodkim_selector", span_of(&raw.byodkim_selector)),
        ("dkim_key_bits", span_of(&raw.dkim_key_bits)),
        (
            "behavior_on_mx_failure",
            span_of(&raw.behavior_on_mx_failure),
        ),
        ("max_delivery_seconds", span_of(&raw.max_delivery_seconds)),
        ("retry_intervals", span_of(&raw.retry_intervals)),
    ]
}

fn direct_keys(raw: &RawSender) -> [Key; 2] {
    [
        ("mail_from", span_of(&raw.mail_from)),
        ("dkim", span_of(&raw.dkim)),
    ]
}

fn ses_keys(raw: &RawSender) -> [Key; 2] {
    [
        ("configuration_set", span_of(&raw.configuration_set)),
        ("tags", span_of(&raw.tags)),
    ]
}

/// The sending host's keys: the relay's and a direct sender's.
fn host_keys(raw: &RawSender) -> [Key; 2] {
    [
        ("egress_ip", span_of(&raw.egress_ip)),
        ("helo", span_of(&raw.helo)),
    ]
}

fn smtp_keys(raw: &RawSender) -> [Key; 8] {
    [
        ("address", span_of(&raw.address)),
        ("capture", span_of(&raw.capture)),
        ("tls", span_of(&raw.tls)),
        ("tls_ca", span_of(&raw.tls_ca)),
        ("tls_name", span_of(&raw.tls_name)),
        ("username", span_of(&raw.username)),
        ("password_env", span_of(&raw.password_env)),
        ("postfix", span_of(&raw.postfix)),
    ]
}
