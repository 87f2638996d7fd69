use std::net::SocketAddr;

use super::{HopConfig, process};
use crate::{
    keys::KeyPair,
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
    /// Starts the hop on `addr` (its DNS is published beforehand, see
    /// [`crate::publish::hop`]).
    pub async fn start(addr: SocketAddr, config: HopConfig) -> Result<HopHandle, HopStartError> {
        let hop = &config.hop;
        let arc_key = config.arc_key.clone();
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
