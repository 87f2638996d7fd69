//! The HTML report of the bundled suite, opened in headless Chromium: no
//! console errors, the expected elements and verdict texts in the DOM it
//! built, and a screenshot kept as a test artifact.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::support::{mailharness_bin, require_peer, workspace_root};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Renders the bundled suite's report; returns its path and the page.
fn render_suite(dir: &Path) -> (PathBuf, String) {
    let html = dir.join("report.html");
    let out = Command::new(mailharness_bin())
        .args(["run", "scenarios", "--quiet", "--html"])
        .arg(&html)
        .current_dir(workspace_root())
        .output()
        .expect("run mailharness");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).expect("the report was written");
    (html, page)
}

/// Headless Chromium with a fresh profile and nothing that reaches out;
/// `timeout` bounds it.
fn chromium(profile: &Path, args: &[&str], page: &Path) -> std::process::Output {
    Command::new("timeout")
        .arg("120")
        .arg(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium")
}

/// Console messages Chromium logged for the page (`INFO:CONSOLE…` lines):
/// the page has no script, so any is an error.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

#[test]
fn html_report_is_self_contained_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let (_, page) = render_suite(dir.path());
    assert!(page.starts_with("<!DOCTYPE html>"));
    // Nothing to fetch: no script, no external stylesheet, image, frame or
    // link (URLs from messages, e.g. in List-Unsubscribe, are only text).
    for needle in [
        "<script",
        " src=",
        "<link rel=\"stylesheet",
        "href=\"http",
        "href=\"//",
        "@import",
        "url(",
    ] {
        assert!(!page.contains(needle), "the page contains {needle:?}");
    }
    // What a reader looks for.
    for needle in [
        r#"<section class="overview""#,
        r#"<ol class="route">"#,
        r#"<div class="ids">"#,
        "header From",
        "Return-Path · SPF",
        "DKIM signer",
        "✓ aligned",
        "✗ not aligned",
        ">DMARC pass<",
        ">DMARC fail<",
        "relay refused",
        "raw headers of the stored message",
        "question",
        "Four SES setups compared",
    ] {
        assert!(page.contains(needle), "the page lacks {needle:?}");
    }
    // The findings beside the path, the fix as a record to copy: the shop
    // whose MAIL FROM MX names us-east-2 (SES wants us-east-1).
    for needle in [
        r#"<div class="finding bad">"#,
        "<code>mail-from-fallback</code>",
        "<code>dmarc-single-mechanism</code>",
        "feedback-smtp.us-east-2.amazonses.com, the feedback endpoint of us-east-2, not feedback-smtp.us-east-1.amazonses.com",
        r#"<pre class="record" title="one click selects it all">mail.shop.example. 300 IN MX 10 feedback-smtp.us-east-1.amazonses.com.</pre>"#,
        "MAIL FROM mail.shop.example not in use (status FAILED",
    ] {
        assert!(page.contains(needle), "the page lacks {needle:?}");
    }
    // Variants of one file side by side: the four setups in one row.
    assert!(page.contains("grid-template-columns: repeat(4, minmax(0, 1fr))"));
    // Message headers are shown escaped: `<` of addresses never raw.
    assert!(page.contains("Return-Path: &lt;"));
    assert!(!page.contains("Return-Path: <"));
}

#[test]
#[ignore = "needs chromium: apt-get install chromium fonts-dejavu-core"]
fn html_report_opens_in_chromium_without_console_errors() {
    require_peer(
        "chromium",
        Path::new(CHROMIUM).is_file(),
        "apt-get install chromium fonts-dejavu-core",
    );
    let dir = tempfile::tempdir().unwrap();
    let (html, page) = render_suite(dir.path());

    let dom = chromium(&dir.path().join("profile-dom"), &["--dump-dom"], &html);
    let stderr = String::from_utf8_lossy(&dom.stderr);
    assert!(dom.status.success(), "chromium --dump-dom failed: {stderr}");
    assert_eq!(
        console_lines(&stderr),
        Vec::<&str>::new(),
        "console messages"
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    // The DOM Chromium built holds every scenario and the verdict texts.
    let articles = page.matches("<article ").count();
    assert!(articles >= 40, "{articles} scenario columns");
    assert_eq!(dom.matches("<article ").count(), articles);
    for needle in [
        "mailharness report",
        "DMARC pass",
        "DMARC fail",
        "✓ aligned",
        "✗ not aligned",
        "relay refused",
        "Amazon SES ap-northeast-1",
        "mx.capture.test",
    ] {
        assert!(dom.contains(needle), "the DOM lacks {needle:?}");
    }

    let artifacts = workspace_root().join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let png = artifacts.join("report.png");
    let _ = std::fs::remove_file(&png);
    let shot = chromium(
        &dir.path().join("profile-shot"),
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1400,3000",
            "--hide-scrollbars",
        ],
        &html,
    );
    let stderr = String::from_utf8_lossy(&shot.stderr);
    assert!(
        shot.status.success(),
        "chromium --screenshot failed: {stderr}"
    );
    assert_eq!(
        console_lines(&stderr),
        Vec::<&str>::new(),
        "console messages"
    );
    let bytes = std::fs::read(&png).expect("the screenshot was written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        bytes.len() > 50_000,
        "a {}-byte screenshot is blank",
        bytes.len()
    );
    eprintln!("screenshot: {}", png.display());

    // The suite's overview fills the first screen; a second picture shows
    // the diagrams: the SES setups side by side.
    let ses = dir.path().join("ses.html");
    let out = Command::new(mailharness_bin())
        .args([
            "run",
            "scenarios/ses/setups-compared.toml",
            "scenarios/ses/default.toml",
            "scenarios/ses/custom.toml",
            "--quiet",
            "--html",
        ])
        .arg(&ses)
        .current_dir(workspace_root())
        .output()
        .expect("run mailharness");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let png = artifacts.join("report-ses.png");
    let shot = chromium(
        &dir.path().join("profile-ses"),
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1400,3000",
            "--hide-scrollbars",
        ],
        &ses,
    );
    let stderr = String::from_utf8_lossy(&shot.stderr);
    assert!(
        shot.status.success(),
        "chromium --screenshot failed: {stderr}"
    );
    assert_eq!(
        console_lines(&stderr),
        Vec::<&str>::new(),
        "console messages"
    );
    eprintln!("screenshot: {}", png.display());
}
