use std::net::{IpAddr, SocketAddr};

use mock_dns::{Catalog, RData, Record};

use super::{HopConfig, process};
use crate::{
    keys::{KeyAlgorithm, KeyCache, KeyError, KeyPair},
    relay::reverse_name,
    smtp::{Handler, LineEndings, Reply, ServerConfig, ServerHandle, Transaction, deliver_tls},
    verify::{Verifier, VerifyInput},
};

/// The ARC selector every hop publishes its key under.
pub const ARC_SELECTOR: &str = "arc";

struct HopHandler {
    config: HopConfig,
    arc_key: Option<KeyPair>,
    verifier: Verifier,
}

impl HopHandler {
    async fn pass_on(&self, tx: Transaction) -> Reply {
        let hop = &self.config.hop;
        let now = chrono::Utc::now();
        let received = format!(
            "Received: from {} ([{}])\r\n\tby {} with ESMTP; {}\r\n",
            tx.helo,
            tx.client_ip,
            hop.helo,
            now.to_rfc2822()
        );
        let day = (now.timestamp() / 86_400) as u64;
        let mail_from = process::envelope_from(&hop.kind, &hop.domain, &tx.mail_from, day);
        let mut message = process::rewrite(&hop.kind, &tx.data, &received);
        if let Some(key) = &self.arc_key {
            let incoming = VerifyInput {
                raw: &tx.data,
                client_ip: tx.client_ip,
                helo: &tx.helo,
                mail_from: &tx.mail_from,
            };
            match self
                .verifier
                .arc_seal(incoming, &message, key, &hop.domain, ARC_SELECTOR)
                .await
            {
                Ok(set) => {
                    let mut sealed = set.into_bytes();
                    sealed.extend_from_slice(&message);
                    message = sealed;
                }
                Err(e) => return Reply::new(451, format!("4.7.0 cannot ARC-seal: {e}")),
            }
        }
        match deliver_tls(
            self.config.next_hop,
            hop.egress_ip,
            &hop.helo,
            &mail_from,
            &tx.rcpt_to,
            &message,
            self.config.next_hop_tls.as_ref(),
        )
        .await
        {
            Ok(reply) => reply,
            Err(e) => e.reply(),
        }
    }
}

impl Handler for HopHandler {
    fn deliver(&self, tx: Transaction) -> impl Future<Output = Reply> + Send {
        self.pass_on(tx)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HopStartError {
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error("cannot start the hop: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot set up the hop's resolver: {0}")]
    Resolver(String),
}

/// A running hop; stops when dropped.
pub struct HopHandle {
    server: ServerHandle,
}

impl HopHandle {
    /// Publishes the hop's DNS (its domain's SPF allowing its egress
    /// address, its host's A and PTR, its ARC key) and starts it on `addr`.
    pub async fn start(
        addr: SocketAddr,
        config: HopConfig,
        catalog: &Catalog,
    ) -> Result<HopHandle, HopStartError> {
        let hop = &config.hop;
        let ip = match hop.egress_ip {
            IpAddr::V4(v4) => format!("ip4:{v4}"),
            IpAddr::V6(v6) => format!("ip6:{v6}"),
        };
        let mut records = vec![
            Record::txt(&hop.domain, 300, &format!("v=spf1 {ip} -all")),
            Record::new(
                &reverse_name(hop.egress_ip),
                300,
                RData::Ptr(mock_dns::normalize_name(&hop.helo)),
            ),
        ];
        records.push(match hop.egress_ip {
            IpAddr::V4(v4) => Record::new(&hop.helo, 300, RData::A(v4)),
            IpAddr::V6(v6) => Record::new(&hop.helo, 300, RData::Aaaa(v6)),
        });
        let arc_key = if hop.arc {
            let key =
                KeyCache::global().get(&format!("arc/{}", hop.domain), KeyAlgorithm::Rsa(2048))?;
            records.push(Record::txt(
                &format!("{ARC_SELECTOR}._domainkey.{}", hop.domain),
                300,
                &key.dns_txt(),
            ));
            Some(key)
        } else {
            None
        };
        catalog.extend(records);
        let verifier =
            Verifier::new(config.nameserver, &hop.helo).map_err(HopStartError::Resolver)?;
        let server_config = ServerConfig {
            hostname: hop.helo.clone(),
            accept_proxy: true,
            // Passed on as received, as the relay does.
            line_endings: LineEndings::Keep,
            ..ServerConfig::default()
        };
        let handler = HopHandler {
            config,
            arc_key,
            verifier,
        };
        let server = ServerHandle::start(addr, handler, server_config).await?;
        Ok(HopHandle { server })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }
}
