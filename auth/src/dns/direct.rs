//! [`Lookup`] straight to one nameserver: each question is one UDP
//! datagram sent and awaited in the caller's own task (TCP when the
//! answer comes back truncated), with no resolver task between the caller
//! and the socket, no cache and no retry.
//!
//! A resolver such as hickory's hands every query to a background task
//! over a channel and the answer back over another; for the judge, which
//! asks one known nameserver a handful of questions per message, those
//! hops cost more than the round trip on loopback. Here a query is a send
//! and a receive on a connected socket that the task itself polls; the
//! query is written here and the answer read by `reply`, without building
//! hickory's `Message` either way.

use std::{
    hash::{BuildHasher, Hasher, RandomState},
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Mutex,
    time::Duration,
};

use mail_auth::hickory_resolver::proto::{
    op::ResponseCode,
    rr::{Name, RecordType},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt, Interest},
    net::{TcpStream, UdpSocket},
    time::{Instant, timeout_at},
};

use super::{
    Answer, DnsError, rdata,
    reply::{self, Data, Reply},
};

/// The EDNS0 UDP payload size offered: the DNS Flag Day 2020 value, as
/// hickory offers.
const EDNS_PAYLOAD: u16 = 1232;

/// The receive buffer for UDP answers: larger than any answer to the
/// payload size offered; a datagram that fills it is taken as truncated.
const UDP_BUFFER: usize = 4096;

/// Sockets kept for reuse: more than one message verified at a time
/// asks this many questions at once at most without binding new ones.
const IDLE_SOCKETS: usize = 64;

/// A DNS client of one nameserver. Share it by reference; it keeps a few
/// connected UDP sockets (each with its receive buffer) for reuse and
/// nothing else.
pub struct DirectLookup {
    server: SocketAddr,
    timeout: Duration,
    idle: Mutex<Vec<Idle>>,
}

/// A connected UDP socket between two questions, and the buffer its
/// answers are received into.
struct Idle {
    socket: UdpSocket,
    buffer: Vec<u8>,
}

