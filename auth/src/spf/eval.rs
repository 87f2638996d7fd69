//! `check_host()` (RFC 7208 §4): initial processing, record lookup and
//! selection, the mechanisms of §5, `redirect=` and `exp=` (§6), the limits
//! of §4.6.4, and the two identities a receiver checks with it.

use std::{borrow::Cow, fmt, net::IpAddr, pin::Pin};

use super::{
    Receiver, SpfOutcome,
    macros::{Context, MAX_DOMAIN_LENGTH, MacroString, MacroValues},
    record::{Directive, DualCidr, Mechanism, Record, in_network, is_spf_record},
};
use crate::{
    SpfResult,
    dns::{DnsError, Lookup},
    join::join_all,
};

/// The most DNS-querying terms (`include`, `a`, `mx`, `ptr`, `exists`,
/// `redirect`) one evaluation may use (RFC 7208 §4.6.4).
pub const MAX_DNS_TERMS: u32 = 10;
/// The most void lookups (NXDOMAIN or no answers) one evaluation may meet
/// (RFC 7208 §4.6.4, the recommended default).
pub const MAX_VOID_LOOKUPS: u32 = 2;
/// The most MX records an `mx` mechanism may look at; more is `permerror`
/// (RFC 7208 §4.6.4).
pub const MAX_MX_RECORDS: usize = 10;
/// The most PTR names `ptr` and `%{p}` validate; the rest are ignored
/// (RFC 7208 §4.6.4, §5.5).
pub const MAX_PTR_NAMES: usize = 10;

/// `check_host(<ip>, <domain>, <sender>)` of RFC 7208 §4, with `helo` for
/// the `%{h}` macro. `sender` is the MAIL FROM address or, for the HELO
/// identity, the HELO name; without a local-part it is
/// `postmaster@<domain of sender>` (§4.3).
pub async fn check_host(
    lookup: &impl Lookup,
    receiver: Receiver<'_>,
    ip: IpAddr,
    domain: &str,
    sender: &str,
    helo: &str,
) -> SpfOutcome {
    // §5: an IPv4-mapped IPv6 address is an IPv4 address, evaluated with
    // the IPv4 mechanisms ("ip4", "a" with A records), never ip6:.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    };
    let (local_part, sender_domain) = match sender.rsplit_once('@') {
        Some((local, domain)) => (local, domain),
        None => ("", sender),
    };
    // §4.3: "If the <sender> has no local-part, substitute the string
    // "postmaster" for the local-part."
    let (local_part, sender): (&str, Cow<'_, str>) = if local_part.is_empty() {
        (
            "postmaster",
            Cow::Owned(format!("postmaster@{sender_domain}")),
        )
    } else {
        (local_part, Cow::Borrowed(sender))
    };
    let mut evaluation = Evaluation {
        lookup,
        ip,
        sender: &sender,
        local_part,
        sender_domain,
        helo,
        receiver: if receiver.name.is_empty() {
            "unknown"
        } else {
            receiver.name
        },
        now: receiver.now,
        dns_terms: 0,
        void_lookups: 0,
        ptr: None,
    };
    let domain_name = domain.strip_suffix('.').unwrap_or(domain);
    let decision = evaluation.evaluate(domain_name).await;
    let explanation = match (&decision.result, &decision.exp) {
        (SpfResult::Fail, Some((exp, exp_domain))) => evaluation.explain(exp, exp_domain).await,
        _ => None,
    };
    SpfOutcome {
        result: decision.result,
        domain: domain.to_string(),
        reason: decision.reason,
        explanation,
        dns_lookups: evaluation.dns_terms,
        void_lookups: evaluation.void_lookups,
    }
}

/// The MAIL FROM identity (RFC 7208 §2.4, §4.3): `mail_from` as given in
/// the SMTP command without its angle brackets; the null sender (`""`)
/// checks `postmaster@<helo>`; an empty local part is `postmaster`; a
/// domain that is not a valid FQDN gives `none` without a query.
pub async fn check_mail_from(
    lookup: &impl Lookup,
    receiver: Receiver<'_>,
    ip: IpAddr,
    mail_from: &str,
    helo: &str,
) -> SpfOutcome {
    if mail_from.is_empty() {
        // §2.4: with a null reverse-path, the MAIL FROM identity is
        // "postmaster" at the HELO name.
        return check_host(lookup, receiver, ip, helo, helo, helo).await;
    }
    let domain = mail_from
        .rsplit_once('@')
        .map_or(mail_from, |(_, domain)| domain);
    check_host(lookup, receiver, ip, domain, mail_from, helo).await
}

/// The HELO identity (RFC 7208 §2.3): `none` without a query when the
/// HELO is not a valid FQDN (an address literal, a bare word).
pub async fn check_helo(
    lookup: &impl Lookup,
    receiver: Receiver<'_>,
    ip: IpAddr,
    helo: &str,
) -> SpfOutcome {
    check_host(lookup, receiver, ip, helo, helo, helo).await
}

