//! DKIM (RFC 6376, RFC 8301, RFC 8463): every DKIM-Signature of a message,
//! each judged by the tag rules and, when they hold, by mail-auth's
//! canonicalisation and cryptography against the key record found in DNS.
//!
//! Signatures are judged independently, in header order; a message
//! without one gives no outcome at all. Results are RFC 8601 §2.7.1's
//! words: a signature that breaks a rule of RFC 6376 §3.5, §6.1.1 or
//! §6.1.2 (or of RFC 8301, RFC 8463) is `permerror`; one whose body hash
//! or signature does not verify (§6.1.3) is `fail`; a key that DNS could
//! not give for now is `temperror`.
//!
//! # Layout
//!
//! - `tag_list`: the tag=value list of §3.2, shared by both records.
//! - `signature`: the DKIM-Signature field, [`Signature`] (§3.5, §6.1.1).
//! - `key`: the key record, [`KeyRecord`] (§3.6.1, §6.1.2, RFC 8301 §3.2,
//!   RFC 8463 §4.2).
//! - `verify`: one signature end to end, and [`verify`] over a message.

mod key;
mod signature;
mod tag_list;
mod verify;

pub use key::{KeyError, KeyMaterial, KeyRecord, MAX_RSA_BITS, MIN_RSA_BITS};
pub use signature::{Algorithm, Signature, SignatureError};
pub use tag_list::{Tag, TagList, TagListError};
pub use verify::verify;
pub(crate) use verify::verify_parsed;

use crate::DkimResult;

/// Seconds of clock drift allowed between signer and verifier, both for
/// `x=` (RFC 6376 §3.5: "Receivers MAY add a 'fudge factor' to allow for
/// such possible drift") and for `t=` in the future (§3.5:
/// "Implementations MAY ignore signatures that have a timestamp in the
/// future"; beyond this allowance, this verifier does, with `permerror`).
pub const CLOCK_SKEW: u64 = 300;

/// How many characters of `b=` [`DkimOutcome::header_b`] keeps (RFC 6008
/// lets receivers shorten it; eight are usually enough to tell signatures
/// apart).
pub const HEADER_B_LEN: usize = 8;

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
    /// rule (`From field not signed: h= does not include From (RFC 6376
    /// §5.4, §6.1.1)`, `RSA key of 512 bits, under the 1024 RFC 8301 §3.2
    /// requires`, `body hash did not verify (RFC 6376 §6.1.3)`, `signature
    /// expired: …`, `no key for signature: …`).
    pub reason: Option<String>,
    /// The public key's size in bits, when a key was found and its `p=`
    /// could be read (256 for Ed25519).
    pub key_bits: Option<u32>,
    /// With `l=`: how much of the canonicalised body the signature covers.
    pub body_length: Option<BodyLength>,
    /// `i=` (the AUID), when present: decoded from dkim-quoted-printable
    /// when the signature is valid, as written otherwise.
    pub identity: Option<String>,
    /// The first [`HEADER_B_LEN`] characters of `b=` without folding, as
    /// RFC 6008 `header.b` uses them.
    pub header_b: String,
    /// The key record has `t=y`: the domain is testing DKIM, and RFC 6376
    /// §3.6.1 says such messages must be treated like unsigned ones,
    /// whatever the result.
    pub testing: bool,
}

/// What `l=` signed, against what the body holds (RFC 6376 §3.5, §8.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyLength {
    /// `l=`: bytes of canonicalised body the signature covers.
    pub signed: u64,
    /// Bytes of canonicalised body the message has.
    pub total: u64,
}

impl BodyLength {
    /// Canonicalised body bytes that no signature covers (appended after
    /// signing, §8.2), zero when `l=` reaches the end.
    pub fn unsigned(&self) -> u64 {
        self.total.saturating_sub(self.signed)
    }
}
