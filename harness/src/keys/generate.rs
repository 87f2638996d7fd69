use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use rsa::{
    RsaPrivateKey,
    pkcs1::EncodeRsaPrivateKey,
    pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding},
    traits::PublicKeyParts,
};

use super::pool::KeyPool;

/// Which kind of DKIM key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum KeyAlgorithm {
    /// `rsa-sha256` with a modulus of this many bits.
    Rsa(usize),
    /// `ed25519-sha256` (RFC 8463).
    Ed25519,
}

impl KeyAlgorithm {
    /// The DKIM `a=` value this key signs with.
    pub fn dkim_name(&self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa(_) => "rsa-sha256",
            KeyAlgorithm::Ed25519 => "ed25519-sha256",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot generate a {bits}-bit RSA key: {reason}")]
    Rsa { bits: usize, reason: String },
    #[error("cannot generate an Ed25519 key: {0}")]
    Ed25519(String),
    #[error("cannot encode the public key: {0}")]
    Encode(String),
}

/// A generated key pair. The private half never leaves the process except
/// through [`KeyPair::private_pkcs8_pem`], which callers write only into
/// private temporary folders (never into reports or logs).
#[derive(Clone)]
pub struct KeyPair {
    pub algorithm: KeyAlgorithm,
    pub(crate) private: Private,
    public_b64: String,
}

#[derive(Clone)]
pub(crate) enum Private {
    Rsa(Arc<RsaPrivateKey>),
    Ed25519(Arc<Vec<u8>>),
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("algorithm", &self.algorithm)
            .field("private", &"<redacted>")
            .finish()
    }
}

impl KeyPair {
    /// Generates a fresh key.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<KeyPair, KeyError> {
        match algorithm {
            KeyAlgorithm::Rsa(bits) => {
                let mut rng = rand::thread_rng();
                let key = RsaPrivateKey::new(&mut rng, bits).map_err(|e| KeyError::Rsa {
                    bits,
                    reason: e.to_string(),
                })?;
                KeyPair::from_rsa(key)
            }
            KeyAlgorithm::Ed25519 => {
                let pkcs8 = mail_auth::common::crypto::Ed25519Key::generate_pkcs8()
                    .map_err(|e| KeyError::Ed25519(e.to_string()))?;
                KeyPair::from_ed25519_pkcs8(pkcs8)
            }
        }
    }

    /// The pair of an RSA private key.
    pub(crate) fn from_rsa(key: RsaPrivateKey) -> Result<KeyPair, KeyError> {
        let der = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| KeyError::Encode(e.to_string()))?;
        Ok(KeyPair {
            algorithm: KeyAlgorithm::Rsa(key.size() * 8),
            public_b64: STANDARD.encode(der.as_bytes()),
            private: Private::Rsa(Arc::new(key)),
        })
    }

    /// The pair of an Ed25519 private key in PKCS#8 DER.
    pub(crate) fn from_ed25519_pkcs8(pkcs8: Vec<u8>) -> Result<KeyPair, KeyError> {
        let key = mail_auth::common::crypto::Ed25519Key::from_pkcs8_der(&pkcs8)
            .map_err(|e| KeyError::Ed25519(e.to_string()))?;
        Ok(KeyPair {
            algorithm: KeyAlgorithm::Ed25519,
            public_b64: STANDARD.encode(key.public_key()),
            private: Private::Ed25519(Arc::new(pkcs8)),
        })
    }

    /// The base64 public key, as in the DKIM `p=` tag.
    pub fn public_key_b64(&self) -> &str {
        &self.public_b64
    }

    /// The DKIM key record (`v=DKIM1; k=…; p=…`).
    pub fn dns_txt(&self) -> String {
        let k = match self.algorithm {
            KeyAlgorithm::Rsa(_) => "rsa",
            KeyAlgorithm::Ed25519 => "ed25519",
        };
        format!("v=DKIM1; k={k}; p={}", self.public_b64)
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), the
    /// form OpenDKIM's `KeyFile`/`KeyTable` read. Write it only into a
    /// private temporary folder with mode 0600; never log it.
    pub fn private_pkcs8_pem(&self) -> Result<String, KeyError> {
        match &self.private {
            Private::Rsa(key) => key
                .to_pkcs8_pem(LineEnding::LF)
                .map(|pem| pem.to_string())
                .map_err(|e| KeyError::Encode(e.to_string())),
            Private::Ed25519(pkcs8) => Ok(pem("PRIVATE KEY", pkcs8)),
        }
    }

    /// The RSA private key as PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`),
    /// the form `opendkim-genkey` writes; `None` for an Ed25519 key.
    pub fn private_pkcs1_pem(&self) -> Option<Result<String, KeyError>> {
        match &self.private {
            Private::Rsa(key) => Some(
                key.to_pkcs1_pem(LineEnding::LF)
                    .map(|pem| pem.to_string())
                    .map_err(|e| KeyError::Encode(e.to_string())),
            ),
            Private::Ed25519(_) => None,
        }
    }
}