impl DirectLookup {
    /// A client of the nameserver at `server`, each question given up
    /// after `timeout` (the TCP retry of a truncated answer included).
    pub fn new(server: SocketAddr, timeout: Duration) -> DirectLookup {
        DirectLookup {
            server,
            timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    pub fn server(&self) -> SocketAddr {
        self.server
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether `name` exists, by its SOA query: `Ok` for records or NODATA,
    /// [`DnsError::NxDomain`] when it does not, a temporary error when the
    /// server did not say (for a caller that needs a type the [`Lookup`](super::Lookup)
    /// trait lacks, as `HickoryLookup::resolver` serves hickory's callers).
    pub async fn exists(&self, name: &str) -> Result<(), DnsError> {
        self.query(name, RecordType::SOA).await.map(|_| ())
    }

    async fn query(&self, name: &str, rtype: RecordType) -> Answer<Data> {
        let name = rdata::to_name(name)?;
        let id = random_id();
        let request = request(id, &name, rtype);
        let deadline = Instant::now() + self.timeout;
        let timed_out = || DnsError::Temporary("request timed out".to_string());
        let udp = timeout_at(deadline, self.udp(&request, id, &name, rtype))
            .await
            .map_err(|_| timed_out())??;
        let response = match udp {
            Some(response) if !response.truncated => response,
            _ => timeout_at(deadline, self.tcp(&request, id, &name, rtype))
                .await
                .map_err(|_| timed_out())??,
        };
        answer(response)
    }

    /// The answer over UDP; `None` when it did not fit the buffer.
    /// Datagrams that do not answer this question (a late answer to an
    /// earlier one on a reused socket) are skipped.
    async fn udp(
        &self,
        request: &[u8],
        id: u16,
        name: &Name,
        rtype: RecordType,
    ) -> Result<Option<Reply>, DnsError> {
        let Idle { socket, mut buffer } = match self.take_idle() {
            Some(idle) => idle,
            None => Idle {
                socket: self.bind().await.map_err(io_error)?,
                // On the heap and not zeroed: the future of a lookup stays
                // small, and the judge's, which holds many, is cheap to move.
                buffer: Vec::with_capacity(UDP_BUFFER),
            },
        };
        socket.send(request).await.map_err(io_error)?;
        loop {
            buffer.clear();
            let len = socket.recv_buf(&mut buffer).await.map_err(io_error)?;
            if len >= UDP_BUFFER {
                return Ok(None);
            }
            if let Some(response) = reply::read(&buffer, id, name, rtype) {
                // The answer was the one datagram awaited. Marking the
                // socket not readable saves its next question a receive
                // that could only fail with EAGAIN; a datagram arriving
                // later makes it readable again (and one already queued,
                // a late answer, is read and skipped when the next answer
                // arrives).
                let _ = socket.try_io(Interest::READABLE, || {
                    Err::<(), _>(std::io::ErrorKind::WouldBlock.into())
                });
                self.put_idle(Idle { socket, buffer });
                return Ok(Some(response));
            }
        }
    }

    /// The answer over TCP, on a connection of its own.
    async fn tcp(
        &self,
        request: &[u8],
        id: u16,
        name: &Name,
        rtype: RecordType,
    ) -> Result<Reply, DnsError> {
        let mut stream = TcpStream::connect(self.server).await.map_err(io_error)?;
        stream.set_nodelay(true).map_err(io_error)?;
        let len = u16::try_from(request.len())
            .map_err(|_| DnsError::Temporary("request too long for TCP".to_string()))?;
        let mut framed = Vec::with_capacity(request.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(request);
        stream.write_all(&framed).await.map_err(io_error)?;
        loop {
            let len = usize::from(stream.read_u16().await.map_err(io_error)?);
            let mut bytes = vec![0; len];
            stream.read_exact(&mut bytes).await.map_err(io_error)?;
            if let Some(response) = reply::read(&bytes, id, name, rtype) {
                return Ok(response);
            }
        }
    }

    async fn bind(&self) -> std::io::Result<UdpSocket> {
        let local: SocketAddr = match self.server.ip() {
            IpAddr::V4(v4) if v4.is_loopback() => (Ipv4Addr::LOCALHOST, 0).into(),
            IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            IpAddr::V6(v6) if v6.is_loopback() => (Ipv6Addr::LOCALHOST, 0).into(),
            IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let socket = UdpSocket::bind(local).await?;
        // Connected: datagrams from anyone but the server are not ours.
        socket.connect(self.server).await?;
        Ok(socket)
    }

    fn take_idle(&self) -> Option<Idle> {
        self.idle.lock().ok()?.pop()
    }

    fn put_idle(&self, socket: Idle) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_SOCKETS
        {
            idle.push(socket);
        }
    }
}

impl std::fmt::Debug for DirectLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectLookup")
            .field("server", &self.server)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A query ID no one can predict from the ones before: the standard
/// library's per-process random hash keys, new for every call.
fn random_id() -> u16 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u8(0);
    hasher.finish() as u16
}

/// One question of class IN, recursion desired, with an EDNS0 OPT
/// record offering [`EDNS_PAYLOAD`]: the bytes of RFC 1035 §4.1 and RFC
/// 6891 §6.1, written out (a test holds them to hickory's encoder). The
/// name is uncompressed; [`rdata::to_name`] has checked its lengths.
fn request(id: u16, name: &Name, rtype: RecordType) -> Vec<u8> {
    const RECURSION_DESIRED: u16 = 0x0100;
    const CLASS_IN: u16 = 1;
    const TYPE_OPT: u16 = 41;
    let mut out = Vec::with_capacity(12 + name.len() + 2 + 4 + 11);
    // Header: ID, flags, one question, no answer or authority, one
    // additional (the OPT record).
    for field in [id, RECURSION_DESIRED, 1, 0, 0, 1] {
        out.extend_from_slice(&field.to_be_bytes());
    }
    for label in name.iter() {
        // At most 63 bytes: to_name refuses longer labels.
        out.push(label.len() as u8);
        out.extend_from_slice(label);
    }
    out.push(0);
    out.extend_from_slice(&u16::from(rtype).to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    // OPT: the root name, its type, the payload size as its class, a TTL
    // of zeros (extended RCODE, version 0, no DO bit) and no options.
    out.push(0);
    out.extend_from_slice(&TYPE_OPT.to_be_bytes());
    out.extend_from_slice(&EDNS_PAYLOAD.to_be_bytes());
    out.extend_from_slice(&[0; 6]);
    out
}

/// NXDOMAIN and NODATA are answers; another response code is temporary,
/// worded as hickory's resolver words it so that verdicts read the same
/// whichever client asked.
fn answer(response: Reply) -> Answer<Data> {
    match ResponseCode::from(0, response.rcode) {
        ResponseCode::NoError => Ok(response.records),
        ResponseCode::NXDomain => Err(DnsError::NxDomain),
        other => Err(DnsError::Temporary(format!(
            "DNS error: error response: {other}"
        ))),
    }
}

fn io_error(e: std::io::Error) -> DnsError {
    DnsError::Temporary(format!("io error: {e}"))
}

lookup_by_query!(DirectLookup, reply);

#[cfg(test)]
mod tests {
    use mock_dns::{Catalog, Fault, RData as Data, Record, ServerHandle};

    use super::*;
    use crate::dns::{HickoryLookup, Lookup};

    /// Every kind of answer, asked of both clients: the same records, the
    /// same errors in the same words, so that a verdict does not depend on
    /// which client the judge was given.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn answers_as_hickory_does() {
        let catalog = Catalog::new();
        catalog.add(Record::txt("example.com", 300, "v=spf1 -all"));
        catalog.add(Record::new(
            "example.com",
            300,
            Data::Txt(vec![b"v=DKIM1; ".to_vec(), b"p=abc".to_vec()]),
        ));
        catalog.add(Record::new(
            "example.com",
            300,
            Data::A("192.0.2.1".parse().unwrap()),
        ));
        catalog.add(Record::new(
            "example.com",
            300,
            Data::Aaaa("2001:db8::1".parse().unwrap()),
        ));
        catalog.add(Record::new(
            "example.com",
            300,
            Data::Mx {
                preference: 10,
                exchange: "mx.example.com.".into(),
            },
        ));
        catalog.add(Record::new(
            "1.2.0.192.in-addr.arpa",
            300,
            Data::Ptr("host:odd/name.example.com.".into()),
        ));
        catalog.add(Record::new(
            "alias.example.com",
            300,
            Data::Cname("example.com.".into()),
        ));
        catalog.add(Record::new(
            "dangling.example.com",
            300,
            Data::Cname("gone.example.com.".into()),
        ));
        catalog.add(Record::txt("big.example.com", 300, &"k".repeat(3000)));
        catalog.add(Record::txt("cut.example.com", 300, "v=spf1 ~all"));
        catalog.add(Record::txt("servfail.example.com", 300, "x"));
        catalog.add(Record::txt("silent.example.com", 300, "x"));
        catalog.set_fault("cut.example.com", Some("TXT"), Fault::Truncate);
        catalog.set_fault("servfail.example.com", None, Fault::ServFail);
        catalog.set_fault("silent.example.com", None, Fault::Timeout);
        let server = ServerHandle::start(catalog, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let timeout = Duration::from_millis(300);
        let direct = DirectLookup::new(server.addr(), timeout);
        let hickory = HickoryLookup::new(server.addr(), timeout).unwrap();

        let txt_names = [
            "example.com",
            "Example.COM.",
            "alias.example.com",
            "dangling.example.com",
            "nothing.example.com",
            "big.example.com",
            "cut.example.com",
            "servfail.example.com",
            "silent.example.com",
            "a..example.com",
        ];
        for name in txt_names {
            let mut ours = direct.txt(name).await;
            let mut theirs = hickory.txt(name).await;
            if let (Ok(a), Ok(b)) = (&mut ours, &mut theirs) {
                a.sort();
                b.sort();
            }
            assert_eq!(ours, theirs, "TXT {name}");
        }
        assert_eq!(
            direct.txt("big.example.com").await.unwrap(),
            vec![b"k".repeat(3000)],
            "a truncated answer is asked again over TCP"
        );
        assert_eq!(
            direct.txt("silent.example.com").await,
            Err(DnsError::Temporary("request timed out".into()))
        );
        for name in [
            "example.com",
            "alias.example.com",
            "nothing.example.com",
            "servfail.example.com",
        ] {
            assert_eq!(direct.a(name).await, hickory.a(name).await, "A {name}");
            assert_eq!(
                direct.aaaa(name).await,
                hickory.aaaa(name).await,
                "AAAA {name}"
            );
            assert_eq!(direct.mx(name).await, hickory.mx(name).await, "MX {name}");
        }
        for ip in ["192.0.2.1", "192.0.2.2"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(direct.ptr(ip).await, hickory.ptr(ip).await, "PTR {ip}");
        }
        assert_eq!(
            direct.ptr("192.0.2.1".parse().unwrap()).await.unwrap(),
            ["host:odd/name.example.com"]
        );
    }

    /// The request written out byte by byte is the one hickory's encoder
    /// writes for the same question, EDNS0 payload size and flags.
    #[test]
    fn requests_are_what_hickory_encodes() {
        use mail_auth::hickory_resolver::proto::op::{Edns, Message, Query};
        for (name, rtype) in [
            ("example.com", RecordType::TXT),
            ("sel._domainkey.Example.COM.", RecordType::TXT),
            ("host:odd/name.example.com", RecordType::A),
            ("10.2.0.192.in-addr.arpa", RecordType::PTR),
            ("mx.example", RecordType::MX),
            ("example", RecordType::AAAA),
            ("x", RecordType::SOA),
        ] {
            let name = rdata::to_name(name).unwrap();
            let mut message = Message::query();
            message.metadata.id = 0xbeef;
            message.metadata.recursion_desired = true;
            message.add_query(Query::query(name.clone(), rtype));
            let mut edns = Edns::new();
            edns.set_max_payload(EDNS_PAYLOAD);
            message.set_edns(edns);
            assert_eq!(
                request(0xbeef, &name, rtype),
                message.to_vec().unwrap(),
                "{name} {rtype}"
            );
        }
    }

    /// Many questions at once from one client: each gets its own answer.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_questions_get_their_own_answers() {
        let catalog = Catalog::new();
        for n in 0..50 {
            catalog.add(Record::txt(
                &format!("n{n}.example.com"),
                300,
                &format!("{n}"),
            ));
        }
        let server = ServerHandle::start(catalog, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let direct = DirectLookup::new(server.addr(), Duration::from_secs(2));
        for _ in 0..3 {
            let answers = crate::join::join_all((0..50).map(|n| {
                let direct = &direct;
                async move { direct.txt(&format!("n{n}.example.com")).await }
            }))
            .await;
            for (n, answer) in answers.into_iter().enumerate() {
                assert_eq!(answer, Ok(vec![n.to_string().into_bytes()]));
            }
        }
    }
}
