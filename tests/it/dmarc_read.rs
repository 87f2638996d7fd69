//! `mailharness dmarc-reports`: a week of aggregate reports in both
//! formats, packed as receivers send them, answers "what would p=reject
//! do?"; hostile files get a clear error naming them, within a deadline
//! and a memory bound, and never stop the answer from the others.
//! (Reading back what `run --dmarc-reports` writes is in
//! `dmarc_reports.rs`.)

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use crate::support::{MockDnsProcess, Output, insta_settings, mailharness_bin, workspace_root};

/// The hand-made reports (see their README).
fn corpus() -> PathBuf {
    workspace_root().join("tests/dmarc/reports")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Copies the corpus into `to`, each folder packed as its receiver sends
/// it: Google's as `.zip`, Yahoo's and the RFC 9990 receiver's as
/// `.xml.gz`, the rest as they are.
fn pack_corpus(from: &Path, to: &Path) -> usize {
    std::fs::create_dir_all(to).unwrap();
    let mut files = 0;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            files += pack_corpus(&path, &to.join(&name));
            continue;
        }
        if !name.ends_with(".xml") {
            continue;
        }
        let xml = std::fs::read(&path).unwrap();
        let folder = from.to_string_lossy();
        let (target, bytes) = if folder.contains("google") {
            (name.replace(".xml", ".zip"), zip(&[(name.as_str(), &xml)]))
        } else if folder.contains("yahoo") || folder.contains("rfc9990") {
            (format!("{name}.gz"), gzip(&xml))
        } else {
            (name.clone(), xml)
        };
        std::fs::write(to.join(target), bytes).unwrap();
        files += 1;
    }
    files
}

