//! One DKIM-Signature end to end (RFC 6376 §6.1): the tag rules, the key
//! record from DNS, the body hash and the signature. mail-auth splits the
//! message into header fields, canonicalises (§3.4) and does the
//! cryptography; every decision is taken here.

use mail_auth::{
    AuthenticatedMessage,
    common::{
        crypto::{Algorithm as CryptoAlgorithm, HashAlgorithm, VerifyingKey},
        headers::Writable,
    },
    dkim::Canonicalization,
};

use super::{
    BodyLength, DkimOutcome, HEADER_B_LEN,
    key::{KeyError, KeyRecord},
    signature::{Algorithm, Signature, header_b},
    tag_list::{TagList, trim_fws},
};
use crate::{
    DkimResult,
    dns::{Answer, DnsError, Lookup},
    join::join_all,
};

type Field<'m> = (&'m [u8], &'m [u8]);

/// Every DKIM-Signature of `message`, in header order, each judged on its
/// own. `now` (seconds since the Unix epoch) decides `x=` expiry and `t=`
/// in the future. A message without DKIM-Signature gives an empty `Vec`.
/// The keys of all signatures are looked up at the same time.
pub async fn verify(lookup: &impl Lookup, message: &[u8], now: u64) -> Vec<DkimOutcome> {
    match AuthenticatedMessage::parse(message) {
        Some(parsed) => verify_parsed(lookup, message, &parsed, now).await,
        None => Vec::new(),
    }
}

/// [`verify`] of a message the caller has parsed already (the judge, which
/// needs the header fields for DMARC and ARC too): the same outcomes
/// without splitting the message a second time.
pub(crate) async fn verify_parsed(
    lookup: &impl Lookup,
    message: &[u8],
    parsed: &AuthenticatedMessage<'_>,
    now: u64,
) -> Vec<DkimOutcome> {
    let fields = &parsed.headers;
    let body_offset = parsed.body_offset;
    let body = message
        .get(usize::try_from(body_offset).unwrap_or(usize::MAX)..)
        .unwrap_or_default();
    let mut bodies = CanonicalBodies::new(body);
    let steps: Vec<Step<'_>> = fields
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| trim_fws(name).eq_ignore_ascii_case(b"DKIM-Signature"))
        .map(|(index, _)| prepare(fields, index, &mut bodies, now))
        .collect();
    // A decided step asks nothing; its empty answer is never read.
    let answers = join_all(steps.iter().map(|step| async move {
        match step {
            Step::Done(_) => Ok(Vec::new()),
            Step::Key(pending) => lookup.txt(&pending.name).await,
        }
    }))
    .await;
    steps
        .into_iter()
        .zip(answers)
        .map(|(step, answer)| match step {
            Step::Done(outcome) => outcome,
            Step::Key(pending) => finish(*pending, answer, &mut bodies),
        })
        .collect()
}

/// One signature before its key is looked up: decided already, or waiting
/// for the key record at `name`.
enum Step<'m> {
    Done(DkimOutcome),
    Key(Box<Pending<'m>>),
}

struct Pending<'m> {
    outcome: DkimOutcome,
    signature: Signature,
    own: Field<'m>,
    signed_fields: Vec<Field<'m>>,
    name: String,
}

/// The DKIM-Signature at `fields[index]`, up to its key (§3.5, §6.1.1).
fn prepare<'m>(
    fields: &[Field<'m>],
    index: usize,
    bodies: &mut CanonicalBodies<'_>,
    now: u64,
) -> Step<'m> {
    let Some(&own) = fields.get(index) else {
        return Step::Done(
            readable(&TagList::default()).permerror("no such header field".to_string()),
        );
    };
    let tags = TagList::parse(own.1);
    let mut outcome = readable(&tags);

    // §3.5 and §6.1.1: the field itself, before any DNS query.
    let signature = match Signature::from_tags(&tags).and_then(|s| s.check_time(now).map(|()| s)) {
        Ok(signature) => signature,
        Err(err) => return Step::Done(outcome.permerror(err.to_string())),
    };
    outcome.domain.clone_from(&signature.domain);
    outcome.selector.clone_from(&signature.selector);
    outcome.identity.clone_from(&signature.identity);
    let body_len =
        u64::try_from(bodies.get(signature.body_canonicalization).len()).unwrap_or(u64::MAX);
    outcome.body_length = signature.body_length.map(|signed| BodyLength {
        signed,
        total: body_len,
    });
    let signed_fields = match select_fields(fields, index, &signature.signed_headers) {
        Ok(signed) => signed,
        Err(reason) => return Step::Done(outcome.permerror(reason)),
    };
    let name = signature.key_name();
    Step::Key(Box::new(Pending {
        outcome,
        signature,
        own,
        signed_fields,
        name,
    }))
}

