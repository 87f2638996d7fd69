//! One aggregate report as RFC 9990 (DMARCbis aggregate reporting) writes
//! it: the root `feedback` in the namespace `urn:ietf:params:xml:ns:dmarc-2.0`,
//! `discovery_method`, `np` and `testing` in `policy_published`, the
//! disposition `pass` for mail that passes under an enforcing policy, a
//! `reason` when test mode kept the policy from applying, every DKIM
//! signature with its selector, in the order §"DKIM Signatures in
//! Aggregate Reports" prefers. Valid against the schema of its Appendix A
//! (`tests/dmarc/rfc9990.xsd`).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use mailharness_auth::{DmarcSpec, Policy};

use super::{DomainReport, Row, element, open_metadata};
use crate::dmarc_reports::RFC9990_NAMESPACE;

/// RFC 9990: "A report SHOULD contain no more than 100 signatures for a
/// given row".
const MAX_SIGNATURES: usize = 100;

/// The report document.
pub(super) fn render(
    domain: &DomainReport,
    unique: &str,
    begin: DateTime<Utc>,
    end: DateTime<Utc>,
) -> String {
    let p = &domain.policy;
    let mut x = String::new();
    let _ = writeln!(x, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(x, r#"<feedback xmlns="{RFC9990_NAMESPACE}">"#);
    let _ = writeln!(x, "  <version>1.0</version>");
    open_metadata(&mut x, &p.domain, unique, begin, end);
    element(
        &mut x,
        4,
        "generator",
        concat!("mailharness ", env!("CARGO_PKG_VERSION")),
    );
    let _ = writeln!(x, "  </report_metadata>");
    let _ = writeln!(x, "  <policy_published>");
    element(&mut x, 4, "domain", &p.domain);
    if let Some(spec) = domain.spec {
        // RFC 9990: "psl" is RFC 7489's method, "treewalk" RFC 9989's.
        let method = match spec {
            DmarcSpec::Rfc7489 => "psl",
            DmarcSpec::Rfc9989 => "treewalk",
        };
        element(&mut x, 4, "discovery_method", method);
    }
    element(&mut x, 4, "p", p.p.as_str());
    element(&mut x, 4, "sp", p.sp.as_str());
    if let Some(np) = p.np {
        element(&mut x, 4, "np", np.as_str());
    }
    element(&mut x, 4, "adkim", &p.adkim);
    element(&mut x, 4, "aspf", &p.aspf);
    element(&mut x, 4, "fo", &p.fo);
    element(&mut x, 4, "testing", if p.testing { "y" } else { "n" });
    let _ = writeln!(x, "  </policy_published>");
    for (row, count) in &domain.rows {
        record(&mut x, row, *count, p.testing);
    }
    let _ = writeln!(x, "</feedback>");
    x
}

fn record(x: &mut String, row: &Row, count: usize, testing: bool) {
    let pass_fail = |b: bool| if b { "pass" } else { "fail" };
    let passed = row.dkim_aligned || row.spf_aligned;
    let enforcing = matches!(row.policy, Some(Policy::Quarantine | Policy::Reject));
    let _ = writeln!(x, "  <record>");
    let _ = writeln!(x, "    <row>");
    element(x, 6, "source_ip", &row.source_ip.to_string());
    element(x, 6, "count", &count.to_string());
    let _ = writeln!(x, "      <policy_evaluated>");
    // "pass": no action, passing DMARC with an enforcing policy.
    let disposition = if passed && enforcing {
        "pass"
    } else {
        row.disposition.as_str()
    };
    element(x, 8, "disposition", disposition);
    element(x, 8, "dkim", pass_fail(row.dkim_aligned));
    element(x, 8, "spf", pass_fail(row.spf_aligned));
    if !passed && enforcing && testing {
        let _ = writeln!(x, "        <reason>");
        element(x, 10, "type", "policy_test_mode");
        let _ = writeln!(x, "        </reason>");
    }
    let _ = writeln!(x, "      </policy_evaluated>");
    let _ = writeln!(x, "    </row>");
    let (spf_domain, scope, spf_result) = &row.spf;
    let null_sender = scope == "helo";
    let _ = writeln!(x, "    <identifiers>");
    element(x, 6, "header_from", &row.header_from);
    // RFC 9990: empty for a null reverse-path.
    element(
        x,
        6,
        "envelope_from",
        if null_sender { "" } else { &row.envelope_from },
    );
    if !row.envelope_to.is_empty() {
        element(x, 6, "envelope_to", &row.envelope_to);
    }
    let _ = writeln!(x, "    </identifiers>");
    let _ = writeln!(x, "    <auth_results>");
    // Passing and strictly aligned first, then passing and relaxed
    // aligned, then other passes, then the rest.
    let mut signatures: Vec<_> = row.dkim.iter().collect();
    signatures.sort_by_key(|(d, _, result, _, aligned)| {
        (
            result != "pass",
            !aligned,
            !d.eq_ignore_ascii_case(&row.header_from),
        )
    });
    for (d, s, result, human, _) in signatures.into_iter().take(MAX_SIGNATURES) {
        let _ = writeln!(x, "      <dkim>");
        element(x, 8, "domain", d);
        element(x, 8, "selector", s);
        element(x, 8, "result", result);
        if let Some(h) = human {
            element(x, 8, "human_result", h);
        }
        let _ = writeln!(x, "      </dkim>");
    }
    let _ = writeln!(x, "      <spf>");
    element(x, 8, "domain", spf_domain);
    // The only scope RFC 9990 knows is "mfrom"; with a null reverse-path
    // the result is for the HELO identity, so none is named.
    if !null_sender {
        element(x, 8, "scope", "mfrom");
    }
    element(x, 8, "result", spf_result);
    let _ = writeln!(x, "      </spf>");
    let _ = writeln!(x, "    </auth_results>");
    let _ = writeln!(x, "  </record>");
}
