//! RFC 7208 §4.6.4's void-lookup limit, which mail-auth 0.13 does not
//! enforce: more than two DNS lookups that find nothing (NXDOMAIN or no
//! answer), on the way to a result, make the result "permerror".
//!
//! The walk mirrors check_host(): terms left to right, stopping at the
//! first match, descending into `include:` and following `redirect=`.
//! Terms with macros are not expanded; the walk then stops counting
//! (it never invents a verdict it cannot reach).

use std::net::IpAddr;

use mail_auth::hickory_resolver::{
    TokioResolver,
    proto::rr::{RData, RecordType},
};

/// How many void lookups counted before the walk ended, or `None` when
/// the walk could not follow the record (macros, DNS errors, loops).
pub(super) async fn void_lookups(
    resolver: &TokioResolver,
    domain: &str,
    ip: IpAddr,
) -> Option<usize> {
    let mut voids = 0;
    let mut budget = 10;
    walk(resolver, domain, ip, &mut voids, &mut budget, 0).await?;
    Some(voids)
}

/// Evaluates `domain`'s record; `Some(true)` when a mechanism matched.
fn walk<'a>(
    resolver: &'a TokioResolver,
    domain: &'a str,
    ip: IpAddr,
    voids: &'a mut usize,
    budget: &'a mut usize,
    depth: usize,
) -> std::pin::Pin<Box<dyn Future<Output = Option<bool>> + Send + 'a>> {
    Box::pin(async move {
        if depth > 10 {
            return None;
        }
        let record = spf_record(resolver, domain).await?;
        let mut redirect = None;
        for term in record.split_ascii_whitespace().skip(1) {
            if term.contains('%') {
                return None;
            }
            let term = term.to_ascii_lowercase();
            if let Some(target) = term.strip_prefix("redirect=") {
                redirect = Some(target.to_string());
                continue;
            }
            if term.contains('=') {
                continue; // exp= and unknown modifiers
            }
            let mechanism = term.trim_start_matches(['+', '-', '~', '?']);
            let (name, arg) = match mechanism.split_once([':', '/']) {
                Some((n, _)) if mechanism.as_bytes()[n.len()] == b'/' => (n, None),
                Some((n, a)) => (n, Some(a)),
                None => (mechanism, None),
            };
            let target = |arg: Option<&str>| -> String {
                arg.map(|a| a.split('/').next().unwrap_or(a).to_string())
                    .unwrap_or_else(|| domain.to_string())
            };
            let matched = match name {
                "all" => true,
                "ip4" | "ip6" => arg.is_some_and(|a| in_network(ip, a)),
                "a" => {
                    take(budget)?;
                    let addrs = addresses(resolver, &target(arg), voids).await?;
                    addrs.contains(&ip)
                }
                "mx" => {
                    take(budget)?;
                    let hosts = mx_hosts(resolver, &target(arg), voids).await?;
                    let mut hit = false;
                    for host in hosts {
                        if addresses(resolver, &host, voids).await?.contains(&ip) {
                            hit = true;
                        }
                    }
                    hit
                }
                "exists" => {
                    take(budget)?;
                    !addresses(resolver, &target(arg), voids).await?.is_empty()
                }
                "include" => {
                    take(budget)?;
                    let included = arg?.to_string();
                    Box::pin(walk(resolver, &included, ip, voids, budget, depth + 1)).await?
                }
                "ptr" => {
                    take(budget)?;
                    false
                }
                _ => return None,
            };
            if *voids > 2 {
                return Some(false);
            }
            if matched {
                return Some(true);
            }
        }
        match redirect {
            Some(target) => {
                take(budget)?;
                Box::pin(walk(resolver, &target, ip, voids, budget, depth + 1)).await
            }
            None => Some(false),
        }
    })
}

fn take(budget: &mut usize) -> Option<()> {
    *budget = budget.checked_sub(1)?;
    Some(())
}

async fn spf_record(resolver: &TokioResolver, domain: &str) -> Option<String> {
    let name = format!("{}.", domain.trim_end_matches('.'));
    let lookup = resolver.txt_lookup(name.as_str()).await.ok()?;
    lookup.answers().iter().find_map(|r| match &r.data {
        RData::TXT(txt) => {
            let text: Vec<u8> = txt
                .txt_data
                .iter()
                .flat_map(|p| p.iter().copied())
                .collect();
            let text = String::from_utf8(text).ok()?;
            let lower = text.to_ascii_lowercase();
            (lower == "v=spf1" || lower.starts_with("v=spf1 ")).then_some(text)
        }
        _ => None,
    })
}

/// A and AAAA of `host`; counts a void lookup when neither has an answer.
async fn addresses(resolver: &TokioResolver, host: &str, voids: &mut usize) -> Option<Vec<IpAddr>> {
    let name = format!("{}.", host.trim_end_matches('.'));
    let mut out = Vec::new();
    for rtype in [RecordType::A, RecordType::AAAA] {
        match resolver.lookup(name.as_str(), rtype).await {
            Ok(lookup) => out.extend(lookup.answers().iter().filter_map(|r| match &r.data {
                RData::A(a) => Some(IpAddr::V4(a.0)),
                RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                _ => None,
            })),
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => {}
            Err(_) => return None,
        }
    }
    if out.is_empty() {
        *voids += 1;
    }
    Some(out)
}

async fn mx_hosts(
    resolver: &TokioResolver,
    domain: &str,
    voids: &mut usize,
) -> Option<Vec<String>> {
    let name = format!("{}.", domain.trim_end_matches('.'));
    match resolver.mx_lookup(name.as_str()).await {
        Ok(lookup) => Some(
            lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::MX(mx) => Some(mx.exchange.to_ascii()),
                    _ => None,
                })
                .collect(),
        ),
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => {
            *voids += 1;
            Some(Vec::new())
        }
        Err(_) => None,
    }
}

/// Whether `ip` is in `network` (`a.b.c.d[/n]` or an IPv6 prefix).
fn in_network(ip: IpAddr, network: &str) -> bool {
    let (addr, len) = match network.split_once('/') {
        Some((a, l)) => (a, l.parse::<u32>().ok()),
        None => (network, None),
    };
    match (ip, addr.parse::<IpAddr>()) {
        (IpAddr::V4(ip), Ok(IpAddr::V4(net))) => {
            let len = len.unwrap_or(32).min(32);
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), Ok(IpAddr::V6(net))) => {
            let len = len.unwrap_or(128).min(128);
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::in_network;

    #[test]
    fn networks() {
        let ip = "54.240.27.10".parse().unwrap();
        assert!(in_network(ip, "54.240.0.0/18"));
        assert!(!in_network(ip, "54.240.64.0/18"));
        assert!(in_network(ip, "54.240.27.10"));
        assert!(in_network("2001:db8::1".parse().unwrap(), "2001:db8::/32"));
        assert!(!in_network(ip, "2001:db8::/32"));
    }
}
