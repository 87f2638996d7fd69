//! One message, judged whole: SPF for both identities, every DKIM
//! signature and the ARC chain at the same time, then DMARC under both
//! specifications, the chosen one reported and the other compared.

use std::net::IpAddr;

use mail_auth::AuthenticatedMessage;

use crate::{
    DkimResult, DmarcSpec, arc,
    authres::{HeaderContext, header_value},
    dkim::{self, DkimOutcome},
    dmarc::{self, DmarcInput, DmarcOutcome},
    dns::Lookup,
    join::join,
    once::AskOnce,
    spf::{self, Receiver, SpfOutcome},
    verdict::{
        ArcVerdict, BodyLengthVerdict, DkimVerdict, DmarcDifference, DmarcVerdict, PublishedPolicy,
        ReportAddress, SpfVerdict, Verdict, domain_of,
    },
};

/// What crossed the socket besides the message: the SMTP envelope as the
/// receiving MTA saw it.
#[derive(Clone, Copy, Debug)]
pub struct Envelope<'a> {
    pub client_ip: IpAddr,
    /// The HELO/EHLO argument, as sent.
    pub helo: &'a str,
    /// The MAIL FROM address without angle brackets; `""` for the null
    /// sender.
    pub mail_from: &'a str,
}

/// A receiver's judgement, bound to a DNS client.
pub struct Judge<L> {
    lookup: L,
    authserv_id: String,
    spec: DmarcSpec,
}

impl<L: Lookup> Judge<L> {
    /// `authserv_id` is the receiver's name in `Authentication-Results`
    /// and the SPF `%{r}` macro. DMARC follows [`DmarcSpec::default`].
    pub fn new(lookup: L, authserv_id: &str) -> Judge<L> {
        Judge {
            lookup,
            authserv_id: authserv_id.to_string(),
            spec: DmarcSpec::default(),
        }
    }

    /// The DMARC specification the verdict follows.
    pub fn with_spec(mut self, spec: DmarcSpec) -> Judge<L> {
        self.spec = spec;
        self
    }

    pub fn spec(&self) -> DmarcSpec {
        self.spec
    }

    pub fn lookup(&self) -> &L {
        &self.lookup
    }

    pub fn authserv_id(&self) -> &str {
        &self.authserv_id
    }

    /// The verdict on `raw` (the message as received) delivered with
    /// `envelope`; `now` (seconds since the Unix epoch) decides DKIM
    /// expiry and the SPF `%{t}` macro.
    pub async fn verify(&self, raw: &[u8], envelope: Envelope<'_>, now: u64) -> Verdict {
        let receiver = Receiver {
            name: &self.authserv_id,
            now,
        };
        // Each question once for this message; the DMARC policy records
        // of the author domains are asked for at once, beside SPF and
        // DKIM, so that DMARC later finds them answered.
        let once = AskOnce::new(&self.lookup);
        let lookup = &once;
        let parsed = AuthenticatedMessage::parse(raw);
        let from_addresses: Vec<String> =
            parsed.as_ref().map(|m| m.from.clone()).unwrap_or_default();
        let from_fields = parsed.as_ref().map_or(0, |m| {
            m.headers
                .iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case(b"from"))
                .count()
        });
        let from_domains: Vec<String> = from_addresses.iter().map(|a| domain_of(a)).collect();
        let spf_checks = join(
            spf::check_mail_from(
                lookup,
                receiver,
                envelope.client_ip,
                envelope.mail_from,
                envelope.helo,
            ),
            spf::check_helo(lookup, receiver, envelope.client_ip, envelope.helo),
        );
        let dkim = async {
            match &parsed {
                Some(message) => dkim::verify_parsed(lookup, raw, message, now).await,
                None => Vec::new(),
            }
        };
        let signatures = join(dkim, async {
            match &parsed {
                Some(message) => arc::verify(lookup, message).await,
                None => arc::ArcOutcome {
                    result: DkimResult::None,
                    sets: 0,
                    reason: None,
                },
            }
        });
        let policies = dmarc::prefetch(lookup, from_fields, &from_domains);
        // The signatures are polled first: their parsing and body
        // canonicalisation run before the first poll returns, so that no
        // query of SPF or DMARC is in flight, its timeout running, while a
        // large message is worked through on this task.
        let (((dkim, arc), (mail_from_spf, helo_spf)), ()) =
            join(join(signatures, spf_checks), policies).await;
        let dkim_pairs: Vec<(DkimResult, &str)> =
            dkim.iter().map(|d| (d.result, d.domain.as_str())).collect();
        let input = DmarcInput {
            from_fields,
            from_domains: &from_domains,
            spf: (mail_from_spf.result, mail_from_spf.domain.as_str()),
            dkim: &dkim_pairs,
        };
        let (chosen, other) = join(
            dmarc::evaluate(lookup, self.spec, &input),
            dmarc::evaluate(lookup, self.spec.other(), &input),
        )
        .await;

        let mut verdict = Verdict {
            header_from: from_addresses.first().cloned(),
            header_from_domain: from_domains.first().cloned(),
            other_from: from_addresses.iter().skip(1).cloned().collect(),
            return_path_domain: domain_of(envelope.mail_from),
            spf: spf_verdict(&mail_from_spf, &helo_spf),
            dkim: dkim
                .iter()
                .enumerate()
                .map(|(i, d)| dkim_verdict(d, chosen.dkim_aligned.get(i).copied()))
                .collect(),
            dmarc: dmarc_verdict(&chosen),
            dmarc_other_spec: difference(&chosen, &other),
            arc: ArcVerdict {
                result: arc.result,
                sets: arc.sets,
                reason: arc.reason,
            },
            authentication_results: String::new(),
        };
        let header_b: Vec<String> = dkim.iter().map(|d| d.header_b.clone()).collect();
        verdict.authentication_results = header_value(
            &verdict,
            &HeaderContext {
                authserv_id: &self.authserv_id,
                client_ip: envelope.client_ip,
                helo: envelope.helo,
                mail_from: envelope.mail_from,
                header_b: &header_b,
            },
        );
        verdict
    }
}

