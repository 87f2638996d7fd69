//! `mailharness init`: the folder it writes for one's own domain,
//! snapshotted file by file, and run as written from the folder it was
//! written in (the README's three commands, install aside).

use std::path::Path;

use crate::support::{Output, insta_settings, mailharness, render};

/// Every file below `dir`, sorted, each under a header with its path.
fn folder_text(dir: &Path) -> String {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                out.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    files
        .iter()
        .map(|(name, text)| format!("----- {name} -----\n{text}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn passes(o: &Output, scenarios: usize) {
    assert_eq!(o.code, 0, "{}", render(o));
    assert!(
        o.stdout.contains(&format!(
            "{scenarios} scenarios: {scenarios} passed, 0 failed"
        )),
        "{}",
        render(o)
    );
}

/// The "Done when" of the README's first three commands: from an empty
/// folder, `init` and then `run` on what it wrote.
#[test]
fn init_writes_a_folder_that_passes_as_written() {
    let empty = tempfile::tempdir().unwrap();
    let o = mailharness(
        &[
            "init",
            "shop.example",
            "--region",
            "us-east-1",
            "--mail-from",
            "mail.shop.example",
        ],
        empty.path(),
    );
    insta_settings().bind(|| {
        insta::assert_snapshot!("init_stdout", render(&o));
        insta::assert_snapshot!(
            "init_files",
            folder_text(&empty.path().join("shop.example"))
        );
    });
    assert_eq!(o.code, 0);
    passes(&mailharness(&["run", "shop.example/"], empty.path()), 2);
    // The scenarios are valid for `check` too, and name no file outside.
    let check = mailharness(&["check", "shop.example"], empty.path());
    assert_eq!(check.code, 0, "{}", render(&check));
}

/// Other policies, regions and receivers: the folder passes as written
/// whatever the profiles make of the setup.
#[test]
fn every_policy_passes_as_written() {
    for (policy, region, receivers) in [
        ("quarantine", "eu-west-1", "gmail,generic"),
        ("reject", "ap-northeast-1", "generic,docomo,outlook"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let o = mailharness(
            &[
                "init",
                "Brand.Example.",
                "--region",
                region,
                "--dmarc-policy",
                policy,
                "--receivers",
                receivers,
                "--from",
                "Brand <news@mail.brand.example>",
                "--dir",
                "deliverability",
            ],
            dir.path(),
        );
        assert_eq!(o.code, 0, "{policy}: {}", render(&o));
        let default =
            std::fs::read_to_string(dir.path().join("deliverability/default.toml")).unwrap();
        assert!(
            default.contains(&format!("disposition = \"{policy}\"")),
            "{default}"
        );
        let zone = std::fs::read_to_string(
            dir.path()
                .join("deliverability/zones/custom/brand.example.zone"),
        )
        .unwrap();
        assert!(
            zone.contains(&format!("\"v=DMARC1; p={policy};\"")),
            "{zone}"
        );
        assert!(zone.contains(&format!("feedback-smtp.{region}.amazonses.com.")));
        passes(&mailharness(&["run", "deliverability"], dir.path()), 2);
    }
}

#[test]
fn init_writes_over_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("shop.example");
    std::fs::create_dir_all(folder.join("zones/custom")).unwrap();
    std::fs::write(folder.join("custom.toml"), "mine").unwrap();
    std::fs::write(folder.join("zones/custom/shop.example.zone"), "mine too").unwrap();
    let o = mailharness(&["init", "shop.example"], dir.path());
    insta_settings().bind(|| insta::assert_snapshot!("init_writes_over_nothing", render(&o)));
    assert_eq!(o.code, 2);
    assert_eq!(
        std::fs::read_to_string(folder.join("custom.toml")).unwrap(),
        "mine"
    );
    // Nothing else was written either.
    assert!(!folder.join("default.toml").exists());
    assert!(!folder.join("README.md").exists());
}

#[test]
fn bad_settings_are_named_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let o = mailharness(
        &[
            "init",
            "shop_example",
            "--region",
            "Tokyo",
            "--mail-from",
            "bounce.other.example",
            "--from",
            "noreply@elsewhere.example",
            "--receivers",
            "gmail-bulk,hotmail",
        ],
        dir.path(),
    );
    insta_settings().bind(|| insta::assert_snapshot!("init_bad_settings", render(&o)));
    assert_eq!(o.code, 2);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let o = mailharness(
        &["init", "shop.example", "--dmarc-policy", "block"],
        dir.path(),
    );
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("--dmarc-policy"), "{}", render(&o));
}
