//! [`Lookup`] over hickory's resolver (the one mail-auth brings), pointed at
//! one nameserver or at the system's configuration, with no cache and no
//! hosts file: every call is one question to the server.

use std::{net::SocketAddr, time::Duration};

use mail_auth::hickory_resolver::{
    TokioResolver,
    config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts},
    net::{DnsError as NetDnsError, NetError, runtime::TokioRuntimeProvider},
    proto::{
        op::ResponseCode,
        rr::{RData, RecordType},
    },
};

use super::{Answer, DnsError, rdata};

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
        let name = rdata::to_name(name)?;
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

lookup_by_query!(HickoryLookup, rdata);