/// What one (possibly nested) evaluation concluded.
struct Decision {
    result: SpfResult,
    reason: String,
    /// For a `fail` decided by a mechanism: the `exp=` of that record and
    /// the `<domain>` it was evaluated for (§6.2).
    exp: Option<(MacroString, String)>,
}

impl Decision {
    fn new(result: SpfResult, reason: String) -> Decision {
        Decision {
            result,
            reason,
            exp: None,
        }
    }
}

/// How one record turned out.
enum RecordOutcome {
    /// A mechanism matched, or an error ended the evaluation.
    Decided(Decision),
    /// No mechanism matched and the record has a `redirect=` to follow.
    Redirect(MacroString),
    /// No mechanism matched, and no `redirect=` applies.
    NoMatch,
}

/// How a mechanism turned out.
enum Match {
    No,
    Yes,
    /// An `include` whose target passed: the target's reason.
    Included(String),
}

/// The state one `check_host()` call shares across `include` and
/// `redirect`: the arguments and the counters of §4.6.4, which §4.1 keeps
/// as one limit for all the recursive evaluations.
struct Evaluation<'a, L> {
    lookup: &'a L,
    /// `<ip>`, IPv4-mapped addresses as IPv4.
    ip: IpAddr,
    sender: &'a str,
    local_part: &'a str,
    sender_domain: &'a str,
    helo: &'a str,
    receiver: &'a str,
    now: u64,
    dns_terms: u32,
    void_lookups: u32,
    /// The reverse names of `<ip>` once looked up (for `ptr` and `%{p}`).
    ptr: Option<PtrNames>,
}

/// The outcome of §5.5's procedure for `<ip>`.
struct PtrNames {
    /// The validated names, in the order of the PTR answer.
    validated: Vec<String>,
    /// The PTR query gave NXDOMAIN or no records.
    void: bool,
}

/// How the addresses of one name compare with `<ip>`.
enum Addresses {
    Match,
    NoMatch,
    /// NXDOMAIN or no records of the type.
    Void,
    /// Not a name that can be put in a query.
    Unqueryable,
}

impl<'a, L: Lookup> Evaluation<'a, L> {
    /// `check_host()` for `start`, following `redirect=` in place (§6.1).
    async fn evaluate(&mut self, start: &str) -> Decision {
        let mut domain = start.to_string();
        // Where the current record was reached from, innermost first.
        let mut via = String::new();
        let mut redirected = false;
        let mut decision = loop {
            match self.evaluate_record(&domain, redirected).await {
                RecordOutcome::Decided(decision) => break decision,
                RecordOutcome::NoMatch => {
                    // §4.7: no mechanism matched and no redirect: "neutral".
                    break Decision::new(SpfResult::Neutral, "no mechanism matched".to_string());
                }
                RecordOutcome::Redirect(spec) => {
                    if let Err(decision) = self.count_term(format_args!("redirect={spec}")) {
                        break decision;
                    }
                    let target = self.target_name(Some(&spec), &domain).await;
                    via = format!(" in redirect={target}{via}");
                    domain = target;
                    redirected = true;
                }
            }
        };
        decision.reason.push_str(&via);
        decision
    }

