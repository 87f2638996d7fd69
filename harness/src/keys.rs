//! DKIM key material: generation (reused by label, kept between runs in
//! a pool on disk: `pool`), the public key as a
//! DNS TXT record, and a signing key that mail-auth's `DkimSigner` accepts
//! for any RSA size (SES's own `amazonses.com` key is 1024 bits, below what
//! aws-lc-rs signs with) and Ed25519; a signature written with any tags
//! (`sign`), and what a signer is (`signer`: domain, selector, key,
//! whether its key is published, its tags).

mod generate;
mod pool;
mod sign;
mod signer;
mod signing;

pub use generate::{KeyAlgorithm, KeyCache, KeyError, KeyPair};
pub use pool::{CACHE_DIR_VAR, KeyPool, cache_dir};
pub use sign::{BodyLength, SignError, SignOptions, sign, sign_with};
pub use signer::{Publish, Signer, SignerTags};
pub use signing::SigningKeyPair;
