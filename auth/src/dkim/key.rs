//! The DKIM key record (RFC 6376 §3.6.1) found at `<s>._domainkey.<d>`,
//! whether it suits a signature (§6.1.2), the key sizes of RFC 8301 §3.2
//! and the Ed25519 keys of RFC 8463 §4.2.
//!
//! The key's bytes are handed to mail-auth only once every rule holds
//! ([`KeyMaterial::verifying_key`]).

use base64::{Engine, engine::general_purpose::STANDARD};
use mail_auth::common::{crypto::VerifyingKey, parse::TxtRecordParser, verify::DomainKey};

use super::{
    signature::{Signature, decode_base64},
    tag_list::{TagList, TagListError, colon_list, without_fws},
};

/// RSA keys below this many bits are not acceptable (RFC 8301 §3.2:
/// "Signers MUST use RSA keys of at least 1024 bits").
pub const MIN_RSA_BITS: u32 = 1024;

/// The largest RSA key the cryptography underneath can check. RFC 8301
/// §3.2 asks verifiers for 1024 to 4096 bits and allows more.
pub const MAX_RSA_BITS: u32 = 8192;

/// A key record that satisfies the syntax of §3.6.1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    /// `k=`, lowercase; `rsa` when absent.
    pub key_type: String,
    /// `h=`, lowercase, when present: the hashes the key may be used with.
    pub hashes: Option<Vec<String>>,
    /// `s=`, lowercase, when present: the services the key is for.
    pub services: Option<Vec<String>>,
    /// `t=`, lowercase.
    pub flags: Vec<String>,
    /// `p=`, decoded; empty means revoked.
    pub public_key: Vec<u8>,
}

/// The public key of a record, by its `k=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyMaterial {
    /// The PKCS#1 RSAPublicKey (unwrapped from a SubjectPublicKeyInfo when
    /// published in one) and its modulus size.
    Rsa { pkcs1: Vec<u8>, bits: u32 },
    /// The 32 octets of an Ed25519 public key.
    Ed25519(Vec<u8>),
}

/// Why a key record cannot be used: its syntax (§3.6.1) or its fit with
/// the signature (§6.1.2).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key syntax error: {0}")]
    TagList(#[from] TagListError),
    #[error("key syntax error: v= is not the first tag (RFC 6376 §3.6.1)")]
    VersionNotFirst,
    #[error("key record with v={found}, not v=DKIM1, is discarded (RFC 6376 §3.6.1)")]
    Version { found: String },
    #[error("key syntax error: no p= tag (RFC 6376 §3.6.1)")]
    MissingKey,
    #[error("key syntax error: p= is not base64: {why} (RFC 6376 §3.6.1)")]
    Base64 { why: String },
    #[error("key syntax error: {tag}={found} is not a colon-separated list (RFC 6376 §3.6.1)")]
    List { tag: &'static str, found: String },
    #[error(
        "inappropriate hash algorithm: the key's h={listed} does not include {hash} (RFC 6376 §3.6.1, §6.1.2)"
    )]
    HashNotAllowed { hash: &'static str, listed: String },
    #[error("key revoked: p= is empty (RFC 6376 §3.6.1, §6.1.2)")]
    Revoked,
    #[error(
        "inappropriate key algorithm: a k={found} key cannot check a={algorithm} (RFC 6376 §6.1.2)"
    )]
    KeyType {
        found: String,
        algorithm: &'static str,
    },
    #[error("key not for email: s={listed} includes neither email nor * (RFC 6376 §3.6.1)")]
    Service { listed: String },
    #[error(
        "the key's t=s requires the domain of i= ({identity_domain}) to be d= ({domain}) itself, not a subdomain (RFC 6376 §3.6.1)"
    )]
    StrictIdentity {
        identity_domain: String,
        domain: String,
    },
    #[error("inappropriate key algorithm: p= is not an RSA public key: {why} (RFC 6376 §3.6.1)")]
    NotRsa { why: &'static str },
    #[error("RSA key of {bits} bits, under the 1024 RFC 8301 §3.2 requires")]
    WeakRsa { bits: u32 },
    #[error(
        "RSA key of {bits} bits, over the 8192 this verifier can check (RFC 8301 §3.2 asks for 1024 to 4096)"
    )]
    LargeRsa { bits: u32 },
    #[error(
        "inappropriate key algorithm: an ed25519 p= holds 32 octets, found {found} (RFC 8463 §4.2)"
    )]
    Ed25519Length { found: usize },
    #[error("the cryptography layer refused the key: {0}")]
    Crypto(String),
}

