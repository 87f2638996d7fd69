//! The judge whole: one message and its envelope, through SPF, DKIM, ARC and
//! DMARC under both specifications, against a mock DNS server on loopback
//! queried by the real DNS client. What is checked here is the assembly —
//! which identity SPF checks, which DMARC verdict is reported and when the
//! other specification's is added, the Authentication-Results field — the
//! mechanisms themselves have their conformance tests.

use std::{net::IpAddr, time::Duration};

use mailharness_auth::{
    DkimResult, DmarcResult, DmarcSpec, Envelope, Judge, Policy, SpfResult, Verdict,
    dns::DirectLookup,
};
use mock_dns::{Catalog, Record, ServerHandle};

const NOW: u64 = 1_800_000_000;

const ZONE: &[(&str, &str)] = &[
    ("example.com", "v=spf1 ip4:192.0.2.25 -all"),
    (
        "_dmarc.example.com",
        "v=DMARC1; p=reject; rua=mailto:dmarc@example.com",
    ),
    ("mx.example.com", "v=spf1 ip4:192.0.2.25 -all"),
    ("_dmarc.co.uk", "v=DMARC1; p=reject; psd=y"),
    ("spoof.test", "v=spf1 ip4:203.0.113.66 -all"),
    ("partner.test", "v=spf1 -all"),
    ("_dmarc.partner.test", "v=DMARC1; p=quarantine"),
];

