//! The bodies of the fuzz targets, one function each. The cargo-fuzz
//! binaries in `fuzz_targets/` call them, and so does the regression test
//! `tests/it/fuzz_regressions.rs` (which includes this file), so a
//! reproducer kept under `tests/fuzz-regressions/<target>/` is replayed in
//! plain `cargo test` through exactly the code the fuzzer ran.
//!
//! Each function panics on a crash or on a broken invariant.
#![allow(dead_code)] // each fuzz binary uses one function

use std::path::Path;

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use mailharness::headers::{field_name, header_fields, split_header};
use mailharness::hop::HopKind;
use mailharness::scenario::ZoneFiles;
use mock_dns::{Catalog, Fault, Record, Transport};

/// The target names, as directories under `tests/fuzz-regressions/` and
/// binaries under `fuzz/fuzz_targets/`.
pub const TARGETS: [&str; 6] = [
    "scenario_load",
    "zone_parse",
    "smtp_command",
    "dns_respond",
    "message",
    "auth_records",
];

/// Runs the target `name` on `data`.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "scenario_load" => scenario_load(data),
        "zone_parse" => zone_parse(data),
        "smtp_command" => smtp_command(data),
        "dns_respond" => dns_respond(data),
        "message" => message(data),
        "auth_records" => auth_records(data),
        other => panic!("no fuzz target named {other}"),
    }
}

/// A zone from the suite, served for every `.zone` path a scenario names,
/// so that fuzzed scenarios get past their zone files without the fuzzer
/// reading arbitrary files from disk.
const ZONE: &str = "$ORIGIN example.com.\n\
@ 300 IN TXT \"v=spf1 include:amazonses.com -all\"\n\
_dmarc 300 IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@example.com\"\n\
@ 300 IN MX 10 mx.example.com.\n\
mx 300 IN A 192.0.2.25\n";

struct FuzzZones;

impl ZoneFiles for FuzzZones {
    fn read(&self, path: &Path) -> Result<String, String> {
        match path.extension() {
            Some(ext) if ext == "zone" => Ok(ZONE.to_owned()),
            _ => Err("no such file (fuzzing)".to_owned()),
        }
    }
}

/// The scenario loader on arbitrary TOML text: scenarios or diagnostics,
/// never a panic; every diagnostic's span lies inside the text.
pub fn scenario_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.toml");
    if let Err(files) = mailharness::scenario::load_str_with(text, path, &FuzzZones) {
        for file in files.iter().filter(|f| f.path == path) {
            for d in &file.diagnostics {
                assert!(
                    d.span.start <= d.span.end && d.span.end <= text.len(),
                    "span {:?} outside the text ({} bytes): {}",
                    d.span,
                    text.len(),
                    d.message
                );
            }
        }
    }
}

/// The zone-file parser on arbitrary text, and the catalog's master file
/// of what it accepted parses again.
pub fn zone_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(records) = mock_dns::parse_zone(text, ".") {
        let catalog = Catalog::new();
        catalog.extend(records);
        let again = catalog.to_zone_file();
        if let Err(errors) = mock_dns::parse_zone(&again, ".") {
            panic!("the catalog's own zone file does not parse: {errors:?}\n{again}");
        }
    }
}

/// The SMTP command and PROXY v1 parsers: every refusal is a 5xx reply.
pub fn smtp_command(data: &[u8]) {
    if let Err(e) = mailharness::smtp::parse_command(data) {
        let reply = e.reply();
        assert!((500..600).contains(&reply.code), "{reply:?} for {e}");
        let _ = reply.to_wire();
    }
    if let Err(e) = mailharness::smtp::parse_proxy_v1(data) {
        let reply = e.reply();
        assert!((500..600).contains(&reply.code), "{reply:?} for {e}");
    }
}

/// A catalog with a few records of each kind and one fault of each kind.
fn catalog() -> Catalog {
    let catalog = Catalog::new();
    let zone = format!(
        "{ZONE}www 300 IN CNAME mx.example.com.\n\
         loop 300 IN CNAME loop.example.com.\n\
         v6 300 IN AAAA 2001:db8::25\n\
         big 300 IN TXT \"{}\" \"{}\" \"{}\"\n",
        "a".repeat(250),
        "b".repeat(250),
        "c".repeat(250)
    );
    catalog.extend(mock_dns::parse_zone(&zone, ".").expect("the fuzz zone parses"));
    catalog.add(Record::txt(
        "sel._domainkey.example.com",
        300,
        "v=DKIM1; p=",
    ));
    catalog.set_fault("servfail.example.com", None, Fault::ServFail);
    catalog.set_fault("timeout.example.com", None, Fault::Timeout);
    catalog.set_fault("truncate.example.com", None, Fault::Truncate);
    catalog
}

