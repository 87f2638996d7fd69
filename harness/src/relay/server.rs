use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use mail_auth::{
    AuthenticatedMessage,
    hickory_resolver::{
        TokioResolver,
        proto::rr::{RData, RecordType},
    },
};

use super::{
    MxFailure, PublishedKeys, RelayConfig,
    delivery::{Delivery, deliver_with_retries},
    process, simulator,
};
use crate::{
    ses,
    smtp::{Handler, LineEndings, Reply, ServerConfig, ServerHandle, Transaction, deliver_tls},
};

/// The SMTP side of the relay: every accepted message is checked,
/// rewritten, signed and delivered onward, retried on SES's schedule
/// while the next hop defers it, before the reply is given, so the sender
/// sees the outcome (SES itself accepts first and bounces later).
pub struct RelayHandler {
    config: RelayConfig,
    keys: PublishedKeys,
    resolver: TokioResolver,
    /// Every message's delivery, in the order they ended.
    deliveries: Arc<Mutex<Vec<Delivery>>>,
}

impl RelayHandler {
    pub fn new(config: RelayConfig, keys: PublishedKeys) -> Result<Self, String> {
        let resolver = crate::dns::resolver(config.nameserver)?;
        Ok(RelayHandler {
            config,
            keys,
            resolver,
            deliveries: Arc::default(),
        })
    }

    /// Whether the custom MAIL FROM domain is verified: SES requires exactly
    /// one MX record, pointing to `feedback-smtp.<region>.amazonses.com`.
    /// Returns the reason when it is not.
    async fn mail_from_status(&self, domain: &str) -> Result<(), String> {
        let expected = ses::feedback_mx(&self.config.ses.region);
        let name = format!("{}.", domain.trim_end_matches('.'));
        match self.resolver.mx_lookup(name.as_str()).await {
            Ok(lookup) => {
                let exchanges: Vec<String> = lookup
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::MX(mx) => Some(
                            mx.exchange
                                .to_ascii()
                                .trim_end_matches('.')
                                .to_ascii_lowercase(),
                        ),
                        _ => None,
                    })
                    .collect();
                match exchanges.as_slice() {
                    [one] if *one == expected => Ok(()),
                    [] => Err(format!("no MX record at {domain}")),
                    [one] => Err(format!(
                        "the MX record of {domain} points to {one}, not {expected}"
                    )),
                    many => Err(format!(
                        "{domain} has {} MX records, SES requires exactly one",
                        many.len()
                    )),
                }
            }
            Err(e) if e.is_no_records_found() => Err(format!("no MX record at {domain}")),
            Err(e) => Err(format!("the MX lookup of {domain} failed: {e}")),
        }
    }

    /// Whether SES would sign with the identity's own key: Easy DKIM needs
    /// all three CNAMEs `<token>._domainkey.<identity>` pointing to
    /// `<token>.dkim.amazonses.com` (status SUCCESS); BYODKIM needs the
    /// selector's TXT record. Returns the reason when it would not.
    async fn author_dkim_status(&self) -> Result<(), String> {
        let ses = &self.config.ses;
        if ses.easy_dkim {
            for token in ses::easy_dkim_tokens(&ses.identity, &ses.region) {
                let name = format!("{token}._domainkey.{}.", ses.identity);
                let expected = format!("{token}.dkim.amazonses.com");
                let found = self
                    .resolver
                    .lookup(name.as_str(), RecordType::CNAME)
                    .await
                    .ok()
                    .and_then(|lookup| {
                        lookup.answers().iter().find_map(|r| match &r.data {
                            RData::CNAME(target) => Some(
                                target
                                    .0
                                    .to_ascii()
                                    .trim_end_matches('.')
                                    .to_ascii_lowercase(),
                            ),
                            _ => None,
                        })
                    });
                if found.as_deref() != Some(expected.as_str()) {
                    return Err(format!("no CNAME {name} -> {expected}."));
                }
            }
        } else if let Some(selector) = &ses.byodkim_selector {
            let name = format!("{selector}._domainkey.{}.", ses.identity);
            if self.resolver.txt_lookup(name.as_str()).await.is_err() {
                return Err(format!("no TXT record at {name}"));
            }
        }
        Ok(())
    }

    fn identity_covers(&self, address: &str) -> bool {
        let domain = address
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
            .unwrap_or_default();
        domain == self.config.ses.identity
            || domain.ends_with(&format!(".{}", self.config.ses.identity))
    }

    async fn relay(&self, tx: Transaction) -> Reply {
        let region_upper = self.config.ses.region.to_ascii_uppercase();
        let from = AuthenticatedMessage::parse(&tx.data)
            .map(|m| m.from.clone())
            .unwrap_or_default();
        let Some(header_from) = from.first() else {
            return Reply::new(
                554,
                "5.6.0 MessageRejected: the message has no From address",
            );
        };
        for address in [header_from.as_str(), tx.mail_from.as_str()] {
            if !address.is_empty() && !self.identity_covers(address) {
                return Reply::new(
                    554,
                    format!(
                        "5.7.1 MessageRejected: Email address is not verified. The following identities failed the check in region {region_upper}: {address}"
                    ),
                );
            }
        }

        let mut mail_from_domain = ses::default_mail_from_domain(&self.config.ses.region);
        if let Some(custom) = &self.config.ses.mail_from_domain {
            match self.mail_from_status(custom).await {
                Ok(()) => mail_from_domain = custom.clone(),
                Err(reason) => {
                    if self.config.ses.behavior_on_mx_failure == MxFailure::RejectMessage {
                        return Reply::new(
                            554,
                            format!(
                                "5.7.1 MailFromDomainNotVerified: the custom MAIL FROM domain {custom} is not verified ({reason})"
                            ),
                        );
                    }
                }
            }
        }

        // SES signs with the identity's key only while its DKIM status is
        // SUCCESS; otherwise the message carries d=amazonses.com alone.
        let author_signs = self.keys.author.is_some() && self.author_dkim_status().await.is_ok();
        let uuid: [u8; 16] = rand::random();
        let now = chrono::Utc::now();
        let rewritten =
            match process::rewrite(&tx.data, &self.config, &self.keys, author_signs, now, uuid) {
                Ok(r) => r,
                Err(e) => return Reply::new(554, format!("5.3.0 signing failed: {e}")),
            };
        let envelope_from = format!("{}@{mail_from_domain}", rewritten.ses_id);
        // Recipients at the mailbox simulator never leave SES: they get
        // its documented behaviour; the others are delivered onward.
        let (simulated, others) = simulator::split(&tx.rcpt_to);
        if !simulated.is_empty() {
            let sent = simulator::Sent {
                tx: &tx,
                ses_id: &rewritten.ses_id,
                message: &rewritten.message,
                envelope_from: &envelope_from,
                at: now,
            };
            simulator::simulate(&self.config, &self.resolver, sent, &simulated).await;
            if others.is_empty() {
                return Reply::new(250, format!("Ok {}", rewritten.ses_id));
            }
        }
        let tx = Transaction {
            rcpt_to: others,
            ..tx
        };
        let helo = self
            .config
            .ses
            .helo
            .clone()
            .unwrap_or_else(|| ses::sending_host(&self.config.ses.region));
        let delivery = deliver_with_retries(
            &rewritten.ses_id,
            &self.config.ses.delivery,
            &self.config.clock,
            || {
                deliver_tls(
                    self.config.next_hop,
                    self.config.ses.egress_ip,
                    &helo,
                    &envelope_from,
                    &tx.rcpt_to,
                    &rewritten.message,
                    self.config.next_hop_tls.as_ref(),
                )
            },
        )
        .await;
        let reply = match delivery.reply() {
            r if r.is_positive() => Reply::new(250, format!("Ok {}", rewritten.ses_id)),
            r => r,
        };
        if let Ok(mut deliveries) = self.deliveries.lock() {
            deliveries.push(delivery);
        }
        reply
    }
}

