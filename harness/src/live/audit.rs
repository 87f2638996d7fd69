use std::fmt::Write as _;

use mail_auth::hickory_resolver::{
    TokioResolver,
    proto::rr::{RData, RecordType},
};
use mock_dns::{RData as ZoneData, Record};

use super::identity::IdentityAttributes;
use crate::ses;

const TTL: u32 = 300;

/// One DNS record the configuration needs, and what DNS holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsCheck {
    /// What it is for, e.g. `Easy DKIM CNAME 1`, `MAIL FROM MX`.
    pub what: String,
    pub name: String,
    pub rtype: String,
    /// What the record should hold, in words or record data.
    pub expected: String,
    /// What DNS answered (record data, sorted), or one `error: …` entry.
    pub found: Vec<String>,
    pub ok: bool,
}

/// What a receiver will see for mail from the identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prediction {
    pub from_domain: String,
    /// Set when SES refuses the send instead (`REJECT_MESSAGE`).
    pub refused: Option<String>,
    pub return_path_domain: String,
    /// The custom MAIL FROM is configured but not in use: SES silently
    /// falls back to its own domain (`USE_DEFAULT_VALUE`).
    pub silent_fallback: bool,
    /// The DKIM `d=` domains of the signatures SES adds, author first.
    pub dkim_domains: Vec<String>,
    pub spf: String,
    pub spf_aligned: bool,
    pub dkim_aligned: bool,
    /// `pass`, `fail` or `none` (no DMARC record).
    pub dmarc: String,
    pub dmarc_policy: Option<String>,
}

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

/// Record data as text: TXT strings joined, names without the final dot.
async fn lookup(resolver: &TokioResolver, name: &str, rtype: RecordType) -> Vec<String> {
    let fqdn = format!("{}.", name.trim_end_matches('.'));
    match resolver.lookup(fqdn.as_str(), rtype).await {
        Ok(found) => {
            let mut out: Vec<String> = found
                .answers()
                .iter()
                .filter(|r| r.record_type() == rtype)
                .map(|r| match &r.data {
                    RData::TXT(txt) => txt
                        .txt_data
                        .iter()
                        .map(|p| String::from_utf8_lossy(p).into_owned())
                        .collect::<String>(),
                    RData::CNAME(c) => c.0.to_ascii().trim_end_matches('.').to_ascii_lowercase(),
                    RData::MX(mx) => format!(
                        "{} {}",
                        mx.preference,
                        mx.exchange
                            .to_ascii()
                            .trim_end_matches('.')
                            .to_ascii_lowercase()
                    ),
                    other => other.to_string(),
                })
                .collect();
            out.sort();
            out
        }
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => Vec::new(),
        Err(e) => vec![format!("error: {e}")],
    }
}

fn under(domain: &str, parent: &str) -> bool {
    domain == parent || domain.ends_with(&format!(".{parent}"))
}

fn tag<'a>(record: &'a str, name: &str) -> Option<&'a str> {
    record.split(';').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// DNS lookups an SPF record costs (RFC 7208 §4.6.4: include, a, mx, ptr,
/// exists, redirect), includes followed; `None` past 10 levels.
fn spf_lookups<'a>(
    resolver: &'a TokioResolver,
    domain: String,
    depth: usize,
) -> std::pin::Pin<Box<dyn Future<Output = Option<usize>> + Send + 'a>> {
    Box::pin(async move {
        if depth > 10 {
            return None;
        }
        let records = lookup(resolver, &domain, RecordType::TXT).await;
        let Some(record) = records
            .iter()
            .find(|r| r.to_ascii_lowercase().starts_with("v=spf1"))
        else {
            return Some(0);
        };
        let mut count = 0;
        for term in record.split_whitespace().skip(1) {
            let term = term
                .trim_start_matches(['+', '-', '~', '?'])
                .to_ascii_lowercase();
            let name = term.split([':', '=', '/']).next().unwrap_or("");
            match name {
                "include" | "redirect" => {
                    count += 1;
                    let target = term.split_once([':', '=']).map(|(_, t)| t.to_string())?;
                    count += spf_lookups(resolver, target, depth + 1).await?;
                }
                "a" | "mx" | "ptr" | "exists" => count += 1,
                _ => {}
            }
        }
        Some(count)
    })
}