    /// [`Evaluation::evaluate`] boxed, for the recursion of `include`.
    fn evaluate_boxed<'s>(
        &'s mut self,
        start: &'s str,
    ) -> Pin<Box<dyn Future<Output = Decision> + Send + 's>> {
        Box::pin(self.evaluate(start))
    }

    /// The record at `domain`, fetched and its mechanisms evaluated in
    /// order (§4.6.2).
    async fn evaluate_record(&mut self, domain: &str, redirected: bool) -> RecordOutcome {
        let record = match self.fetch(domain).await {
            Ok(record) => record,
            Err(mut decision) => {
                if redirected && decision.result == SpfResult::None {
                    // §6.1: "if no SPF record is found, or if the
                    // <target-name> is malformed, the result is a
                    // "permerror" rather than "none"."
                    decision.result = SpfResult::PermError;
                }
                return RecordOutcome::Decided(decision);
            }
        };
        for directive in &record.directives {
            let reason = match self.mechanism(directive, domain).await {
                Ok(Match::No) => continue,
                Ok(Match::Yes) => directive.to_string(),
                Ok(Match::Included(inner)) => format!("{inner} in {directive}"),
                Err(decision) => return RecordOutcome::Decided(decision),
            };
            let result = directive.qualifier.result();
            // §6.2: the explanation of a "fail" due to a mechanism match
            // comes from this record's exp= (never an included record's).
            let exp = match (&result, &record.exp) {
                (SpfResult::Fail, Some(exp)) => Some((exp.clone(), domain.to_string())),
                _ => None,
            };
            return RecordOutcome::Decided(Decision {
                result,
                reason,
                exp,
            });
        }
        match record.redirect {
            // §6.1: "Any "redirect" modifier MUST be ignored if there is an
            // "all" mechanism anywhere in the record."
            Some(spec) if !record.has_all() => RecordOutcome::Redirect(spec),
            _ => RecordOutcome::NoMatch,
        }
    }

    /// §4.3 to §4.6: the domain checked, its TXT records fetched, the one
    /// SPF record selected and parsed. `Err` holds `none`, `temperror` or
    /// `permerror`.
    async fn fetch(&mut self, domain: &str) -> Result<Record, Decision> {
        if let Err(why) = check_domain(domain) {
            // §4.3: a malformed <domain> gives "none", without a query.
            return Err(Decision::new(
                SpfResult::None,
                format!("{domain:?} is not a domain name to check: {why} (RFC 7208 §4.3)"),
            ));
        }
        let records = match self.lookup.txt(domain).await {
            Ok(records) => records,
            Err(DnsError::NxDomain) => {
                return Err(Decision::new(
                    SpfResult::None,
                    format!("no SPF record at {domain}: NXDOMAIN"),
                ));
            }
            Err(DnsError::InvalidName(why)) => {
                return Err(Decision::new(
                    SpfResult::None,
                    format!("{domain:?} is not a domain name to check: {why} (RFC 7208 §4.3)"),
                ));
            }
            Err(DnsError::Temporary(why)) => {
                // §4.4: a server failure or a timeout: "temperror".
                return Err(Decision::new(
                    SpfResult::TempError,
                    format!("temporary DNS failure querying TXT {domain}: {why}"),
                ));
            }
        };
        // §4.5: records starting with "v=spf1" and a space or the end;
        // other TXT records, whatever they hold, are none of our business.
        let mut spf = records.iter().filter(|r| is_spf_record(r));
        let (Some(record), None) = (spf.next(), spf.next()) else {
            let count = records.iter().filter(|r| is_spf_record(r)).count();
            return Err(if count == 0 {
                Decision::new(SpfResult::None, format!("no SPF record at {domain}"))
            } else {
                Decision::new(
                    SpfResult::PermError,
                    format!("{count} SPF records at {domain} (RFC 7208 §4.5)"),
                )
            });
        };
        // §4.6: syntax errors anywhere in the record: "permerror" before
        // any evaluation.
        Record::parse(record).map_err(|e| {
            Decision::new(
                SpfResult::PermError,
                format!("syntax error in the SPF record at {domain}: {e}"),
            )
        })
    }

    /// One mechanism (§5) of the record at `domain`.
    async fn mechanism(&mut self, directive: &Directive, domain: &str) -> Result<Match, Decision> {
        let mechanism = &directive.mechanism;
        if mechanism.queries_dns() {
            self.count_term(directive)?;
        }
        let found = |yes: bool| if yes { Match::Yes } else { Match::No };
        match mechanism {
            Mechanism::All => Ok(Match::Yes),
            // §5.6: an address of the other family never matches.
            Mechanism::Ip4 { network, prefix } => {
                Ok(found(in_network(self.ip, IpAddr::V4(*network), *prefix)))
            }
            Mechanism::Ip6 { network, prefix } => {
                Ok(found(in_network(self.ip, IpAddr::V6(*network), *prefix)))
            }
            Mechanism::A { domain: spec, cidr } => {
                let target = self.target_name(spec.as_ref(), domain).await;
                match address_match(self.lookup, &target, self.ip, *cidr).await {
                    Ok(Addresses::Match) => Ok(Match::Yes),
                    Ok(Addresses::NoMatch | Addresses::Unqueryable) => Ok(Match::No),
                    Ok(Addresses::Void) => {
                        let rtype = self.address_type();
                        self.count_void(format_args!("{rtype} {target}"))?;
                        Ok(Match::No)
                    }
                    Err(why) => Err(self.temporary(self.address_type(), &target, &why)),
                }
            }
            Mechanism::Mx { domain: spec, cidr } => {
                let target = self.target_name(spec.as_ref(), domain).await;
                self.mx(&target, *cidr).await.map(found)
            }
            Mechanism::Ptr(spec) => {
                let target = self.target_name(spec.as_ref(), domain).await;
                self.ptr(&target).await.map(found)
            }
            Mechanism::Exists(spec) => {
                let target = self.target_name(Some(spec), domain).await;
                if !is_queryable(&target) {
                    return Ok(Match::No);
                }
                // §5.7: an A lookup, "even when the connection type is IPv6".
                match self.lookup.a(&target).await {
                    Ok(addresses) if !addresses.is_empty() => Ok(Match::Yes),
                    Ok(_) | Err(DnsError::NxDomain) => {
                        self.count_void(format_args!("A {target}"))?;
                        Ok(Match::No)
                    }
                    Err(DnsError::InvalidName(_)) => Ok(Match::No),
                    Err(DnsError::Temporary(why)) => Err(self.temporary("A", &target, &why)),
                }
            }
            Mechanism::Include(spec) => {
                let target = self.target_name(Some(spec), domain).await;
                let inner = self.evaluate_boxed(&target).await;
                // §5.2's table.
                match inner.result {
                    SpfResult::Pass => Ok(Match::Included(inner.reason)),
                    SpfResult::Fail | SpfResult::SoftFail | SpfResult::Neutral => Ok(Match::No),
                    SpfResult::TempError | SpfResult::PermError => Err(Decision::new(
                        inner.result,
                        format!("{} in {directive}", inner.reason),
                    )),
                    SpfResult::None => Err(Decision::new(
                        SpfResult::PermError,
                        format!("{directive} gave none (RFC 7208 §5.2): {}", inner.reason),
                    )),
                }
            }
        }
    }

    /// §5.4: the MX names of `target`, each one's addresses compared.
    async fn mx(&mut self, target: &str, cidr: DualCidr) -> Result<bool, Decision> {
        if !is_queryable(target) {
            return Ok(false);
        }
        let mut exchanges = match self.lookup.mx(target).await {
            Ok(exchanges) if !exchanges.is_empty() => exchanges,
            Ok(_) | Err(DnsError::NxDomain) => {
                // §5.4: no implicit MX: no A lookup of the target itself.
                self.count_void(format_args!("MX {target}"))?;
                return Ok(false);
            }
            Err(DnsError::InvalidName(_)) => return Ok(false),
            Err(DnsError::Temporary(why)) => return Err(self.temporary("MX", target, &why)),
        };
        if exchanges.len() > MAX_MX_RECORDS {
            // §4.6.4: "If this limit is exceeded, the "mx" mechanism MUST
            // produce a "permerror" result."
            return Err(Decision::new(
                SpfResult::PermError,
                format!(
                    "{} MX records at {target}, more than {MAX_MX_RECORDS} (RFC 7208 §4.6.4)",
                    exchanges.len()
                ),
            ));
        }
        // In the order of preference; the lookups run together, and their
        // results are read in that order as a sequential evaluation would.
        // A name listed twice is looked up once.
        exchanges.sort_by_key(|mx| mx.preference);
        let mut names: Vec<&str> = Vec::with_capacity(exchanges.len());
        for mx in &exchanges {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(&mx.exchange)) {
                names.push(&mx.exchange);
            }
        }
        let (lookup, ip) = (self.lookup, self.ip);
        let results = join_all(
            names
                .iter()
                .map(|name| address_match(lookup, name, ip, cidr)),
        )
        .await;
        for (name, result) in names.iter().zip(results) {
            match result {
                Ok(Addresses::Match) => return Ok(true),
                // NXDOMAIN for one name counts as no records (§5); a null
                // MX (RFC 7505) is no name to query.
                Ok(_) => {}
                Err(why) => return Err(self.temporary(self.address_type(), name, &why)),
            }
        }
        Ok(false)
    }

    /// §5.5: whether a validated name of `<ip>` is `target` or below it.
    /// "If a DNS error occurs while doing the PTR RR lookup, then this
    /// mechanism fails to match"; a void PTR lookup counts (§4.6.4).
    async fn ptr(&mut self, target: &str) -> Result<bool, Decision> {
        let names = self.ptr_names().await;
        let void = names.void;
        let matched = names.validated.iter().any(|name| is_within(name, target));
        if void {
            let reverse = crate::dns::reverse_name(self.ip);
            self.count_void(format_args!("PTR {reverse}"))?;
        }
        Ok(matched)
    }

    /// §5.5's validated names of `<ip>`, looked up once per evaluation.
    async fn ptr_names(&mut self) -> &PtrNames {
        let names = match self.ptr.take() {
            Some(names) => names,
            None => validate_ptr(self.lookup, self.ip).await,
        };
        self.ptr.insert(names)
    }

    /// The `%{p}` value for `domain` (§7.3): `domain` itself if validated,
    /// else a validated subdomain of it, else the first validated name,
    /// else "unknown".
    async fn validated_name(&mut self, domain: &str) -> String {
        let names = &self.ptr_names().await.validated;
        let exact = names
            .iter()
            .find(|n| trim_dot(n).eq_ignore_ascii_case(domain));
        let below = || names.iter().find(|n| is_within(n, domain));
        exact
            .or_else(below)
            .or(names.first())
            .map_or_else(|| "unknown".to_string(), |n| trim_dot(n).to_string())
    }

    /// The `<target-name>` of a term (§4.8): its domain-spec expanded, or
    /// the current `<domain>` when it has none.
    async fn target_name(&mut self, spec: Option<&MacroString>, domain: &str) -> String {
        let Some(spec) = spec else {
            return domain.to_string();
        };
        let validated = if spec.uses_validated_name() {
            Cow::Owned(self.validated_name(domain).await)
        } else {
            Cow::Borrowed("unknown")
        };
        spec.expand_domain(&self.values(domain, &validated))
    }

    fn values<'v>(&'v self, domain: &'v str, validated: &'v str) -> MacroValues<'v> {
        MacroValues {
            sender: self.sender,
            local_part: self.local_part,
            sender_domain: self.sender_domain,
            domain,
            ip: self.ip,
            validated,
            helo: self.helo,
            receiver: self.receiver,
            now: self.now,
        }
    }

    /// §6.2: the explanation of a "fail", or `None` when anything goes
    /// wrong on the way ("proceed as if no exp modifier was given"). The
    /// lookup counts toward no limit (§4.6.4).
    async fn explain(&mut self, exp: &MacroString, domain: &str) -> Option<String> {
        let target = self.target_name(Some(exp), domain).await;
        if !is_queryable(&target) {
            return None;
        }
        let records = self.lookup.txt(&target).await.ok()?;
        let [record] = records.as_slice() else {
            return None;
        };
        // §6.2: the explanation is limited to US-ASCII; a
        // syntax error (a control character, a bad macro) voids it.
        let text = std::str::from_utf8(record).ok().filter(|t| t.is_ascii())?;
        let explanation = MacroString::parse(text, Context::Explanation).ok()?;
        let validated = if explanation.uses_validated_name() {
            Cow::Owned(self.validated_name(domain).await)
        } else {
            Cow::Borrowed("unknown")
        };
        Some(explanation.expand(&self.values(domain, &validated)))
    }

    /// Counts a DNS-querying term; the 11th is a "permerror" (§4.6.4).
    fn count_term(&mut self, term: impl fmt::Display) -> Result<(), Decision> {
        self.dns_terms += 1;
        if self.dns_terms > MAX_DNS_TERMS {
            return Err(Decision::new(
                SpfResult::PermError,
                format!(
                    "more than {MAX_DNS_TERMS} DNS-querying terms (RFC 7208 §4.6.4), at {term}"
                ),
            ));
        }
        Ok(())
    }

    /// Counts a void lookup; the third is a "permerror" (§4.6.4).
    fn count_void(&mut self, query: fmt::Arguments<'_>) -> Result<(), Decision> {
        self.void_lookups += 1;
        if self.void_lookups > MAX_VOID_LOOKUPS {
            return Err(Decision::new(
                SpfResult::PermError,
                format!(
                    "more than {MAX_VOID_LOOKUPS} void lookups (RFC 7208 §4.6.4), the last {query}"
                ),
            ));
        }
        Ok(())
    }

    /// §5: a DNS error other than NXDOMAIN: the topmost check_host()
    /// returns "temperror".
    fn temporary(&self, rtype: &str, name: &str, why: impl fmt::Display) -> Decision {
        Decision::new(
            SpfResult::TempError,
            format!("temporary DNS failure querying {rtype} {name}: {why}"),
        )
    }

    /// The address type for `<ip>` (§5): A for IPv4, AAAA for IPv6.
    fn address_type(&self) -> &'static str {
        match self.ip {
            IpAddr::V4(_) => "A",
            IpAddr::V6(_) => "AAAA",
        }
    }
}

