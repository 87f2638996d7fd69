//! Generated keys kept on disk between runs, so that a scenario never
//! waits for a prime search it has waited for before.
//!
//! The pool holds, per algorithm and size, keys numbered from 0, one file
//! each: `<cache>/keys/rsa-2048/0.pem`, `<cache>/keys/ed25519/3.pem`
//! (PKCS#8 PEM, mode 0600 in a folder of mode 0700). `<cache>` is
//! `$MAILHARNESS_CACHE_DIR`, else the user's cache folder
//! (`$XDG_CACHE_HOME/mailharness`, `~/.cache/mailharness`; on macOS
//! `~/Library/Caches/mailharness`). Only keys the harness generates for
//! the test identities of its scenarios live here: the published halves
//! go into a mock DNS, never into real DNS. A file that is missing, does
//! not parse or holds a key of another size is replaced by a fresh key;
//! a folder that cannot be written leaves the keys in memory only, so
//! the cache can speed a run up but never fail it. Files are written
//! under a temporary name and renamed, so that runs at the same time
//! never read half a key.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use rsa::{RsaPrivateKey, pkcs8::DecodePrivateKey, traits::PublicKeyParts};

use super::generate::{KeyAlgorithm, KeyError, KeyPair};

/// The variable that names the cache folder.
pub const CACHE_DIR_VAR: &str = "MAILHARNESS_CACHE_DIR";

/// Keys on disk, by algorithm and number.
#[derive(Clone, Debug)]
pub struct KeyPool {
    dir: Option<PathBuf>,
}

impl KeyPool {
    /// The pool in `dir` (its `keys/` subfolder); `None` keeps nothing on
    /// disk.
    pub fn new(dir: Option<PathBuf>) -> KeyPool {
        KeyPool {
            dir: dir.map(|d| d.join("keys")),
        }
    }

    /// The pool in the user's cache folder ([`cache_dir`]).
    pub fn user() -> KeyPool {
        KeyPool::new(cache_dir())
    }

    /// Key number `index` of `algorithm`: read from disk, or generated
    /// and written there.
    pub fn get(&self, algorithm: KeyAlgorithm, index: usize) -> Result<KeyPair, KeyError> {
        let Some(path) = self.path(algorithm, index) else {
            return KeyPair::generate(algorithm);
        };
        if let Some(key) = fs::read_to_string(&path)
            .ok()
            .and_then(|pem| parse(algorithm, &pem))
        {
            return Ok(key);
        }
        let key = KeyPair::generate(algorithm)?;
        if let Ok(pem) = key.private_pkcs8_pem() {
            let _ = write_private(&path, pem.as_bytes());
        }
        Ok(key)
    }

    fn path(&self, algorithm: KeyAlgorithm, index: usize) -> Option<PathBuf> {
        let folder = match algorithm {
            KeyAlgorithm::Rsa(bits) => format!("rsa-{bits}"),
            KeyAlgorithm::Ed25519 => "ed25519".to_string(),
        };
        Some(self.dir.as_ref()?.join(folder).join(format!("{index}.pem")))
    }
}

/// `$MAILHARNESS_CACHE_DIR`, else the platform's cache folder for
/// mailharness; `None` when neither can be named.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(CACHE_DIR_VAR).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let home = || {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(target_os = "macos") {
        return home().map(|h| h.join("Library/Caches/mailharness"));
    }
    if cfg!(windows) {
        return std::env::var_os("LOCALAPPDATA")
            .filter(|d| !d.is_empty())
            .map(|d| PathBuf::from(d).join("mailharness"));
    }
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".cache")))
        .map(|d| d.join("mailharness"))
}

/// The key in `pem` when it is one of `algorithm` (RSA of exactly that
/// size).
fn parse(algorithm: KeyAlgorithm, pem: &str) -> Option<KeyPair> {
    match algorithm {
        KeyAlgorithm::Rsa(bits) => {
            let key = RsaPrivateKey::from_pkcs8_pem(pem).ok()?;
            (key.size() * 8 == bits).then(|| KeyPair::from_rsa(key).ok())?
        }
        KeyAlgorithm::Ed25519 => KeyPair::from_ed25519_pkcs8(pem_body(pem)?).ok(),
    }
}

/// The DER inside a `PRIVATE KEY` PEM block.
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let inner = pem
        .trim()
        .strip_prefix("-----BEGIN PRIVATE KEY-----")?
        .strip_suffix("-----END PRIVATE KEY-----")?;
    let b64: String = inner.split_whitespace().collect();
    STANDARD.decode(b64).ok()
}

/// Writes `bytes` to `path` readable by the owner only, through a
/// temporary file in the same folder (tempfile creates it with mode 0600)
/// and a rename.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    create_private_dir(folder)?;
    let mut file = tempfile::Builder::new()
        .prefix(".key")
        .tempfile_in(folder)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn create_private_dir(folder: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_back_from_disk_and_bad_files_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let pool = KeyPool::new(Some(dir.path().to_path_buf()));
        let rsa = pool.get(KeyAlgorithm::Rsa(1024), 0).unwrap();
        let ed = pool.get(KeyAlgorithm::Ed25519, 0).unwrap();
        assert_eq!(
            pool.get(KeyAlgorithm::Rsa(1024), 0)
                .unwrap()
                .public_key_b64(),
            rsa.public_key_b64()
        );
        assert_eq!(
            pool.get(KeyAlgorithm::Ed25519, 0).unwrap().public_key_b64(),
            ed.public_key_b64()
        );
        let other = pool.get(KeyAlgorithm::Rsa(1024), 1).unwrap();
        assert_ne!(other.public_key_b64(), rsa.public_key_b64());

        let file = dir.path().join("keys/rsa-1024/0.pem");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&file).unwrap().permissions().mode() & 0o777,
                0o600
            );
            let folder = dir.path().join("keys/rsa-1024");
            assert_eq!(
                fs::metadata(folder).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
        fs::write(&file, "not a key").unwrap();
        let replaced = pool.get(KeyAlgorithm::Rsa(1024), 0).unwrap();
        assert_ne!(replaced.public_key_b64(), rsa.public_key_b64());
        assert_eq!(
            pool.get(KeyAlgorithm::Rsa(1024), 0)
                .unwrap()
                .public_key_b64(),
            replaced.public_key_b64()
        );
        // A key of another size in the wrong folder is not taken.
        fs::copy(&file, dir.path().join("keys/rsa-2048/0.pem"))
            .or_else(|_| {
                fs::create_dir_all(dir.path().join("keys/rsa-2048"))?;
                fs::copy(&file, dir.path().join("keys/rsa-2048/0.pem"))
            })
            .unwrap();
        let rsa2048 = pool.get(KeyAlgorithm::Rsa(2048), 0).unwrap();
        assert_ne!(rsa2048.public_key_b64(), replaced.public_key_b64());
        assert!(rsa2048.dns_txt().len() > replaced.dns_txt().len());
    }

    #[test]
    fn without_a_folder_keys_are_fresh() {
        let pool = KeyPool::new(None);
        let a = pool.get(KeyAlgorithm::Ed25519, 0).unwrap();
        let b = pool.get(KeyAlgorithm::Ed25519, 0).unwrap();
        assert_ne!(a.public_key_b64(), b.public_key_b64());
    }
}
