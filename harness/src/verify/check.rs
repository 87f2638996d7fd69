use std::net::{IpAddr, SocketAddr};

use mail_auth::{
    AuthenticatedMessage, AuthenticationResults, DkimResult, DmarcResult, MessageAuthenticator,
    SpfOutput, SpfResult,
    common::{cache::NoCache, headers::HeaderWriter},
    dmarc::Policy,
    dmarc::verify::DmarcParameters,
    spf::verify::SpfParameters,
};

use super::verdict::{
    ArcVerdict, DkimVerdict, DmarcVerdict, PublishedPolicy, ReportAddress, SpfVerdict, Verdict,
    domain_of,
};
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
    pub(super) authenticator: MessageAuthenticator,
    pub(super) hostname: String,
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

    /// A verifier that resolves through the system's resolver
    /// (`/etc/resolv.conf`), without a cache: live mode's real DNS.
    pub fn system(hostname: &str) -> Result<Verifier, String> {
        let (config, mut opts) = mail_auth::hickory_resolver::system_conf::read_system_conf()
            .map_err(|e| e.to_string())?;
        opts.cache_size = 0;
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
        let helo_spf = self.enforce_single_record(helo_spf, input.client_ip).await;
        let mail_from_spf = if input.mail_from.is_empty() {
            helo_spf.clone()
        } else {
            self.enforce_single_record(mail_from_spf, input.client_ip)
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
                    rua: Vec::new(),
                    published: None,
                },
                arc: ArcVerdict {
                    result: DkimResultName::None,
                    sets: 0,
                },
                authentication_results: format!("{}; none (unparseable message)", self.hostname),
            };
        };
        let dkim_outputs = self.authenticator.verify_dkim(&message).await;
        let arc_output = self.authenticator.verify_arc(&message).await;
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
        // Which signatures DMARC counted: with one passing signature it is
        // that one; with several, each is judged alone, by mail-auth's own
        // alignment rules.
        let dkim_aligned = *dmarc.dkim_result() == DmarcResult::Pass;
        let passing: Vec<usize> = (0..dkim_outputs.len())
            .filter(|&i| matches!(dkim_outputs[i].result(), DkimResult::Pass))
            .collect();
        let mut aligned = vec![false; dkim_outputs.len()];
        if dkim_aligned && passing.len() == 1 {
            aligned[passing[0]] = true;
        } else if dkim_aligned {
            for &i in &passing {
                let alone = self
                    .authenticator
                    .verify_dmarc(DmarcParameters::new(
                        &message,
                        &dkim_outputs[i..=i],
                        &mail_from_domain,
                        &mail_from_spf,
                    ))
                    .await;
                aligned[i] = *alone.dkim_result() == DmarcResult::Pass;
            }
        }
        let dkim = dkim_outputs
            .iter()
            .zip(aligned)
            .map(|(output, aligned)| {
                let (result, reason) = dkim_name(output.result());
                let signature = output.signature();
                DkimVerdict {
                    domain: signature.map_or_else(String::new, |s| s.d.to_ascii_lowercase()),
                    selector: signature.map_or_else(String::new, |s| s.s.clone()),
                    algorithm: signature.map_or_else(String::new, |s| s.a.name().to_string()),
                    result,
                    aligned,
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
        let (rua, published) = match dmarc.dmarc_record() {
            Some(record) => {
                let (policy_domain, text) = self.policy_domain(dmarc.domain()).await;
                let rua = self.report_addresses(&policy_domain, record).await;
                let published = published_policy(policy_domain, record, text.as_deref());
                (rua, Some(published))
            }
            None => (Vec::new(), None),
        };
        let dmarc_verdict = DmarcVerdict {
            result,
            domain: dmarc.domain().to_string(),
            policy,
            spf_aligned: *dmarc.spf_result() == DmarcResult::Pass,
            dkim_aligned,
            disposition,
            rua,
            published,
        };
        let arc = ArcVerdict {
            result: dkim_name(arc_output.result()).0,
            sets: arc_output.sets().len(),
        };
        let header = AuthenticationResults::new(&self.hostname)
            .with_dkim_results(&dkim_outputs, header_from.as_deref().unwrap_or_default())
            .with_spf_ehlo_result(&helo_spf, input.client_ip, input.helo)
            .with_spf_mailfrom_result(&mail_from_spf, input.client_ip, input.mail_from, input.helo)
            .with_arc_result(&arc_output, input.client_ip)
            .with_dmarc_result(&dmarc)
            .to_header();
        // Keep the header consistent with the verdict (see dkim_name).
        let authentication_results = header
            .trim_start_matches("Authentication-Results:")
            .trim()
            .replace(
                "dkim=neutral (body hash did not verify)",
                "dkim=fail (body hash did not verify)",
            );
        Verdict {
            header_from,
            header_from_domain,
            return_path_domain,
            spf,
            dkim,
            dmarc: dmarc_verdict,
            arc,
            authentication_results,
        }
    }

    /// Two rules of RFC 7208 that mail-auth 0.13 does not apply: more than
    /// one SPF record at a name (§4.5) and more than two void lookups
    /// (§4.6.4) both make the result a permerror.
    pub(super) async fn enforce_single_record(&self, output: SpfOutput, ip: IpAddr) -> SpfOutput {
        if matches!(
            output.result(),
            SpfResult::TempError | SpfResult::PermError | SpfResult::None
        ) {
            return output;
        }
        // RFC 7208 §4.6.4: more than two void lookups is a permerror too.
        if super::spf_void::void_lookups(self.authenticator.resolver(), output.domain(), ip)
            .await
            .is_some_and(|voids| voids > 2)
        {
            return output.with_result(SpfResult::PermError);
        }
        let name = format!("{}.", output.domain().trim_end_matches('.'));
        let Ok(lookup) = self
            .authenticator
            .resolver()
            .txt_lookup(name.as_str())
            .await
        else {
            return output;
        };
        let records = lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                mail_auth::hickory_resolver::proto::rr::RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .flat_map(|part| part.iter().copied())
                        .collect::<Vec<u8>>(),
                ),
                _ => None,
            })
            .filter(|text| is_spf_record(text))
            .count();
        if records > 1 {
            output.with_result(SpfResult::PermError)
        } else {
            output
        }
    }

    /// The domain the DMARC record was found at: the author domain or the
    /// first parent with a `_dmarc` record (the tree walk, at most 8 steps),
    /// and the record's text. RFC 7489 §7.1 checks report destinations
    /// against this domain.
    async fn policy_domain(&self, author_domain: &str) -> (String, Option<String>) {
        let mut domain = author_domain.trim_end_matches('.').to_string();
        for _ in 0..8 {
            let name = format!("_dmarc.{domain}.");
            if let Ok(lookup) = self
                .authenticator
                .resolver()
                .txt_lookup(name.as_str())
                .await
                && let Some(text) = lookup.answers().iter().find_map(|r| match &r.data {
                    mail_auth::hickory_resolver::proto::rr::RData::TXT(t)
                        if t.txt_data.first().is_some_and(|p| {
                            p.len() >= 8 && p[..8].eq_ignore_ascii_case(b"v=DMARC1")
                        }) =>
                    {
                        Some(String::from_utf8_lossy(&t.txt_data.concat()).into_owned())
                    }
                    _ => None,
                })
            {
                return (domain, Some(text));
            }
            match domain.split_once('.') {
                Some((_, parent)) if parent.contains('.') => domain = parent.to_string(),
                _ => break,
            }
        }
        (author_domain.to_string(), None)
    }

    /// Each `rua` destination of `record` with whether it is authorised
    /// (RFC 7489 §7.1): inside the policy domain, or published by the
    /// destination as `<domain>._report._dmarc.<destination>`.
    async fn report_addresses(
        &self,
        domain: &str,
        record: &mail_auth::dmarc::Dmarc,
    ) -> Vec<ReportAddress> {
        let addresses: Vec<String> = record
            .rua
            .iter()
            .map(|uri| {
                uri.uri
                    .strip_prefix("mailto:")
                    .unwrap_or(&uri.uri)
                    .to_string()
            })
            .collect();
        let authorized = self
            .authenticator
            .verify_dmarc_report_address(
                domain,
                &addresses,
                None::<&NoCache<Box<str>, mail_auth::Txt>>,
            )
            .await
            .unwrap_or_default();
        addresses
            .iter()
            .map(|a| ReportAddress {
                address: a.clone(),
                authorized: authorized.contains(&a),
            })
            .collect()
    }
}

