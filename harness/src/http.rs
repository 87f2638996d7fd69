//! HTTP for one purpose: POSTing notifications to an endpoint on this
//! machine, as Amazon SNS POSTs to a subscribed HTTP endpoint. The tool
//! never sends traffic off the machine, so an endpoint must be on loopback
//! ([`LoopbackUrl`] refuses anything else); plain HTTP/1.1 over a tokio
//! `TcpStream` (RFC 9112), one request per connection
//! (`Connection: close`), no redirects, no TLS.

use std::{fmt, net::SocketAddr, str::FromStr, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// How long one POST may take, connection to status line.
pub const POST_TIMEOUT: Duration = Duration::from_secs(10);

/// The most of a response the client reads looking for the end of its
/// header block.
const MAX_RESPONSE_HEAD: usize = 64 * 1024;

/// An `http://` URL whose host is this machine: `127.0.0.1` (any address
/// of 127.0.0.0/8), `[::1]` or `localhost`, with an optional port
/// (default 80) and path (default `/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopbackUrl {
    /// The URL as given.
    text: String,
    /// The `Host` header: the authority as written.
    authority: String,
    addr: SocketAddr,
    /// The request target: path and query.
    target: String,
}

/// Why a URL is not a loopback HTTP URL.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("expected a URL starting with http://, found \"{0}\"")]
    Scheme(String),
    #[error(
        "notifications go only to this machine: expected the host 127.0.0.1, [::1] or localhost, found \"{0}\""
    )]
    NotLoopback(String),
    #[error("expected a port number after \":\", found \"{0}\"")]
    Port(String),
    #[error("expected a URL without user information (\"user@\"), found \"{0}\"")]
    UserInfo(String),
    #[error(
        "expected a URL without spaces, control characters or a fragment (\"#\"), found \"{0}\""
    )]
    Characters(String),
}

impl FromStr for LoopbackUrl {
    type Err = UrlError;

    fn from_str(text: &str) -> Result<Self, UrlError> {
        if text
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '#')
        {
            return Err(UrlError::Characters(text.into()));
        }
        let rest = text
            .strip_prefix("http://")
            .or_else(|| {
                text.get(..7)
                    .filter(|s| s.eq_ignore_ascii_case("http://"))
                    .map(|_| &text[7..])
            })
            .ok_or_else(|| UrlError::Scheme(text.into()))?;
        let (authority, target) = match rest.find(['/', '?']) {
            Some(at) if rest[at..].starts_with('?') => (&rest[..at], format!("/{}", &rest[at..])),
            Some(at) => (&rest[..at], rest[at..].to_string()),
            None => (rest, "/".to_string()),
        };
        if authority.contains('@') {
            return Err(UrlError::UserInfo(text.into()));
        }
        let (host, port) = split_port(authority)?;
        let ip = match host.to_ascii_lowercase().as_str() {
            "localhost" => std::net::IpAddr::from([127, 0, 0, 1]),
            other => other
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .map_err(|_| UrlError::NotLoopback(host.into()))?,
        };
        if !ip.is_loopback() {
            return Err(UrlError::NotLoopback(host.into()));
        }
        Ok(LoopbackUrl {
            text: text.into(),
            authority: authority.into(),
            addr: SocketAddr::new(ip, port),
            target,
        })
    }
}

/// `host[:port]`, `[v6][:port]`; port 80 when absent.
fn split_port(authority: &str) -> Result<(&str, u16), UrlError> {
    let (host, port) = match authority.rfind(':') {
        // A colon inside brackets belongs to an IPv6 address.
        Some(at) if !authority[at..].contains(']') => {
            (&authority[..at], Some(&authority[at + 1..]))
        }
        _ => (authority, None),
    };
    let port = match port {
        None => 80,
        Some(p) => p.parse().map_err(|_| UrlError::Port(p.into()))?,
    };
    Ok((host, port))
}

