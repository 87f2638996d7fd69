use base64::{Engine, engine::general_purpose::STANDARD};
use mail_auth::{
    AuthenticatedMessage,
    common::{crypto::SigningKey, headers::Writable},
    dkim::Canonicalization,
};
use sha2::{Digest, Sha256};

use super::{KeyPair, SigningKeyPair};

/// How much of the body a signature covers (`l=`, RFC 6376 §3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyLength {
    /// No `l=`: the whole body, whatever is appended later.
    Unbounded,
    /// `l=` the canonicalised body's length as sent: content appended on
    /// the way (a list footer) stays outside the signature.
    AsSent,
    /// `l=` this many octets, whatever the body holds (more than the body
    /// makes the signature invalid, §6.1.3).
    Octets(u64),
}

/// The tags of one signature beyond `d=` and `s=`.
#[derive(Clone, Debug)]
pub struct SignOptions {
    /// `h=`: the header fields signed, in order, as written (a name may
    /// repeat to over-sign, and may be absent from the message).
    pub headers: Vec<String>,
    /// `c=`: header and body canonicalisation.
    pub header_canonicalization: Canonicalization,
    pub body_canonicalization: Canonicalization,
    pub body_length: BodyLength,
    /// `t=`, seconds since the Unix epoch.
    pub timestamp: u64,
    /// `x=`, seconds since the Unix epoch; none: no expiry.
    pub expiration: Option<u64>,
}

impl SignOptions {
    /// SES's way (relaxed/simple, no `l=`, no `x=`), signing those of
    /// `headers` the message has, at `timestamp`.
    pub fn ses(message: &[u8], headers: &[&str], timestamp: u64) -> SignOptions {
        let present: Vec<String> = AuthenticatedMessage::parse(message)
            .map(|m| {
                headers
                    .iter()
                    .filter(|h| {
                        m.headers
                            .iter()
                            .any(|(name, _)| name.eq_ignore_ascii_case(h.as_bytes()))
                    })
                    .map(|h| h.to_string())
                    .collect()
            })
            .unwrap_or_default();
        SignOptions {
            headers: present,
            header_canonicalization: Canonicalization::Relaxed,
            body_canonicalization: Canonicalization::Simple,
            body_length: BodyLength::Unbounded,
            timestamp,
            expiration: None,
        }
    }
}

/// Why a message could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the message has no header block to sign")]
    Unparseable,
    #[error("no header field to sign: the message has none of {0}")]
    NoHeaders(String),
    #[error("signing failed: {0}")]
    Key(String),
}

/// One `DKIM-Signature:` header field over `message`, relaxed/simple (as
/// SES signs), covering `headers` where present, dated now.
pub fn sign(
    message: &[u8],
    key: &KeyPair,
    domain: &str,
    selector: &str,
    headers: &[&str],
) -> Result<String, SignError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    sign_with(
        message,
        key,
        domain,
        selector,
        &SignOptions::ses(message, headers, now),
    )
}

