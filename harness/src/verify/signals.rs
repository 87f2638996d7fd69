//! What receivers' filters look at besides SPF, DKIM and DMARC: the client
//! IP's forward-confirmed reverse DNS, SPF evaluated for the header From
//! domain (as Japanese carriers do), the RFC 5322 basics, the
//! unsubscribe headers of RFC 2369 and RFC 8058, and whether the envelope
//! from's and the header From's domains exist in DNS (Yahoo's SOA check,
//! SoftBank's "does not exist").

use std::net::IpAddr;

use mail_auth::hickory_resolver::{
    net::{DnsError as NetDnsError, NetError},
    proto::{op::ResponseCode, rr::RecordType},
};
use mailharness_auth::{
    SpfResult, Verdict,
    dns::{DnsError, Lookup},
    spf::{self, Receiver},
};
use serde::{Deserialize, Serialize};

use super::{Verifier, VerifyInput, check::Resolver};
use crate::headers::{field_name, header_fields, split_header};

/// The signals of one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Signals {
    /// The names the client IP's PTR records give.
    pub ptr: Vec<String>,
    /// Forward-confirmed reverse DNS: a PTR name whose A/AAAA records
    /// include the client IP.
    pub fcrdns: bool,
    /// SPF evaluated with the header From domain as the identity (the
    /// client IP against that domain's record); `none` without a From.
    pub header_from_spf: SpfResult,
    /// What the message lacks of RFC 5322's basics (exactly one From and
    /// one Date, a Message-ID); empty when nothing.
    pub format_problems: Vec<String>,
    /// A `List-Unsubscribe` header with an https URI (RFC 2369).
    pub list_unsubscribe: bool,
    /// One-click unsubscribe (RFC 8058): an https `List-Unsubscribe` and
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
    pub one_click: bool,
    /// Whether the envelope from's domain exists in DNS.
    pub mail_from_dns: DomainDns,
    /// Whether the header From's domain exists in DNS.
    pub from_dns: DomainDns,
}

/// What DNS says of a domain a message names, as a receiver that checks
/// that it "resolves" asks: an SOA query for it (Yahoo's check), whose
/// answer or NODATA says the name exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DomainDns {
    /// The name exists (an SOA record, or NODATA).
    Exists,
    /// NXDOMAIN: the name does not exist.
    Nxdomain,
    /// SERVFAIL, a timeout: the receiver could not tell.
    Temperror,
    /// There is no domain to ask about: the null sender, a message
    /// without a From domain.
    None,
}

impl Verifier {
    /// The signals of a message whose `verdict` is known.
    pub async fn signals(&self, input: VerifyInput<'_>, verdict: &Verdict) -> Signals {
        let (ptr, fcrdns) = self.fcrdns(input.client_ip).await;
        // Japanese carriers evaluate SPF with the header From domain as the
        // identity (SES-FACTS: docomo's Sender ID/SPF).
        let header_from_spf = match verdict.header_from_domain.as_deref() {
            Some(domain) if !domain.is_empty() => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let receiver = Receiver {
                    name: self.judge.authserv_id(),
                    now,
                };
                spf::check_host(
                    self.lookup(),
                    receiver,
                    input.client_ip,
                    domain,
                    &format!("postmaster@{domain}"),
                    input.helo,
                )
                .await
                .result
            }
            _ => SpfResult::None,
        };
        let headers = HeaderSignals::of(input.raw);
        let mail_from_domain = input
            .mail_from
            .rsplit_once('@')
            .map(|(_, domain)| domain.trim_end_matches('>'));
        Signals {
            ptr,
            fcrdns,
            header_from_spf,
            format_problems: headers.format_problems,
            list_unsubscribe: headers.list_unsubscribe,
            one_click: headers.one_click,
            mail_from_dns: self.domain_dns(mail_from_domain).await,
            from_dns: self.domain_dns(verdict.header_from_domain.as_deref()).await,
        }
    }

    /// Whether `domain` exists in DNS: its SOA query answered with a
    /// record or NODATA, not NXDOMAIN.
    async fn domain_dns(&self, domain: Option<&str>) -> DomainDns {
        let Some(domain) = domain.filter(|d| !d.is_empty() && !d.starts_with('[')) else {
            return DomainDns::None;
        };
        let name = format!("{}.", domain.trim_end_matches('.'));
        let resolver = match self.judge.lookup() {
            Resolver::Direct(direct) => {
                return match direct.exists(&name).await {
                    Ok(()) => DomainDns::Exists,
                    Err(DnsError::NxDomain) => DomainDns::Nxdomain,
                    Err(_) => DomainDns::Temperror,
                };
            }
            Resolver::System(hickory) => hickory.resolver(),
        };
        match resolver.lookup(name.as_str(), RecordType::SOA).await {
            Ok(_) => DomainDns::Exists,
            Err(NetError::Dns(NetDnsError::NoRecordsFound(none)))
                if none.response_code == ResponseCode::NXDomain =>
            {
                DomainDns::Nxdomain
            }
            Err(NetError::Dns(NetDnsError::NoRecordsFound(_))) => DomainDns::Exists,
            Err(_) => DomainDns::Temperror,
        }
    }

    /// The PTR names of `ip`, and whether one of them resolves back to it.
    async fn fcrdns(&self, ip: IpAddr) -> (Vec<String>, bool) {
        let lookup = self.lookup();
        let names: Vec<String> = lookup
            .ptr(ip)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        let mut confirmed = false;
        for name in &names {
            confirmed = match ip {
                IpAddr::V4(v4) => lookup.a(name).await.is_ok_and(|a| a.contains(&v4)),
                IpAddr::V6(v6) => lookup.aaaa(name).await.is_ok_and(|a| a.contains(&v6)),
            };
            if confirmed {
                break;
            }
        }
        (names, confirmed)
    }
}