/// The signature of `pending` with the answer for its key (§6.1.2) and
/// the hashes (§6.1.3).
fn finish(
    pending: Pending<'_>,
    answer: Answer<Vec<u8>>,
    bodies: &mut CanonicalBodies<'_>,
) -> DkimOutcome {
    let Pending {
        mut outcome,
        signature,
        own: (own_name, own_value),
        signed_fields,
        name,
        ..
    } = pending;
    let canonical_body = bodies.get(signature.body_canonicalization);
    let body_len = u64::try_from(canonical_body.len()).unwrap_or(u64::MAX);

    // §6.1.2: the key.
    let records = match answer {
        Ok(records) if records.is_empty() => {
            return outcome.permerror(format!(
                "no key for signature: {name} has no TXT record (RFC 6376 §6.1.2)"
            ));
        }
        Ok(records) => records,
        Err(DnsError::NxDomain) => {
            return outcome.permerror(format!(
                "no key for signature: {name} does not exist (NXDOMAIN) (RFC 6376 §6.1.2)"
            ));
        }
        Err(DnsError::Temporary(why)) => {
            return outcome.temperror(format!(
                "key unavailable: querying TXT {name}: {why} (RFC 6376 §6.1.2)"
            ));
        }
        Err(err @ DnsError::InvalidName(_)) => {
            return outcome.permerror(format!("no key for signature: {err} (RFC 6376 §6.1.2)"));
        }
    };
    let keys = usable_keys(records, &signature);
    outcome.testing = keys.testing;
    outcome.key_bits = keys.usable.first().map(|k| k.bits).or(keys.first_bits);
    if keys.usable.is_empty() {
        return outcome.permerror(keys.refusal(&name));
    }

    // §6.1.3 step 1: the body hash, over the first l= octets of the
    // canonicalised body when l= is given.
    let covered = match signature.body_length {
        Some(signed) if signed > body_len => {
            // §3.5: l= "MUST NOT be larger than the actual number of octets
            // in the canonicalized message body"; the body the signer
            // hashed is not all there, so the hash of §6.1.3 cannot match.
            return outcome.fail(format!(
                "body hash did not verify: l={signed} is larger than the canonicalized body ({body_len} octets) (RFC 6376 §3.5, §6.1.3)"
            ));
        }
        Some(signed) => canonical_body
            .get(..usize::try_from(signed).unwrap_or(usize::MAX))
            .unwrap_or(canonical_body),
        None => canonical_body,
    };
    if HashAlgorithm::Sha256.hash(covered).as_ref() != signature.body_hash.as_slice() {
        return outcome.fail("body hash did not verify (RFC 6376 §6.1.3)".to_string());
    }

    // §6.1.3 step 2: the signed header fields (§5.4.2), then this field
    // with b= emptied and without its final CRLF (§3.7).
    let own_value = without_b_value(own_value);
    let mut signed_data = Vec::new();
    signature.header_canonicalization.canonicalize_headers(
        signed_fields
            .into_iter()
            .chain(std::iter::once((own_name, own_value.as_slice()))),
        &mut signed_data,
    );
    let algorithm = match signature.algorithm {
        Algorithm::RsaSha256 => CryptoAlgorithm::RsaSha256,
        Algorithm::Ed25519Sha256 => CryptoAlgorithm::Ed25519Sha256,
    };
    // §6.1.2 lets a verifier cycle through several key records; the first
    // that verifies decides.
    for key in &keys.usable {
        if key
            .verifier
            .verify_bytes(&signed_data, &signature.signature, algorithm)
            .is_ok()
        {
            outcome.key_bits = Some(key.bits);
            outcome.result = DkimResult::Pass;
            outcome.reason = None;
            return outcome;
        }
    }
    outcome.fail("signature did not verify (RFC 6376 §6.1.3)".to_string())
}