/// Runs `mailharness ARGS` in `dir` with its data segment held to 512 MiB
/// (`ulimit -d`): a report that made it hold more fails the run. A run
/// that has not finished after two minutes is killed and fails the test.
fn run_bounded(args: &[&str], dir: &Path) -> Output {
    let child = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -d 524288 && exec "$0" "$@""#)
        .arg(mailharness_bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mailharness under sh");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(out) => out.expect("mailharness's output"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("mailharness {args:?} did not finish within two minutes");
        }
    };
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The week of reports, packed: more than 20 files, both formats, a
/// duplicate; the answer per source, snapshotted.
#[test]
fn a_week_of_reports_answers_what_p_reject_would_do() {
    let dir = tempfile::tempdir().unwrap();
    let files = pack_corpus(&corpus(), &dir.path().join("reports"));
    assert!(files >= 20, "{files} report files");

    let human = run_bounded(&["dmarc-reports", "reports"], dir.path());
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert_eq!(human.stderr, "");

    let json = run_bounded(
        &["dmarc-reports", "reports", "--format", "json"],
        dir.path(),
    );
    assert_eq!(json.code, 0, "{}", json.stderr);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let reports = v["reports"].as_array().unwrap();
    assert_eq!(reports.len(), files);
    let format = |f: &str| reports.iter().filter(|r| r["format"] == f).count();
    assert_eq!((format("rfc7489"), format("rfc9990")), (18, 7));
    let duplicates: Vec<&str> = reports
        .iter()
        .filter_map(|r| r["duplicate_of"].as_str())
        .collect();
    assert_eq!(duplicates.len(), 1, "{duplicates:?}");
    assert!(
        duplicates[0].starts_with("reports/yahoo/resent/yahoo.com!example.com!1778371200"),
        "{duplicates:?}"
    );

    // The answer for example.com: every message reported once, failing
    // mail all at risk under p=reject (sp follows p).
    let domain = |v: &serde_json::Value, name: &str| {
        v["domains"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["domain"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {}", v["domains"]))
    };
    let com = &domain(&v, "example.com");
    assert_eq!(com["domain"], "example.com");
    let (messages, passed, failed) = (
        com["messages"].as_u64().unwrap(),
        com["passed"].as_u64().unwrap(),
        com["failed"].as_u64().unwrap(),
    );
    assert_eq!(messages, passed + failed);
    assert_eq!(com["if_reject"]["rejected"].as_u64(), Some(failed));
    assert_eq!(com["if_quarantine"]["quarantined"].as_u64(), Some(failed));
    let sources = com["sources"].as_array().unwrap();
    let source = |ip: &str| sources.iter().find(|s| s["ip"] == ip).unwrap();
    assert_eq!(source("54.240.27.10")["class"], "aligned");
    assert_eq!(
        source("198.51.100.25")["class"],
        "authenticated-not-aligned"
    );
    assert_eq!(source("203.0.113.66")["class"], "unauthenticated");
    // The RFC 9990 receiver's overrides: 2 + 3 + 4 + 2 + 3 + 4 + 2.
    assert_eq!(source("192.0.2.77")["overridden"]["mailing_list"], 20);
    let notify = source("54.240.4.7");
    assert_eq!(notify["failed"], notify["failed_at_subdomains"]);
    // The hand-made numbers: SES's first address sent 1000 + 37 d
    // messages a day to Google, 300 + 11 d to Yahoo, 120 + 5 d to the RFC
    // 9990 receiver, and 60 + d on two days to the ISP.
    let week = |base: u64, step: u64| (0..7).map(|d| base + step * d).sum::<u64>();
    assert_eq!(
        source("54.240.27.10")["messages"].as_u64(),
        Some(week(1000, 37) + week(300, 11) + week(120, 5) + 60 + 61)
    );

    // example.net publishes sp=none: its subdomain's failing mail is left
    // alone only when the stricter record keeps sp=none.
    let net = &domain(&v, "example.net");
    assert_eq!(net["domain"], "example.net");
    assert_eq!(net["today"]["quarantine"], 12);
    assert_eq!(net["if_reject"]["rejected"], 42);
    let kept = run_bounded(
        &[
            "dmarc-reports",
            "reports",
            "--format",
            "json",
            "--sp",
            "none",
        ],
        dir.path(),
    );
    let kept: serde_json::Value = serde_json::from_str(&kept.stdout).unwrap();
    assert_eq!(kept["what_if_sp"], "none");
    let kept_net = domain(&kept, "example.net");
    assert_eq!(kept_net["if_reject"]["rejected"], 12);
    assert_eq!(kept_net["if_reject"]["untouched"], 30);

    insta_settings().bind(|| {
        insta::assert_snapshot!(human.stdout);
    });
}

/// `--html`: one page, everything from the reports escaped, no script.
#[test]
fn the_answer_as_an_html_page() {
    let dir = tempfile::tempdir().unwrap();
    pack_corpus(&corpus(), &dir.path().join("reports"));
    // A reporter whose name is markup.
    let hostile = std::fs::read_to_string(
        corpus().join("isp/isp.example!example.com!1777852800!1777939199.xml"),
    )
    .unwrap()
    .replace(
        "<org_name>Example ISP</org_name>",
        "<org_name>&lt;script&gt;alert(1)&lt;/script&gt;</org_name>",
    )
    .replace("isp-1777852800", "other-id");
    std::fs::write(dir.path().join("reports/markup.xml"), hostile).unwrap();
    let out = run_bounded(
        &["dmarc-reports", "reports", "--html", "out/page.html"],
        dir.path(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = std::fs::read_to_string(dir.path().join("out/page.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.contains("<script"), "unescaped markup");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(page.matches(r#"<section class="domain">"#).count(), 2);
    assert!(page.contains("<code>p=reject; sp=reject</code>"));
    assert!(page.contains("authenticated, not aligned"));
    // A folder where the page should go is a usage error.
    std::fs::create_dir_all(dir.path().join("a-folder")).unwrap();
    let out = run_bounded(
        &["dmarc-reports", "reports", "--html", "a-folder"],
        dir.path(),
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: --html a-folder: expected a file to write, found a folder\n"
    );
}

/// With `--nameserver`, each source's reverse name, through the judge's
/// DNS client; without it nothing is looked up.
#[test]
fn reverse_names_only_from_a_nameserver_given() {
    let dir = tempfile::tempdir().unwrap();
    pack_corpus(&corpus().join("isp"), &dir.path().join("reports"));
    let zone = dir.path().join("reverse.zone");
    std::fs::write(
        &zone,
        "$ORIGIN in-addr.arpa.\n\
         10.27.240.54 300 IN PTR e234-2.smtp-out.ap-northeast-1.amazonses.com.\n\
         25.100.51.198 300 IN PTR mta1.esp-mail.test.\n",
    )
    .unwrap();
    let dns = MockDnsProcess::start(&zone, &dir.path().join("dns.log"));
    let server = format!("127.0.0.1:{}", dns.port);
    let out = run_bounded(
        &["dmarc-reports", "reports", "--nameserver", &server],
        dir.path(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("source 54.240.27.10 (e234-2.smtp-out.ap-northeast-1.amazonses.com)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("source 198.51.100.25 (mta1.esp-mail.test)")
    );
    // No PTR record: no name.
    assert!(out.stdout.contains("source 203.0.113.66  unauthenticated"));
    let plain = run_bounded(&["dmarc-reports", "reports"], dir.path());
    assert!(plain.stdout.contains("source 54.240.27.10  aligned"));
}

/// Every hostile file gets one error naming it (with line:col where the
/// XML has one), the good report beside them is still answered, and the
/// run ends at once within its memory bound.
#[test]
fn hostile_reports_get_a_clear_error_and_never_hang() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path().join("hostile");
    std::fs::create_dir_all(&h).unwrap();
    let good =
        std::fs::read(corpus().join("isp/isp.example!example.com!1777852800!1777939199.xml"))
            .unwrap();
    std::fs::write(h.join("good.xml"), &good).unwrap();

    // Entity expansion: the billion laughs.
    let mut laughs =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [\n <!ENTITY lol0 \"lol\">\n");
    for i in 1..10 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        laughs.push_str(&format!(" <!ENTITY lol{i} \"{prev}\">\n"));
    }
    laughs.push_str(
        "]>\n<feedback><report_metadata><org_name>&lol9;</org_name></report_metadata></feedback>\n",
    );
    std::fs::write(h.join("billion-laughs.xml"), laughs).unwrap();
    // An external entity, declared, and one only referred to.
    std::fs::write(
        h.join("external-entity.xml"),
        "<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<feedback>&xxe;</feedback>\n",
    )
    .unwrap();
    std::fs::write(
        h.join("undeclared-entity.xml"),
        String::from_utf8(good.clone())
            .unwrap()
            .replace("<org_name>Example ISP", "<org_name>&xxe;"),
    )
    .unwrap();
    // A gzip bomb: 1 GiB of zeros in 1,024 gzip members of 1 MiB each.
    let member = gzip(&vec![0u8; 1 << 20]);
    std::fs::write(h.join("bomb.xml.gz"), member.repeat(1024)).unwrap();
    // Huge files, sparse: one byte over each limit.
    let huge = std::fs::File::create(h.join("huge.xml")).unwrap();
    huge.set_len((64 << 20) + 1).unwrap();
    let mut huge_gz = std::fs::File::create(h.join("huge.xml.gz")).unwrap();
    huge_gz.write_all(&[0x1f, 0x8b]).unwrap();
    huge_gz.set_len((32 << 20) + 1).unwrap();
    // A zip of a thousand members.
    let names: Vec<String> = (0..1000).map(|i| format!("{i}.xml")).collect();
    let members: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"<a/>"[..])).collect();
    std::fs::write(h.join("members.zip"), zip(&members)).unwrap();
    // A million nested elements.
    std::fs::write(
        h.join("deep.xml"),
        format!("<feedback>\n{}", "<a>".repeat(1_000_000)),
    )
    .unwrap();
    // Records past the limit.
    std::fs::write(
        h.join("records.xml"),
        format!("<feedback>\n{}</feedback>\n", "<record/>\n".repeat(200_001)),
    )
    .unwrap();
    // Text past the limit, a cut file, another kind of XML.
    std::fs::write(
        h.join("long-text.xml"),
        format!(
            "<feedback>\n<report_metadata><org_name>{}</org_name>",
            "x".repeat(20_000)
        ),
    )
    .unwrap();
    std::fs::write(h.join("truncated.xml"), &good[..good.len() / 2]).unwrap();
    std::fs::write(
        h.join("page.xml"),
        "<html><body>not a report</body></html>\n",
    )
    .unwrap();
    std::fs::write(h.join("notes.txt"), "not read: not named like a report\n").unwrap();

    let out = run_bounded(&["dmarc-reports", "hostile"], dir.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stdout.contains("example.com  published p=none"),
        "{}",
        out.stdout
    );
    insta_settings().bind(|| {
        insta::assert_snapshot!(out.stderr);
    });

    // A zip bomb, and the limits as flags.
    let z = dir.path().join("zipped");
    std::fs::create_dir_all(&z).unwrap();
    std::fs::write(
        z.join("bomb.zip"),
        zip(&[("report.xml", &vec![b' '; 2 << 20])]),
    )
    .unwrap();
    let out = run_bounded(
        &["dmarc-reports", "zipped", "--max-xml-size", "1048576"],
        dir.path(),
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "zipped/bomb.zip[report.xml]: decompresses to more than 1048576 bytes, the limit for a report's XML (a zip bomb?)\nerror: no report could be read\n"
    );
}
