//! The container backend (feature `containers`): the same configuration as
//! the native backend, rendered for paths inside the container and mounted
//! read-only at `/etc/mailharness`, in an image with Debian's `postfix` and
//! `opendkim` (`harness/docker/Dockerfile`, or any image named in the
//! scenario with the same binaries).
//!
//! The container reaches the egress forwarder (and through it the capture)
//! on the host's loopback through testcontainers' host port exposure
//! (`host.testcontainers.internal`); the sender reaches Postfix's smtpd on
//! the port Docker maps. Postfix logs to the container's stdout; readiness
//! is the master's "daemon started" line there.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use testcontainers::{
    ContainerAsync, GenericImage, ImageExt,
    core::{IntoContainerPort, Mount, WaitFor},
    runners::AsyncRunner,
};

use super::{
    MtaError, MtaRuntime, PostfixRelay,
    config::{Endpoints, Layout, render},
    native::write_files,
};

/// Postfix's smtpd inside the container.
const SMTPD_PORT: u16 = 2525;
/// The name under which the container reaches the host's exposed ports.
const HOST_ALIAS: &str = "host.testcontainers.internal";

/// A Postfix + OpenDKIM relay in a container; removed on drop.
pub struct ContainerMta {
    container: ContainerAsync<GenericImage>,
    addr: SocketAddr,
    started_in: Duration,
    /// The mounted configuration; removed after the container.
    _config: tempfile::TempDir,
}

impl std::fmt::Debug for ContainerMta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerMta")
            .field("id", &self.container.id())
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ContainerMta {
    /// Renders the configuration into a temporary folder, starts `image`
    /// with it mounted and waits for Postfix's master to report it started.
    pub async fn start(
        relay: &PostfixRelay,
        image: &str,
        private_keys: &[String],
        runtime: &MtaRuntime,
    ) -> Result<ContainerMta, MtaError> {
        let started = Instant::now();
        let config = tempfile::Builder::new()
            .prefix("mailharness-mta-")
            .tempdir()
            .map_err(|e| MtaError::Container(format!("cannot create a temporary folder: {e}")))?;
        let layout = Layout::container();
        let endpoints = Endpoints {
            smtpd: SMTPD_PORT.to_string(),
            // The sender arrives through Docker's port mapping, from a
            // private bridge address.
            mynetworks: "127.0.0.0/8 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16".into(),
            interfaces: "all".into(),
            relayhost: format!("[{HOST_ALIAS}]:{}", runtime.relayhost.port()),
            // OpenDKIM only signs here: it asks no DNS.
            nameserver: None,
            smtpd_tls: runtime
                .smtpd_tls
                .as_ref()
                .map(|t| (t.chain_pem.clone(), t.key_pem.clone())),
        };
        write_files(
            config.path(),
            &render(relay, private_keys, &layout, &endpoints),
        )?;
        let (name, tag) = image.rsplit_once(':').unwrap_or((image, "latest"));
        let script = format!(
            "mkdir -p {run} && opendkim -x {conf} && exec postfix -c {postfix} start-fg",
            run = layout.run.display(),
            conf = layout.opendkim_conf().display(),
            postfix = layout.postfix_dir().display(),
        );
        let container = GenericImage::new(name, tag)
            .with_exposed_port(SMTPD_PORT.tcp())
            .with_wait_for(WaitFor::message_on_stdout("daemon started"))
            .with_mount(Mount::bind_mount(
                config.path().display().to_string(),
                layout.root.display().to_string(),
            ))
            .with_exposed_host_port(runtime.relayhost.port())
            .with_cmd(["sh", "-c", script.as_str()])
            .start()
            .await
            .map_err(|e| MtaError::Container(e.to_string()))?;
        let port = container
            .get_host_port_ipv4(SMTPD_PORT.tcp())
            .await
            .map_err(|e| MtaError::Container(e.to_string()))?;
        Ok(ContainerMta {
            container,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            started_in: started.elapsed(),
            _config: config,
        })
    }

    /// Postfix's smtpd, as mapped on the host.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How long the container took to start (image pull included).
    pub fn startup(&self) -> Duration {
        self.started_in
    }

    /// The container's output: Postfix's log and OpenDKIM's startup errors.
    pub async fn logs(&self) -> String {
        let stdout = self.container.stdout_to_vec().await.unwrap_or_default();
        let stderr = self.container.stderr_to_vec().await.unwrap_or_default();
        format!(
            "--- container stdout (postfix) ---\n{}--- container stderr ---\n{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        )
    }
}