impl Handler for RelayHandler {
    fn deliver(&self, tx: Transaction) -> impl Future<Output = Reply> + Send {
        self.relay(tx)
    }
}

/// A relay running on loopback; shuts down when dropped.
pub struct RelayHandle {
    server: ServerHandle,
    keys: PublishedKeys,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RelayStartError {
    #[error("cannot start the relay: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot set up the relay's resolver: {0}")]
    Resolver(String),
}

impl RelayHandle {
    /// Starts the relay on `addr`, signing with `keys` (published
    /// beforehand by [`crate::publish::ses_side`]).
    pub async fn start(
        addr: SocketAddr,
        config: RelayConfig,
        keys: PublishedKeys,
    ) -> Result<RelayHandle, RelayStartError> {
        let hostname = config
            .ses
            .helo
            .clone()
            .unwrap_or_else(|| format!("email-smtp.{}.amazonaws.com", config.ses.region));
        let handler = RelayHandler::new(config, keys.clone()).map_err(RelayStartError::Resolver)?;
        let deliveries = Arc::clone(&handler.deliveries);
        let server_config = ServerConfig {
            hostname,
            // The relay passes a message's bytes on as it got them, bare
            // LFs included; the receiver's reading decides what they do.
            line_endings: LineEndings::Keep,
            ..ServerConfig::default()
        };
        let server = ServerHandle::start(addr, handler, server_config).await?;
        Ok(RelayHandle {
            server,
            keys,
            deliveries,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub fn keys(&self) -> &PublishedKeys {
        &self.keys
    }

    /// The deliveries of the messages relayed so far, each with its
    /// attempts, in the order they ended.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries
            .lock()
            .map(|d| d.clone())
            .unwrap_or_default()
    }
}
