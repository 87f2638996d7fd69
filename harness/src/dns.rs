//! The DNS client configuration every part of the harness uses: one
//! nameserver (the scenario's mock DNS, or any other given by address),
//! UDP with TCP fallback, no cache, short timeouts so that a scenario with
//! a "timeout" fault ends quickly in a temperror.

use std::{net::SocketAddr, time::Duration};

use mail_auth::hickory_resolver::{
    TokioResolver,
    config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts},
    net::runtime::TokioRuntimeProvider,
};

/// How long one DNS query may take before it counts as a timeout.
pub const QUERY_TIMEOUT: Duration = Duration::from_millis(1500);

/// Resolver configuration and options for a single nameserver.
pub fn resolver_config(nameserver: SocketAddr) -> (ResolverConfig, ResolverOpts) {
    let mut udp = ConnectionConfig::udp();
    udp.port = nameserver.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = nameserver.port();
    let server = NameServerConfig::new(nameserver.ip(), true, vec![udp, tcp]);
    let config = ResolverConfig::from_name_servers(vec![server]);
    let mut opts = ResolverOpts::default();
    opts.cache_size = 0;
    opts.timeout = QUERY_TIMEOUT;
    opts.attempts = 1;
    opts.edns0 = true;
    opts.num_concurrent_reqs = 1;
    (config, opts)
}

/// A plain resolver (for the relay's own lookups, such as the MAIL FROM MX).
pub fn resolver(nameserver: SocketAddr) -> Result<TokioResolver, String> {
    let (config, opts) = resolver_config(nameserver);
    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(opts)
        .build()
        .map_err(|e| e.to_string())
}