fn spf_verdict(mail_from: &SpfOutcome, helo: &SpfOutcome) -> SpfVerdict {
    SpfVerdict {
        result: mail_from.result,
        domain: mail_from.domain.to_ascii_lowercase(),
        reason: mail_from.reason.clone(),
        explanation: mail_from.explanation.clone(),
        dns_lookups: mail_from.dns_lookups,
        helo_result: helo.result,
        helo_domain: helo.domain.to_ascii_lowercase(),
    }
}

fn dkim_verdict(outcome: &DkimOutcome, aligned: Option<bool>) -> DkimVerdict {
    DkimVerdict {
        domain: outcome.domain.clone(),
        selector: outcome.selector.clone(),
        algorithm: outcome.algorithm.clone(),
        result: outcome.result,
        aligned: aligned.unwrap_or(false),
        reason: outcome.reason.clone(),
        key_bits: outcome.key_bits,
        body_length: outcome.body_length.map(|b| BodyLengthVerdict {
            signed: b.signed,
            total: b.total,
        }),
    }
}

fn dmarc_verdict(outcome: &DmarcOutcome) -> DmarcVerdict {
    let record = outcome.record.as_ref();
    DmarcVerdict {
        spec: outcome.spec,
        result: outcome.result,
        domain: outcome.author_domain.clone(),
        org_domain: outcome.org_domain.clone(),
        policy: outcome.policy,
        spf_aligned: outcome.spf_aligned,
        dkim_aligned: outcome.dkim_aligned.iter().any(|a| *a),
        disposition: outcome.disposition,
        unsampled_disposition: outcome.unsampled_disposition,
        rua: record
            .map(|r| {
                r.rua
                    .iter()
                    .map(|u| ReportAddress {
                        address: u.uri.strip_prefix("mailto:").unwrap_or(&u.uri).to_string(),
                        authorized: u.authorized,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        published: record.map(|r| PublishedPolicy {
            domain: r.domain.clone(),
            adkim: r.adkim.to_string(),
            aspf: r.aspf.to_string(),
            p: r.p,
            sp: r.sp.unwrap_or(r.p),
            np: r.np,
            pct: r.pct,
            testing: r.testing,
            psd: r.psd.map(|c| c.to_string()),
            fo: r.fo.clone(),
        }),
        notes: outcome.notes.clone(),
    }
}

/// The other specification's outcome when a reader would act differently
/// on it: another result, policy, disposition or alignment.
fn difference(chosen: &DmarcOutcome, other: &DmarcOutcome) -> Option<DmarcDifference> {
    let aligned = |o: &DmarcOutcome| o.dkim_aligned.iter().any(|a| *a);
    let same = chosen.result == other.result
        && chosen.policy == other.policy
        && chosen.disposition == other.disposition
        && chosen.unsampled_disposition == other.unsampled_disposition
        && chosen.spf_aligned == other.spf_aligned
        && aligned(chosen) == aligned(other);
    if same {
        return None;
    }
    let record_domain = |o: &DmarcOutcome| o.record.as_ref().map(|r| r.domain.clone());
    let mut why = Vec::new();
    if chosen.org_domain != other.org_domain {
        why.push(format!(
            "organizational domain of {}: {} under {}, {} under {}",
            chosen.author_domain,
            chosen.org_domain.as_deref().unwrap_or("none"),
            chosen.spec,
            other.org_domain.as_deref().unwrap_or("none"),
            other.spec,
        ));
    }
    if record_domain(chosen) != record_domain(other) {
        let shown = |o: &DmarcOutcome| {
            record_domain(o).map_or_else(|| "no record".to_string(), |d| format!("_dmarc.{d}"))
        };
        why.push(format!(
            "record applied: {} under {}, {} under {}",
            shown(chosen),
            chosen.spec,
            shown(other),
            other.spec
        ));
    }
    if chosen.policy != other.policy
        || chosen.disposition != other.disposition
        || chosen.unsampled_disposition != other.unsampled_disposition
    {
        let shown = |o: &DmarcOutcome| {
            let policy = match (o.policy, o.policy_tag) {
                (Some(p), Some(tag)) => format!("policy {p} (from {tag}=)"),
                (Some(p), None) => format!("policy {p}"),
                (None, _) => "no policy".to_string(),
            };
            let sample = o
                .unsampled_disposition
                .map(|d| format!(" ({d} outside the pct sample)"))
                .unwrap_or_default();
            format!("{policy}, disposition {}{sample}", o.disposition)
        };
        why.push(format!(
            "{} under {}, {} under {}",
            shown(chosen),
            chosen.spec,
            shown(other),
            other.spec
        ));
    }
    for note in &other.notes {
        if !chosen.notes.contains(note) {
            why.push(format!("{}: {note}", other.spec));
        }
    }
    if why.is_empty() && chosen.result != other.result {
        why.push(format!(
            "{} under {}, {} under {}",
            chosen.result, chosen.spec, other.result, other.spec
        ));
    }
    Some(DmarcDifference {
        spec: other.spec,
        result: other.result,
        policy: other.policy,
        disposition: other.disposition,
        spf_aligned: other.spf_aligned,
        dkim_aligned: aligned(other),
        org_domain: other.org_domain.clone(),
        record_domain: record_domain(other),
        why,
    })
}
