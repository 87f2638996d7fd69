//! The audit of one identity, from its attributes to the checks, the
//! prediction and what is left to publish.

use mailharness_auth::dns::HickoryLookup;
use mock_dns::Record;

use super::{
    fix::fix,
    predict::{Prediction, predict},
    probe::{DnsCheck, Probe},
};
use crate::{live::IdentityAttributes, ses};

/// The audit of one identity: its attributes, the DNS checks, the
/// prediction, the records still missing.
#[derive(Clone, Debug)]
pub struct Audit {
    pub attributes: IdentityAttributes,
    pub region: String,
    pub checks: Vec<DnsCheck>,
    pub spf_lookups: Option<usize>,
    pub prediction: Prediction,
    /// Records to publish, in BIND syntax when printed.
    pub missing: Vec<Record>,
    /// Findings that are not a record to publish.
    pub notes: Vec<String>,
}

impl Audit {
    /// The aligned configuration: custom MAIL FROM in use, the author
    /// signature, DMARC passing aligned both ways, nothing missing.
    pub fn is_aligned(&self) -> bool {
        let p = &self.prediction;
        p.refused.is_none()
            && p.spf_aligned
            && p.dkim_aligned
            && p.dmarc == "pass"
            && self.missing.is_empty()
            && self.checks.iter().all(|c| c.ok)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("the From domain {from} is outside the identity {identity}")]
    FromOutsideIdentity { from: String, identity: String },
}

/// Audits `attributes` (from `GetEmailIdentity` in `region`) against DNS
/// through `lookup`, for mail from `from` (an address or domain; the
/// identity when not given).
pub async fn audit(
    attributes: &IdentityAttributes,
    region: &str,
    from: Option<&str>,
    lookup: &HickoryLookup,
) -> Result<Audit, AuditError> {
    let from_domain = from_domain(&attributes.identity, from)?;
    let probe = Probe::run(lookup, attributes, region, &from_domain).await;
    let prediction = predict(lookup, attributes, region, &from_domain, &probe).await;
    let fixes = fix(attributes, region, &probe, &prediction);
    Ok(Audit {
        attributes: attributes.clone(),
        region: region.to_string(),
        checks: probe.checks(),
        spf_lookups: probe.mail_from.lookups_within_limit().map(|n| n as usize),
        prediction,
        missing: fixes.missing,
        notes: fixes.notes,
    })
}

/// The domain of `from`, which the identity must cover.
fn from_domain(identity: &str, from: Option<&str>) -> Result<String, AuditError> {
    let from_domain = from
        .map(|f| {
            f.rsplit_once('@')
                .map_or(f, |(_, d)| d)
                .trim_end_matches(['>', '.'])
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|| identity.to_string());
    if ses::identity_covers(identity, &from_domain) {
        Ok(from_domain)
    } else {
        Err(AuditError::FromOutsideIdentity {
            from: from_domain,
            identity: identity.to_string(),
        })
    }
}