/// §5.5: the PTR names of `ip` (at most [`MAX_PTR_NAMES`]) whose addresses
/// include `ip`. A failed address lookup skips its name.
async fn validate_ptr<L: Lookup>(lookup: &L, ip: IpAddr) -> PtrNames {
    let mut names = match lookup.ptr(ip).await {
        Ok(names) if !names.is_empty() => names,
        Ok(_) | Err(DnsError::NxDomain) => {
            return PtrNames {
                validated: Vec::new(),
                void: true,
            };
        }
        Err(_) => {
            return PtrNames {
                validated: Vec::new(),
                void: false,
            };
        }
    };
    // §4.6.4: "all records other than the first 10 MUST be ignored".
    names.truncate(MAX_PTR_NAMES);
    // The whole address must be among the name's (no prefix).
    let exact = DualCidr::default();
    let results = join_all(
        names
            .iter()
            .map(|name| address_match(lookup, name, ip, exact)),
    )
    .await;
    let validated = names
        .into_iter()
        .zip(results)
        .filter(|(_, result)| matches!(result, Ok(Addresses::Match)))
        .map(|(name, _)| name)
        .collect();
    PtrNames {
        validated,
        void: false,
    }
}

/// The A (IPv4 `ip`) or AAAA (IPv6 `ip`) records of `name` compared with
/// `ip` under `cidr` (§5.3, §5.4). `Err` only for a temporary failure.
async fn address_match<L: Lookup>(
    lookup: &L,
    name: &str,
    ip: IpAddr,
    cidr: DualCidr,
) -> Result<Addresses, DnsError> {
    if !is_queryable(name) {
        return Ok(Addresses::Unqueryable);
    }
    let answer = match ip {
        IpAddr::V4(_) => lookup.a(name).await.map(|addresses| {
            (!addresses.is_empty()).then(|| {
                addresses
                    .iter()
                    .any(|a| in_network(ip, IpAddr::V4(*a), cidr.v4))
            })
        }),
        IpAddr::V6(_) => lookup.aaaa(name).await.map(|addresses| {
            (!addresses.is_empty()).then(|| {
                addresses
                    .iter()
                    .any(|a| in_network(ip, IpAddr::V6(*a), cidr.v6))
            })
        }),
    };
    match answer {
        Ok(Some(true)) => Ok(Addresses::Match),
        Ok(Some(false)) => Ok(Addresses::NoMatch),
        Ok(None) | Err(DnsError::NxDomain) => Ok(Addresses::Void),
        Err(DnsError::InvalidName(_)) => Ok(Addresses::Unqueryable),
        Err(temporary) => Err(temporary),
    }
}

