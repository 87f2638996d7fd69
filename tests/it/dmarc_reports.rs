//! `--dmarc-reports DIR`: RFC 7489 aggregate reports, one per DMARC record
//! that applied, only to authorised `rua` destinations, each valid against
//! the schema of RFC 7489 Appendix C (`tests/dmarc/rua.xsd`).

use std::{path::Path, process::Command};

use crate::support::{
    insta_settings, mailharness_bin, on_path, redact, require_peer, workspace_root,
};

const XMLLINT: &str = "apt-get install libxml2-utils";

/// Timestamps in report file names, date ranges and report ids.
fn redact_times(text: &str) -> String {
    let text = redact(text);
    let times = regex::Regex::new(r"![0-9]{9,}!").unwrap();
    let text = times.replace_all(&text, "![T]!");
    let times = regex::Regex::new(r"![0-9]{9,}(!|\.xml)").unwrap();
    let text = times.replace_all(&text, "![T]$1");
    let range = regex::Regex::new(r"<(begin|end)>[0-9]+</").unwrap();
    let text = range.replace_all(&text, "<$1>[T]</");
    let id = regex::Regex::new(r"\.[0-9]{9,}(\.[0-9]+)?@").unwrap();
    id.replace_all(&text, ".[T]$1@").into_owned()
}

