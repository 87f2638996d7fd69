//! `--dmarc-reports DIR`: aggregate reports, one per DMARC record that
//! applied, only to authorised `rua` destinations, each written as RFC 7489
//! has it (valid against the schema of its Appendix C,
//! `tests/dmarc/rua.xsd`) and as RFC 9990 has it, in `DIR/rfc9990/`
//! (valid against the schema of its Appendix A, `tests/dmarc/rfc9990.xsd`).

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

fn validate(file: &Path, schema: &str) {
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(workspace_root().join("tests/dmarc").join(schema))
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

/// The report files in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The reports of [`write_reports`]: RFC 7489's in the folder, RFC 9990's
/// in its `rfc9990` folder.
struct Written {
    stderr: String,
    rfc7489: Vec<std::path::PathBuf>,
    rfc9990: Vec<std::path::PathBuf>,
}

/// Runs a few bundled scenarios and the vendor one with
/// `--dmarc-reports`; mailharness's stderr and the report files, sorted.
fn write_reports(dir: &Path) -> Written {
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
    Written {
        stderr,
        rfc7489: files_in(&reports),
        rfc9990: files_in(&reports.join("rfc9990")),
    }
}

/// One report per DMARC record that applied, only to authorised `rua`
/// destinations, with what the record published.
#[test]
fn aggregate_reports_of_the_bundled_suite() {
    let dir = tempfile::tempdir().unwrap();
    let Written {
        stderr,
        rfc7489: files,
        rfc9990,
    } = write_reports(dir.path());
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
    // The same reports as RFC 9990 has them, under the same names, with
    // the same report ids (one report, two renderings).
    let names_9990: Vec<_> = rfc9990.iter().map(|f| f.file_name().unwrap()).collect();
    let names_7489: Vec<_> = files.iter().map(|f| f.file_name().unwrap()).collect();
    assert_eq!(names_9990, names_7489);
    let xml_9990: Vec<String> = rfc9990
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let id = |x: &str| {
        x.split("<report_id>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string()
    };
    for (a, b) in xml.iter().zip(&xml_9990) {
        assert_eq!(id(a), id(b));
        assert!(b.contains(r#"<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">"#));
    }
    // An enforcing policy, passed: RFC 9990's disposition "pass".
    assert!(
        xml_9990
            .iter()
            .any(|x| x.contains("<p>quarantine</p>")
                && x.contains("<disposition>pass</disposition>")),
        "{xml_9990:?}"
    );
    let shared_9990 = xml_9990
        .iter()
        .find(|x| x.matches("<record>").count() == 2)
        .expect("the RFC 9990 report of ses/custom and ses/default");

    insta_settings().bind(|| {
        insta::assert_snapshot!(
            "aggregate_reports_of_the_bundled_suite__notes",
            redact_times(&stderr)
        );
        insta::assert_snapshot!(
            "aggregate_reports_of_the_bundled_suite__ses_custom_and_default",
            redact_times(shared)
        );
        insta::assert_snapshot!(
            "aggregate_reports_of_the_bundled_suite__ses_custom_and_default_rfc9990",
            redact_times(shared_9990)
        );
    });
}

/// Every report of the run above validates against RFC 7489's schema.
#[test]
#[ignore = "needs xmllint: apt-get install libxml2-utils"]
fn aggregate_reports_validate_against_the_rfc_7489_schema() {
    require_peer("xmllint", on_path("xmllint"), XMLLINT);
    let dir = tempfile::tempdir().unwrap();
    let written = write_reports(dir.path());
    assert_eq!(written.rfc7489.len(), 4);
    for file in &written.rfc7489 {
        validate(file, "rua.xsd");
    }
}

/// ... and every RFC 9990 copy against RFC 9990's.
#[test]
#[ignore = "needs xmllint: apt-get install libxml2-utils"]
fn aggregate_reports_validate_against_the_rfc_9990_schema() {
    require_peer("xmllint", on_path("xmllint"), XMLLINT);
    let dir = tempfile::tempdir().unwrap();
    let written = write_reports(dir.path());
    assert_eq!(written.rfc9990.len(), 4);
    for file in &written.rfc9990 {
        validate(file, "rfc9990.xsd");
    }
}

#[test]
#[ignore = "needs xmllint: apt-get install libxml2-utils"]
fn the_schemas_refuse_what_they_should() {
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

    // RFC 9990's: a DKIM result without its selector (required since RFC
    // 9990), and the namespace is the schema's.
    let good = r#"<?xml version="1.0" encoding="UTF-8"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
  <report_metadata><org_name>x</org_name><email>x@x.test</email><report_id>1</report_id>
    <date_range><begin>1</begin><end>2</end></date_range></report_metadata>
  <policy_published><domain>example.com</domain><p>none</p></policy_published>
  <record><row><source_ip>192.0.2.1</source_ip><count>1</count>
    <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><dkim><domain>example.com</domain><selector>s</selector><result>pass</result></dkim></auth_results></record>
</feedback>
"#;
    let xmllint_9990 = |xml: &str| {
        std::fs::write(&file, xml).unwrap();
        Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(workspace_root().join("tests/dmarc/rfc9990.xsd"))
            .arg(&file)
            .output()
            .expect("run xmllint")
    };
    let out = xmllint_9990(good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = xmllint_9990(&good.replace("<selector>s</selector>", ""));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("selector"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = xmllint_9990(&good.replace(r#" xmlns="urn:ietf:params:xml:ns:dmarc-2.0""#, ""));
    assert!(!out.status.success());
}