/// §4.3: whether `domain` (no trailing dot) can be checked at all: a
/// fully qualified, multi-label name that DNS can carry. Otherwise the
/// result is "none", without a query.
fn check_domain(domain: &str) -> Result<(), &'static str> {
    if domain.is_empty() {
        return Err("an empty name");
    }
    if domain.starts_with('[') {
        return Err("an address literal");
    }
    if domain.len() > MAX_DOMAIN_LENGTH {
        return Err("longer than 253 characters");
    }
    if domain.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err("a control character or a space");
    }
    let mut labels = 0;
    let mut top = "";
    for label in domain.split('.') {
        if label.is_empty() {
            return Err("an empty label");
        }
        if label.len() > 63 {
            return Err("a label longer than 63 characters");
        }
        labels += 1;
        top = label;
    }
    if labels < 2 {
        return Err("a single label, not a multi-label domain name");
    }
    if top.bytes().all(|b| b.is_ascii_digit()) {
        // RFC 3696 §2, and RFC 7208 §7.1's toplabel: never all-numeric
        // (a bare IPv4 address is no domain).
        return Err("an all-numeric top label");
    }
    Ok(())
}

/// Whether a `<target-name>` can be put in a query: labels of 1 to 63
/// bytes, at most 253 characters. RFC 7208 §4.8 leaves the result for
/// other names undefined; like a malformed `<domain>` in §4.3 they are
/// treated as names that do not exist, queried never, so that they give
/// no match (and not "temperror": the error would recur).
fn is_queryable(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_DOMAIN_LENGTH
        && name.split('.').all(|l| !l.is_empty() && l.len() <= 63)
}

