use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use mail_auth::{AuthenticatedMessage, hickory_resolver::TokioResolver};
use mailharness_auth::dns::HickoryLookup;

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
/// Whether the custom MAIL FROM domain is used and whether the identity's
/// key signs is decided by [`ses::mail_from_status`] and
/// [`ses::author_key_status`], the functions the runner's findings use.
pub struct RelayHandler {
    config: RelayConfig,
    keys: PublishedKeys,
    /// SES's checks of the identity's DNS.
    dns: HickoryLookup,
    /// The mailbox simulator's lookups.
    resolver: TokioResolver,
    /// Every message's delivery, in the order they ended.
    deliveries: Arc<Mutex<Vec<Delivery>>>,
}

impl RelayHandler {
    pub fn new(config: RelayConfig, keys: PublishedKeys) -> Result<Self, String> {
        let dns = HickoryLookup::new(config.nameserver.addr, config.nameserver.timeout)?;
        let resolver = crate::dns::resolver(config.nameserver)?;
        Ok(RelayHandler {
            config,
            keys,
            dns,
            resolver,
            deliveries: Arc::default(),
        })
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
            let check = ses::mail_from_status(&self.dns, custom, &self.config.ses.region).await;
            if check.is_success() {
                mail_from_domain = custom.clone();
            } else if self.config.ses.behavior_on_mx_failure == MxFailure::RejectMessage {
                return Reply::new(
                    554,
                    format!(
                        "5.7.1 MailFromDomainNotVerified: the custom MAIL FROM domain {custom} is not verified ({})",
                        check.reason()
                    ),
                );
            }
        }

        // SES signs with the identity's key only while its DKIM status is
        // SUCCESS; otherwise the message carries d=amazonses.com alone.
        let author_signs = self.keys.author.is_some()
            && ses::author_key_status(
                &self.dns,
                &self.config.ses.identity,
                &self.config.ses.setup().key,
            )
            .await
            .signs();
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