/// Audits `attributes` (from `GetEmailIdentity` in `region`) against DNS
/// through `resolver`, for mail from `from` (an address or domain; the
/// identity when not given).
pub async fn audit(
    attributes: &IdentityAttributes,
    region: &str,
    from: Option<&str>,
    resolver: &TokioResolver,
) -> Result<Audit, AuditError> {
    let identity = attributes.identity.clone();
    let from_domain = from
        .map(|f| {
            f.rsplit_once('@')
                .map_or(f, |(_, d)| d)
                .trim_end_matches(['>', '.'])
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|| identity.clone());
    if !under(&from_domain, &identity) {
        return Err(AuditError::FromOutsideIdentity {
            from: from_domain,
            identity,
        });
    }
    let mut checks = Vec::new();
    let mut missing = Vec::new();
    let mut notes = Vec::new();

    // DKIM.
    let mut author_dns_ok = false;
    match &attributes.dkim {
        Some(d) if d.origin == "AWS_SES" && !d.tokens.is_empty() => {
            author_dns_ok = true;
            for (i, token) in d.tokens.iter().enumerate() {
                let name = format!("{token}._domainkey.{identity}");
                let target = format!("{token}.dkim.amazonses.com");
                let found = lookup(resolver, &name, RecordType::CNAME).await;
                let ok = found.iter().any(|f| f == &target);
                if !ok {
                    author_dns_ok = false;
                    missing.push(Record::new(
                        &format!("{name}."),
                        1800,
                        ZoneData::Cname(format!("{target}.")),
                    ));
                }
                checks.push(DnsCheck {
                    what: format!("Easy DKIM CNAME {}", i + 1),
                    name,
                    rtype: "CNAME".into(),
                    expected: target,
                    found,
                    ok,
                });
            }
        }
        Some(d) if d.origin == "EXTERNAL" => {
            author_dns_ok = true;
            for selector in &d.tokens {
                let name = format!("{selector}._domainkey.{identity}");
                let found = lookup(resolver, &name, RecordType::TXT).await;
                let ok = found.iter().any(|f| f.contains("p=") && !f.contains("p=;"));
                if !ok {
                    author_dns_ok = false;
                    notes.push(format!(
                        "BYODKIM: publish your public key at {name} (TXT \"v=DKIM1; k=rsa; p=…\")"
                    ));
                }
                checks.push(DnsCheck {
                    what: "BYODKIM key".into(),
                    name,
                    rtype: "TXT".into(),
                    expected: "v=DKIM1; p=<public key>".into(),
                    found,
                    ok,
                });
            }
        }
        _ => notes.push(format!(
            "DKIM: no Easy DKIM tokens for {identity}; enable Easy DKIM (PutEmailIdentityDkimSigningAttributes) to get an author signature d={identity}"
        )),
    }
    let author_signs = attributes
        .dkim
        .as_ref()
        .is_some_and(|d| d.signing_enabled && d.status == "SUCCESS")
        && author_dns_ok;
    if let Some(d) = &attributes.dkim
        && d.status != "SUCCESS"
    {
        notes.push(format!(
            "DKIM status is {} (signing {}): SES signs only d=amazonses.com until it is SUCCESS",
            d.status,
            if d.signing_enabled {
                "enabled"
            } else {
                "disabled"
            }
        ));
    }

    // MAIL FROM.
    let feedback = ses::feedback_mx(region);
    let default_domain = ses::default_mail_from_domain(region);
    let mut spf_lookup_count = None;
    let mut mail_from_dns_ok;
    let mail_from_name = match &attributes.mail_from {
        Some(m) => m.domain.clone(),
        None => {
            notes.push(format!(
                "MAIL FROM: no custom MAIL FROM domain; the Return-Path stays {default_domain}, so SPF never aligns with {from_domain}. Set one (e.g. bounce.{identity}) with PutEmailIdentityMailFromAttributes and publish:"
            ));
            format!("bounce.{identity}")
        }
    };
    {
        let mx = lookup(resolver, &mail_from_name, RecordType::MX).await;
        let mx_ok = mx.len() == 1 && mx[0].ends_with(&format!(" {feedback}"));
        if !mx_ok {
            missing.push(Record::new(
                &format!("{mail_from_name}."),
                TTL,
                ZoneData::Mx {
                    preference: 10,
                    exchange: format!("{feedback}."),
                },
            ));
            if mx.len() > 1 {
                notes.push(format!(
                    "MAIL FROM: {mail_from_name} has {} MX records; SES needs exactly one, to {feedback}",
                    mx.len()
                ));
            }
        }
        checks.push(DnsCheck {
            what: "MAIL FROM MX".into(),
            name: mail_from_name.clone(),
            rtype: "MX".into(),
            expected: format!("10 {feedback} (the only MX)"),
            found: mx,
            ok: mx_ok,
        });
        let txt = lookup(resolver, &mail_from_name, RecordType::TXT).await;
        let spf: Vec<String> = txt
            .iter()
            .filter(|t| t.to_ascii_lowercase().starts_with("v=spf1"))
            .cloned()
            .collect();
        let spf_ok = spf.len() == 1 && spf[0].contains("include:amazonses.com");
        if !spf_ok && spf.is_empty() {
            missing.push(Record::txt(
                &format!("{mail_from_name}."),
                TTL,
                "v=spf1 include:amazonses.com ~all",
            ));
        } else if !spf_ok {
            notes.push(format!(
                "MAIL FROM: {mail_from_name} needs one SPF record with include:amazonses.com, found {spf:?}"
            ));
        }
        checks.push(DnsCheck {
            what: "MAIL FROM SPF".into(),
            name: mail_from_name.clone(),
            rtype: "TXT".into(),
            expected: "v=spf1 include:amazonses.com ~all".into(),
            found: spf,
            ok: spf_ok,
        });
        if spf_ok {
            spf_lookup_count = spf_lookups(resolver, mail_from_name.clone(), 0).await;
            if spf_lookup_count.is_none_or(|n| n > 10) {
                notes.push(format!(
                    "SPF: {mail_from_name}'s record needs more than 10 DNS lookups (permerror)"
                ));
            }
        }
        mail_from_dns_ok = mx_ok && spf_ok && spf_lookup_count.is_some_and(|n| n <= 10);
    }
    if attributes.mail_from.is_none() {
        mail_from_dns_ok = false;
    }

    // DMARC.
    let mut dmarc_record = None;
    let mut dmarc_name = format!("_dmarc.{from_domain}");
    for candidate in [from_domain.clone(), identity.clone()] {
        let name = format!("_dmarc.{candidate}");
        let found = lookup(resolver, &name, RecordType::TXT).await;
        if let Some(r) = found
            .iter()
            .find(|r| r.to_ascii_lowercase().starts_with("v=dmarc1"))
        {
            dmarc_record = Some(r.clone());
            dmarc_name = name;
            break;
        }
        if candidate == identity {
            break;
        }
    }
    checks.push(DnsCheck {
        what: "DMARC".into(),
        name: dmarc_name.clone(),
        rtype: "TXT".into(),
        expected: "v=DMARC1; p=…".into(),
        found: dmarc_record.iter().cloned().collect(),
        ok: dmarc_record.is_some(),
    });
    if dmarc_record.is_none() {
        missing.push(Record::txt(
            &format!("_dmarc.{identity}."),
            TTL,
            "v=DMARC1; p=none;",
        ));
    }
    let strict = |t: &str| {
        dmarc_record
            .as_deref()
            .and_then(|r| tag(r, t))
            .is_some_and(|v| v.eq_ignore_ascii_case("s"))
    };
    let policy = dmarc_record.as_deref().and_then(|r| {
        let sub = from_domain != identity && dmarc_name == format!("_dmarc.{identity}");
        sub.then(|| tag(r, "sp"))
            .flatten()
            .or_else(|| tag(r, "p"))
            .map(str::to_ascii_lowercase)
    });
    // External report destinations must authorise the domain.
    if let Some(record) = &dmarc_record {
        let policy_domain = dmarc_name.trim_start_matches("_dmarc.").to_string();
        for uri in tag(record, "rua").unwrap_or("").split(',') {
            let Some((_, host)) = uri
                .trim()
                .strip_prefix("mailto:")
                .and_then(|a| a.rsplit_once('@'))
            else {
                continue;
            };
            let host = host.split('!').next().unwrap_or(host).to_ascii_lowercase();
            if under(&host, &identity) {
                continue;
            }
            let name = format!("{policy_domain}._report._dmarc.{host}");
            let found = lookup(resolver, &name, RecordType::TXT).await;
            let ok = found
                .iter()
                .any(|f| f.to_ascii_lowercase().starts_with("v=dmarc1"));
            if !ok {
                missing.push(Record::txt(&format!("{name}."), TTL, "v=DMARC1"));
            }
            checks.push(DnsCheck {
                what: format!("rua authorisation by {host}"),
                name,
                rtype: "TXT".into(),
                expected: "v=DMARC1".into(),
                found,
                ok,
            });
        }
    }

    // The prediction.
    let (return_path_domain, refused, silent_fallback) = match &attributes.mail_from {
        Some(m) if m.status == "SUCCESS" => (m.domain.clone(), None, false),
        Some(m) if m.behavior_on_mx_failure == "REJECT_MESSAGE" => (
            default_domain.clone(),
            Some(format!(
                "MailFromDomainNotVerified: the MAIL FROM status is {} and BehaviorOnMxFailure is REJECT_MESSAGE",
                m.status
            )),
            false,
        ),
        Some(m) => {
            notes.push(format!(
                "MAIL FROM status is {}: with USE_DEFAULT_VALUE SES silently sends with the Return-Path {default_domain}",
                m.status
            ));
            (default_domain.clone(), None, true)
        }
        None => (default_domain.clone(), None, false),
    };
    let uses_custom = return_path_domain != default_domain;
    let spf = if !uses_custom || mail_from_dns_ok {
        "pass"
    } else {
        "fail or none"
    };
    let aligned = |domain: &str, strict: bool| {
        if strict {
            domain == from_domain
        } else {
            under(domain, &identity) && under(&from_domain, &identity)
        }
    };
    let spf_aligned = spf == "pass" && uses_custom && aligned(&return_path_domain, strict("aspf"));
    let mut dkim_domains = Vec::new();
    if author_signs {
        dkim_domains.push(identity.clone());
    }
    dkim_domains.push("amazonses.com".to_string());
    let dkim_aligned = author_signs && aligned(&identity, strict("adkim"));
    let dmarc = match &dmarc_record {
        None => "none",
        Some(_) if spf_aligned || dkim_aligned => "pass",
        Some(_) => "fail",
    }
    .to_string();
    Ok(Audit {
        attributes: attributes.clone(),
        region: region.to_string(),
        checks,
        spf_lookups: spf_lookup_count,
        prediction: Prediction {
            from_domain,
            refused,
            return_path_domain,
            silent_fallback,
            dkim_domains,
            spf: spf.to_string(),
            spf_aligned,
            dkim_aligned,
            dmarc,
            dmarc_policy: policy,
        },
        missing,
        notes,
    })
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl Audit {
    /// The audit as the terminal shows it.
    pub fn render(&self) -> String {
        let a = &self.attributes;
        let p = &self.prediction;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Identity {} ({}) in {}: verified for sending {}",
            a.identity,
            if a.identity_type.is_empty() {
                "?"
            } else {
                &a.identity_type
            },
            self.region,
            yes(a.verified_for_sending)
        );
        match &a.dkim {
            Some(d) => {
                let _ = writeln!(
                    out,
                    "  DKIM        signing {}, status {}, origin {}, key {} (next {}), tokens {}",
                    if d.signing_enabled {
                        "enabled"
                    } else {
                        "disabled"
                    },
                    d.status,
                    d.origin,
                    d.current_key_length.as_deref().unwrap_or("-"),
                    d.next_key_length.as_deref().unwrap_or("-"),
                    if d.tokens.is_empty() {
                        "-".to_string()
                    } else {
                        d.tokens.join(" ")
                    }
                );
            }
            None => {
                let _ = writeln!(out, "  DKIM        not configured");
            }
        }
        match &a.mail_from {
            Some(m) => {
                let _ = writeln!(
                    out,
                    "  MAIL FROM   {}, status {}, on MX failure {}",
                    m.domain, m.status, m.behavior_on_mx_failure
                );
            }
            None => {
                let _ = writeln!(out, "  MAIL FROM   not configured (SES default)");
            }
        }
        let _ = writeln!(out, "DNS");
        for c in &self.checks {
            let found = if c.found.is_empty() {
                "nothing".to_string()
            } else {
                c.found.join(" | ")
            };
            let _ = writeln!(
                out,
                "  {:<7} {} {} ({}): expected {}, found {}",
                if c.ok { "ok" } else { "MISSING" },
                c.rtype,
                c.name,
                c.what,
                c.expected,
                found
            );
        }
        if let Some(n) = self.spf_lookups {
            let _ = writeln!(out, "  SPF lookups of the MAIL FROM record: {n} of 10");
        }
        let _ = writeln!(out, "What a receiver sees for mail from {}:", p.from_domain);
        if let Some(r) = &p.refused {
            let _ = writeln!(out, "  SES refuses the send: {r}");
        }
        let _ = writeln!(
            out,
            "  Return-Path  {}{}",
            p.return_path_domain,
            if p.silent_fallback {
                "  (silent fallback: the custom MAIL FROM is not in use)"
            } else {
                ""
            }
        );
        let _ = writeln!(out, "  DKIM d=      {}", p.dkim_domains.join(", "));
        let _ = writeln!(
            out,
            "  SPF          {} for {}, aligned {}",
            p.spf,
            p.return_path_domain,
            yes(p.spf_aligned)
        );
        let _ = writeln!(out, "  DKIM         aligned {}", yes(p.dkim_aligned));
        let _ = writeln!(
            out,
            "  DMARC        {} for {}{}",
            p.dmarc,
            p.from_domain,
            p.dmarc_policy
                .as_deref()
                .map_or_else(String::new, |x| format!("  policy {x}"))
        );
        for n in &self.notes {
            let _ = writeln!(out, "note: {n}");
        }
        if !self.missing.is_empty() {
            let _ = writeln!(out, "; Records still missing (BIND syntax):");
            for r in &self.missing {
                let _ = writeln!(out, "{r}");
            }
        }
        let _ = writeln!(
            out,
            "{}",
            if self.is_aligned() {
                "aligned: SPF and DKIM pass aligned, DMARC passes"
            } else {
                "not aligned: see the notes and missing records above"
            }
        );
        out
    }
}
