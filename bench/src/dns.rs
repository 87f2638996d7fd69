//! UDP queries per second against mock DNS on loopback: an in-process
//! client with several sockets in flight, and `dig` in a loop as a weak
//! peer (no dnsperf on the machine).

use std::{process::Command, time::Instant};

use anyhow::{bail, ensure};
use mock_dns::{Catalog, Record, ServerHandle};
use tokio::net::UdpSocket;

/// The name every query asks for.
const NAME: &str = "bench.example.com";

pub async fn run(queries: usize, sockets: usize, dig_queries: usize) -> anyhow::Result<()> {
    ensure!(sockets > 0, "expected at least one socket, found 0");
    let catalog = Catalog::new();
    catalog.add(Record::txt(NAME, 300, "v=spf1 ip4:192.0.2.0/24 -all"));
    let server = ServerHandle::start(catalog, "127.0.0.1:0".parse()?).await?;
    let addr = server.addr();

    let start = Instant::now();
    let tasks: Vec<_> = (0..sockets)
        .map(|s| {
            let share = queries / sockets + usize::from(s < queries % sockets);
            tokio::spawn(async move {
                let socket = UdpSocket::bind("127.0.0.1:0").await?;
                socket.connect(addr).await?;
                let mut buf = [0u8; 1500];
                for n in 0..share {
                    let id = (n as u16) ^ ((s as u16) << 8);
                    socket.send(&query(id, NAME)).await?;
                    let len = socket.recv(&mut buf).await?;
                    check(&buf[..len], id)?;
                }
                anyhow::Ok(share)
            })
        })
        .collect();
    let mut answered = 0;
    for task in tasks {
        answered += task.await??;
    }
    let seconds = start.elapsed().as_secs_f64();
    let ours = answered as f64 / seconds;
    println!(
        "dns client=in-process sockets={sockets} queries={answered} seconds={seconds:.3} qps={ours:.0}"
    );

    if dig_queries > 0 {
        let start = Instant::now();
        for _ in 0..dig_queries {
            let output = Command::new("dig")
                .args(["@127.0.0.1", "-p", &addr.port().to_string()])
                .args(["+short", "+tries=1", "+time=2", NAME, "TXT"])
                .output()?;
            if !output.status.success() || output.stdout.is_empty() {
                bail!("dig failed: {}", String::from_utf8_lossy(&output.stderr));
            }
        }
        let seconds = start.elapsed().as_secs_f64();
        let theirs = dig_queries as f64 / seconds;
        println!("dns client=dig-loop queries={dig_queries} seconds={seconds:.3} qps={theirs:.0}");
        println!("dns ratio={:.1}", ours / theirs);
    }
    Ok(())
}

/// A recursion-desired TXT query for `name`.
fn query(id: u16, name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.extend_from_slice(&[0, 0, 16, 0, 1]);
    out
}

/// The response answers query `id` with NOERROR and one answer.
fn check(response: &[u8], id: u16) -> anyhow::Result<()> {
    ensure!(
        response.len() >= 12,
        "expected a DNS header, found {} bytes",
        response.len()
    );
    ensure!(
        response[..2] == id.to_be_bytes(),
        "expected the response to query {id}, found another"
    );
    let rcode = response[3] & 0x0f;
    let answers = u16::from_be_bytes([response[6], response[7]]);
    ensure!(
        rcode == 0 && answers == 1,
        "expected NOERROR with one answer, found rcode {rcode} with {answers}"
    );
    Ok(())
}
