//! The `mock-dns` binary as a user starts it: where it listens by default,
//! the origin of a zone file without `$ORIGIN`, and its bounds under abuse
//! (idle TCP clients, a UDP flood): memory and file handles stay flat and
//! valid queries are still answered.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream, UdpSocket},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use hickory_proto::{
    op::{Message, Query, ResponseCode},
    rr::{Name, RecordType},
};

use crate::support::mock_dns_bin;

/// A `mock-dns` process started with `args`; killed on drop, its stderr
/// printed if the test is failing.
struct Server {
    child: Child,
    addr: SocketAddr,
    stderr: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let stderr = dir.path().join("stderr");
        let mut child = Command::new(mock_dns_bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("start mock-dns");
        // The first line names the address; it is printed once both
        // sockets are bound, so the server is ready once it is read.
        let mut line = String::new();
        let mut stdout = child.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            line.push(byte[0] as char);
        }
        let addr = line
            .strip_prefix("mock-dns listening on ")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!(
                    "expected \"mock-dns listening on ADDR (udp+tcp)\", found {line:?}; stderr: {}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                )
            });
        Server {
            child,
            addr,
            stderr,
            _dir: dir,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- mock-dns stderr ---\n{}",
                std::fs::read_to_string(&self.stderr).unwrap_or_default()
            );
        }
    }
}

fn query(id: u16, name: &str, rtype: RecordType) -> Vec<u8> {
    let mut message = Message::query();
    message.metadata.id = id;
    message.metadata.recursion_desired = false;
    message.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    message.to_vec().unwrap()
}

/// One query over UDP and its response.
fn udp(addr: SocketAddr, name: &str, rtype: RecordType) -> Message {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket.connect(addr).unwrap();
    socket.send(&query(7, name, rtype)).unwrap();
    let mut buf = [0u8; 4096];
    let len = socket.recv(&mut buf).expect("a UDP answer within 10 s");
    Message::from_vec(&buf[..len]).unwrap()
}

/// One query over a new TCP connection and its response.
fn tcp(addr: SocketAddr, name: &str, rtype: RecordType) -> Message {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let q = query(9, name, rtype);
    stream.write_all(&(q.len() as u16).to_be_bytes()).unwrap();
    stream.write_all(&q).unwrap();
    let mut len = [0u8; 2];
    stream
        .read_exact(&mut len)
        .expect("a TCP answer within 10 s");
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut buf).unwrap();
    Message::from_vec(&buf).unwrap()
}

fn answers(message: &Message) -> Vec<String> {
    message
        .answers
        .iter()
        .map(|r| format!("{} {}", r.name, r.data))
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Without `--listen` the server takes a free loopback port and says which
/// (5353 is mDNS's); a zone file without `$ORIGIN` is named after its
/// domain, as the harness reads it: `shop.example.zone` holds
/// `shop.example.`, so `mail` is `mail.shop.example.`.
#[test]
fn default_port_and_origin_from_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let zones = dir.path().join("shop/zones");
    std::fs::create_dir_all(&zones).unwrap();
    let zone = write(
        &zones,
        "shop.example.zone",
        "$TTL 300\n@ TXT \"v=spf1 -all\"\nmail A 192.0.2.25\n",
    );
    let rooted = write(dir.path(), "hosts", "relay.test. A 192.0.2.7\n");
    let server = Server::start(&[&zone, &rooted]);
    assert!(server.addr.ip().is_loopback(), "{}", server.addr);
    assert_ne!(server.addr.port(), 5353, "5353 is the mDNS port");
    assert_ne!(server.addr.port(), 0);

    let mail = udp(server.addr, "mail.shop.example.", RecordType::A);
    assert_eq!(mail.metadata.response_code, ResponseCode::NoError);
    assert_eq!(answers(&mail), ["mail.shop.example. 192.0.2.25"]);
    let apex = udp(server.addr, "shop.example.", RecordType::TXT);
    assert_eq!(answers(&apex), ["shop.example. v=spf1 -all"]);
    // Nothing was served at the root instead.
    let root = udp(server.addr, "mail.", RecordType::A);
    assert_eq!(root.metadata.response_code, ResponseCode::NXDomain);
    // A file whose name is not a domain keeps the root as its origin.
    let relay = udp(server.addr, "relay.test.", RecordType::A);
    assert_eq!(answers(&relay), ["relay.test. 192.0.2.7"]);
    // --origin still overrides the name, for every file.
    let server = Server::start(&["--listen", "127.0.0.1:0", "--origin", "other.test", &zone]);
    let other = udp(server.addr, "mail.other.test.", RecordType::A);
    assert_eq!(answers(&other), ["mail.other.test. 192.0.2.25"]);
}

/// A value from `/proc/<pid>/status`, in kB.
fn status_kb(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
}

/// The file handles a process holds.
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// Raises this process's soft limit on open files to `needed` when it is
/// lower and the hard limit allows; the limit it ends with.
fn ensure_open_files(needed: u64) -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= needed {
        return current;
    }
    let raised = limit.maximum.map_or(needed, |max| needed.min(max));
    let mut new = limit;
    new.current = Some(raised);
    setrlimit(Resource::Nofile, new).expect("raise the soft limit on open files");
    raised
}

