use mail_auth::{
    common::{crypto::SigningKey, headers::HeaderWriter},
    dkim::{Canonicalization, DkimSigner},
};

use super::{KeyPair, SigningKeyPair};

/// One `DKIM-Signature:` header field over `message`, relaxed/simple (as
/// SES signs), covering `headers` where present.
pub fn sign(
    message: &[u8],
    key: &KeyPair,
    domain: &str,
    selector: &str,
    headers: &[&str],
) -> Result<String, mail_auth::Error> {
    let signing = SigningKeyPair::from_pair(key)?;
    debug_assert_eq!(signing.algorithm().name(), key.algorithm.dkim_name());
    let signature = DkimSigner::from_key(signing)
        .domain(domain)
        .selector(selector)
        .headers(headers.iter().copied())
        .header_canonicalization(Canonicalization::Relaxed)
        .body_canonicalization(Canonicalization::Simple)
        .sign(message)?;
    Ok(signature.to_header())
}