/// One `DKIM-Signature:` header field (with its CRLF) over `message`, with
/// the tags `options` gives, exactly as written (`d=` keeps its case):
/// direct senders use it to write the signatures receivers must judge,
/// odd ones included (`h=` without From, `l=`, `t=` in the future, `x=`
/// in the past).
pub fn sign_with(
    message: &[u8],
    key: &KeyPair,
    domain: &str,
    selector: &str,
    options: &SignOptions,
) -> Result<String, SignError> {
    let parsed = AuthenticatedMessage::parse(message).ok_or(SignError::Unparseable)?;
    let body = message
        .get(parsed.body_offset as usize..)
        .unwrap_or_default();
    let mut canonical_body = Vec::with_capacity(body.len());
    options
        .body_canonicalization
        .canonical_body(body, 0)
        .write(&mut canonical_body);
    let l = match options.body_length {
        BodyLength::Unbounded => None,
        BodyLength::AsSent => Some(canonical_body.len() as u64),
        BodyLength::Octets(n) => Some(n),
    };
    if let Some(n) = l
        && (n as usize) < canonical_body.len()
    {
        canonical_body.truncate(n as usize);
    }
    let bh = STANDARD.encode(Sha256::digest(&canonical_body));

    let name = |c: Canonicalization| match c {
        Canonicalization::Relaxed => "relaxed",
        Canonicalization::Simple => "simple",
    };
    let mut tags = format!(
        " v=1; a={}; c={}/{}; d={domain}; s={selector};\r\n\tt={}",
        key.algorithm.dkim_name(),
        name(options.header_canonicalization),
        name(options.body_canonicalization),
        options.timestamp,
    );
    if let Some(x) = options.expiration {
        tags.push_str(&format!("; x={x}"));
    }
    if let Some(n) = l {
        tags.push_str(&format!("; l={n}"));
    }
    tags.push_str(&format!(
        ";\r\n\th={};\r\n\tbh={bh};\r\n\tb=",
        options.headers.join(":")
    ));

    // RFC 6376 §5.4.2: for each name in h=, the last instance not yet
    // used, bottom up.
    let mut used = vec![false; parsed.headers.len()];
    let mut signed: Vec<(&[u8], &[u8])> = Vec::with_capacity(options.headers.len() + 1);
    for wanted in &options.headers {
        if let Some(i) = (0..parsed.headers.len())
            .rev()
            .find(|&i| !used[i] && parsed.headers[i].0.eq_ignore_ascii_case(wanted.as_bytes()))
        {
            used[i] = true;
            signed.push(parsed.headers[i]);
        }
    }
    if signed.is_empty() {
        return Err(SignError::NoHeaders(options.headers.join(", ")));
    }
    // §3.7: the signature's own field last, its b= empty, without the
    // trailing CRLF.
    signed.push((b"DKIM-Signature", tags.as_bytes()));
    let mut data = Vec::with_capacity(1024);
    options
        .header_canonicalization
        .canonicalize_headers(signed.into_iter(), &mut data);
    let signing = SigningKeyPair::from_pair(key).map_err(|e| SignError::Key(e.to_string()))?;
    let b = STANDARD.encode(
        signing
            .sign(data.as_slice())
            .map_err(|e| SignError::Key(e.to_string()))?,
    );
    // The b= value folded: its white space is part of the value, which a
    // verifier removes whole (§3.5).
    let folded = b
        .as_bytes()
        .chunks(72)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n\t ");
    Ok(format!("DKIM-Signature:{tags}{folded}\r\n"))
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use mailharness_auth::{DkimResult, Envelope, Judge, dns::HickoryLookup};

    use super::*;
    use crate::keys::{KeyAlgorithm, KeyCache};

    const MESSAGE: &[u8] = b"From: a@Example.com\r\nTo: b@receiver.test\r\nSubject: hi\r\nDate: Sat, 28 Nov 2026 05:00:00 +0000\r\n\r\nbody\r\n";

    fn options(now: u64) -> SignOptions {
        SignOptions {
            headers: vec!["From".into(), "To".into(), "Subject".into()],
            header_canonicalization: Canonicalization::Relaxed,
            body_canonicalization: Canonicalization::Relaxed,
            body_length: BodyLength::Unbounded,
            timestamp: now,
            expiration: None,
        }
    }

    /// Signs with `options`, publishes the key in a mock DNS and judges
    /// the signed message: the judge (RFC 6376 rules, real DNS) must
    /// accept what this signer writes, and name what it refuses.
    async fn judged(
        options: &SignOptions,
        body_after: &[u8],
        now: u64,
    ) -> (DkimResult, Option<String>) {
        let key = KeyCache::global()
            .get("sign-test/rsa", KeyAlgorithm::Rsa(1024))
            .unwrap();
        let header = sign_with(MESSAGE, &key, "Example.com", "sel", options).unwrap();
        let catalog = mock_dns::Catalog::new();
        catalog.add(mock_dns::Record::txt(
            "sel._domainkey.example.com",
            300,
            &key.dns_txt(),
        ));
        let server = mock_dns::ServerHandle::start(catalog, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let lookup = HickoryLookup::new(server.addr(), std::time::Duration::from_secs(2)).unwrap();
        let mut message = header.into_bytes();
        message.extend_from_slice(MESSAGE);
        message.extend_from_slice(body_after);
        let verdict = Judge::new(lookup, "mx.test")
            .verify(
                &message,
                Envelope {
                    client_ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                    helo: "h.test",
                    mail_from: "",
                },
                now,
            )
            .await;
        let dkim = &verdict.dkim[0];
        assert_eq!(dkim.domain, "example.com");
        (dkim.result, dkim.reason.clone())
    }

    #[tokio::test]
    async fn what_it_signs_verifies_and_what_it_bends_is_named() {
        let now = 1_800_000_000;
        assert_eq!(judged(&options(now), b"", now).await.0, DkimResult::Pass);
        // l= the length as sent: a footer appended later is outside.
        let mut o = options(now);
        o.body_length = BodyLength::AsSent;
        assert_eq!(judged(&o, b"-- footer\r\n", now).await.0, DkimResult::Pass);
        assert_eq!(
            judged(&options(now), b"-- footer\r\n", now).await.0,
            DkimResult::Fail
        );
        // simple/simple too.
        let mut o = options(now);
        o.header_canonicalization = Canonicalization::Simple;
        o.body_canonicalization = Canonicalization::Simple;
        assert_eq!(judged(&o, b"", now).await.0, DkimResult::Pass);
        // h= without From: RFC 6376 §5.4.
        let mut o = options(now);
        o.headers = vec!["To".into(), "Subject".into()];
        let (result, reason) = judged(&o, b"", now).await;
        assert_eq!(result, DkimResult::PermError);
        assert!(reason.unwrap().contains("From"));
        // x= in the past.
        let mut o = options(now - 7200);
        o.expiration = Some(now - 3600);
        let (result, reason) = judged(&o, b"", now).await;
        assert_eq!(result, DkimResult::PermError);
        assert!(reason.unwrap().contains("expired"));
    }
}