async fn judge(spec: DmarcSpec, raw: &str, ip: &str, helo: &str, mail_from: &str) -> Verdict {
    let catalog = Catalog::new();
    for (name, text) in ZONE {
        catalog.add(Record::txt(name, 300, text));
    }
    catalog.add(Record::new(
        "brand.co.uk",
        300,
        mock_dns::RData::A("192.0.2.80".parse().unwrap()),
    ));
    let server = ServerHandle::start(catalog, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let lookup = DirectLookup::new(server.addr(), Duration::from_secs(2));
    Judge::new(lookup, "mx.receiver.test")
        .with_spec(spec)
        .verify(
            raw.as_bytes(),
            Envelope {
                client_ip: ip.parse::<IpAddr>().unwrap(),
                helo,
                mail_from,
            },
            NOW,
        )
        .await
}

fn message(from: &str) -> String {
    format!("From: {from}\r\nTo: user@receiver.test\r\nSubject: s\r\n\r\nbody\r\n")
}

#[tokio::test]
async fn aligned_spf_pass_and_its_authentication_results() {
    let v = judge(
        DmarcSpec::Rfc7489,
        &message("Shop <noreply@example.com>"),
        "192.0.2.25",
        "mx.example.com",
        "bounce@example.com",
    )
    .await;
    assert_eq!(v.spf.result, SpfResult::Pass);
    assert_eq!(v.spf.domain, "example.com");
    assert_eq!(v.spf.helo_result, SpfResult::Pass);
    assert_eq!(v.dmarc.result, DmarcResult::Pass);
    assert!(v.dmarc.spf_aligned && !v.dmarc.dkim_aligned);
    assert_eq!(v.dmarc.policy, Some(Policy::Reject));
    assert_eq!(v.dmarc.disposition, Policy::None);
    assert!(v.dmarc_other_spec.is_none(), "both specifications agree");
    assert_eq!(
        v.authentication_results,
        "mx.receiver.test;\r\n\
         \tdkim=none;\r\n\
         \tspf=pass (ip4:192.0.2.25) smtp.mailfrom=bounce@example.com;\r\n\
         \tspf=pass smtp.helo=mx.example.com;\r\n\
         \tarc=none smtp.remote-ip=192.0.2.25;\r\n\
         \tdmarc=pass (p=reject dis=none) header.from=example.com policy.dmarc=reject"
    );
    assert_eq!(v.dmarc.rua.len(), 1);
    assert!(v.dmarc.rua[0].authorized);
}

/// RFC 7208 §2.4: with the null sender, SPF checks postmaster@<HELO>, and
/// that is the identity DMARC aligns (RFC 7489 §4.1).
#[tokio::test]
async fn the_null_sender_is_checked_through_the_helo_name() {
    let v = judge(
        DmarcSpec::Rfc7489,
        &message("Mailer <mailer-daemon@example.com>"),
        "192.0.2.25",
        "mx.example.com",
        "",
    )
    .await;
    assert_eq!(v.spf.result, SpfResult::Pass);
    assert_eq!(v.spf.domain, "mx.example.com");
    assert!(v.dmarc.spf_aligned);
    assert_eq!(v.return_path_domain, "");
    assert!(
        v.authentication_results
            .contains("smtp.mailfrom=postmaster@mx.example.com"),
        "{}",
        v.authentication_results
    );
}

/// A record at a public suffix: RFC 7489 never consults it (§6.6.3), RFC
/// 9989 applies it as the PSD policy (§4.10.1). The verdict follows the
/// chosen specification and names the other's conclusion and why.
#[tokio::test]
async fn the_other_specification_is_reported_when_it_disagrees() {
    let raw = message("Brand <noreply@brand.co.uk>");
    let v = judge(
        DmarcSpec::Rfc7489,
        &raw,
        "203.0.113.66",
        "mail.spoof.test",
        "bounce@spoof.test",
    )
    .await;
    assert_eq!(v.dmarc.spec, DmarcSpec::Rfc7489);
    assert_eq!(v.dmarc.result, DmarcResult::None);
    assert_eq!(v.dmarc.policy, None);
    let other = v.dmarc_other_spec.expect("RFC 9989 disagrees");
    assert_eq!(other.spec, DmarcSpec::Rfc9989);
    assert_eq!(other.result, DmarcResult::Fail);
    assert_eq!(other.disposition, Policy::Reject);
    assert_eq!(other.record_domain.as_deref(), Some("co.uk"));
    assert!(
        other.why.iter().any(|w| w.contains("_dmarc.co.uk")),
        "{:?}",
        other.why
    );

    let v = judge(
        DmarcSpec::Rfc9989,
        &raw,
        "203.0.113.66",
        "mail.spoof.test",
        "bounce@spoof.test",
    )
    .await;
    assert_eq!(v.dmarc.spec, DmarcSpec::Rfc9989);
    assert_eq!(v.dmarc.result, DmarcResult::Fail);
    assert_eq!(v.dmarc.disposition, Policy::Reject);
    let other = v.dmarc_other_spec.expect("RFC 7489 disagrees");
    assert_eq!(other.result, DmarcResult::None);
    assert_eq!(other.record_domain, None);
}

/// RFC 7489 §6.6.1: every author domain is evaluated and the strictest
/// policy among those that fail applies.
#[tokio::test]
async fn several_authors_take_the_strictest_failing_policy() {
    let v = judge(
        DmarcSpec::Rfc7489,
        &message("Shop <noreply@example.com>, Partner <news@partner.test>"),
        "192.0.2.25",
        "mx.example.com",
        "bounce@example.com",
    )
    .await;
    assert_eq!(v.header_from.as_deref(), Some("noreply@example.com"));
    assert_eq!(v.other_from, ["news@partner.test"]);
    assert_eq!(v.dmarc.result, DmarcResult::Fail);
    assert_eq!(v.dmarc.domain, "partner.test");
    assert_eq!(v.dmarc.disposition, Policy::Quarantine);
    assert!(!v.dmarc.notes.is_empty());
}

/// A message without a header block still has an envelope to check: SPF
/// is judged, DKIM finds nothing, and DMARC has no author domain.
#[tokio::test]
async fn a_message_without_headers_still_gets_its_spf_verdict() {
    let v = judge(
        DmarcSpec::Rfc7489,
        "no header block at all",
        "192.0.2.25",
        "mx.example.com",
        "bounce@example.com",
    )
    .await;
    assert_eq!(v.spf.result, SpfResult::Pass);
    assert!(v.dkim.is_empty());
    assert_eq!(v.header_from, None);
    assert_ne!(v.dmarc.result, DmarcResult::Pass);
    assert!(
        !v.dmarc.notes.is_empty(),
        "the verdict says why DMARC could not apply"
    );
    assert_eq!(v.arc.result, DkimResult::None);
}
