//! A capture running in the background.

use std::io;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::mailbox::Mailbox;
use super::server::{CaptureConfig, run};
use crate::smtp::{ClientTls, SelfSigned};

/// A running capture; it shuts down when dropped.
#[derive(Debug)]
pub struct CaptureHandle {
    addr: SocketAddr,
    mailbox: Mailbox,
    tls: Option<ClientTls>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl CaptureHandle {
    /// Binds `addr` (port 0 picks a free port) and serves the capture on a
    /// background task; with `config.starttls` it first makes a
    /// self-signed certificate for its host name, so every run has its
    /// own. Must be called within a tokio runtime.
    pub async fn start(addr: SocketAddr, mut config: CaptureConfig) -> io::Result<Self> {
        let tls = if config.starttls && config.smtp.tls.is_none() {
            let certificate = SelfSigned::generate(&config.hostname).map_err(io::Error::other)?;
            config.smtp.tls = Some(certificate.server_config.clone());
            Some(certificate.client())
        } else {
            None
        };
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
            tls,
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

    /// What a sender needs to deliver over STARTTLS to this capture and
    /// verify its certificate (its host name and the certificate as the
    /// only root); `None` when it does not offer STARTTLS.
    pub fn client_tls(&self) -> Option<&ClientTls> {
        self.tls.as_ref()
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use lettre::Address;
    use lettre::address::Envelope;
    use lettre::transport::smtp::client::AsyncSmtpConnection;
    use lettre::transport::smtp::extension::ClientId;

    use super::*;

    /// lettre, the SMTP client the harness delivers with, talks to the
    /// capture: EHLO extensions, 8BITMIME, SMTPUTF8 addresses, dot-stuffing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lettre_delivers_to_the_capture() {
        let capture =
            CaptureHandle::start("127.0.0.1:0".parse().unwrap(), CaptureConfig::default())
                .await
                .unwrap();
        let mut connection = AsyncSmtpConnection::connect_tokio1(
            capture.addr(),
            Some(Duration::from_secs(30)),
            &ClientId::Domain("client.test".into()),
            None,
            None,
        )
        .await
        .unwrap();
        let envelope = Envelope::new(
            Some("bounce@sender.test".parse::<Address>().unwrap()),
            vec!["josé@exämple.test".parse::<Address>().unwrap()],
        )
        .unwrap();
        // lettre appends CRLF "." CRLF itself, so a message that does not
        // end with CRLF arrives with one.
        let messages: Vec<String> = (0..3)
            .map(|n| format!("Subject: {n}\r\n\r\n.\r\n..\r\n.lead\r\nGrüße {n}"))
            .collect();
        for (n, message) in messages.iter().enumerate() {
            let response = connection
                .send(&envelope, message.as_bytes())
                .await
                .unwrap();
            let text: Vec<&str> = response.message().collect();
            assert_eq!(text, [format!("2.0.0 Ok: queued as C{:06}", n + 1)]);
        }
        connection.quit().await.unwrap();

        let stored = capture.mailbox().messages();
        assert_eq!(stored.len(), messages.len());
        for (stored, sent) in stored.iter().zip(&messages) {
            assert_eq!(&*stored.raw(), format!("{sent}\r\n").as_bytes());
            assert_eq!(stored.envelope.mail_from, "bounce@sender.test");
            assert_eq!(stored.envelope.rcpt_to, ["josé@exämple.test"]);
            assert_eq!(stored.envelope.helo, "client.test");
        }
        capture.shutdown().await.unwrap();
    }
}
