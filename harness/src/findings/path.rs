use crate::{hop::HopIdentity, relay::SesIdentity, ses::IdentityCheck};

/// What findings know of the way a message took, besides its verdict.
#[derive(Clone, Copy, Debug, Default)]
pub struct Path<'a> {
    /// The header From's domain of the message as it was sent.
    pub from_domain: Option<&'a str>,
    /// The identity the built-in SES-like relay emulated, and what SES
    /// concluded from the scenario's DNS (the check the relay decided
    /// with, asked again by the runner).
    pub ses: Option<(&'a SesIdentity, &'a IdentityCheck)>,
    /// The forwarders and lists between sender and receiver, in order.
    pub hops: &'a [HopIdentity],
}