/// `queries` UDP queries from `sockets` sockets, one in flight per socket;
/// every one must be answered NOERROR with its own id.
fn flood(addr: SocketAddr, sockets: usize, queries: usize) {
    let per_socket = queries / sockets;
    let threads: Vec<_> = (0..sockets)
        .map(|s| {
            std::thread::spawn(move || {
                let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
                socket
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                socket.connect(addr).unwrap();
                let mut buf = [0u8; 4096];
                for n in 0..per_socket {
                    let id = ((s * per_socket + n) % 65_536) as u16;
                    socket
                        .send(&query(id, "example.com.", RecordType::TXT))
                        .unwrap();
                    let len = socket.recv(&mut buf).expect("every query is answered");
                    let response = Message::from_vec(&buf[..len]).unwrap();
                    assert_eq!(response.metadata.id, id);
                    assert_eq!(response.metadata.response_code, ResponseCode::NoError);
                    assert_eq!(response.answers.len(), 1);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// 1,000 TCP clients connect and say nothing while 100,000 UDP queries
/// arrive. The server holds at most its connection cap of them (a new
/// connection closes the one quiet the longest), closes the rest when
/// their idle timeout passes, keeps no query log in memory, and answers
/// every valid query, over UDP and over a new TCP connection. Its memory
/// (VmRSS) after the flood is what it was before it.
#[test]
fn idle_tcp_clients_and_a_udp_flood_leave_it_flat_and_answering() {
    const IDLE_CLIENTS: usize = 1000;
    const CAP: usize = 64;
    const WARM_UP: usize = 20_000;
    const FLOOD: usize = 100_000;
    let idle = Duration::from_secs(2);
    // Our 1,000 client sockets and the test process's other files.
    let limit = ensure_open_files(IDLE_CLIENTS as u64 + 512);
    assert!(
        limit >= IDLE_CLIENTS as u64 + 512,
        "this test needs {} open files and the hard limit allows {limit}",
        IDLE_CLIENTS + 512
    );
    let dir = tempfile::tempdir().unwrap();
    let zone = write(
        dir.path(),
        "example.com.zone",
        "@ 300 TXT \"v=spf1 -all\"\nmx 300 A 192.0.2.25\n",
    );
    let server = Server::start(&[
        "--listen",
        "127.0.0.1:0",
        "--max-tcp-connections",
        &CAP.to_string(),
        "--tcp-idle-timeout",
        &idle.as_secs().to_string(),
        &zone,
    ]);
    let pid = server.pid();

    let mut clients: Vec<TcpStream> = (0..IDLE_CLIENTS)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    // A client after them all: accepted last, so none of the idle ones
    // can take its place, and it is answered.
    let fresh = tcp(server.addr, "mx.example.com.", RecordType::A);
    assert_eq!(answers(&fresh), ["mx.example.com. 192.0.2.25"]);
    // Each connection over the cap closed the quietest: the earliest
    // accepted. Their end of file is the sign that the server let go.
    for (n, client) in clients.iter_mut().take(IDLE_CLIENTS + 1 - CAP).enumerate() {
        assert_closed_by_the_server(client, n);
    }
    let held = open_files(pid);
    assert!(
        held <= CAP + 16,
        "mock-dns holds {held} files with {IDLE_CLIENTS} idle clients and a cap of {CAP}"
    );

    flood(server.addr, 16, WARM_UP);
    let before = status_kb(pid, "VmRSS:");
    let flood_started = Instant::now();
    flood(server.addr, 16, FLOOD);
    let flood_took = flood_started.elapsed();
    let after = status_kb(pid, "VmRSS:");
    let grown = after.saturating_sub(before);
    eprintln!(
        "mock-dns VmRSS {before} kB before {FLOOD} queries, {after} kB after (+{grown} kB) in {:.1} s; \
         {held} files held with {IDLE_CLIENTS} idle TCP clients",
        flood_took.as_secs_f64()
    );
    assert!(
        grown < 4 * 1024,
        "mock-dns grew by {grown} kB over {FLOOD} queries ({before} → {after} kB)"
    );
    // Valid queries are still answered, over both transports.
    let txt = udp(server.addr, "example.com.", RecordType::TXT);
    assert_eq!(answers(&txt), ["example.com. v=spf1 -all"]);
    let fresh = tcp(server.addr, "mx.example.com.", RecordType::A);
    assert_eq!(answers(&fresh), ["mx.example.com. 192.0.2.25"]);

    // Every idle client is closed by the server: the ones over the cap at
    // once, the others when the idle timeout passes. None waits longer
    // than the timeout plus the time the test itself took.
    for (n, client) in clients.iter_mut().enumerate() {
        assert_closed_by_the_server(client, n);
    }
}

/// The server closes `client` (end of file or a reset) within a minute.
fn assert_closed_by_the_server(client: &mut TcpStream, n: usize) {
    client
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut byte = [0u8; 1];
    match client.read(&mut byte) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("idle client {n}: expected the server to close it, found {other:?}"),
    }
}