/// What can be read from the field whatever its faults: `d=`, `s=`, `a=`,
/// `i=` and `b=` when each occurs once.
fn readable(tags: &TagList<'_>) -> DkimOutcome {
    DkimOutcome {
        result: DkimResult::PermError,
        domain: tags
            .get_str("d")
            .map(str::to_ascii_lowercase)
            .unwrap_or_default(),
        selector: tags.get_str("s").unwrap_or_default().to_string(),
        algorithm: tags.get_str("a").unwrap_or_default().to_string(),
        reason: None,
        key_bits: None,
        body_length: None,
        identity: tags.get_str("i").map(str::to_string),
        header_b: tags
            .get("b")
            .map(|b| header_b(b, HEADER_B_LEN))
            .unwrap_or_default(),
        testing: false,
    }
}

impl DkimOutcome {
    fn permerror(self, reason: String) -> DkimOutcome {
        self.with(DkimResult::PermError, reason)
    }

    fn temperror(self, reason: String) -> DkimOutcome {
        self.with(DkimResult::TempError, reason)
    }

    /// RFC 6376 §6.1.3's PERMFAIL for a hash or signature that does not
    /// verify is `fail` in RFC 8601 §2.7.1 ("the signature … failed the
    /// verification test").
    fn fail(self, reason: String) -> DkimOutcome {
        self.with(DkimResult::Fail, reason)
    }

    fn with(mut self, result: DkimResult, reason: String) -> DkimOutcome {
        self.result = result;
        self.reason = Some(reason);
        self
    }
}

/// The header fields `h=` names, chosen as §5.4.2 says: for each name, the
/// last instance not yet chosen, from the bottom up; a name with no
/// instance left contributes nothing.
fn select_fields<'m>(
    fields: &[Field<'m>],
    own: usize,
    names: &[String],
) -> Result<Vec<Field<'m>>, String> {
    let mut used = vec![false; fields.len()];
    let mut selected = Vec::with_capacity(names.len());
    for name in names {
        let found = fields.iter().enumerate().rev().find(|(i, (field, _))| {
            !used.get(*i).copied().unwrap_or(true)
                && trim_fws(field).eq_ignore_ascii_case(name.as_bytes())
        });
        if let Some((i, field)) = found {
            if i == own {
                return Err(format!(
                    "h= selects the DKIM-Signature field being verified (through {name:?}), which it must not include (RFC 6376 §3.5)"
                ));
            }
            if let Some(slot) = used.get_mut(i) {
                *slot = true;
            }
            selected.push(*field);
        }
    }
    Ok(selected)
}

/// The value of the DKIM-Signature being verified as it was signed: the
/// value of `b=` deleted (with the white space around it) and no final
/// CRLF (§3.7).
fn without_b_value(value: &[u8]) -> Vec<u8> {
    let value = value
        .strip_suffix(b"\r\n")
        .or_else(|| value.strip_suffix(b"\n"))
        .unwrap_or(value);
    let mut out = Vec::with_capacity(value.len());
    for (i, spec) in value.split(|&b| b == b';').enumerate() {
        if i > 0 {
            out.push(b';');
        }
        match spec.iter().position(|&b| b == b'=') {
            Some(eq) if trim_fws(spec.get(..eq).unwrap_or_default()) == b"b" => {
                out.extend_from_slice(spec.get(..=eq).unwrap_or_default());
            }
            _ => out.extend_from_slice(spec),
        }
    }
    out
}

/// A key that passed every rule of §3.6.1 and §6.1.2 for this signature.
struct UsableKey {
    bits: u32,
    verifier: Box<dyn VerifyingKey + Send + Sync>,
}

/// The key records at a name, sorted into the usable and the refused.
struct Keys {
    usable: Vec<UsableKey>,
    refused: Vec<KeyError>,
    /// The size of the first refused key whose `p=` could be read.
    first_bits: Option<u32>,
    /// A record read without syntax errors has `t=y`.
    testing: bool,
}

