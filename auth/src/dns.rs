//! How DNS reaches the judge: the [`Lookup`] trait, five record types with
//! answers that keep the distinctions the RFCs draw (NXDOMAIN, NODATA,
//! a temporary failure, a name that cannot be queried at all), and the
//! two real DNS clients that answer it: [`DirectLookup`] (one nameserver,
//! asked from the caller's own task) and [`HickoryLookup`] (hickory's
//! resolver: the system's configuration, several nameservers).
//!
//! Names handed to a `Lookup` are absolute, without the trailing dot (one
//! is tolerated); names in answers (MX exchanges, PTR targets) come back
//! without it. Nothing here caches: every call is one query, so a changed
//! record is never judged stale.

/// [`Lookup`] for a client that asks one question with its inherent
/// `async fn query(&self, name: &str, rtype: RecordType) -> Answer<D>`:
/// each of the five questions is one `query` of its type, keeping the
/// records of that type from the answer. `$data` names the module (of
/// `dns`) whose functions `txt`, `a`, `aaaa`, `mx` and `ptr` take a `D`
/// and give the value of that type, if it is one. Defined before the
/// clients' modules, which use it.
macro_rules! lookup_by_query {
    ($client:ty, $data:ident) => {
        impl $crate::dns::Lookup for $client {
            async fn txt(&self, name: &str) -> $crate::dns::Answer<Vec<u8>> {
                let records = self.query(name, RecordType::TXT).await?;
                Ok(records
                    .into_iter()
                    .filter_map($crate::dns::$data::txt)
                    .collect())
            }

            async fn a(&self, name: &str) -> $crate::dns::Answer<std::net::Ipv4Addr> {
                let records = self.query(name, RecordType::A).await?;
                Ok(records
                    .into_iter()
                    .filter_map($crate::dns::$data::a)
                    .collect())
            }

            async fn aaaa(&self, name: &str) -> $crate::dns::Answer<std::net::Ipv6Addr> {
                let records = self.query(name, RecordType::AAAA).await?;
                Ok(records
                    .into_iter()
                    .filter_map($crate::dns::$data::aaaa)
                    .collect())
            }

            async fn mx(&self, name: &str) -> $crate::dns::Answer<$crate::dns::Mx> {
                let records = self.query(name, RecordType::MX).await?;
                Ok(records
                    .into_iter()
                    .filter_map($crate::dns::$data::mx)
                    .collect())
            }

            async fn ptr(&self, ip: std::net::IpAddr) -> $crate::dns::Answer<String> {
                let name = $crate::dns::reverse_name(ip);
                let records = self.query(&name, RecordType::PTR).await?;
                Ok(records
                    .into_iter()
                    .filter_map($crate::dns::$data::ptr)
                    .collect())
            }
        }
    };
}

mod direct;
mod hickory;
mod rdata;
mod reply;

use std::{
    future::Future,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
};

pub use direct::DirectLookup;
pub use hickory::HickoryLookup;
#[doc(hidden)]
pub use reply::{EchoedReply, read_echoed};

/// Why a query has no records to give.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// RCODE 3 (Name Error): the name does not exist.
    #[error("NXDOMAIN")]
    NxDomain,
    /// A timeout, SERVFAIL, REFUSED or a broken answer: a later query might
    /// succeed.
    #[error("{0}")]
    Temporary(String),
    /// The name cannot be put in a query: an empty label, a label over 63
    /// bytes or a name over 253. Nothing was sent.
    #[error("not a domain name that can be queried: {0}")]
    InvalidName(String),
}

/// The records of one query. `Ok` with no records is NODATA: the name
/// exists, without records of this type.
pub type Answer<T> = Result<Vec<T>, DnsError>;

/// One MX record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mx {
    pub preference: u16,
    /// The exchange, without the trailing dot.
    pub exchange: String,
}

/// A DNS client for the judge. Implementations answer from the network;
/// tests use [`DirectLookup`] and [`HickoryLookup`] against the mock DNS
/// server, never a stub.
pub trait Lookup: Sync {
    /// TXT records, each record's character-strings joined (RFC 7208 §3.3,
    /// RFC 6376 §3.6.2.2, RFC 7489 §6.1).
    fn txt(&self, name: &str) -> impl Future<Output = Answer<Vec<u8>>> + Send;
    fn a(&self, name: &str) -> impl Future<Output = Answer<Ipv4Addr>> + Send;
    fn aaaa(&self, name: &str) -> impl Future<Output = Answer<Ipv6Addr>> + Send;
    fn mx(&self, name: &str) -> impl Future<Output = Answer<Mx>> + Send;
    /// The PTR records of `ip`'s reverse name (`in-addr.arpa` / `ip6.arpa`).
    fn ptr(&self, ip: IpAddr) -> impl Future<Output = Answer<String>> + Send;
}

impl<L: Lookup> Lookup for &L {
    fn txt(&self, name: &str) -> impl Future<Output = Answer<Vec<u8>>> + Send {
        (**self).txt(name)
    }
    fn a(&self, name: &str) -> impl Future<Output = Answer<Ipv4Addr>> + Send {
        (**self).a(name)
    }
    fn aaaa(&self, name: &str) -> impl Future<Output = Answer<Ipv6Addr>> + Send {
        (**self).aaaa(name)
    }
    fn mx(&self, name: &str) -> impl Future<Output = Answer<Mx>> + Send {
        (**self).mx(name)
    }
    fn ptr(&self, ip: IpAddr) -> impl Future<Output = Answer<String>> + Send {
        (**self).ptr(ip)
    }
}

/// The reverse name of `ip` (`4.3.2.1.in-addr.arpa`, nibbles for IPv6),
/// without the trailing dot.
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(v6) => {
            let mut out = String::with_capacity(72);
            for byte in v6.octets().iter().rev() {
                out.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
                out.push('.');
                out.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
                out.push('.');
            }
            out.push_str("ip6.arpa");
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("192.0.2.10".parse().unwrap()),
            "10.2.0.192.in-addr.arpa"
        );
        assert_eq!(
            reverse_name("2001:db8::1".parse().unwrap()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }
}
