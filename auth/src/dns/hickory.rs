//! [`Lookup`] over hickory's resolver (the one mail-auth brings), pointed at
//! one nameserver or at the system's configuration, with no cache and no
//! hosts file: every call is one question to the server.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    time::Duration,
};

use mail_auth::hickory_resolver::{
    TokioResolver,
    config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts},
    net::{DnsError as NetDnsError, NetError, runtime::TokioRuntimeProvider},
    proto::{
        op::ResponseCode,
        rr::{Name, RData, RecordType},
    },
};

use super::{Answer, DnsError, Lookup, Mx, reverse_name};

/// A real DNS client. Cheap to clone; clones share the connection pool.
#[derive(Clone)]
pub struct HickoryLookup {
    resolver: TokioResolver,
}

impl HickoryLookup {
    /// A client of the one nameserver at `server` (UDP, and TCP when an
    /// answer is truncated), each query given up after `timeout`.
    pub fn new(server: SocketAddr, timeout: Duration) -> Result<HickoryLookup, String> {
        let mut udp = ConnectionConfig::udp();
        udp.port = server.port();
        let mut tcp = ConnectionConfig::tcp();
        tcp.port = server.port();
        let config = ResolverConfig::from_name_servers(vec![NameServerConfig::new(
            server.ip(),
            true,
            vec![udp, tcp],
        )]);
        let mut opts = options();
        opts.timeout = timeout;
        HickoryLookup::with_config(config, opts)
    }

    /// A client of the system's resolvers (`/etc/resolv.conf`), uncached.
    pub fn system() -> Result<HickoryLookup, String> {
        let (config, mut opts) = mail_auth::hickory_resolver::system_conf::read_system_conf()
            .map_err(|e| e.to_string())?;
        let ours = options();
        opts.cache_size = ours.cache_size;
        opts.use_hosts_file = ours.use_hosts_file;
        opts.ndots = ours.ndots;
        HickoryLookup::with_config(config, opts)
    }

    fn with_config(config: ResolverConfig, opts: ResolverOpts) -> Result<HickoryLookup, String> {
        let resolver = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(opts)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HickoryLookup { resolver })
    }

    /// The resolver, for callers that need a record type the trait lacks.
    pub fn resolver(&self) -> &TokioResolver {
        &self.resolver
    }

    async fn query(&self, name: &str, rtype: RecordType) -> Answer<RData> {
        let name = to_name(name)?;
        match self.resolver.lookup(name, rtype).await {
            Ok(lookup) => Ok(lookup
                .answers()
                .iter()
                .filter(|r| r.record_type() == rtype)
                .map(|r| r.data.clone())
                .collect()),
            Err(err) => classify(err),
        }
    }
}

/// No cache (a stale key must never pass), no hosts file, one attempt,
/// names taken as absolute.
fn options() -> ResolverOpts {
    let mut opts = ResolverOpts::default();
    opts.cache_size = 0;
    opts.use_hosts_file = ResolveHosts::Never;
    opts.attempts = 1;
    opts.ndots = 0;
    opts.edns0 = true;
    opts
}

/// NXDOMAIN and NODATA are answers; everything else is temporary.
fn classify(err: NetError) -> Answer<RData> {
    match err {
        NetError::Dns(NetDnsError::NoRecordsFound(none))
            if none.response_code == ResponseCode::NXDomain =>
        {
            Err(DnsError::NxDomain)
        }
        NetError::Dns(NetDnsError::NoRecordsFound(_)) => Ok(Vec::new()),
        other => Err(DnsError::Temporary(other.to_string())),
    }
}

/// The wire name of `name`: ASCII names label by label as written (any
/// byte a DNS label may hold), others through IDNA to A-labels.
fn to_name(name: &str) -> Result<Name, DnsError> {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    let invalid = |why: &str| DnsError::InvalidName(format!("{name:?}: {why}"));
    if trimmed.is_empty() {
        return Err(invalid("empty name"));
    }
    if trimmed.len() > 253 {
        return Err(invalid("longer than 253 characters"));
    }
    let labels: Vec<&str> = trimmed.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Err(invalid("empty label"));
    }
    if labels.iter().any(|l| l.len() > 63) {
        return Err(invalid("label longer than 63 bytes"));
    }
    let result = if trimmed.is_ascii() {
        Name::from_labels(labels.iter().map(|l| l.as_bytes()))
    } else {
        Name::from_labels(labels.iter().copied())
    };
    result.map_err(|e| invalid(&e.to_string()))
}

impl Lookup for HickoryLookup {
    async fn txt(&self, name: &str) -> Answer<Vec<u8>> {
        Ok(self
            .query(name, RecordType::TXT)
            .await?
            .into_iter()
            .filter_map(|data| match data {
                RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .flat_map(|s| s.iter().copied())
                        .collect(),
                ),
                _ => None,
            })
            .collect())
    }

    async fn a(&self, name: &str) -> Answer<Ipv4Addr> {
        Ok(self
            .query(name, RecordType::A)
            .await?
            .into_iter()
            .filter_map(|data| match data {
                RData::A(a) => Some(a.0),
                _ => None,
            })
            .collect())
    }

    async fn aaaa(&self, name: &str) -> Answer<Ipv6Addr> {
        Ok(self
            .query(name, RecordType::AAAA)
            .await?
            .into_iter()
            .filter_map(|data| match data {
                RData::AAAA(a) => Some(a.0),
                _ => None,
            })
            .collect())
    }

    async fn mx(&self, name: &str) -> Answer<Mx> {
        Ok(self
            .query(name, RecordType::MX)
            .await?
            .into_iter()
            .filter_map(|data| match data {
                RData::MX(mx) => Some(Mx {
                    preference: mx.preference,
                    exchange: without_dot(&mx.exchange),
                }),
                _ => None,
            })
            .collect())
    }

    async fn ptr(&self, ip: IpAddr) -> Answer<String> {
        Ok(self
            .query(&reverse_name(ip), RecordType::PTR)
            .await?
            .into_iter()
            .filter_map(|data| match data {
                RData::PTR(ptr) => Some(without_dot(&ptr.0)),
                _ => None,
            })
            .collect())
    }
}

/// The labels of `name` as they are on the wire, joined with dots: the
/// form [`to_name`] reads back. (`Name::to_ascii` escapes characters such
/// as `:` and `/`, which a DNS label may hold and SPF names do use.)
fn without_dot(name: &Name) -> String {
    let mut out = String::new();
    for label in name.iter() {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&String::from_utf8_lossy(label));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_cannot_be_queried() {
        assert!(matches!(to_name(""), Err(DnsError::InvalidName(_))));
        assert!(matches!(
            to_name("a..example.com"),
            Err(DnsError::InvalidName(_))
        ));
        assert!(matches!(
            to_name(&format!("{}.example.com", "a".repeat(64))),
            Err(DnsError::InvalidName(_))
        ));
        assert!(to_name(&format!("{}.example.com.", "a".repeat(63))).is_ok());
        assert!(to_name("_dmarc.example.com").is_ok());
        assert!(to_name("bücher.example").is_ok());
    }

    #[test]
    fn answer_names_keep_their_labels() {
        let name = Name::from_labels([&b"foo:bar/baz"[..], b"example", b"com"]).unwrap();
        assert_eq!(without_dot(&name), "foo:bar/baz.example.com");
        assert_eq!(to_name(&without_dot(&name)).unwrap(), name);
        assert_eq!(without_dot(&Name::root()), "");
    }
}
