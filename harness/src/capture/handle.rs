//! A capture running in the background.

use std::io;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::mailbox::Mailbox;
use super::server::{CaptureConfig, run};

/// A running capture; it shuts down when dropped.
#[derive(Debug)]
pub struct CaptureHandle {
    addr: SocketAddr,
    mailbox: Mailbox,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl CaptureHandle {
    /// Binds `addr` (port 0 picks a free port) and serves the capture on a
    /// background task. Must be called within a tokio runtime.
    pub async fn start(addr: SocketAddr, config: CaptureConfig) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let mailbox = Mailbox::new();
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(run(listener, mailbox.clone(), config, async move {
            // A dropped sender stops the capture too.
            let _ = stop.await;
        }));
        Ok(Self {
            addr,
            mailbox,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// The address the capture listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The mailbox the capture stores into.
    pub fn mailbox(&self) -> &Mailbox {
        &self.mailbox
    }

    /// Stops the capture and waits for its accept loop to end; returns the
    /// error that stopped it early, if any.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for CaptureHandle {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