/// The DNS request handler on arbitrary bytes, over UDP and TCP: any
/// response decodes, is a response to the same id, a query that does not
/// decode as one question gets FORMERR, and the judge's DNS client reads
/// the response as hickory does. The bytes themselves go through that
/// client's reader as well, as a datagram it might receive.
pub fn dns_respond(data: &[u8]) {
    thread_local! {
        static CATALOG: Catalog = catalog();
    }
    // Any bytes, read by the judge's client as a response: no panic.
    let _ = mailharness_auth::dns::read_echoed(data);
    CATALOG.with(|catalog| {
        for transport in [Transport::Udp, Transport::Tcp] {
            let Some(bytes) = mock_dns::respond(catalog, data, transport) else {
                continue;
            };
            assert!(data.len() >= 12, "a response to {} bytes", data.len());
            if transport == Transport::Udp {
                assert!(
                    bytes.len() <= 4096,
                    "a UDP response of {} bytes",
                    bytes.len()
                );
            }
            let response = Message::from_vec(&bytes)
                .unwrap_or_else(|e| panic!("the response does not decode: {e}"));
            assert_eq!(response.metadata.message_type, MessageType::Response);
            assert_eq!(response.metadata.id, u16::from_be_bytes([data[0], data[1]]));
            let opcode = (data[2] >> 3) & 0x0f;
            let one_question = Message::from_vec(data).is_ok_and(|m| m.queries.len() == 1);
            if opcode == u8::from(OpCode::Query) && !one_question {
                assert_eq!(response.metadata.response_code, ResponseCode::FormErr);
            }
            judge_reads_as_hickory(&bytes, &response);
        }
    });
}

/// The judge's DNS client (`DirectLookup`) reads a response of the mock
/// DNS as hickory decodes it: the same TC flag, RCODE and records of the
/// type asked.
fn judge_reads_as_hickory(bytes: &[u8], response: &Message) {
    use hickory_proto::rr::{Name, RData};
    let Some(question) = response.queries.first() else {
        return;
    };
    let joined = |name: &Name| {
        name.iter()
            .map(|label| String::from_utf8_lossy(label).into_owned())
            .collect::<Vec<_>>()
            .join(".")
    };
    let expected: Vec<Vec<u8>> = response
        .answers
        .iter()
        .filter(|r| r.record_type() == question.query_type())
        .map(|r| match &r.data {
            RData::TXT(txt) => txt.txt_data.concat(),
            RData::A(a) => a.0.to_string().into_bytes(),
            RData::AAAA(aaaa) => aaaa.0.to_string().into_bytes(),
            RData::MX(mx) => format!("{} {}", mx.preference, joined(&mx.exchange)).into_bytes(),
            RData::PTR(ptr) => joined(&ptr.0).into_bytes(),
            _ => Vec::new(),
        })
        .collect();
    let ours = mailharness_auth::dns::read_echoed(bytes)
        .unwrap_or_else(|| panic!("the judge's client does not read a response hickory decodes"));
    assert_eq!(ours.records, expected, "records of {question}");
    assert_eq!(ours.truncated, response.metadata.truncation);
    assert_eq!(
        ours.rcode,
        (u16::from(response.metadata.response_code) & 0x000f) as u8
    );
}

/// Arbitrary message bytes through mail-auth's parser (what the verifier
/// parses first) and the harness's own header code: the split and the
/// field list keep every byte, and the hops' rewrites do not panic.
pub fn message(data: &[u8]) {
    let _ = mail_auth::AuthenticatedMessage::parse(data);

    let (block, rest) = split_header(data);
    assert_eq!([block, rest].concat(), data);
    let fields = header_fields(block);
    assert_eq!(fields.concat(), block);
    for field in &fields {
        let _ = field_name(field);
    }

    let received =
        "Received: from fuzz (fuzz [192.0.2.1]) by hop.test; Thu, 1 Jan 2026 00:00:00 +0000\r\n";
    let forwarded = mailharness::hop::rewrite(&HopKind::Forwarder { srs: true }, data, received);
    assert_eq!(&forwarded[received.len()..], data);
    for rewrite_from in [false, true] {
        let list = HopKind::MailingList {
            list_address: "team@lists.test".to_owned(),
            subject_tag: Some("[team]".to_owned()),
            footer: Some("--\nfooter".to_owned()),
            rewrite_from,
        };
        let out = mailharness::hop::rewrite(&list, data, received);
        assert!(out.starts_with(received.as_bytes()));
    }
}

/// The judge's parsers on arbitrary bytes, as DNS and headers deliver them:
/// an SPF record (and, when it parses, every macro of it expanded), a
/// DKIM-Signature value, a DKIM key record and a DMARC record. Each gives a
/// value or a typed error, never a panic; an SPF macro string that parses
/// expands to a string no longer than its input allows.
pub fn auth_records(data: &[u8]) {
    use mailharness_auth::{dkim, dmarc, spf};
    let _ = spf::Record::parse(data);
    let _ = dkim::Signature::parse(data);
    let _ = dkim::KeyRecord::parse(data);
    let text = String::from_utf8_lossy(data);
    let _ = dmarc::Record::parse(&text);
    for context in [
        spf::Context::DomainSpec,
        spf::Context::Modifier,
        spf::Context::Explanation,
    ] {
        if let Ok(macro_string) = spf::MacroString::parse(&text, context) {
            let values = spf::MacroValues {
                sender: "strong-bad@email.example.com",
                local_part: "strong-bad",
                sender_domain: "email.example.com",
                domain: "email.example.com",
                ip: std::net::IpAddr::from([192, 0, 2, 3]),
                validated: "mx.example.org",
                helo: "mx.example.org",
                receiver: "mx.receiver.test",
                now: 1_800_000_000,
            };
            let _ = macro_string.expand(&values);
            let domain = macro_string.expand_domain(&values);
            assert!(
                domain.len() <= 253,
                "an expanded domain over 253 characters"
            );
        }
    }
}
