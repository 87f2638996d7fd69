//! The sockets: a UDP loop, a TCP accept loop with one task per connection,
//! and a handle that runs both in the background for tests.

use std::{
    collections::HashMap,
    future::Future,
    io,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream, UdpSocket},
    sync::oneshot,
    task::{AbortHandle, JoinHandle, JoinSet},
};

use crate::{
    catalog::Catalog,
    log::{QueryLog, Transport},
    respond::respond,
};

/// The pause after a failed `accept` (out of file descriptors, say).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How many UDP ports [`bind`] tries when the TCP port next to one is taken.
const BIND_ATTEMPTS: usize = 16;

/// How long a TCP client may stay silent, by default: RFC 7766 §6.2.3 asks
/// for an idle timeout "of the order of seconds".
pub const DEFAULT_TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The most TCP connections served at once, by default.
pub const DEFAULT_MAX_TCP_CONNECTIONS: usize = 128;

/// What one client can make the server hold over TCP. UDP needs no
/// bound: each datagram is answered and forgotten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// How long the server waits for a query (its length prefix, then
    /// the rest of it) on a TCP connection before closing it. Default
    /// [`DEFAULT_TCP_IDLE_TIMEOUT`].
    pub tcp_idle_timeout: Duration,
    /// The most TCP connections open at once. A connection beyond it
    /// closes the open one that has been quiet the longest (RFC 7766
    /// §6.2.3 lets a server close idle connections to free resources), so
    /// idle clients can neither exhaust the server's file handles nor
    /// lock new clients out. Default [`DEFAULT_MAX_TCP_CONNECTIONS`].
    pub max_tcp_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            tcp_idle_timeout: DEFAULT_TCP_IDLE_TIMEOUT,
            max_tcp_connections: DEFAULT_MAX_TCP_CONNECTIONS,
        }
    }
}

/// Serves `catalog` on `udp` and `tcp` until `shutdown` completes, logging
/// every query in `log`, with the default [`ServerConfig`].
///
/// Malformed input never stops the server. TCP connections carry any number
/// of length-prefixed queries; each has its own task, aborted at shutdown.
/// Returns an error only when a socket fails for good.
pub async fn run(
    udp: UdpSocket,
    tcp: TcpListener,
    catalog: Catalog,
    log: QueryLog,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    run_with(udp, tcp, catalog, log, ServerConfig::default(), shutdown).await
}

/// [`run`] with the TCP bounds of `config`.
pub async fn run_with(
    udp: UdpSocket,
    tcp: TcpListener,
    catalog: Catalog,
    log: QueryLog,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    tokio::select! {
        result = serve_udp(udp, catalog.clone(), log.clone()) => result,
        result = serve_tcp(tcp, catalog, log, config) => result,
        () = shutdown => Ok(()),
    }
}

/// Binds UDP and TCP on the same address. With port 0 the UDP socket picks
/// a free port and TCP takes the same one; when that TCP port is taken the
/// whole thing is retried with a new UDP port.
pub async fn bind(addr: SocketAddr) -> io::Result<(UdpSocket, TcpListener)> {
    let attempts = if addr.port() == 0 { BIND_ATTEMPTS } else { 1 };
    let mut last_error = None;
    for _ in 0..attempts {
        let udp = UdpSocket::bind(addr).await?;
        match TcpListener::bind(udp.local_addr()?).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("no attempt to bind was made")))
}

async fn serve_udp(socket: UdpSocket, catalog: Catalog, log: QueryLog) -> io::Result<()> {
    let mut buf = vec![0u8; usize::from(u16::MAX)];
    loop {
        let (len, peer) = match socket.recv_from(&mut buf).await {
            Ok(received) => received,
            Err(e) if is_transient(&e) => continue,
            Err(e) => return Err(e),
        };
        let reply = respond(&buf[..len], Transport::Udp, &catalog);
        if let Some(entry) = reply.entry {
            log.push(entry);
        }
        if let Some(response) = reply.response {
            // A client gone away is not the server's problem.
            let _ = socket.send_to(&response, peer).await;
        }
    }
}

