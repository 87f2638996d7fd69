use std::{
    net::{IpAddr, SocketAddr},
    time::{SystemTime, UNIX_EPOCH},
};

use mailharness_auth::{
    DmarcSpec, Envelope, Judge, Verdict,
    dns::{HickoryLookup, Lookup},
};

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
    pub(super) judge: Judge<HickoryLookup>,
    /// The nameserver, for the mail-auth authenticator a sealing hop uses.
    pub(super) nameserver: Option<SocketAddr>,
}

impl Verifier {
    /// `hostname` is the receiver's name in `Authentication-Results`.
    pub fn new(nameserver: SocketAddr, hostname: &str) -> Result<Verifier, String> {
        let lookup = HickoryLookup::new(nameserver, crate::dns::QUERY_TIMEOUT)?;
        Ok(Verifier {
            judge: Judge::new(lookup, hostname),
            nameserver: Some(nameserver),
        })
    }

    /// A verifier that resolves through the system's resolvers
    /// (`/etc/resolv.conf`), without a cache: live mode's real DNS.
    pub fn system(hostname: &str) -> Result<Verifier, String> {
        Ok(Verifier {
            judge: Judge::new(HickoryLookup::system()?, hostname),
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
