use std::net::{IpAddr, SocketAddr};

use mail_auth::{
    AuthenticatedMessage, AuthenticationResults, DkimResult, DmarcResult, MessageAuthenticator,
    SpfResult, common::headers::HeaderWriter, dmarc::Policy, dmarc::verify::DmarcParameters,
    spf::verify::SpfParameters,
};

use super::verdict::{DkimVerdict, DmarcVerdict, SpfVerdict, Verdict, domain_of};
use crate::scenario::{DkimResultName, DmarcResultName, PolicyName, SpfResultName};

/// What crossed the socket, as the receiving MTA saw it.
#[derive(Clone, Copy, Debug)]
pub struct VerifyInput<'a> {
    pub raw: &'a [u8],
    pub client_ip: IpAddr,
    pub helo: &'a str,
    pub mail_from: &'a str,
}

/// A verifier bound to one nameserver. Create one per scenario: its
/// resolver keeps no cache, so a changed key is never judged stale.
pub struct Verifier {
    authenticator: MessageAuthenticator,
    hostname: String,
}

impl Verifier {
    /// `hostname` is the receiver's name in `Authentication-Results`.
    pub fn new(nameserver: SocketAddr, hostname: &str) -> Result<Verifier, String> {
        let (config, opts) = crate::dns::resolver_config(nameserver);
        let authenticator = MessageAuthenticator::new(config, opts).map_err(|e| e.to_string())?;
        Ok(Verifier {
            authenticator,
            hostname: hostname.to_string(),
        })
    }

    pub async fn verify(&self, input: VerifyInput<'_>) -> Verdict {
        let parsed = AuthenticatedMessage::parse(input.raw);
        let helo_spf = self
            .authenticator
            .verify_spf(SpfParameters::verify_ehlo(
                input.client_ip,
                input.helo,
                &self.hostname,
            ))
            .await;
        let mail_from_spf = if input.mail_from.is_empty() {
            helo_spf.clone()
        } else {
            self.authenticator
                .verify_spf(SpfParameters::verify_mail_from(
                    input.client_ip,
                    input.helo,
                    &self.hostname,
                    input.mail_from,
                ))
                .await
        };
        let spf = SpfVerdict {
            result: spf_name(mail_from_spf.result()),
            domain: mail_from_spf.domain().to_ascii_lowercase(),
            helo_result: spf_name(helo_spf.result()),
            helo_domain: helo_spf.domain().to_ascii_lowercase(),
        };
        let return_path_domain = domain_of(input.mail_from);

        let Some(message) = parsed else {
            return Verdict {
                header_from: None,
                header_from_domain: None,
                return_path_domain,
                spf,
                dkim: Vec::new(),
                dmarc: DmarcVerdict {
                    result: DmarcResultName::None,
                    domain: String::new(),
                    policy: None,
                    spf_aligned: false,
                    dkim_aligned: false,
                    disposition: PolicyName::None,
                },
                authentication_results: format!("{}; none (unparseable message)", self.hostname),
            };
        };
        let dkim_outputs = self.authenticator.verify_dkim(&message).await;
        let mail_from_domain = if input.mail_from.is_empty() {
            input.helo.to_string()
        } else {
            return_path_domain.clone()
        };
        let dmarc = self
            .authenticator
            .verify_dmarc(DmarcParameters::new(
                &message,
                &dkim_outputs,
                &mail_from_domain,
                &mail_from_spf,
            ))
            .await;

        let header_from = message.from.first().cloned();
        let header_from_domain = header_from.as_deref().map(domain_of);
        let dkim = dkim_outputs
            .iter()
            .map(|output| {
                let (result, reason) = dkim_name(output.result());
                let signature = output.signature();
                DkimVerdict {
                    domain: signature.map_or_else(String::new, |s| s.d.to_ascii_lowercase()),
                    selector: signature.map_or_else(String::new, |s| s.s.clone()),
                    algorithm: signature.map_or_else(String::new, |s| s.a.name().to_string()),
                    result,
                    reason,
                }
            })
            .collect();

        let result = dmarc_name(&dmarc.result());
        let has_record = dmarc.dmarc_record().is_some();
        let policy = has_record.then(|| policy_name(dmarc.policy()));
        let disposition = match (result, policy) {
            (DmarcResultName::Pass, _) | (_, None) => PolicyName::None,
            (_, Some(p)) => p,
        };
        let dmarc_verdict = DmarcVerdict {
            result,
            domain: dmarc.domain().to_string(),
            policy,
            spf_aligned: *dmarc.spf_result() == DmarcResult::Pass,
            dkim_aligned: *dmarc.dkim_result() == DmarcResult::Pass,
            disposition,
        };
        let header = AuthenticationResults::new(&self.hostname)
            .with_dkim_results(&dkim_outputs, header_from.as_deref().unwrap_or_default())
            .with_spf_ehlo_result(&helo_spf, input.client_ip, input.helo)
            .with_spf_mailfrom_result(&mail_from_spf, input.client_ip, input.mail_from, input.helo)
            .with_dmarc_result(&dmarc)
            .to_header();
        let authentication_results = header
            .trim_start_matches("Authentication-Results:")
            .trim()
            .to_string();
        Verdict {
            header_from,
            header_from_domain,
            return_path_domain,
            spf,
            dkim,
            dmarc: dmarc_verdict,
            authentication_results,
        }
    }
}

fn spf_name(result: SpfResult) -> SpfResultName {
    match result {
        SpfResult::Pass => SpfResultName::Pass,
        SpfResult::Fail => SpfResultName::Fail,
        SpfResult::SoftFail => SpfResultName::SoftFail,
        SpfResult::Neutral => SpfResultName::Neutral,
        SpfResult::TempError => SpfResultName::TempError,
        SpfResult::PermError => SpfResultName::PermError,
        SpfResult::None => SpfResultName::None,
    }
}

fn dkim_name(result: &DkimResult) -> (DkimResultName, Option<String>) {
    match result {
        DkimResult::Pass => (DkimResultName::Pass, None),
        DkimResult::Neutral(e) => (DkimResultName::Neutral, Some(e.to_string())),
        DkimResult::Fail(e) => (DkimResultName::Fail, Some(e.to_string())),
        DkimResult::PermError(e) => (DkimResultName::PermError, Some(e.to_string())),
        DkimResult::TempError(e) => (DkimResultName::TempError, Some(e.to_string())),
        DkimResult::None => (DkimResultName::None, None),
    }
}

fn dmarc_name(result: &DmarcResult) -> DmarcResultName {
    match result {
        DmarcResult::Pass => DmarcResultName::Pass,
        DmarcResult::Fail(_) => DmarcResultName::Fail,
        DmarcResult::TempError(_) => DmarcResultName::TempError,
        DmarcResult::PermError(_) => DmarcResultName::PermError,
        DmarcResult::None => DmarcResultName::None,
    }
}

fn policy_name(policy: Policy) -> PolicyName {
    match policy {
        Policy::Quarantine => PolicyName::Quarantine,
        Policy::Reject => PolicyName::Reject,
        Policy::None | Policy::Unspecified => PolicyName::None,
    }
}