/// The open TCP connections and when each was last active (accepted or
/// done answering a query), to close the quietest one when a new
/// connection needs its place. Activity is ordered by a counter, not a
/// clock, so that two connections are never equally quiet.
struct Connections {
    clock: Arc<AtomicU64>,
    open: HashMap<tokio::task::Id, (Arc<AtomicU64>, AbortHandle)>,
}

impl Connections {
    /// The next tick of the activity clock.
    fn now(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed)
    }

    /// Closes the connection that has been quiet the longest.
    fn close_quietest(&mut self) {
        let quietest = self
            .open
            .iter()
            .min_by_key(|(_, (active, _))| active.load(Ordering::Relaxed))
            .map(|(id, _)| *id);
        if let Some((_, abort)) = quietest.and_then(|id| self.open.remove(&id)) {
            abort.abort();
        }
    }
}

async fn serve_tcp(
    listener: TcpListener,
    catalog: Catalog,
    log: QueryLog,
    config: ServerConfig,
) -> io::Result<()> {
    // Dropping the set (at shutdown) aborts every connection.
    let mut tasks = JoinSet::new();
    let mut connections = Connections {
        clock: Arc::new(AtomicU64::new(0)),
        open: HashMap::new(),
    };
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    while connections.open.len() >= config.max_tcp_connections.max(1) {
                        connections.close_quietest();
                    }
                    let active = Arc::new(AtomicU64::new(connections.now()));
                    let connection = Connection {
                        catalog: catalog.clone(),
                        log: log.clone(),
                        idle_timeout: config.tcp_idle_timeout,
                        clock: Arc::clone(&connections.clock),
                        active: Arc::clone(&active),
                    };
                    let abort = tasks.spawn(connection.serve(stream));
                    connections.open.insert(abort.id(), (active, abort));
                }
                Err(e) if is_transient(&e) => {}
                Err(_) => {
                    // Out of file descriptors and the like: give connections
                    // a moment to finish, then accept again.
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                let id = match done {
                    Ok((id, ())) => id,
                    Err(e) => e.id(),
                };
                connections.open.remove(&id);
            }
        }
    }
}

/// One TCP connection's share of the server.
struct Connection {
    catalog: Catalog,
    log: QueryLog,
    idle_timeout: Duration,
    /// The server's activity clock.
    clock: Arc<AtomicU64>,
    /// When the connection was last active, on `clock`.
    active: Arc<AtomicU64>,
}

