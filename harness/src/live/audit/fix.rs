//! What is left to do: the records still missing, as SES asks for them,
//! and the findings that are not a record to publish.

use mailharness_auth::spf::MAX_DNS_TERMS;
use mock_dns::Record;

use super::{
    predict::Prediction,
    probe::{DkimProbe, DmarcProbe, MailFromProbe, Probe},
};
use crate::{live::IdentityAttributes, ses};

/// The TTL of a report authorisation record.
const TTL: u32 = 300;

/// The records to publish and the other findings, in the order of the
/// checks.
#[derive(Default)]
pub(super) struct Fixes {
    pub missing: Vec<Record>,
    pub notes: Vec<String>,
}

/// What the identity still needs, from what DNS holds and the prediction.
pub(super) fn fix(
    attributes: &IdentityAttributes,
    region: &str,
    probe: &Probe,
    prediction: &Prediction,
) -> Fixes {
    let mut fixes = Fixes::default();
    fixes.dkim(attributes, &probe.dkim);
    fixes.mail_from(
        attributes,
        region,
        &probe.mail_from,
        &prediction.from_domain,
    );
    fixes.dmarc(&attributes.identity, &probe.dmarc);
    fixes.fallback(attributes, prediction);
    fixes
}

impl Fixes {
    fn dkim(&mut self, attributes: &IdentityAttributes, probe: &DkimProbe) {
        let identity = &attributes.identity;
        match probe {
            DkimProbe::EasyDkim(tokens) => {
                for (token, _) in tokens.iter().filter(|(_, check)| !check.ok) {
                    self.missing.push(ses::easy_dkim_record(identity, token));
                }
            }
            DkimProbe::Byodkim(keys) => {
                for check in keys.iter().filter(|check| !check.ok) {
                    self.notes.push(format!(
                        "BYODKIM: publish your public key at {} (TXT \"v=DKIM1; k=rsa; p=…\")",
                        check.name
                    ));
                }
            }
            DkimProbe::Unconfigured => self.notes.push(format!(
                "DKIM: no Easy DKIM tokens for {identity}; enable Easy DKIM (PutEmailIdentityDkimSigningAttributes) to get an author signature d={identity}"
            )),
        }
        if let Some(d) = &attributes.dkim
            && d.status != "SUCCESS"
        {
            self.notes.push(format!(
                "DKIM status is {} (signing {}): SES signs only d={} until it is SUCCESS",
                d.status,
                d.signing(),
                ses::SIGNING_DOMAIN
            ));
        }
    }

    fn mail_from(
        &mut self,
        attributes: &IdentityAttributes,
        region: &str,
        probe: &MailFromProbe,
        from_domain: &str,
    ) {
        let domain = &probe.domain;
        if attributes.mail_from.is_none() {
            self.notes.push(format!(
                "MAIL FROM: no custom MAIL FROM domain; the Return-Path stays {}, so SPF never aligns with {from_domain}. Set one (e.g. {domain}) with PutEmailIdentityMailFromAttributes and publish:",
                ses::default_mail_from_domain(region)
            ));
        }
        if !probe.mx.ok {
            self.missing.push(ses::mail_from_mx(domain, region));
            if probe.mx.found.len() > 1 {
                self.notes.push(format!(
                    "MAIL FROM: {domain} has {} MX records; SES needs exactly one, to {}",
                    probe.mx.found.len(),
                    ses::feedback_mx(region)
                ));
            }
        }
        if !probe.spf.ok {
            if probe.spf.found.is_empty() {
                self.missing.push(ses::mail_from_spf(domain));
            } else {
                self.notes.push(format!(
                    "MAIL FROM: {domain} needs one SPF record with {}, found {:?}",
                    ses::SPF_INCLUDE,
                    probe.spf.found
                ));
            }
        }
        if probe.over_lookup_limit() {
            self.notes.push(format!(
                "SPF: {domain}'s record needs more than {MAX_DNS_TERMS} DNS lookups (permerror)"
            ));
        }
    }

    fn dmarc(&mut self, identity: &str, probe: &DmarcProbe) {
        if !probe.check.ok {
            self.missing.push(ses::dmarc_record(identity));
        }
        for check in probe.reports.iter().filter(|check| !check.ok) {
            self.missing
                .push(Record::txt(&format!("{}.", check.name), TTL, "v=DMARC1"));
        }
    }

    /// SES sends with its own Return-Path while the custom MAIL FROM is not
    /// verified, saying nothing.
    fn fallback(&mut self, attributes: &IdentityAttributes, prediction: &Prediction) {
        if let Some(m) = &attributes.mail_from
            && prediction.silent_fallback
        {
            self.notes.push(format!(
                "MAIL FROM status is {}: with USE_DEFAULT_VALUE SES silently sends with the Return-Path {}",
                m.status, prediction.return_path_domain
            ));
        }
    }
}