impl KeyRecord {
    /// Reads a key record (the TXT record's strings joined).
    pub fn parse(record: &[u8]) -> Result<KeyRecord, KeyError> {
        let tags = TagList::parse(record);
        if let Some(err) = tags.error {
            return Err(err.into());
        }
        if let Some(position) = tags.tags.iter().position(|t| t.name == "v") {
            if position != 0 {
                return Err(KeyError::VersionNotFirst);
            }
            let version = tags.get("v").unwrap_or_default();
            if version != b"DKIM1" {
                return Err(KeyError::Version {
                    found: String::from_utf8_lossy(version).into_owned(),
                });
            }
        }
        let list = |tag: &'static str| -> Result<Option<Vec<String>>, KeyError> {
            let Some(value) = tags.get(tag) else {
                return Ok(None);
            };
            let items = colon_list(value).ok_or_else(|| KeyError::List {
                tag,
                found: String::from_utf8_lossy(value).into_owned(),
            })?;
            Ok(Some(
                items
                    .iter()
                    .map(|i| String::from_utf8_lossy(i).to_ascii_lowercase())
                    .collect(),
            ))
        };
        let key_type = match list("k")?.as_deref() {
            None => "rsa".to_string(),
            Some([one]) => one.clone(),
            Some(_) => {
                return Err(KeyError::List {
                    tag: "k",
                    found: String::from_utf8_lossy(tags.get("k").unwrap_or_default()).into_owned(),
                });
            }
        };
        let hashes = list("h")?;
        let services = list("s")?;
        let flags = list("t")?.unwrap_or_default();
        let p = tags.get("p").ok_or(KeyError::MissingKey)?;
        let compact = without_fws(p);
        let public_key = if compact.is_empty() {
            Vec::new()
        } else {
            decode_base64(&compact).map_err(|why| KeyError::Base64 { why })?
        };
        Ok(KeyRecord {
            key_type,
            hashes,
            services,
            flags,
            public_key,
        })
    }

    /// `t=y`: the domain is testing DKIM (§3.6.1). Verifiers "MUST NOT
    /// treat messages from Signers in testing mode differently from
    /// unsigned email", whatever the result.
    pub fn testing(&self) -> bool {
        self.flags.iter().any(|f| f == "y")
    }

    /// `t=s`: the `i=` domain must be `d=` itself.
    pub fn strict(&self) -> bool {
        self.flags.iter().any(|f| f == "s")
    }

    /// The public key as `k=` says to read it.
    pub fn material(&self) -> Result<KeyMaterial, KeyError> {
        match self.key_type.as_str() {
            "rsa" => {
                let (pkcs1, bits) =
                    rsa_public_key(&self.public_key).map_err(|why| KeyError::NotRsa { why })?;
                Ok(KeyMaterial::Rsa { pkcs1, bits })
            }
            "ed25519" if self.public_key.len() == 32 => {
                Ok(KeyMaterial::Ed25519(self.public_key.clone()))
            }
            "ed25519" => Err(KeyError::Ed25519Length {
                found: self.public_key.len(),
            }),
            // "Unrecognized key types MUST be ignored" (§3.6.1).
            other => Err(KeyError::KeyType {
                found: other.to_string(),
                algorithm: "rsa-sha256 or ed25519-sha256",
            }),
        }
    }

    /// The key's size in bits when its `p=` can be read (256 for Ed25519).
    pub fn bits(&self) -> Option<u32> {
        self.material().ok().map(|m| m.bits())
    }

    /// Whether this key may check `signature`, in the order of §6.1.2
    /// (hash, revocation, key type), then the service types and flags of
    /// §3.6.1 and the key sizes of RFC 8301 §3.2.
    pub fn check(&self, signature: &Signature) -> Result<KeyMaterial, KeyError> {
        let hash = signature.algorithm.hash();
        if let Some(hashes) = &self.hashes
            && !hashes.iter().any(|h| h == hash)
        {
            return Err(KeyError::HashNotAllowed {
                hash,
                listed: hashes.join(":"),
            });
        }
        if self.public_key.is_empty() {
            return Err(KeyError::Revoked);
        }
        if self.key_type != signature.algorithm.key_type() {
            return Err(KeyError::KeyType {
                found: self.key_type.clone(),
                algorithm: signature.algorithm.name(),
            });
        }
        if let Some(services) = &self.services
            && !services.iter().any(|s| s == "email" || s == "*")
        {
            return Err(KeyError::Service {
                listed: services.join(":"),
            });
        }
        if self.strict() && signature.identity_domain != signature.domain {
            return Err(KeyError::StrictIdentity {
                identity_domain: signature.identity_domain.clone(),
                domain: signature.domain.clone(),
            });
        }
        let material = self.material()?;
        if let KeyMaterial::Rsa { bits, .. } = material {
            if bits < MIN_RSA_BITS {
                return Err(KeyError::WeakRsa { bits });
            }
            if bits > MAX_RSA_BITS {
                return Err(KeyError::LargeRsa { bits });
            }
        }
        Ok(material)
    }
}