impl Connection {
    /// Reads length-prefixed queries until the client closes the connection,
    /// sends something unreadable or stays silent past the idle timeout.
    async fn serve(self, mut stream: TcpStream) {
        let Connection {
            catalog,
            log,
            idle_timeout,
            clock,
            active,
        } = self;
        let mut buf = Vec::new();
        loop {
            let query = async {
                let len = stream.read_u16().await?;
                buf.resize(usize::from(len), 0);
                stream.read_exact(&mut buf).await.map(|_| ())
            };
            match tokio::time::timeout(idle_timeout, query).await {
                Ok(Ok(())) => {}
                // Closed, unreadable or silent too long: hang up.
                Ok(Err(_)) | Err(_) => return,
            }
            if !answer(&mut stream, &buf, &catalog, &log).await {
                return;
            }
            active.store(clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        }
    }
}

/// Answers one query read over TCP; false when the client is gone.
async fn answer(stream: &mut TcpStream, buf: &[u8], catalog: &Catalog, log: &QueryLog) -> bool {
    let reply = respond(buf, Transport::Tcp, catalog);
    if let Some(entry) = reply.entry {
        log.push(entry);
    }
    let Some(response) = reply.response else {
        return true;
    };
    let Ok(len) = u16::try_from(response.len()) else {
        return true;
    };
    let mut framed = Vec::with_capacity(response.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(&response);
    stream.write_all(&framed).await.is_ok()
}

/// Errors that concern one peer, not the socket.
fn is_transient(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// A server running in the background, for tests: stops when dropped, and
/// if the test is panicking, prints the query log to stderr first.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    catalog: Catalog,
    log: QueryLog,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl ServerHandle {
    /// Binds UDP and TCP on the same port of `addr` (see [`bind`]) and
    /// serves `catalog` on them with the default [`ServerConfig`], keeping
    /// every query in its log. Must be called inside a Tokio runtime.
    pub async fn start(catalog: Catalog, addr: SocketAddr) -> io::Result<ServerHandle> {
        Self::start_with(catalog, addr, ServerConfig::default(), QueryLog::new()).await
    }

    /// [`ServerHandle::start`] with the TCP bounds of `config`, logging
    /// into `log` (a [`QueryLog::bounded`] one for a long-running server).
    pub async fn start_with(
        catalog: Catalog,
        addr: SocketAddr,
        config: ServerConfig,
        log: QueryLog,
    ) -> io::Result<ServerHandle> {
        let (udp, tcp) = bind(addr).await?;
        let addr = udp.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let serve = run_with(udp, tcp, catalog.clone(), log.clone(), config, async move {
            // A dropped sender is a shutdown too.
            let _ = stopped.await;
        });
        let task = tokio::spawn(serve);
        Ok(ServerHandle {
            addr,
            catalog,
            log,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// The address both sockets listen on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The catalog served; changes apply to the next query.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The log of the queries received.
    pub fn query_log(&self) -> QueryLog {
        self.log.clone()
    }

    /// Stops the server and waits until its sockets are closed.
    pub async fn stop(mut self) -> io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) if e.is_cancelled() => Ok(()),
            Err(e) => Err(io::Error::other(e)),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("mock-dns at {} received:", self.addr);
            for entry in self.log.entries() {
                eprintln!("  {entry}");
            }
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use hickory_proto::{
        op::{Message, Query, ResponseCode},
        rr::{Name, RecordType},
    };
    use hickory_resolver::{
        TokioResolver,
        config::{NameServerConfig, ResolverConfig},
        net::runtime::TokioRuntimeProvider,
    };

    use super::*;
    use crate::{
        fault::Fault,
        log::QueryLogEntry,
        record::{RData, Record},
    };

    fn catalog() -> Catalog {
        let catalog = Catalog::new();
        catalog.add(Record::txt(
            "example.com",
            300,
            "v=spf1 ip4:192.0.2.0/24 -all",
        ));
        catalog.add(Record::txt("_dmarc.example.com", 300, "v=DMARC1; p=reject"));
        catalog.add(Record::new(
            "mx.example.com",
            300,
            RData::A("192.0.2.25".parse().unwrap()),
        ));
        catalog
    }

    async fn start() -> ServerHandle {
        ServerHandle::start(catalog(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap()
    }

    /// A resolver that asks only `server`, over UDP then TCP, without a cache.
    fn resolver(server: &ServerHandle) -> TokioResolver {
        let addr = server.addr();
        let mut name_server = NameServerConfig::udp_and_tcp(addr.ip());
        for connection in &mut name_server.connections {
            connection.port = addr.port();
        }
        let config = ResolverConfig::from_name_servers(vec![name_server]);
        let mut builder =
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
        builder.options_mut().cache_size = 0;
        builder.build().unwrap()
    }

    fn query(id: u16, name: &str, rtype: RecordType) -> Vec<u8> {
        let mut message = Message::query();
        message.metadata.id = id;
        message.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
        message.to_vec().unwrap()
    }

    async fn udp_client(server: &ServerHandle) -> UdpSocket {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.connect(server.addr()).await.unwrap();
        socket
    }

    async fn udp_receive(socket: &UdpSocket) -> Message {
        let mut buf = vec![0; 4096];
        let len = socket.recv(&mut buf).await.unwrap();
        Message::from_vec(&buf[..len]).unwrap()
    }

    async fn tcp_send(stream: &mut TcpStream, message: &[u8]) {
        let len = u16::try_from(message.len()).unwrap();
        stream.write_all(&len.to_be_bytes()).await.unwrap();
        stream.write_all(message).await.unwrap();
    }

    async fn tcp_receive(stream: &mut TcpStream) -> Message {
        let len = stream.read_u16().await.unwrap();
        let mut buf = vec![0; usize::from(len)];
        stream.read_exact(&mut buf).await.unwrap();
        Message::from_vec(&buf).unwrap()
    }

    fn summary(entries: &[QueryLogEntry]) -> Vec<String> {
        entries
            .iter()
            .map(|e| format!("{} {} {} {}", e.transport, e.name, e.qtype, e.rcode))
            .collect()
    }

    #[tokio::test]
    async fn binds_udp_and_tcp_on_the_same_port() {
        let server = start().await;
        assert_ne!(server.addr().port(), 0);
        TcpStream::connect(server.addr()).await.unwrap();
        // The fixed-port path binds exactly what it is given.
        let taken = bind(server.addr()).await;
        assert!(taken.is_err());
    }

    #[tokio::test]
    async fn resolver_gets_txt_over_udp() {
        let server = start().await;
        let lookup = resolver(&server).txt_lookup("example.com.").await.unwrap();
        let texts: Vec<String> = lookup
            .answers()
            .iter()
            .map(|r| r.data.to_string())
            .collect();
        assert_eq!(texts, vec!["v=spf1 ip4:192.0.2.0/24 -all"]);
        assert_eq!(
            server.query_log().entries(),
            vec![QueryLogEntry {
                name: "example.com.".into(),
                qtype: "TXT".into(),
                transport: Transport::Udp,
                rcode: "NOERROR".into(),
                answers: vec![Arc::new(Record::txt(
                    "example.com",
                    300,
                    "v=spf1 ip4:192.0.2.0/24 -all"
                ))],
            }]
        );
    }

    #[tokio::test]
    async fn truncate_fault_sends_the_resolver_to_tcp() {
        let server = start().await;
        server
            .catalog()
            .set_fault("_dmarc.example.com", Some("TXT"), Fault::Truncate);
        let lookup = resolver(&server)
            .txt_lookup("_dmarc.example.com.")
            .await
            .unwrap();
        assert_eq!(lookup.answers().len(), 1);
        assert_eq!(
            summary(&server.query_log().entries()),
            vec![
                "udp _dmarc.example.com. TXT TRUNCATED",
                "tcp _dmarc.example.com. TXT NOERROR",
            ]
        );
    }

    #[tokio::test]
    async fn records_too_big_for_udp_go_over_tcp() {
        let server = start().await;
        let key = "p=".to_owned() + &"A".repeat(2000);
        server
            .catalog()
            .add(Record::txt("sel._domainkey.example.com", 300, &key));
        let lookup = resolver(&server)
            .txt_lookup("sel._domainkey.example.com.")
            .await
            .unwrap();
        let hickory_proto::rr::RData::TXT(txt) = &lookup.answers()[0].data else {
            panic!("expected TXT, found {:?}", lookup.answers()[0].data);
        };
        assert_eq!(txt.txt_data.concat(), key.as_bytes());
        assert_eq!(
            summary(&server.query_log().entries()),
            vec![
                "udp sel._domainkey.example.com. TXT TRUNCATED",
                "tcp sel._domainkey.example.com. TXT NOERROR",
            ]
        );
    }

    #[tokio::test]
    async fn unknown_names_are_nxdomain_with_an_soa() {
        let server = start().await;
        let error = resolver(&server)
            .txt_lookup("_dmarc.com.")
            .await
            .unwrap_err();
        assert!(error.is_nx_domain(), "{error:?}");
        let soa = error.into_soa().expect("an SOA in authority");
        assert_eq!(soa.name, Name::root());
        assert_eq!(
            summary(&server.query_log().entries()),
            vec!["udp _dmarc.com. TXT NXDOMAIN"]
        );
    }

    #[tokio::test]
    async fn servfail_fault_answers_servfail() {
        let server = start().await;
        server
            .catalog()
            .set_fault("example.com.", None, Fault::ServFail);
        let socket = udp_client(&server).await;
        socket
            .send(&query(7, "example.com.", RecordType::TXT))
            .await
            .unwrap();
        let response = udp_receive(&socket).await;
        assert_eq!(response.metadata.id, 7);
        assert_eq!(response.metadata.response_code, ResponseCode::ServFail);
        assert!(response.answers.is_empty());
        // The resolver sees the failure too.
        assert!(resolver(&server).txt_lookup("example.com.").await.is_err());
        let entries = server.query_log().entries();
        assert!(entries.iter().all(|e| e.rcode == "SERVFAIL"), "{entries:?}");
    }

    #[tokio::test]
    async fn garbage_gets_formerr_and_the_server_goes_on() {
        let server = start().await;
        let socket = udp_client(&server).await;
        socket
            .send(b"\x12\x34\x00\x00\x00\x01garbage!")
            .await
            .unwrap();
        let response = udp_receive(&socket).await;
        assert_eq!(response.metadata.id, 0x1234);
        assert_eq!(response.metadata.response_code, ResponseCode::FormErr);
        // Too short for a header: dropped, so the next reply is the query's.
        socket.send(b"\x01").await.unwrap();
        socket
            .send(&query(8, "mx.example.com.", RecordType::A))
            .await
            .unwrap();
        let response = udp_receive(&socket).await;
        assert_eq!(response.metadata.id, 8);
        assert_eq!(response.answers.len(), 1);

        // Garbage over TCP does not stop the connection either.
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        tcp_send(
            &mut stream,
            b"\x00\x09\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff",
        )
        .await;
        assert_eq!(
            tcp_receive(&mut stream).await.metadata.response_code,
            ResponseCode::FormErr
        );
        tcp_send(&mut stream, &query(10, "example.com.", RecordType::TXT)).await;
        assert_eq!(tcp_receive(&mut stream).await.answers.len(), 1);
        assert_eq!(
            summary(&server.query_log().entries()),
            vec![
                "udp   FORMERR",
                "udp mx.example.com. A NOERROR",
                "tcp   FORMERR",
                "tcp example.com. TXT NOERROR",
            ]
        );
    }

    #[tokio::test]
    async fn timeout_fault_never_answers_but_keeps_serving() {
        let server = start().await;
        server
            .catalog()
            .set_fault("mx.example.com", Some("A"), Fault::Timeout);

        // UDP: the first reply to arrive is the second query's.
        let socket = udp_client(&server).await;
        socket
            .send(&query(1, "mx.example.com.", RecordType::A))
            .await
            .unwrap();
        socket
            .send(&query(2, "example.com.", RecordType::TXT))
            .await
            .unwrap();
        assert_eq!(udp_receive(&socket).await.metadata.id, 2);

        // TCP: the connection stays open and answers the next query.
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        tcp_send(&mut stream, &query(3, "mx.example.com.", RecordType::A)).await;
        tcp_send(&mut stream, &query(4, "example.com.", RecordType::TXT)).await;
        assert_eq!(tcp_receive(&mut stream).await.metadata.id, 4);
        assert_eq!(
            summary(&server.query_log().entries()),
            vec![
                "udp mx.example.com. A TIMEOUT",
                "udp example.com. TXT NOERROR",
                "tcp mx.example.com. A TIMEOUT",
                "tcp example.com. TXT NOERROR",
            ]
        );
    }

    #[tokio::test]
    async fn records_added_at_run_time_are_served() {
        let server = start().await;
        let resolver = resolver(&server);
        let name = "new._domainkey.example.com.";
        assert!(resolver.txt_lookup(name).await.unwrap_err().is_nx_domain());
        server
            .catalog()
            .add(Record::txt(name, 60, "v=DKIM1; p=xyz"));
        let lookup = resolver.txt_lookup(name).await.unwrap();
        assert_eq!(lookup.answers()[0].data.to_string(), "v=DKIM1; p=xyz");
        // `_domainkey` is now an empty non-terminal: NODATA, not NXDOMAIN.
        let error = resolver
            .txt_lookup("_domainkey.example.com.")
            .await
            .unwrap_err();
        assert!(
            error.is_no_records_found() && !error.is_nx_domain(),
            "{error:?}"
        );
    }

    async fn start_bounded(idle: Duration, cap: usize) -> ServerHandle {
        let config = ServerConfig {
            tcp_idle_timeout: idle,
            max_tcp_connections: cap,
        };
        ServerHandle::start_with(
            catalog(),
            "127.0.0.1:0".parse().unwrap(),
            config,
            QueryLog::new(),
        )
        .await
        .unwrap()
    }

    /// Whether the server closed `stream` (a read gives end of file or a
    /// reset) before `within` passed.
    async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
        let mut byte = [0u8; 1];
        match tokio::time::timeout(within, stream.read(&mut byte)).await {
            Ok(Ok(0)) | Ok(Err(_)) => true,
            Ok(Ok(_)) => panic!("the server sent a byte unasked"),
            Err(_) => false,
        }
    }

    #[tokio::test]
    async fn a_silent_tcp_client_is_closed_after_the_idle_timeout() {
        let idle = Duration::from_millis(300);
        let server = start_bounded(idle, 8).await;
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        let opened = std::time::Instant::now();
        // A query resets nothing but is answered; then silence.
        tcp_send(&mut stream, &query(1, "example.com.", RecordType::TXT)).await;
        assert_eq!(tcp_receive(&mut stream).await.metadata.id, 1);
        assert!(closed_within(&mut stream, Duration::from_secs(30)).await);
        assert!(
            opened.elapsed() >= idle,
            "closed after {:?}",
            opened.elapsed()
        );
        // Half a query and silence: closed too.
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(&[0, 40, 1, 2]).await.unwrap();
        assert!(closed_within(&mut stream, Duration::from_secs(30)).await);
    }

    #[tokio::test]
    async fn over_the_cap_the_quietest_connection_makes_room() {
        let server = start_bounded(Duration::from_secs(60), 2).await;
        let mut first = TcpStream::connect(server.addr()).await.unwrap();
        let mut second = TcpStream::connect(server.addr()).await.unwrap();
        // The second one is busy, so the first is the quietest.
        tcp_send(&mut second, &query(2, "example.com.", RecordType::TXT)).await;
        assert_eq!(tcp_receive(&mut second).await.metadata.id, 2);
        let mut third = TcpStream::connect(server.addr()).await.unwrap();
        tcp_send(&mut third, &query(3, "example.com.", RecordType::TXT)).await;
        assert_eq!(tcp_receive(&mut third).await.metadata.id, 3);
        assert!(closed_within(&mut first, Duration::from_secs(30)).await);
        tcp_send(&mut second, &query(4, "example.com.", RecordType::TXT)).await;
        assert_eq!(tcp_receive(&mut second).await.metadata.id, 4);
    }

    #[tokio::test]
    async fn run_stops_on_shutdown() {
        let (udp, tcp) = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(run(udp, tcp, Catalog::new(), QueryLog::new(), async {
            let _ = stopped.await;
        }));
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();

        let handle = start().await;
        let addr = handle.addr();
        handle.stop().await.unwrap();
        // The port is free again.
        bind(addr).await.unwrap();
    }
}