impl Keys {
    /// Why no key can be used: the one record's reason, or each record's.
    fn refusal(&self, name: &str) -> String {
        match self.refused.as_slice() {
            [one] => one.to_string(),
            many => format!(
                "none of the {} key records at {name} is usable (RFC 6376 §6.1.2): {}",
                many.len(),
                many.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    }
}

/// Applies the key rules to every record at the key's name. Several
/// records at one name are the publisher's mistake (§3.6.2.2: "the results
/// are undefined"), and §6.1.2 leaves them to the verifier ("can choose one
/// of the key records or may cycle through the key records"): this one
/// tries them all, sorted so that the verdict does not depend on the order
/// DNS gives them in, and passes when any usable key verifies.
fn usable_keys(mut records: Vec<Vec<u8>>, signature: &Signature) -> Keys {
    records.sort();
    records.dedup();
    let mut keys = Keys {
        usable: Vec::new(),
        refused: Vec::new(),
        first_bits: None,
        testing: false,
    };
    for record in &records {
        let key = match KeyRecord::parse(record) {
            Ok(key) => key,
            Err(err) => {
                keys.refused.push(err);
                continue;
            }
        };
        keys.testing |= key.testing();
        match key
            .check(signature)
            .and_then(|material| Ok((material.bits(), material.verifying_key()?)))
        {
            Ok((bits, verifier)) => keys.usable.push(UsableKey { bits, verifier }),
            Err(err) => {
                keys.first_bits = keys.first_bits.or(key.bits());
                keys.refused.push(err);
            }
        }
    }
    keys
}

/// The body canonicalised each way, computed when first asked for.
struct CanonicalBodies<'a> {
    raw: &'a [u8],
    simple: Option<Vec<u8>>,
    relaxed: Option<Vec<u8>>,
}

impl<'a> CanonicalBodies<'a> {
    fn new(raw: &'a [u8]) -> Self {
        CanonicalBodies {
            raw,
            simple: None,
            relaxed: None,
        }
    }

    /// The whole canonicalised body (§3.4.3, §3.4.4). `l=` counts octets
    /// of this, not of the raw body (§3.5), so it is cut here, never
    /// before canonicalisation.
    fn get(&mut self, canonicalization: Canonicalization) -> &[u8] {
        let raw = self.raw;
        let slot = match canonicalization {
            Canonicalization::Simple => &mut self.simple,
            Canonicalization::Relaxed => &mut self.relaxed,
        };
        slot.get_or_insert_with(|| {
            let mut out = Vec::with_capacity(raw.len() + 2);
            canonicalization.canonical_body(raw, 0).write(&mut out);
            out
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_value_is_emptied_wherever_it_is() {
        assert_eq!(
            without_b_value(b" v=1; b=abc\r\n def; bh=xyz\r\n"),
            b" v=1; b=; bh=xyz".to_vec()
        );
        assert_eq!(
            without_b_value(b" v=1; bh=xyz;\r\n b = abc\r\n"),
            b" v=1; bh=xyz;\r\n b =".to_vec()
        );
        assert_eq!(without_b_value(b" a=b"), b" a=b".to_vec());
    }

    #[test]
    fn fields_are_chosen_from_the_bottom() {
        let fields: Vec<Field<'_>> = vec![
            (b"From", b" a\r\n"),
            (b"Subject", b" one\r\n"),
            (b"DKIM-Signature", b" x\r\n"),
            (b"subject ", b" two\r\n"),
        ];
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let chosen = select_fields(
            &fields,
            2,
            &names(&["from", "subject", "subject", "subject"]),
        )
        .unwrap();
        assert_eq!(
            chosen.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            vec![&b" a\r\n"[..], b" two\r\n", b" one\r\n"]
        );
        assert!(select_fields(&fields, 2, &names(&["from", "dkim-signature"])).is_err());
    }

    #[test]
    fn canonical_bodies() {
        let mut bodies = CanonicalBodies::new(b"Hi  there \r\n\r\n\r\n");
        assert_eq!(bodies.get(Canonicalization::Relaxed), b"Hi there\r\n");
        assert_eq!(bodies.get(Canonicalization::Simple), b"Hi  there \r\n");
        let mut empty = CanonicalBodies::new(b"");
        assert_eq!(empty.get(Canonicalization::Simple), b"\r\n");
        assert_eq!(empty.get(Canonicalization::Relaxed), b"");
    }
}