/// `der` in PEM armour with `label`, 64 base64 characters a line.
fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Keys reused by label: an SES identity's Easy DKIM key stays the same
/// across sends, as in SES. Each label new to the process takes the next
/// key of its algorithm from a [`KeyPool`] (the user's cache folder), so
/// that two labels never share a key within a run while the keys
/// themselves are generated once per machine, not per run: RSA key
/// generation was the single most expensive step of a scenario.
pub struct KeyCache {
    pool: KeyPool,
    state: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    keys: HashMap<(String, KeyAlgorithm), KeyPair>,
    /// The next pool number per algorithm.
    next: HashMap<KeyAlgorithm, usize>,
}

impl Default for KeyCache {
    /// A cache that keeps nothing on disk.
    fn default() -> Self {
        KeyCache::new(KeyPool::new(None))
    }
}

impl KeyCache {
    pub fn new(pool: KeyPool) -> KeyCache {
        KeyCache {
            pool,
            state: Mutex::new(CacheState::default()),
        }
    }

    /// The process-wide cache, on the user's key pool.
    pub fn global() -> &'static KeyCache {
        static CACHE: OnceLock<KeyCache> = OnceLock::new();
        CACHE.get_or_init(|| KeyCache::new(KeyPool::user()))
    }

    /// The key for `label`: the same for every call with that label.
    pub fn get(&self, label: &str, algorithm: KeyAlgorithm) -> Result<KeyPair, KeyError> {
        let id = (label.to_string(), algorithm);
        let index = {
            let mut state = self.lock();
            if let Some(key) = state.keys.get(&id) {
                return Ok(key.clone());
            }
            let next = state.next.entry(algorithm).or_default();
            *next += 1;
            *next - 1
        };
        // Read or generate outside the lock so that scenarios running in
        // parallel do not wait on each other's prime searches.
        let key = self.pool.get(algorithm, index)?;
        Ok(self.lock().keys.entry(id).or_insert(key).clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_1024_record_has_spki_public_key() {
        let key = KeyPair::generate(KeyAlgorithm::Rsa(1024)).unwrap();
        assert!(
            key.dns_txt()
                .starts_with("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ")
        );
        assert!(format!("{key:?}").contains("redacted"));
    }

    #[test]
    fn private_keys_export_as_pem() {
        let rsa = KeyPair::generate(KeyAlgorithm::Rsa(1024)).unwrap();
        let pkcs8 = rsa.private_pkcs8_pem().unwrap();
        assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(pkcs8.ends_with("-----END PRIVATE KEY-----\n"));
        let pkcs1 = rsa.private_pkcs1_pem().unwrap().unwrap();
        assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        let ed = KeyPair::generate(KeyAlgorithm::Ed25519).unwrap();
        let pem = ed.private_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert!(ed.private_pkcs1_pem().is_none());
    }

    #[test]
    fn cache_returns_the_same_key_for_a_label() {
        let cache = KeyCache::default();
        let a = cache.get("x", KeyAlgorithm::Ed25519).unwrap();
        let b = cache.get("x", KeyAlgorithm::Ed25519).unwrap();
        let c = cache.get("y", KeyAlgorithm::Ed25519).unwrap();
        assert_eq!(a.public_key_b64(), b.public_key_b64());
        assert_ne!(a.public_key_b64(), c.public_key_b64());
    }
}
