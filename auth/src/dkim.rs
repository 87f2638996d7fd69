//! DKIM (RFC 6376, RFC 8301, RFC 8463): every DKIM-Signature of a message,
//! each judged by the tag rules and, when they hold, by mail-auth's
//! canonicalisation and cryptography against the key record found in DNS.

use crate::{DkimResult, dns::Lookup};

/// The judgement of one DKIM-Signature header field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkimOutcome {
    pub result: DkimResult,
    /// `d=`, lowercase; empty only when the field has no readable `d=`.
    pub domain: String,
    /// `s=` as written; empty only when the field has no readable `s=`.
    pub selector: String,
    /// `a=` as written (`rsa-sha256`, `ed25519-sha256`, …).
    pub algorithm: String,
    /// Why the result is not `pass`: every non-pass has one, naming the
    /// rule (`h= does not include From (RFC 6376 §5.4)`, `RSA key of 512
    /// bits, under the 1024 RFC 8301 §3.2 requires`, `body hash did not
    /// verify`, `signature expired at …`, `no key record at …`).
    pub reason: Option<String>,
    /// The public key's size in bits, when a key was found.
    pub key_bits: Option<u32>,
    /// With `l=`: how much of the canonicalised body the signature covers.
    pub body_length: Option<BodyLength>,
    /// `i=` (the AUID), when present.
    pub identity: Option<String>,
    /// The first characters of `b=` as RFC 6008 `header.b` uses them.
    pub header_b: String,
}

/// What `l=` signed, against what the body holds (RFC 6376 §3.5, §8.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyLength {
    /// `l=`: bytes of canonicalised body the signature covers.
    pub signed: u64,
    /// Bytes of canonicalised body the message has.
    pub total: u64,
}

/// Every DKIM-Signature of `message`, in header order. `now` (seconds
/// since the Unix epoch) decides `x=` expiry and `t=` in the future.
pub async fn verify(lookup: &impl Lookup, message: &[u8], now: u64) -> Vec<DkimOutcome> {
    let _ = (lookup, message, now);
    todo!("dkim/verify.rs")
}
