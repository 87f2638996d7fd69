use super::{BodyLength, KeyAlgorithm};

/// A DKIM signature a direct sender adds, with a key the harness generates.
#[derive(Clone, Debug)]
pub struct Signer {
    /// `d=` as the scenario writes it (case kept: DKIM compares domains
    /// without regard to case, RFC 6376 §3.5).
    pub domain: String,
    pub selector: String,
    pub algorithm: KeyAlgorithm,
    pub publish: Publish,
    /// The tags the scenario sets; what it leaves out is SES's way.
    pub tags: SignerTags,
}

/// A direct sender's choices for one signature (RFC 6376 §3.5).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignerTags {
    /// `h=`, as written.
    pub headers: Option<Vec<String>>,
    /// `c=`: header and body canonicalisation, `true` for relaxed.
    pub relaxed: Option<(bool, bool)>,
    /// `l=`.
    pub body_length: Option<BodyLength>,
    /// `t=` and `x=`, seconds from the send time.
    pub timestamp_offset: Option<i64>,
    pub expires_after: Option<i64>,
}

/// What the mock DNS holds at `<selector>._domainkey.<domain>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Publish {
    /// The public key.
    Key,
    /// A revoked key: `p=` empty (RFC 6376 §3.6.1).
    Revoked,
    /// Nothing: the key is not published.
    Nothing,
}
