//! `dig`, a DNS client nobody here wrote, against the `mock-dns` binary
//! serving a bundled zone file.

use std::process::Command;

use crate::support::{MockDnsProcess, on_path, require_peer, workspace_root};

fn dig(port: u16, args: &[&str]) -> String {
    let out = Command::new("dig")
        .args(["@127.0.0.1", "-p", &port.to_string(), "+time=5", "+tries=1"])
        .args(args)
        .output()
        .expect("run dig");
    assert!(out.status.success(), "dig failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "needs dig: apt-get install dnsutils"]
fn dig_reads_txt_and_cname_from_the_mock_dns_binary() {
    require_peer("dig", on_path("dig"), "apt-get install dnsutils");
    let zone = workspace_root().join("scenarios/ses/zones/custom/example.com.zone");
    let logs = tempfile::tempdir().unwrap();
    let server = MockDnsProcess::start(&zone, &logs.path().join("mock-dns.log"));

    let txt = dig(server.port, &["+short", "_dmarc.example.com", "TXT"]);
    assert_eq!(
        txt.trim(),
        "\"v=DMARC1; p=none; rua=mailto:postmaster@example.com\""
    );
    let cname = dig(
        server.port,
        &[
            "+short",
            "xor2whcrpdxgu2brib3mjs2le6wjyi2a._domainkey.example.com",
            "CNAME",
        ],
    );
    assert_eq!(
        cname.trim(),
        "xor2whcrpdxgu2brib3mjs2le6wjyi2a.dkim.amazonses.com."
    );
    // Over TCP too, and a name that does not exist is NXDOMAIN, not REFUSED.
    let spf = dig(
        server.port,
        &["+tcp", "+short", "bounce.example.com", "TXT"],
    );
    assert_eq!(spf.trim(), "\"v=spf1 include:amazonses.com ~all\"");
    let missing = dig(server.port, &["_dmarc.com", "TXT"]);
    assert!(missing.contains("status: NXDOMAIN"), "{missing}");
}
