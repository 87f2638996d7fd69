//! The PROXY protocol v1 header (HAProxy's text form), both directions.
//!
//! The relay writes one right after connecting to declare the client IP it
//! sends on behalf of; the server trusts it only from loopback peers.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::CommandError;
use super::command::{found, strip_eol};

/// The longest v1 header allowed, CRLF included.
const MAX_HEADER: usize = 107;

/// The addresses a PROXY v1 header declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyHeader {
    /// The original client.
    pub source: SocketAddr,
    /// The address the client connected to.
    pub destination: SocketAddr,
}

/// The PROXY v1 header for a connection, CRLF included:
/// `PROXY TCP4 <src> <dst> <sport> <dport>\r\n`.
///
/// Two IPv4 addresses give `TCP4`; otherwise `TCP6`, with an IPv4 address
/// written in its IPv4-mapped IPv6 form.
pub fn proxy_v1_line(source: SocketAddr, destination: SocketAddr) -> String {
    match (source.ip(), destination.ip()) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => format!(
            "PROXY TCP4 {src} {dst} {} {}\r\n",
            source.port(),
            destination.port()
        ),
        (src, dst) => format!(
            "PROXY TCP6 {} {} {} {}\r\n",
            as_v6(src),
            as_v6(dst),
            source.port(),
            destination.port()
        ),
    }
}

fn as_v6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(ip) => ip.to_ipv6_mapped(),
        IpAddr::V6(ip) => ip,
    }
}

/// Parses a PROXY v1 header line (a trailing CRLF or LF is ignored).
///
/// Returns `Ok(None)` for `PROXY UNKNOWN …`: the protocol says the receiver
/// must then use the connection's own addresses.
pub fn parse_proxy_v1(line: &[u8]) -> Result<Option<ProxyHeader>, CommandError> {
    let invalid = |expected: &'static str, at: &[u8]| CommandError::InvalidProxy {
        expected,
        found: found(at),
    };
    let text = strip_eol(line);
    if text.len() + 2 > MAX_HEADER {
        return Err(invalid("at most 107 bytes", text));
    }
    let text = std::str::from_utf8(text).map_err(|_| invalid("ascii text", text))?;
    let fields: Vec<&str> = text.split(' ').collect();
    if fields.first() != Some(&"PROXY") {
        return Err(invalid("\"PROXY\" first", text.as_bytes()));
    }
    let family = fields.get(1).copied().unwrap_or_default();
    let (source, destination) = match family {
        "UNKNOWN" => return Ok(None),
        "TCP4" | "TCP6" => {
            let [_, _, src, dst, sport, dport] = fields[..] else {
                return Err(invalid(
                    "\"PROXY <family> <src> <dst> <sport> <dport>\"",
                    text.as_bytes(),
                ));
            };
            let ip = |field: &str| -> Result<IpAddr, CommandError> {
                let parsed = if family == "TCP4" {
                    field.parse::<Ipv4Addr>().map(IpAddr::V4)
                } else {
                    field.parse::<Ipv6Addr>().map(IpAddr::V6)
                };
                parsed.map_err(|_| invalid("an address of the declared family", field.as_bytes()))
            };
            let port = |field: &str| -> Result<u16, CommandError> {
                let canonical = field == "0" || !field.starts_with('0');
                match field.parse::<u16>() {
                    Ok(port) if canonical && field.bytes().all(|b| b.is_ascii_digit()) => Ok(port),
                    _ => Err(invalid("a decimal port from 0 to 65535", field.as_bytes())),
                }
            };
            (
                SocketAddr::new(ip(src)?, port(sport)?),
                SocketAddr::new(ip(dst)?, port(dport)?),
            )
        }
        _ => {
            return Err(invalid(
                "one of \"TCP4\", \"TCP6\", \"UNKNOWN\" after \"PROXY\"",
                family.as_bytes(),
            ));
        }
    };
    Ok(Some(ProxyHeader {
        source,
        destination,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn tcp4_round_trip() {
        let source = addr("203.0.113.7:40000");
        let destination = addr("127.0.0.1:25");
        let line = proxy_v1_line(source, destination);
        assert_eq!(line, "PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\r\n");
        assert_eq!(
            parse_proxy_v1(line.as_bytes()),
            Ok(Some(ProxyHeader {
                source,
                destination
            }))
        );
    }

    #[test]
    fn tcp6_round_trip() {
        let source = addr("[2001:db8::7]:40000");
        let destination = addr("[::1]:2525");
        let line = proxy_v1_line(source, destination);
        assert_eq!(line, "PROXY TCP6 2001:db8::7 ::1 40000 2525\r\n");
        assert_eq!(
            parse_proxy_v1(line.as_bytes()),
            Ok(Some(ProxyHeader {
                source,
                destination
            }))
        );
    }

    #[test]
    fn mixed_families_use_mapped_addresses() {
        let line = proxy_v1_line(addr("192.0.2.1:1"), addr("[::1]:2"));
        assert_eq!(line, "PROXY TCP6 ::ffff:192.0.2.1 ::1 1 2\r\n");
        let header = parse_proxy_v1(line.as_bytes()).unwrap().unwrap();
        assert_eq!(header.source.port(), 1);
    }

    #[test]
    fn unknown_is_none() {
        assert_eq!(parse_proxy_v1(b"PROXY UNKNOWN\r\n"), Ok(None));
        assert_eq!(
            parse_proxy_v1(b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"),
            Ok(None)
        );
    }

    #[test]
    fn without_line_ending() {
        assert!(
            parse_proxy_v1(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2")
                .unwrap()
                .is_some()
        );
        assert!(
            parse_proxy_v1(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn malformed_headers() {
        for line in [
            &b"PROXY"[..],
            b"PROXY TCP5 1.2.3.4 5.6.7.8 1 2",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3",
            b"PROXY TCP4  1.2.3.4 5.6.7.8 1 2",
            b"PROXY TCP4 ::1 5.6.7.8 1 2",
            b"PROXY TCP6 1.2.3.4 ::1 1 2",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 +1 2",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 \xff 2",
            b"proxy TCP4 1.2.3.4 5.6.7.8 1 2",
        ] {
            let error = parse_proxy_v1(line).unwrap_err();
            assert_eq!(error.reply().code, 554, "{}", String::from_utf8_lossy(line));
        }
        let long = format!("PROXY UNKNOWN {}", "x".repeat(100));
        assert!(parse_proxy_v1(long.as_bytes()).is_err());
    }

    #[test]
    fn error_message() {
        assert_eq!(
            parse_proxy_v1(b"PROXY TCP4 ::1 5.6.7.8 1 2")
                .unwrap_err()
                .to_string(),
            "expected a proxy protocol v1 header with an address of the declared family, found \"::1\""
        );
    }
}
