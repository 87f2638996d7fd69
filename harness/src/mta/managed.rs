//! The managed relay of a scenario, whichever backend runs it.

use std::{net::SocketAddr, time::Duration};

use mock_dns::{Catalog, Record};

use super::{MtaBackend, MtaError, MtaRuntime, NativeMta, PostfixRelay};
use crate::{keys::KeyCache, scenario::Publish};

/// A running Postfix + OpenDKIM relay; stops on drop.
#[derive(Debug)]
pub enum ManagedMta {
    Native(Box<NativeMta>),
    #[cfg(feature = "containers")]
    Container(Box<super::ContainerMta>),
}

impl ManagedMta {
    /// Generates the signers' keys (cached per process by domain and
    /// selector), publishes them in `catalog` as each signer's `publish`
    /// says, and starts the relay delivering to `relayhost`.
    pub async fn start(
        relay: &PostfixRelay,
        relayhost: SocketAddr,
        nameserver: SocketAddr,
        catalog: &Catalog,
    ) -> Result<ManagedMta, MtaError> {
        let mut private_keys = Vec::new();
        for signer in &relay.signers {
            let key = KeyCache::global().get(
                &format!("mta/{}/{}", signer.domain, signer.selector),
                signer.algorithm,
            )?;
            let name = format!("{}._domainkey.{}.", signer.selector, signer.domain);
            match signer.publish {
                Publish::Key => catalog.add(Record::txt(&name, 300, &key.dns_txt())),
                Publish::Revoked => catalog.add(Record::txt(&name, 300, "v=DKIM1; p=")),
                Publish::Nothing => {}
            }
            private_keys.push(key.private_pkcs8_pem()?);
        }
        let runtime = MtaRuntime {
            relayhost,
            nameserver: Some(nameserver),
            smtpd_tls: None,
        };
        match &relay.backend {
            MtaBackend::Native => Ok(ManagedMta::Native(Box::new(
                NativeMta::start(relay, &private_keys, &runtime).await?,
            ))),
            #[cfg(feature = "containers")]
            MtaBackend::Container { image } => Ok(ManagedMta::Container(Box::new(
                super::ContainerMta::start(relay, image, &private_keys, &runtime).await?,
            ))),
            #[cfg(not(feature = "containers"))]
            MtaBackend::Container { .. } => Err(MtaError::NoContainers),
        }
    }

    /// Where the sender submits.
    pub fn addr(&self) -> SocketAddr {
        match self {
            ManagedMta::Native(mta) => mta.addr(),
            #[cfg(feature = "containers")]
            ManagedMta::Container(mta) => mta.addr(),
        }
    }

    /// How long the relay took to start.
    pub fn startup(&self) -> Duration {
        match self {
            ManagedMta::Native(mta) => mta.startup(),
            #[cfg(feature = "containers")]
            ManagedMta::Container(mta) => mta.startup(),
        }
    }

    /// What the relay logged.
    pub async fn logs(&self) -> String {
        match self {
            ManagedMta::Native(mta) => mta.logs(),
            #[cfg(feature = "containers")]
            ManagedMta::Container(mta) => mta.logs().await,
        }
    }
}