impl KeyMaterial {
    /// The key's size in bits (256 for Ed25519).
    pub fn bits(&self) -> u32 {
        match self {
            KeyMaterial::Rsa { bits, .. } => *bits,
            KeyMaterial::Ed25519(_) => 256,
        }
    }

    /// mail-auth's verifier for this key, made from a minimal record
    /// (`k=…; p=…`) holding only what the rules above accepted.
    pub fn verifying_key(&self) -> Result<Box<dyn VerifyingKey + Send + Sync>, KeyError> {
        let (k, bytes) = match self {
            KeyMaterial::Rsa { pkcs1, .. } => ("rsa", pkcs1),
            KeyMaterial::Ed25519(raw) => ("ed25519", raw),
        };
        let record = format!("k={k}; p={}", STANDARD.encode(bytes));
        DomainKey::parse(record.as_bytes())
            .map(|key| key.p)
            .map_err(|e| KeyError::Crypto(e.to_string()))
    }
}

/// The RSAPublicKey of `der` (itself, or inside a SubjectPublicKeyInfo
/// with the rsaEncryption OID, as keys are usually published) and the size
/// of its modulus in bits.
fn rsa_public_key(der: &[u8]) -> Result<(Vec<u8>, u32), &'static str> {
    const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let (outer, rest) = element(der, SEQUENCE).ok_or("not a DER SEQUENCE")?;
    if !rest.is_empty() {
        return Err("bytes after the key");
    }
    if outer.first() == Some(&INTEGER) {
        let bits = pkcs1_modulus_bits(outer)?;
        return Ok((der.to_vec(), bits));
    }
    let (algorithm, rest) = element(outer, SEQUENCE).ok_or("no AlgorithmIdentifier")?;
    let (oid, _parameters) = element(algorithm, OBJECT_IDENTIFIER).ok_or("no algorithm OID")?;
    if oid != RSA_ENCRYPTION {
        return Err("the algorithm is not rsaEncryption");
    }
    let (bit_string, rest) = element(rest, BIT_STRING).ok_or("no subjectPublicKey")?;
    if !rest.is_empty() {
        return Err("bytes after the subjectPublicKey");
    }
    let inner = match bit_string.split_first() {
        Some((0, inner)) => inner,
        _ => return Err("the subjectPublicKey has unused bits"),
    };
    let (pkcs1, rest) = element(inner, SEQUENCE).ok_or("no RSAPublicKey")?;
    if !rest.is_empty() {
        return Err("bytes after the RSAPublicKey");
    }
    let bits = pkcs1_modulus_bits(pkcs1)?;
    Ok((inner.to_vec(), bits))
}

