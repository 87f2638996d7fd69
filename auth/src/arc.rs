//! ARC (RFC 8617) through mail-auth: the chain's seals and the newest
//! ARC-Message-Signature are verified by mail-auth's code, with every key
//! it needs fetched beforehand through the judge's [`Lookup`] and handed to
//! it as a filled cache, so that no query leaves by another path.

use std::{
    borrow::Borrow,
    collections::HashMap,
    hash::Hash,
    sync::{Mutex, OnceLock},
    time::Instant,
};

use mail_auth::{
    AuthenticatedMessage, MessageAuthenticator, Parameters, ResolverCache, Txt,
    common::{parse::TxtRecordParser, verify::DomainKey, verify::VerifySignature},
    hickory_resolver::config::{ResolverConfig, ResolverOpts},
};

use crate::{
    DkimResult,
    dns::{DnsError, Lookup},
};

/// The ARC chain's validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArcOutcome {
    /// `none` without ARC sets; `pass` or `fail` (RFC 8617 §4.4); a
    /// temporary DNS failure while fetching a key is `temperror`.
    pub result: DkimResult,
    pub sets: usize,
    pub reason: Option<String>,
}

/// Validates the ARC chain of `message`.
pub async fn verify(lookup: &impl Lookup, message: &AuthenticatedMessage<'_>) -> ArcOutcome {
    let sets = message.ams_headers.len();
    if sets == 0 && message.as_headers.is_empty() && !message.has_arc_errors {
        return ArcOutcome {
            result: DkimResult::None,
            sets: 0,
            reason: None,
        };
    }
    // Every key the chain names: the seals' and the signatures'.
    let mut names: Vec<String> = message
        .as_headers
        .iter()
        .map(|h| h.header.domain_key())
        .chain(message.ams_headers.iter().map(|h| h.header.domain_key()))
        .collect();
    names.sort();
    names.dedup();
    let cache = Filled::default();
    for name in names {
        let entry = match lookup.txt(name.trim_end_matches('.')).await {
            Ok(records) => {
                let mut parsed = Err(mail_auth::Error::Dns(
                    mail_auth::DnsError::InvalidRecordType,
                ));
                for record in &records {
                    parsed = DomainKey::parse(record);
                    if parsed.is_ok() {
                        break;
                    }
                }
                if records.is_empty() {
                    parsed = Err(not_found());
                }
                Txt::from(parsed)
            }
            Err(DnsError::NxDomain) | Err(DnsError::InvalidName(_)) => Txt::Error(not_found()),
            Err(DnsError::Temporary(why)) => {
                Txt::Error(mail_auth::Error::Dns(mail_auth::DnsError::Resolver(why)))
            }
        };
        cache.insert(name.into_boxed_str(), entry, Instant::now());
    }
    let output = authenticator()
        .verify_arc(Parameters::new(message).with_txt_cache(&cache))
        .await;
    let (result, reason) = match output.result() {
        mail_auth::DkimResult::Pass => (DkimResult::Pass, None),
        mail_auth::DkimResult::None => (DkimResult::None, None),
        mail_auth::DkimResult::TempError(e) => (DkimResult::TempError, Some(e.to_string())),
        // RFC 8617 §5.2: a seal or the newest message signature that does
        // not validate, for whatever reason, makes the chain fail.
        mail_auth::DkimResult::Fail(e)
        | mail_auth::DkimResult::Neutral(e)
        | mail_auth::DkimResult::PermError(e) => (DkimResult::Fail, Some(e.to_string())),
    };
    ArcOutcome {
        result,
        sets: output.sets().len().max(sets),
        reason,
    }
}

fn not_found() -> mail_auth::Error {
    mail_auth::Error::Dns(mail_auth::DnsError::RecordNotFound(
        mail_auth::hickory_resolver::proto::op::ResponseCode::NXDomain,
    ))
}

/// mail-auth needs an authenticator to call its verifier; this one has no
/// nameserver, so a key missing from the filled cache could never be
/// fetched behind the judge's back.
fn authenticator() -> &'static MessageAuthenticator {
    static AUTHENTICATOR: OnceLock<MessageAuthenticator> = OnceLock::new();
    AUTHENTICATOR.get_or_init(|| {
        MessageAuthenticator::new(
            ResolverConfig::from_name_servers(vec![]),
            ResolverOpts::default(),
        )
        .expect("a resolver without nameservers builds")
    })
}

/// The keys fetched for one verification.
#[derive(Default)]
struct Filled(Mutex<HashMap<Box<str>, Txt>>);

impl ResolverCache<Box<str>, Txt> for Filled {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().ok()?.get(name).cloned()
    }

    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().ok()?.remove(name)
    }

    fn insert(&self, key: Box<str>, value: Txt, _valid_until: Instant) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(key, value);
        }
    }
}
