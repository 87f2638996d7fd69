//! The egress declaration for relays that cannot send a PROXY header
//! themselves (Postfix's SMTP client cannot): the relay delivers to this
//! forwarder instead of the next hop, and the forwarder opens each
//! connection to the next hop with `PROXY TCP4 <egress_ip> …`, which the
//! capture trusts from loopback peers. Bytes then pass through unchanged in
//! both directions, STARTTLS included.

use std::{
    io,
    net::{IpAddr, SocketAddr},
};

use tokio::{
    io::AsyncWriteExt,
    net::{TcpListener, TcpStream},
    sync::oneshot,
    task::{JoinHandle, JoinSet},
};

use crate::smtp::{self, proxy_v1_line};

/// A running forwarder; it stops (and drops its connections) when dropped.
#[derive(Debug)]
pub struct EgressProxy {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl EgressProxy {
    /// Listens on `listen` (port 0 for any free port) and forwards every
    /// connection to `next_hop`, declaring `egress_ip` as its source.
    pub async fn start(
        listen: SocketAddr,
        next_hop: SocketAddr,
        egress_ip: IpAddr,
    ) -> io::Result<EgressProxy> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (shutdown, mut stop) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut stop => return,
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                    accepted = listener.accept() => {
                        let Ok((client, peer)) = accepted else { continue };
                        connections.spawn(forward(client, peer, next_hop, egress_ip));
                    }
                }
            }
        });
        Ok(EgressProxy {
            addr,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// Where the relay must deliver (its relayhost).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// One connection: the PROXY line, then both directions until either side
/// closes. A next hop that cannot be reached closes the client's side,
/// which the relay sees as a failed delivery.
async fn forward(mut client: TcpStream, peer: SocketAddr, next_hop: SocketAddr, egress: IpAddr) {
    // A forwarder adds no delay of its own: whatever one side writes goes
    // on at once (see `smtp::connect`).
    let _ = client.set_nodelay(true);
    let Ok(mut upstream) = smtp::connect(next_hop).await else {
        return;
    };
    let declared = SocketAddr::new(egress, peer.port());
    if upstream
        .write_all(proxy_v1_line(declared, next_hop).as_bytes())
        .await
        .is_err()
    {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

impl Drop for EgressProxy {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

    use super::*;

    #[tokio::test]
    async fn declares_the_egress_ip_then_passes_bytes() {
        let next = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let next_addr = next.local_addr().unwrap();
        let proxy = EgressProxy::start(
            "127.0.0.1:0".parse().unwrap(),
            next_addr,
            "203.0.113.9".parse().unwrap(),
        )
        .await
        .unwrap();
        let mut client = TcpStream::connect(proxy.addr()).await.unwrap();
        let (server, _) = next.accept().await.unwrap();
        let mut server = BufReader::new(server);
        let mut line = String::new();
        server.read_line(&mut line).await.unwrap();
        assert!(
            line.starts_with("PROXY TCP4 203.0.113.9 127.0.0.1 "),
            "{line:?}"
        );
        assert!(line.ends_with(&format!(" {}\r\n", next_addr.port())));
        client.write_all(b"EHLO x\r\n").await.unwrap();
        line.clear();
        server.read_line(&mut line).await.unwrap();
        assert_eq!(line, "EHLO x\r\n");
        server.get_mut().write_all(b"250 ok\r\n").await.unwrap();
        let mut reply = [0u8; 8];
        client.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"250 ok\r\n");
    }
}
