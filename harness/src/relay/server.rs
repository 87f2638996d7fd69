use std::{net::SocketAddr, sync::Arc};

use mail_auth::{AuthenticatedMessage, hickory_resolver::TokioResolver};
use mock_dns::Catalog;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use super::{MxFailure, PublishedKeys, RelayConfig, deliver, process, publish::publish, ses};
use crate::{
    keys::KeyError,
    smtp::{self, Handler, Reply, ServerConfig, Transaction},
};

/// The SMTP side of the relay: every accepted message is checked,
/// rewritten, signed and delivered onward before the reply is given, so the
/// sender sees the outcome (SES itself accepts first and bounces later).
pub struct RelayHandler {
    config: RelayConfig,
    keys: PublishedKeys,
    resolver: TokioResolver,
}

impl RelayHandler {
    pub fn new(config: RelayConfig, keys: PublishedKeys) -> Result<Self, String> {
        let resolver = crate::dns::resolver(config.nameserver)?;
        Ok(RelayHandler {
            config,
            keys,
            resolver,
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
                        mail_auth::hickory_resolver::proto::rr::RData::MX(mx) => Some(
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

        let uuid: [u8; 16] = rand::random();
        let rewritten =
            match process::rewrite(&tx.data, &self.config, &self.keys, chrono::Utc::now(), uuid) {
                Ok(r) => r,
                Err(e) => return Reply::new(554, format!("5.3.0 signing failed: {e}")),
            };
        let envelope_from = format!("{}@{mail_from_domain}", rewritten.ses_id);
        let helo = self
            .config
            .ses
            .helo
            .clone()
            .unwrap_or_else(|| ses::sending_host(&self.config.ses.region));
        match deliver(
            self.config.next_hop,
            self.config.ses.egress_ip,
            &helo,
            &envelope_from,
            &tx.rcpt_to,
            &rewritten.message,
        )
        .await
        {
            Ok(_) => Reply::new(250, format!("Ok {}", rewritten.ses_id)),
            Err(e) => e.reply(),
        }
    }
}

impl Handler for RelayHandler {
    fn deliver(&self, tx: Transaction) -> impl Future<Output = Reply> + Send {
        self.relay(tx)
    }
}

/// A relay running on loopback; shuts down when dropped.
pub struct RelayHandle {
    addr: SocketAddr,
    keys: PublishedKeys,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RelayStartError {
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error("cannot start the relay: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot set up the relay's resolver: {0}")]
    Resolver(String),
}

impl RelayHandle {
    /// Publishes SES's records into `catalog` and starts the relay on `addr`.
    pub async fn start(
        addr: SocketAddr,
        config: RelayConfig,
        catalog: &Catalog,
    ) -> Result<RelayHandle, RelayStartError> {
        let keys = publish(catalog, &config)?;
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let hostname = config
            .ses
            .helo
            .clone()
            .unwrap_or_else(|| format!("email-smtp.{}.amazonaws.com", config.ses.region));
        let handler =
            Arc::new(RelayHandler::new(config, keys.clone()).map_err(RelayStartError::Resolver)?);
        let (tx, rx) = oneshot::channel();
        let server_config = ServerConfig {
            hostname,
            ..ServerConfig::default()
        };
        let task = tokio::spawn(smtp::run(listener, handler, server_config, async move {
            let _ = rx.await;
        }));
        Ok(RelayHandle {
            addr,
            keys,
            shutdown: Some(tx),
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn keys(&self) -> &PublishedKeys {
        &self.keys
    }
}

impl Drop for RelayHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}
