use mock_dns::{Catalog, Record};

use super::TTL;
use crate::keys::{KeyCache, KeyError, KeyPair, Publish, Signer};

/// Generates (or takes from the cache) each signer's key and publishes it
/// at `<selector>._domainkey.<domain>` as the signer says: the key, a
/// revoked key (`p=` empty, RFC 6376 §3.6.1) or nothing. `owner` keeps the
/// keys of different parties apart in the cache (`direct`, `mta`). Returns
/// the keys in the signers' order.
pub fn signers(
    catalog: &Catalog,
    owner: &str,
    signers: &[Signer],
) -> Result<Vec<KeyPair>, KeyError> {
    let mut keys = Vec::with_capacity(signers.len());
    for signer in signers {
        let key = KeyCache::global().get(
            &format!("{owner}/{}/{}", signer.domain, signer.selector),
            signer.algorithm,
        )?;
        let name = format!(
            "{}._domainkey.{}.",
            signer.selector,
            signer.domain.to_ascii_lowercase()
        );
        match signer.publish {
            Publish::Key => catalog.add(Record::txt(&name, TTL, &key.dns_txt())),
            Publish::Revoked => catalog.add(Record::txt(&name, TTL, "v=DKIM1; p=")),
            Publish::Nothing => {}
        }
        keys.push(key);
    }
    Ok(keys)
}
