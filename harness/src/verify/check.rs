use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    time::{SystemTime, UNIX_EPOCH},
};

use mailharness_auth::{
    DmarcSpec, Envelope, Judge, Verdict,
    dns::{Answer, DirectLookup, HickoryLookup, Lookup, Mx},
};

use crate::dns::Nameserver;

/// What crossed the socket, as the receiving MTA saw it.
#[derive(Clone, Copy, Debug)]
pub struct VerifyInput<'a> {
    pub raw: &'a [u8],
    pub client_ip: IpAddr,
    pub helo: &'a str,
    pub mail_from: &'a str,
}

/// The receiving side's judge, bound to one nameserver (or the system's
/// resolvers). It keeps no cache: a changed key is never judged stale.
pub struct Verifier {
    pub(super) judge: Judge<Resolver>,
    /// The nameserver, for the mail-auth authenticator a sealing hop uses.
    pub(super) nameserver: Option<SocketAddr>,
}

impl Verifier {
    /// `hostname` is the receiver's name in `Authentication-Results`.
    /// Each question goes straight to `nameserver` ([`DirectLookup`]).
    pub fn new(nameserver: impl Into<Nameserver>, hostname: &str) -> Result<Verifier, String> {
        let Nameserver { addr, timeout } = nameserver.into();
        let lookup = Resolver::Direct(DirectLookup::new(addr, timeout));
        Ok(Verifier {
            judge: Judge::new(lookup, hostname),
            nameserver: Some(addr),
        })
    }

    /// A verifier that resolves through the system's resolvers
    /// (`/etc/resolv.conf`), without a cache: live mode's real DNS.
    pub fn system(hostname: &str) -> Result<Verifier, String> {
        Ok(Verifier {
            judge: Judge::new(
                Resolver::System(Box::new(HickoryLookup::system()?)),
                hostname,
            ),
            nameserver: None,
        })
    }

    /// The DMARC specification verdicts follow (the other is compared).
    pub fn with_spec(self, spec: DmarcSpec) -> Verifier {
        Verifier {
            judge: self.judge.with_spec(spec),
            nameserver: self.nameserver,
        }
    }

    pub fn spec(&self) -> DmarcSpec {
        self.judge.spec()
    }

    /// The DNS client the verdicts use.
    pub fn lookup(&self) -> &impl Lookup {
        self.judge.lookup()
    }

    pub async fn verify(&self, input: VerifyInput<'_>) -> Verdict {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.judge
            .verify(
                input.raw,
                Envelope {
                    client_ip: input.client_ip,
                    helo: input.helo,
                    mail_from: input.mail_from,
                },
                now,
            )
            .await
    }
}

/// The verifier's DNS client: the scenario's nameserver asked directly,
/// or the system's resolvers (live mode).
pub enum Resolver {
    Direct(DirectLookup),
    System(Box<HickoryLookup>),
}

impl Lookup for Resolver {
    async fn txt(&self, name: &str) -> Answer<Vec<u8>> {
        match self {
            Resolver::Direct(l) => l.txt(name).await,
            Resolver::System(l) => l.txt(name).await,
        }
    }

    async fn a(&self, name: &str) -> Answer<Ipv4Addr> {
        match self {
            Resolver::Direct(l) => l.a(name).await,
            Resolver::System(l) => l.a(name).await,
        }
    }

    async fn aaaa(&self, name: &str) -> Answer<Ipv6Addr> {
        match self {
            Resolver::Direct(l) => l.aaaa(name).await,
            Resolver::System(l) => l.aaaa(name).await,
        }
    }

    async fn mx(&self, name: &str) -> Answer<Mx> {
        match self {
            Resolver::Direct(l) => l.mx(name).await,
            Resolver::System(l) => l.mx(name).await,
        }
    }

    async fn ptr(&self, ip: IpAddr) -> Answer<String> {
        match self {
            Resolver::Direct(l) => l.ptr(ip).await,
            Resolver::System(l) => l.ptr(ip).await,
        }
    }
}