/// The signals read from the header block alone.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct HeaderSignals {
    pub format_problems: Vec<String>,
    pub list_unsubscribe: bool,
    pub one_click: bool,
}

impl HeaderSignals {
    pub(super) fn of(raw: &[u8]) -> HeaderSignals {
        let fields = header_fields(split_header(raw).0);
        let values = |name: &str| -> Vec<String> {
            fields
                .iter()
                .filter(|f| field_name(f) == name)
                .map(|f| {
                    let text = String::from_utf8_lossy(f);
                    let value = text.split_once(':').map_or("", |(_, v)| v);
                    // Unfold: a line break followed by white space is white space.
                    value
                        .replace("\r\n", "")
                        .replace('\n', "")
                        .trim()
                        .to_string()
                })
                .collect()
        };
        let mut format_problems = Vec::new();
        // RFC 5322 §3.6: one From, one Date; a Message-ID "SHOULD" be
        // there, and the large receivers require it.
        for (name, shown) in [
            ("from", "From"),
            ("date", "Date"),
            ("message-id", "Message-ID"),
        ] {
            match values(name).len() {
                0 => format_problems.push(format!("no {shown} header field")),
                1 => {}
                n => format_problems.push(format!("{n} {shown} header fields")),
            }
        }
        let list_unsubscribe = values("list-unsubscribe").iter().any(|v| {
            v.split(',').any(|uri| {
                uri.trim()
                    .trim_start_matches('<')
                    .get(..8)
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
            })
        });
        let one_click = list_unsubscribe
            && values("list-unsubscribe-post")
                .iter()
                .any(|v| v.eq_ignore_ascii_case("List-Unsubscribe=One-Click"));
        HeaderSignals {
            format_problems,
            list_unsubscribe,
            one_click,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_message() {
        let signals = HeaderSignals::of(
            b"From: a@example.com\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\
              Message-ID: <1@example.com>\r\n\
              List-Unsubscribe: <mailto:u@example.com>,\r\n <https://example.com/u?x=1>\r\n\
              List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nbody\r\n",
        );
        assert_eq!(
            signals,
            HeaderSignals {
                format_problems: Vec::new(),
                list_unsubscribe: true,
                one_click: true,
            }
        );
    }

    #[test]
    fn missing_and_repeated_fields() {
        let signals = HeaderSignals::of(
            b"From: a@example.com\r\nFrom: b@example.com\r\n\
              List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nbody\r\n",
        );
        assert_eq!(
            signals.format_problems,
            [
                "2 From header fields",
                "no Date header field",
                "no Message-ID header field"
            ]
        );
        // The POST header alone is not one-click unsubscribe.
        assert!(!signals.list_unsubscribe);
        assert!(!signals.one_click);
    }

    #[test]
    fn mailto_only_is_not_enough() {
        let signals = HeaderSignals::of(
            b"List-Unsubscribe: <mailto:u@example.com>\r\n\
              List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n",
        );
        assert!(!signals.list_unsubscribe);
        assert!(!signals.one_click);
    }
}