fn trim_dot(name: &str) -> &str {
    name.strip_suffix('.').unwrap_or(name)
}

/// Whether `name` is `domain` or a subdomain of it, ignoring case and a
/// trailing dot on either (§5.5).
fn is_within(name: &str, domain: &str) -> bool {
    let (name, domain) = (trim_dot(name), trim_dot(domain));
    if name.len() == domain.len() {
        return name.eq_ignore_ascii_case(domain);
    }
    name.len() > domain.len()
        && name.is_char_boundary(name.len() - domain.len())
        && name[name.len() - domain.len()..].eq_ignore_ascii_case(domain)
        && name[..name.len() - domain.len()].ends_with('.')
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mock_dns::{Catalog, Fault, ServerHandle, parse_zone};

    use super::*;
    use crate::dns::HickoryLookup;

    const RECEIVER: Receiver<'static> = Receiver {
        name: "mx.receiver.example",
        now: 1_700_000_000,
    };

    /// A mock DNS server holding `zone` (master-file lines, origin `.`) and
    /// a client of it.
    async fn serve(zone: &str) -> (ServerHandle, HickoryLookup) {
        let catalog = Catalog::new();
        catalog.extend(parse_zone(zone, ".").unwrap_or_else(|e| panic!("{e:?}")));
        let server = ServerHandle::start(catalog, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let lookup = HickoryLookup::new(server.addr(), Duration::from_millis(400)).unwrap();
        (server, lookup)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn queried(server: &ServerHandle) -> Vec<String> {
        server
            .query_log()
            .entries()
            .iter()
            .map(|e| format!("{} {}", e.qtype, e.name))
            .collect()
    }

    #[tokio::test]
    async fn reasons_name_the_term_and_where_it_was() {
        let (_server, lookup) = serve(
            r#"
example.com. 300 IN TXT "v=spf1 include:_spf.example.net -all"
_spf.example.net. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
redirect.example.com. 300 IN TXT "v=spf1 ip4:198.51.100.1 redirect=example.com"
"#,
        )
        .await;
        let outcome = check_mail_from(
            &lookup,
            RECEIVER,
            ip("192.0.2.3"),
            "a@example.com",
            "h.example.org",
        )
        .await;
        assert_eq!(outcome.result, SpfResult::Pass);
        assert_eq!(
            outcome.reason,
            "ip4:192.0.2.0/24 in include:_spf.example.net"
        );
        assert_eq!((outcome.dns_lookups, outcome.void_lookups), (1, 0));
        assert_eq!(outcome.domain, "example.com");

        let outcome = check_mail_from(
            &lookup,
            RECEIVER,
            ip("192.0.2.3"),
            "a@redirect.example.com",
            "h.example.org",
        )
        .await;
        assert_eq!(outcome.result, SpfResult::Pass);
        assert_eq!(
            outcome.reason,
            "ip4:192.0.2.0/24 in include:_spf.example.net in redirect=example.com"
        );
        assert_eq!(outcome.dns_lookups, 2);

        let outcome = check_mail_from(
            &lookup,
            RECEIVER,
            ip("203.0.113.9"),
            "a@example.com",
            "h.example.org",
        )
        .await;
        assert_eq!(
            (outcome.result, outcome.reason.as_str()),
            (SpfResult::Fail, "-all")
        );
        assert_eq!(outcome.explanation, None);

        let outcome = check_mail_from(
            &lookup,
            RECEIVER,
            ip("192.0.2.3"),
            "a@nothing.example.com",
            "h.example.org",
        )
        .await;
        assert_eq!(outcome.result, SpfResult::None);
        assert_eq!(
            outcome.reason,
            "no SPF record at nothing.example.com: NXDOMAIN"
        );
    }

    #[tokio::test]
    async fn explanations_expand_every_letter() {
        let (_server, lookup) = serve(
            r#"
example.com. 300 IN TXT "v=spf1 -all exp=why.%{d}"
why.example.com. 300 IN TXT "%{r} at %{t}: %{c} (%{i}, %{v}, %{p}) may not send for %{s} %{l} %{o} %{d} %{h}."
3.2.0.192.in-addr.arpa. 300 IN PTR mx.example.com.
mx.example.com. 300 IN A 192.0.2.3
"#,
        )
        .await;
        let outcome = check_mail_from(
            &lookup,
            RECEIVER,
            ip("192.0.2.3"),
            "x@example.com",
            "helo.example.org",
        )
        .await;
        assert_eq!(outcome.result, SpfResult::Fail);
        assert_eq!(
            outcome.explanation.as_deref(),
            Some(
                "mx.receiver.example at 1700000000: 192.0.2.3 (192.0.2.3, in-addr, mx.example.com) may not send for x@example.com x example.com example.com helo.example.org."
            )
        );
        // §5: an IPv4-mapped client is IPv4 in macros too; its PTR is the
        // IPv4 one. An empty receiver name is "unknown" (§7.3).
        let receiver = Receiver { name: "", now: 7 };
        let outcome = check_mail_from(
            &lookup,
            receiver,
            ip("::ffff:192.0.2.3"),
            "x@example.com",
            "helo.example.org",
        )
        .await;
        assert_eq!(
            outcome.explanation.as_deref(),
            Some(
                "unknown at 7: 192.0.2.3 (192.0.2.3, in-addr, mx.example.com) may not send for x@example.com x example.com example.com helo.example.org."
            )
        );
        // Neither the exp nor the PTR lookups count (§4.6.4).
        assert_eq!((outcome.dns_lookups, outcome.void_lookups), (0, 0));
    }

    #[tokio::test]
    async fn helo_identity_and_names_never_queried() {
        let (server, lookup) = serve(
            r#"
mail.example.com. 300 IN TXT "v=spf1 -all exp=why.example.com"
why.example.com. 300 IN TXT "%{s} %{l} %{o}"
"#,
        )
        .await;
        let outcome = check_helo(&lookup, RECEIVER, ip("192.0.2.3"), "mail.example.com").await;
        assert_eq!(outcome.result, SpfResult::Fail);
        assert_eq!(
            outcome.explanation.as_deref(),
            Some("postmaster@mail.example.com postmaster mail.example.com")
        );
        // The null sender is postmaster@<helo> (§2.4).
        let outcome =
            check_mail_from(&lookup, RECEIVER, ip("192.0.2.3"), "", "mail.example.com").await;
        assert_eq!(
            outcome.explanation.as_deref(),
            Some("postmaster@mail.example.com postmaster mail.example.com")
        );
        server.query_log().clear();
        for helo in [
            "[192.0.2.3]",
            "localhost",
            "mail..example.com",
            "192.0.2.3",
            "",
        ] {
            let outcome = check_helo(&lookup, RECEIVER, ip("192.0.2.3"), helo).await;
            assert_eq!(outcome.result, SpfResult::None, "{helo}");
            assert!(
                outcome.reason.contains("(RFC 7208 §4.3)"),
                "{}",
                outcome.reason
            );
        }
        assert_eq!(queried(&server), Vec::<String>::new());
    }

    #[tokio::test]
    async fn dns_failures() {
        let (server, lookup) = serve(
            r#"
ptr.example.com. 300 IN TXT "v=spf1 ptr -all"
mx.example.com. 300 IN TXT "v=spf1 mx -all"
mx.example.com. 300 IN MX 10 slow.example.com.
mx.example.com. 300 IN MX 20 fast.example.com.
fast.example.com. 300 IN A 192.0.2.3
slow.example.com. 300 IN A 192.0.2.3
"#,
        )
        .await;
        let catalog = server.catalog();
        catalog.set_fault("3.2.0.192.in-addr.arpa", None, Fault::ServFail);
        // §5.5: a DNS error on the PTR lookup is a no-match, not temperror.
        let outcome = check_mail_from(
            &lookup,
            RECEIVER,
            ip("192.0.2.3"),
            "a@ptr.example.com",
            "h.example.org",
        )
        .await;
        assert_eq!(
            (outcome.result, outcome.reason.as_str()),
            (SpfResult::Fail, "-all")
        );
        // §5: a DNS error on an MX name's address lookup is temperror.
        catalog.set_fault("slow.example.com", Some("A"), Fault::ServFail);
        let outcome = check_mail_from(
            &lookup,
            RECEIVER,
            ip("192.0.2.3"),
            "a@mx.example.com",
            "h.example.org",
        )
        .await;
        assert_eq!(outcome.result, SpfResult::TempError);
        assert!(
            outcome
                .reason
                .starts_with("temporary DNS failure querying A slow.example.com"),
            "{}",
            outcome.reason
        );
        catalog.clear_fault("slow.example.com", Some("A"));
        let outcome = check_mail_from(
            &lookup,
            RECEIVER,
            ip("192.0.2.3"),
            "a@mx.example.com",
            "h.example.org",
        )
        .await;
        assert_eq!(
            (outcome.result, outcome.reason.as_str()),
            (SpfResult::Pass, "mx")
        );
    }

    #[tokio::test]
    async fn void_lookups_and_unqueryable_names() {
        let (server, lookup) = serve(
            r#"
example.com. 300 IN TXT "v=spf1 a:nx1.example.com include:inc.example.com -all"
inc.example.com. 300 IN TXT "v=spf1 a:nx2.example.com a:nx3.example.com -all"
macro.example.com. 300 IN TXT "v=spf1 a:%{l}.example.com exists:%{l}.example.com mx:%{l}.example.com -all"
nullmx.example.com. 300 IN TXT "v=spf1 mx -all"
nullmx.example.com. 300 IN MX 0 .
nullmx.example.com. 300 IN A 192.0.2.3
"#,
        )
        .await;
        // Void lookups are counted across include (§4.1, §4.6.4).
        let outcome = check_mail_from(
            &lookup,
            RECEIVER,
            ip("192.0.2.3"),
            "a@example.com",
            "h.example.org",
        )
        .await;
        assert_eq!(outcome.result, SpfResult::PermError);
        assert_eq!(
            outcome.reason,
            "more than 2 void lookups (RFC 7208 §4.6.4), the last A nx3.example.com in include:inc.example.com"
        );
        assert_eq!((outcome.dns_lookups, outcome.void_lookups), (4, 3));
        // A target name with an empty label is never queried, matches
        // nothing and is no void lookup (§4.8).
        server.query_log().clear();
        let outcome = check_mail_from(
            &lookup,
            RECEIVER,
            ip("192.0.2.3"),
            "a..b@macro.example.com",
            "h.example.org",
        )
        .await;
        assert_eq!((outcome.result, outcome.void_lookups), (SpfResult::Fail, 0));
        assert_eq!(queried(&server), ["TXT macro.example.com."]);
        // A null MX (RFC 7505) has no address to compare, and the target's
        // own A record is no implicit MX (§5.4).
        let outcome = check_mail_from(
            &lookup,
            RECEIVER,
            ip("192.0.2.3"),
            "a@nullmx.example.com",
            "h.example.org",
        )
        .await;
        assert_eq!(
            (outcome.result, outcome.reason.as_str()),
            (SpfResult::Fail, "-all")
        );
    }

    /// The futures can move between threads (a server spawns them).
    #[test]
    fn futures_are_send() {
        fn send<T: Send>(_: &T) {}
        fn check<L: Lookup>(lookup: &L) {
            send(&check_mail_from(
                lookup,
                RECEIVER,
                ip("192.0.2.1"),
                "a@b.example",
                "h.example",
            ));
            send(&check_helo(lookup, RECEIVER, ip("192.0.2.1"), "h.example"));
        }
        let _ = check::<HickoryLookup>;
    }

    #[test]
    fn domains_to_check() {
        assert_eq!(check_domain("example.com"), Ok(()));
        assert_eq!(check_domain("_spf.example.com"), Ok(()));
        assert_eq!(check_domain("xn--bcher-kva.example"), Ok(()));
        assert_eq!(check_domain(""), Err("an empty name"));
        assert_eq!(check_domain("[1.2.3.5]"), Err("an address literal"));
        assert_eq!(check_domain("A...example.com"), Err("an empty label"));
        assert_eq!(
            check_domain(&format!("{}.example.com", "a".repeat(64))),
            Err("a label longer than 63 characters")
        );
        assert_eq!(
            check_domain(&format!("{}.example.com", "a".repeat(63))),
            Ok(())
        );
        assert_eq!(
            check_domain("A2345678"),
            Err("a single label, not a multi-label domain name")
        );
        assert_eq!(check_domain("1.2.3.5"), Err("an all-numeric top label"));
        assert_eq!(
            check_domain("JUMPIN' JUPITER"),
            Err("a control character or a space")
        );
    }

    #[test]
    fn names_within_a_domain() {
        assert!(is_within("mail.Example.com", "example.Com"));
        assert!(is_within("example.com.", "example.com"));
        assert!(is_within("a.b.example.com", "example.com."));
        assert!(!is_within("badexample.com", "example.com"));
        assert!(!is_within("example.com", "mail.example.com"));
        assert!(!is_within("é.example.com", "x.example.com"));
    }

    #[test]
    fn queryable_names() {
        assert!(is_queryable("foo:bar/baz.example.com"));
        assert!(is_queryable("JUMPIN%27%20JUPITER"));
        assert!(!is_queryable(""));
        assert!(!is_queryable("mail.example...com"));
        assert!(!is_queryable(&format!("{}.bar", "%25".repeat(22))));
    }
}
