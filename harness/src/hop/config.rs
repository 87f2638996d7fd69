use std::net::{IpAddr, SocketAddr};

/// What an intermediary does to the mail it passes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HopKind {
    /// Re-sends the message unchanged from its own address; with `srs` the
    /// envelope from is rewritten into the forwarder's domain (Sender
    /// Rewriting Scheme), else the original envelope from is kept.
    Forwarder { srs: bool },
    /// Re-sends as a list: envelope from `<list>-bounces@<domain>`, an
    /// optional subject tag and footer, and optionally its own From with
    /// the author moved to Reply-To (the usual DMARC mitigation).
    MailingList {
        list_address: String,
        subject_tag: Option<String>,
        footer: Option<String>,
        rewrite_from: bool,
    },
}

/// One intermediary on the path.
#[derive(Clone, Debug)]
pub struct HopIdentity {
    pub kind: HopKind,
    /// The hop's own domain: SRS addresses, list bounces, ARC `d=`.
    pub domain: String,
    pub egress_ip: IpAddr,
    pub helo: String,
    /// Seal what it sends on with an ARC set (`d=<domain>; s=arc`).
    pub arc: bool,
}

/// A hop's identity plus where it sends and resolves.
#[derive(Clone, Debug)]
pub struct HopConfig {
    pub hop: HopIdentity,
    pub next_hop: SocketAddr,
    pub nameserver: crate::dns::Nameserver,
    /// Whom to trust when the next hop offers STARTTLS; plain text
    /// without it.
    pub next_hop_tls: Option<crate::smtp::ClientTls>,
    /// The key it seals with (its public half published at
    /// `arc._domainkey.<domain>`), when `hop.arc`.
    pub arc_key: Option<crate::keys::KeyPair>,
}