const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OBJECT_IDENTIFIER: u8 = 0x06;
const SEQUENCE: u8 = 0x30;

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`
/// (its content): the modulus's size in bits.
fn pkcs1_modulus_bits(content: &[u8]) -> Result<u32, &'static str> {
    let (modulus, rest) = element(content, INTEGER).ok_or("no modulus")?;
    let (exponent, rest) = element(rest, INTEGER).ok_or("no public exponent")?;
    if !rest.is_empty() {
        return Err("bytes after the public exponent");
    }
    if exponent.is_empty() || modulus.first().is_some_and(|b| b & 0x80 != 0) {
        return Err("a negative or empty integer");
    }
    let significant = modulus
        .iter()
        .position(|&b| b != 0)
        .and_then(|start| modulus.get(start..))
        .ok_or("a zero modulus")?;
    let top = significant.first().copied().unwrap_or_default();
    let bits = (significant.len() - 1) * 8 + (8 - top.leading_zeros() as usize);
    u32::try_from(bits).map_err(|_| "a modulus too large to count")
}

/// One DER element of type `tag` at the start of `input`: its content and
/// what follows it.
fn element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, rest) = rest.split_at_checked(count)?;
        let len = bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b));
        (len, rest)
    };
    rest.split_at_checked(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 1024-bit RSA key of RFC 8463 Appendix A.2 (SubjectPublicKeyInfo).
    const RFC8463_RSA: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";
    /// The Ed25519 key of RFC 8463 Appendix A.2.
    const RFC8463_ED25519: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    fn signature(extra: &str) -> Signature {
        Signature::parse(
            format!("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA{extra}")
                .as_bytes(),
        )
        .unwrap()
    }

    /// A PKCS#1 RSAPublicKey with a modulus of `len` octets, the first
    /// `top`, the others 0xff.
    fn pkcs1(len: usize, top: u8) -> Vec<u8> {
        let mut modulus = vec![0u8];
        modulus.push(top);
        modulus.extend(std::iter::repeat_n(0xff, len - 1));
        let mut content = der(INTEGER, &modulus);
        content.extend(der(INTEGER, &[1, 0, 1]));
        der(SEQUENCE, &content)
    }

    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match content.len() {
            len @ 0..0x80 => out.push(len as u8),
            len @ 0x80..0x100 => out.extend([0x81, len as u8]),
            len => out.extend([0x82, (len >> 8) as u8, len as u8]),
        }
        out.extend(content);
        out
    }

    fn record(text: &str) -> Result<KeyRecord, KeyError> {
        KeyRecord::parse(text.as_bytes())
    }

    #[test]
    fn published_keys() {
        let rsa = record(&format!("v=DKIM1; k=rsa; p={RFC8463_RSA}")).unwrap();
        assert_eq!(rsa.bits(), Some(1024));
        let material = rsa.check(&signature("")).unwrap();
        assert!(matches!(material, KeyMaterial::Rsa { bits: 1024, .. }));
        assert!(material.verifying_key().is_ok());

        let ed = record(&format!("v=DKIM1; k=ed25519; p={RFC8463_ED25519}")).unwrap();
        assert_eq!(ed.key_type, "ed25519");
        assert_eq!(ed.bits(), Some(256));
        let ed_sig = Signature::parse(
            b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA",
        )
        .unwrap();
        assert!(ed.check(&ed_sig).unwrap().verifying_key().is_ok());
    }

    #[test]
    fn defaults_and_folding() {
        let key = record(&format!(
            "p={}\r\n\t{}; n=notes are ignored; x=unknown",
            &RFC8463_RSA[..40],
            &RFC8463_RSA[40..]
        ))
        .unwrap();
        assert_eq!(key.key_type, "rsa");
        assert_eq!((key.hashes.clone(), key.services.clone()), (None, None));
        assert!(!key.testing() && !key.strict());
        assert_eq!(key.bits(), Some(1024));
    }

    #[test]
    fn version_rules() {
        assert_eq!(
            record(&format!("k=rsa; v=DKIM1; p={RFC8463_RSA}")),
            Err(KeyError::VersionNotFirst)
        );
        assert_eq!(
            record(&format!("v=DKIM2; p={RFC8463_RSA}")),
            Err(KeyError::Version {
                found: "DKIM2".into()
            })
        );
        assert!(matches!(
            record(&format!("v=dkim1; p={RFC8463_RSA}")),
            Err(KeyError::Version { .. })
        ));
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(record("v=DKIM1; k=rsa"), Err(KeyError::MissingKey));
        assert!(matches!(record("p=!!!!"), Err(KeyError::Base64 { .. })));
        assert!(matches!(
            record(&format!("p={RFC8463_RSA}; p={RFC8463_RSA}")),
            Err(KeyError::TagList(TagListError::Duplicate { .. }))
        ));
        assert!(matches!(
            record(&format!("h=sha1::sha256; p={RFC8463_RSA}")),
            Err(KeyError::List { tag: "h", .. })
        ));
        assert!(matches!(
            record(&format!("k=rsa:ed25519; p={RFC8463_RSA}")),
            Err(KeyError::List { tag: "k", .. })
        ));
        assert_eq!(
            record("v=spf1 -all"),
            Err(KeyError::Version {
                found: "spf1 -all".into()
            })
        );
        assert!(matches!(
            record("hello world"),
            Err(KeyError::TagList(TagListError::NoEquals { .. }))
        ));
    }

    #[test]
    fn suitability_in_order() {
        let sig = signature("");
        let check = |text: &str| record(text).unwrap().check(&sig);
        assert_eq!(
            check(&format!("h=sha1; p={RFC8463_RSA}"))
                .unwrap_err()
                .to_string(),
            "inappropriate hash algorithm: the key's h=sha1 does not include sha256 (RFC 6376 §3.6.1, §6.1.2)"
        );
        assert!(check(&format!("h=SHA1 : sha256 : sha512; p={RFC8463_RSA}")).is_ok());
        // The hash is checked before the revocation (§6.1.2's order).
        assert!(matches!(
            check("h=sha1; p="),
            Err(KeyError::HashNotAllowed { .. })
        ));
        assert_eq!(check("v=DKIM1; p="), Err(KeyError::Revoked));
        assert_eq!(
            check(&format!("k=ed25519; p={RFC8463_ED25519}")),
            Err(KeyError::KeyType {
                found: "ed25519".into(),
                algorithm: "rsa-sha256"
            })
        );
        assert!(matches!(
            check(&format!("k=dsa; p={RFC8463_RSA}")),
            Err(KeyError::KeyType { .. })
        ));
        assert_eq!(
            check(&format!("s=other:chat; p={RFC8463_RSA}")),
            Err(KeyError::Service {
                listed: "other:chat".into()
            })
        );
        assert!(check(&format!("s=email; p={RFC8463_RSA}")).is_ok());
        assert!(check(&format!("s=other:*; p={RFC8463_RSA}")).is_ok());
        let key = record(&format!("t=y:s:z; p={RFC8463_RSA}")).unwrap();
        assert!(key.testing() && key.strict());
        assert!(key.check(&sig).is_ok());
        assert!(key.check(&signature("; i=@example.com")).is_ok());
        assert_eq!(
            key.check(&signature("; i=joe@mail.example.com")),
            Err(KeyError::StrictIdentity {
                identity_domain: "mail.example.com".into(),
                domain: "example.com".into()
            })
        );
        assert!(
            record(&format!("p={RFC8463_RSA}"))
                .unwrap()
                .check(&signature("; i=joe@mail.example.com"))
                .is_ok()
        );
    }

    #[test]
    fn rsa_sizes() {
        let p = |der: &[u8]| format!("p={}", STANDARD.encode(der));
        let sig = signature("");
        let key512 = record(&p(&pkcs1(64, 0x80))).unwrap();
        assert_eq!(key512.bits(), Some(512));
        assert_eq!(
            key512.check(&sig).unwrap_err().to_string(),
            "RSA key of 512 bits, under the 1024 RFC 8301 §3.2 requires"
        );
        let key1023 = record(&p(&pkcs1(128, 0x7f))).unwrap();
        assert_eq!(key1023.check(&sig), Err(KeyError::WeakRsa { bits: 1023 }));
        assert_eq!(
            record(&p(&pkcs1(128, 0x80)))
                .unwrap()
                .check(&sig)
                .map(|m| m.bits()),
            Ok(1024)
        );
        assert_eq!(
            record(&p(&pkcs1(1025, 0x01))).unwrap().check(&sig),
            Err(KeyError::LargeRsa { bits: 8193 })
        );
    }

    #[test]
    fn keys_that_are_not_keys() {
        let sig = signature("");
        let p = |bytes: &[u8]| record(&format!("p={}", STANDARD.encode(bytes))).unwrap();
        assert!(matches!(
            p(b"not der").check(&sig),
            Err(KeyError::NotRsa { .. })
        ));
        assert_eq!(p(b"not der").bits(), None);
        let mut trailing = pkcs1(128, 0x80);
        trailing.push(0);
        assert!(matches!(
            p(&trailing).check(&sig),
            Err(KeyError::NotRsa { .. })
        ));
        let ed_sig = Signature::parse(
            b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA",
        )
        .unwrap();
        let short = record("k=ed25519; p=AAAA").unwrap();
        assert_eq!(
            short.check(&ed_sig),
            Err(KeyError::Ed25519Length { found: 3 })
        );
    }

    #[test]
    fn spki_and_pkcs1_give_the_same_key() {
        let spki = STANDARD.decode(RFC8463_RSA).unwrap();
        let (inner, bits) = rsa_public_key(&spki).unwrap();
        assert_eq!(bits, 1024);
        assert_eq!(rsa_public_key(&inner), Ok((inner.clone(), 1024)));
    }
}
