//! The managed relay of a scenario, whichever backend runs it.

use std::{net::SocketAddr, time::Duration};

use super::{MtaBackend, MtaError, MtaRuntime, NativeMta, PostfixRelay};
use crate::keys::KeyPair;

/// A running Postfix + OpenDKIM relay; stops on drop.
#[derive(Debug)]
pub enum ManagedMta {
    Native(Box<NativeMta>),
    #[cfg(feature = "containers")]
    Container(Box<super::ContainerMta>),
}

impl ManagedMta {
    /// Starts the relay delivering to `relayhost`, OpenDKIM signing with
    /// `keys` (the signers' order; their public halves published
    /// beforehand by [`crate::publish::signers`]).
    pub async fn start(
        relay: &PostfixRelay,
        keys: &[KeyPair],
        relayhost: SocketAddr,
        nameserver: SocketAddr,
    ) -> Result<ManagedMta, MtaError> {
        let private_keys = keys
            .iter()
            .map(KeyPair::private_pkcs8_pem)
            .collect::<Result<Vec<_>, _>>()?;
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