fn validate(file: &Path) {
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(workspace_root().join("tests/dmarc/rua.xsd"))
        .arg(file)
        .output()
        .expect("run xmllint");
    assert!(
        out.status.success(),
        "{} does not validate: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A DMARC record whose `rua` is at another domain: the variant where
/// that domain publishes `example.com._report._dmarc.<its domain>` gets a
/// report, the other does not (RFC 7489 §7.1).
fn vendor_scenario(dir: &Path) -> std::path::PathBuf {
    let zone = workspace_root().join("scenarios/dmarc/zones/aligned/example.com.zone");
    let file = dir.join("vendor.toml");
    std::fs::write(
        &file,
        format!(
            r#"name = "DMARC reports to a vendor"

[dns]
zones = [{zone:?}]
records = ['_dmarc.example.com. TXT "v=DMARC1; p=quarantine; pct=50; fo=1; rua=mailto:agg@reports.vendor.test"']

[sender]
via = "relay"
region = "ap-northeast-1"
identity = "example.com"
mail_from_domain = "bounce.example.com"
easy_dkim = true

[message]
from = "Example Shop <noreply@example.com>"
to = ["user@receiver.test"]
subject = "Your order has shipped"
text = "Your order #1234 has shipped.\r\n"

[[variants]]
name = "vendor did not authorise"

[[variants]]
name = "vendor authorised"
dns = {{ records = ['example.com._report._dmarc.reports.vendor.test. TXT "v=DMARC1"'] }}
"#,
            zone = zone.display().to_string()
        ),
    )
    .unwrap();
    file
}

/// Runs a few bundled scenarios and the vendor one with
/// `--dmarc-reports`; mailharness's stderr and the report files, sorted.
fn write_reports(dir: &Path) -> (String, Vec<std::path::PathBuf>) {
    let reports = dir.join("dmarc");
    let vendor = vendor_scenario(dir);
    let out = Command::new(mailharness_bin())
        .args([
            "run",
            // p=quarantine without rua=: no report.
            "scenarios/dkim/ed25519.toml",
            // p=reject; the other two each their own record.
            "scenarios/dmarc/policy-reject.toml",
            "scenarios/dmarc/strict-alignment.toml",
            // The same record: one report, the two outcomes as two rows.
            "scenarios/ses/custom.toml",
            "scenarios/ses/default.toml",
        ])
        .arg(&vendor)
        .args(["--quiet", "--dmarc-reports"])
        .arg(&reports)
        .current_dir(workspace_root())
        .output()
        .expect("run mailharness");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let mut files: Vec<_> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    (stderr, files)
}

/// One report per DMARC record that applied, only to authorised `rua`
/// destinations, with what the record published.
#[test]
fn aggregate_reports_of_the_bundled_suite() {
    let dir = tempfile::tempdir().unwrap();
    let (stderr, files) = write_reports(dir.path());
    let names: Vec<String> = files
        .iter()
        .map(|f| redact_times(&f.file_name().unwrap().to_string_lossy()))
        .collect();
    assert_eq!(
        names,
        [
            "mx.capture.test!example.com![T]![T]!1.xml",
            "mx.capture.test!example.com![T]![T]!2.xml",
            "mx.capture.test!example.com![T]![T]!3.xml",
            "mx.capture.test!example.com![T]![T]!4.xml",
        ]
    );
    // The unauthorised destination is named, and nothing went to it.
    assert!(
        stderr.contains("skipped agg@reports.vendor.test: not authorised"),
        "{stderr}"
    );
    let xml: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    // ... and the authorised one got its report, with the record's pct
    // and fo.
    assert!(stderr.contains("for agg@reports.vendor.test"), "{stderr}");
    assert!(
        xml.iter()
            .any(|x| x.contains("<pct>50</pct>") && x.contains("<fo>1</fo>")),
        "{xml:?}"
    );
    // SES custom and default share a record: one report, two rows.
    let shared = xml
        .iter()
        .find(|x| x.matches("<record>").count() == 2)
        .expect("the report of ses/custom and ses/default");
    assert!(shared.contains("<envelope_from>bounce.example.com</envelope_from>"));
    assert!(shared.contains("<envelope_from>ap-northeast-1.amazonses.com</envelope_from>"));
    assert!(xml.iter().any(|x| x.contains("<p>reject</p>")));
    assert!(
        xml.iter()
            .any(|x| x.contains("<adkim>s</adkim>") && x.contains("<aspf>s</aspf>"))
    );

    insta_settings().bind(|| {
        insta::assert_snapshot!(
            "aggregate_reports_of_the_bundled_suite__notes",
            redact_times(&stderr)
        );
        insta::assert_snapshot!(
            "aggregate_reports_of_the_bundled_suite__ses_custom_and_default",
            redact_times(shared)
        );
    });
}

/// Every report of the run above validates against RFC 7489's schema.
#[test]
#[ignore = "needs xmllint: apt-get install libxml2-utils"]
fn aggregate_reports_validate_against_the_rfc_7489_schema() {
    require_peer("xmllint", on_path("xmllint"), XMLLINT);
    let dir = tempfile::tempdir().unwrap();
    let (_, files) = write_reports(dir.path());
    assert_eq!(files.len(), 4);
    for file in &files {
        validate(file);
    }
}

#[test]
#[ignore = "needs xmllint: apt-get install libxml2-utils"]
fn the_schema_refuses_what_it_should() {
    require_peer("xmllint", on_path("xmllint"), XMLLINT);
    // A report without the required policy_published/pct: the schema is
    // really applied, not just parsed.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.xml");
    std::fs::write(
        &file,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <version>1.0</version>
  <report_metadata><org_name>x</org_name><email>x@x.test</email><report_id>1</report_id>
    <date_range><begin>1</begin><end>2</end></date_range></report_metadata>
  <policy_published><domain>example.com</domain><p>none</p><sp>none</sp><fo>0</fo></policy_published>
  <record><row><source_ip>192.0.2.1</source_ip><count>1</count>
    <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
    <identifiers><envelope_from>example.com</envelope_from><header_from>example.com</header_from></identifiers>
    <auth_results><spf><domain>example.com</domain><scope>mfrom</scope><result>pass</result></spf></auth_results></record>
</feedback>
"#,
    )
    .unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(workspace_root().join("tests/dmarc/rua.xsd"))
        .arg(&file)
        .output()
        .expect("run xmllint");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pct"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