impl LoopbackUrl {
    /// The address the request goes to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The request target: path and query.
    pub fn target(&self) -> &str {
        &self.target
    }
}

impl fmt::Display for LoopbackUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The status line of a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub code: u16,
    pub reason: String,
}

impl Status {
    /// A 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.code)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.reason)
    }
}

/// Why a POST got no status.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("cannot connect to {url}: {source}")]
    Connect { url: String, source: std::io::Error },
    #[error("{url}: {source}")]
    Io { url: String, source: std::io::Error },
    #[error("{url} did not answer within {} seconds", POST_TIMEOUT.as_secs())]
    Timeout { url: String },
    #[error("{url} answered with something other than HTTP/1.x: {found:?}")]
    Response { url: String, found: String },
    #[error("the header {0:?} holds a line break")]
    Header(String),
}

/// POSTs `body` to `url` with `headers` (besides `Host`, `Content-Length`
/// and `Connection: close`, which it writes itself) and returns the
/// response's status; the response body is not read.
pub async fn post(
    url: &LoopbackUrl,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Status, PostError> {
    for (name, value) in headers {
        if name.contains(['\r', '\n', ':']) || value.contains(['\r', '\n']) {
            return Err(PostError::Header(format!("{name}: {value}")));
        }
    }
    match tokio::time::timeout(POST_TIMEOUT, exchange(url, headers, body)).await {
        Ok(result) => result,
        Err(_) => Err(PostError::Timeout {
            url: url.to_string(),
        }),
    }
}

async fn exchange(
    url: &LoopbackUrl,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Status, PostError> {
    let io = |source| PostError::Io {
        url: url.to_string(),
        source,
    };
    let mut stream = TcpStream::connect(url.addr)
        .await
        .map_err(|source| PostError::Connect {
            url: url.to_string(),
            source,
        })?;
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        url.target,
        url.authority,
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.map_err(io)?;
    stream.write_all(body).await.map_err(io)?;
    stream.flush().await.map_err(io)?;

    let mut response = Vec::new();
    let mut chunk = [0u8; 4096];
    while !response.windows(2).any(|w| w == b"\r\n") && response.len() < MAX_RESPONSE_HEAD {
        let n = stream.read(&mut chunk).await.map_err(io)?;
        if n == 0 {
            break;
        }
        response.extend_from_slice(&chunk[..n]);
    }
    let line = response
        .split(|&b| b == b'\n')
        .next()
        .map(|l| String::from_utf8_lossy(l).trim_end().to_string())
        .unwrap_or_default();
    parse_status(&line).ok_or_else(|| PostError::Response {
        url: url.to_string(),
        found: line.chars().take(80).collect(),
    })
}

/// `HTTP/1.1 200 OK` → 200, "OK".
fn parse_status(line: &str) -> Option<Status> {
    let rest = line.strip_prefix("HTTP/1.")?;
    let mut parts = rest.splitn(3, ' ');
    let _minor = parts.next().filter(|v| v.len() == 1)?;
    let code = parts.next().filter(|c| c.len() == 3)?.parse().ok()?;
    Some(Status {
        code,
        reason: parts.next().unwrap_or_default().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;

    #[test]
    fn loopback_urls_parse() {
        let url: LoopbackUrl = "http://127.0.0.1:8080/sns/bounces?x=1".parse().unwrap();
        assert_eq!(url.addr(), "127.0.0.1:8080".parse().unwrap());
        assert_eq!(url.target(), "/sns/bounces?x=1");
        let url: LoopbackUrl = "http://localhost".parse().unwrap();
        assert_eq!(url.addr(), "127.0.0.1:80".parse().unwrap());
        assert_eq!(url.target(), "/");
        let url: LoopbackUrl = "HTTP://[::1]:9000?q".parse().unwrap();
        assert_eq!(url.addr(), "[::1]:9000".parse().unwrap());
        assert_eq!(url.target(), "/?q");
        let url: LoopbackUrl = "http://127.8.9.10:1/".parse().unwrap();
        assert_eq!(url.addr(), "127.8.9.10:1".parse().unwrap());
    }

    #[test]
    fn anything_off_the_machine_is_refused() {
        for (text, expected) in [
            (
                "http://example.com/hook",
                UrlError::NotLoopback("example.com".into()),
            ),
            (
                "http://10.0.0.1:80/",
                UrlError::NotLoopback("10.0.0.1".into()),
            ),
            (
                "http://[2001:db8::1]/",
                UrlError::NotLoopback("[2001:db8::1]".into()),
            ),
            (
                "http://localhost.example.com/",
                UrlError::NotLoopback("localhost.example.com".into()),
            ),
            (
                "https://127.0.0.1/",
                UrlError::Scheme("https://127.0.0.1/".into()),
            ),
            ("127.0.0.1:80", UrlError::Scheme("127.0.0.1:80".into())),
            (
                "http://me@127.0.0.1/",
                UrlError::UserInfo("http://me@127.0.0.1/".into()),
            ),
            ("http://127.0.0.1:http/", UrlError::Port("http".into())),
            ("http://127.0.0.1:70000/", UrlError::Port("70000".into())),
            (
                "http://127.0.0.1/a b",
                UrlError::Characters("http://127.0.0.1/a b".into()),
            ),
            (
                "http://127.0.0.1/#x",
                UrlError::Characters("http://127.0.0.1/#x".into()),
            ),
        ] {
            assert_eq!(text.parse::<LoopbackUrl>(), Err(expected), "{text}");
        }
        let message = "http://example.com/"
            .parse::<LoopbackUrl>()
            .unwrap_err()
            .to_string();
        assert!(message.contains("only to this machine"), "{message}");
    }

    #[test]
    fn status_lines() {
        assert_eq!(
            parse_status("HTTP/1.1 204 No Content"),
            Some(Status {
                code: 204,
                reason: "No Content".into()
            })
        );
        assert_eq!(parse_status("HTTP/1.0 500").map(|s| s.code), Some(500));
        assert_eq!(parse_status("SMTP/1.1 200 OK"), None);
        assert_eq!(parse_status("HTTP/1.1 2000 OK"), None);
        assert_eq!(parse_status(""), None);
    }

    /// A real POST over loopback: the request line, the headers and the
    /// body arrive as written, and the status comes back.
    #[tokio::test]
    async fn posts_to_a_loopback_server() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut chunk = [0u8; 1024];
            // Read until the peer's Content-Length worth of body is in.
            loop {
                let n = socket.read(&mut chunk).await.unwrap();
                request.extend_from_slice(&chunk[..n]);
                if n == 0 || request.ends_with(b"{\"a\":1}") {
                    break;
                }
            }
            socket
                .write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8(request).unwrap()
        });
        let url: LoopbackUrl = format!("http://127.0.0.1:{}/hook", addr.port())
            .parse()
            .unwrap();
        let status = post(&url, &[("Content-Type", "application/json")], b"{\"a\":1}")
            .await
            .unwrap();
        assert_eq!(status.code, 202);
        assert!(status.is_success());
        let request = server.await.unwrap();
        assert!(request.starts_with("POST /hook HTTP/1.1\r\n"), "{request}");
        assert!(request.contains(&format!("\r\nHost: 127.0.0.1:{}\r\n", addr.port())));
        assert!(request.contains("\r\nContent-Length: 7\r\n"));
        assert!(request.contains("\r\nContent-Type: application/json\r\n"));
        assert!(request.ends_with("\r\n\r\n{\"a\":1}"));
    }

    #[tokio::test]
    async fn header_injection_is_refused() {
        let url: LoopbackUrl = "http://127.0.0.1:9/".parse().unwrap();
        let e = post(&url, &[("X-A", "1\r\nX-B: 2")], b"")
            .await
            .unwrap_err();
        assert!(matches!(e, PostError::Header(_)), "{e}");
    }
}