/// The record as an aggregate report's `policy_published` lists it.
/// mail-auth parses `adkim`, `aspf`, `p` and `sp`; `pct` and `fo`, which it
/// does not keep, are read from the record's text.
fn published_policy(
    domain: String,
    record: &mail_auth::dmarc::Dmarc,
    text: Option<&str>,
) -> PublishedPolicy {
    let alignment = |a: mail_auth::dmarc::Alignment| match a {
        mail_auth::dmarc::Alignment::Relaxed => "r".to_string(),
        mail_auth::dmarc::Alignment::Strict => "s".to_string(),
    };
    let tag = |name: &str| text.and_then(|t| dmarc_tag(t, name));
    PublishedPolicy {
        domain,
        adkim: alignment(record.adkim),
        aspf: alignment(record.aspf),
        p: policy_name(record.p),
        sp: policy_name(record.sp),
        pct: tag("pct")
            .and_then(|v| v.parse::<u8>().ok())
            .filter(|v| *v <= 100)
            .unwrap_or(100),
        fo: tag("fo").unwrap_or_else(|| "0".to_string()),
    }
}

/// The value of tag `name` in a DMARC record (`v=DMARC1; p=none; pct=50`).
fn dmarc_tag(record: &str, name: &str) -> Option<String> {
    record.split(';').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}

fn is_spf_record(text: &[u8]) -> bool {
    text.len() >= 6
        && text[..6].eq_ignore_ascii_case(b"v=spf1")
        && (text.len() == 6 || text[6] == b' ')
}

pub(super) fn spf_name(result: SpfResult) -> SpfResultName {
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
        // RFC 6376 §6.1.3: a body hash that does not verify is a PERMFAIL,
        // reported as "fail" (RFC 8601 §2.7.1); mail-auth says neutral.
        DkimResult::Neutral(
            e @ mail_auth::Error::Dkim(mail_auth::dkim::DkimError::FailedBodyHashMatch),
        ) => (DkimResultName::Fail, Some(e.to_string())),
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
