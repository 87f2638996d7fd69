use mail_auth::common::{
    crypto::{Algorithm, Ed25519Key, Sha256, SigningKey},
    headers::Writable,
};
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::Digest;

use super::generate::{KeyPair, Private};

/// A key that mail-auth's `DkimSigner` can sign with.
pub enum SigningKeyPair {
    Rsa(std::sync::Arc<RsaPrivateKey>),
    Ed25519(Box<Ed25519Key>),
}

impl SigningKeyPair {
    pub fn from_pair(pair: &KeyPair) -> mail_auth::Result<SigningKeyPair> {
        Ok(match &pair.private {
            Private::Rsa(key) => SigningKeyPair::Rsa(key.clone()),
            Private::Ed25519(pkcs8) => {
                SigningKeyPair::Ed25519(Box::new(Ed25519Key::from_pkcs8_der(pkcs8)?))
            }
        })
    }
}

impl SigningKey for SigningKeyPair {
    type Hasher = Sha256;

    fn sign(&self, input: impl Writable) -> mail_auth::Result<Vec<u8>> {
        match self {
            SigningKeyPair::Rsa(key) => {
                let mut data = Vec::with_capacity(512);
                input.write(&mut data);
                let digest = sha2::Sha256::digest(&data);
                key.sign(Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
                    .map_err(|e| {
                        mail_auth::Error::Crypto(mail_auth::common::crypto::CryptoError::Library(
                            e.to_string(),
                        ))
                    })
            }
            SigningKeyPair::Ed25519(key) => key.sign(input),
        }
    }

    fn algorithm(&self) -> Algorithm {
        match self {
            SigningKeyPair::Rsa(_) => Algorithm::RsaSha256,
            SigningKeyPair::Ed25519(_) => Algorithm::Ed25519Sha256,
        }
    }
}
