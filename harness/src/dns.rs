//! The DNS client configuration every part of the harness uses: one
//! nameserver (the scenario's mock DNS, or any other given by address),
//! UDP with TCP fallback, no cache, short timeouts so that a scenario with
//! a "timeout" fault ends quickly in a temperror: [`Nameserver`] says
//! where and how long to wait.

use std::{net::SocketAddr, time::Duration};

use mail_auth::hickory_resolver::{
    TokioResolver,
    config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts},
    net::runtime::TokioRuntimeProvider,
};

/// How long one DNS query may take before it counts as a timeout.
pub const QUERY_TIMEOUT: Duration = Duration::from_millis(1500);

/// The timeout in a scenario whose DNS has a `timeout` fault. A query the
/// mock DNS never answers ends in the same temperror whether the resolver
/// waits 1.5 s or 0.1 s, so such a scenario does not wait out real time;
/// every other query is answered on loopback in well under a millisecond.
pub const FAULT_QUERY_TIMEOUT: Duration = Duration::from_millis(100);

/// Where a part of the harness resolves, and how long it waits for each
/// answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nameserver {
    pub addr: SocketAddr,
    pub timeout: Duration,
}

impl Nameserver {
    /// The nameserver at `addr`, with [`QUERY_TIMEOUT`].
    pub fn new(addr: SocketAddr) -> Nameserver {
        Nameserver {
            addr,
            timeout: QUERY_TIMEOUT,
        }
    }

    pub fn with_timeout(self, timeout: Duration) -> Nameserver {
        Nameserver { timeout, ..self }
    }
}

impl From<SocketAddr> for Nameserver {
    fn from(addr: SocketAddr) -> Nameserver {
        Nameserver::new(addr)
    }
}

/// Resolver configuration and options for a single nameserver.
pub fn resolver_config(nameserver: impl Into<Nameserver>) -> (ResolverConfig, ResolverOpts) {
    let Nameserver {
        addr: nameserver,
        timeout,
    } = nameserver.into();
    let mut udp = ConnectionConfig::udp();
    udp.port = nameserver.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = nameserver.port();
    let server = NameServerConfig::new(nameserver.ip(), true, vec![udp, tcp]);
    let config = ResolverConfig::from_name_servers(vec![server]);
    let mut opts = ResolverOpts::default();
    opts.cache_size = 0;
    opts.timeout = timeout;
    opts.attempts = 1;
    opts.edns0 = true;
    opts.num_concurrent_reqs = 1;
    (config, opts)
}

/// A plain resolver (for the relay's own lookups, such as the MAIL FROM MX).
pub fn resolver(nameserver: impl Into<Nameserver>) -> Result<TokioResolver, String> {
    let (config, opts) = resolver_config(nameserver);
    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(opts)
        .build()
        .map_err(|e| e.to_string())
}
