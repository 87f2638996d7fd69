//! The layers of `harness/src` hold: every `use crate::…` (and every
//! `crate::…::` path in code) of a module points to a module of a lower
//! layer. The matrix below is the design (ARCHITECTURE.md draws it); a new
//! module needs a row here, and an import that breaks it fails this test
//! with the file, the edge and the rule it breaks.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use crate::support::workspace_root;

/// The layers, bottom first. A module may import only modules of lower
/// layers; modules of one layer never import each other (the parties, on
/// layer 4, talk over SMTP, not through each other's code).
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundations: exit codes, header bytes, the resolver, TOML files with diagnostics, simulated time",
        &["exit", "headers", "dns", "document", "clock"],
    ),
    (
        "protocols and material: SMTP, HTTP to loopback, DKIM keys, SES's conventions",
        &["keys", "smtp", "http", "ses"],
    ),
    (
        "the harness's uses of the judge: verdicts on messages, aggregate reports read back",
        &["verify", "dmarc_reports"],
    ),
    ("receiver profiles", &["receiver"]),
    (
        "the parties, which never call each other",
        &["relay", "hop", "mta", "send", "capture", "live"],
    ),
    ("the sending side's DNS records", &["publish"]),
    ("the scenario file format", &["scenario"]),
    ("comparisons with expectations", &["expect"]),
    ("the report model and the reporters", &["report"]),
    ("running scenarios", &["runner"]),
    ("`mailharness diff`", &["diff"]),
    ("the commands", &["cli"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// One import: the file, the module it is in, the module it names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    file: String,
    from: String,
    to: String,
}

/// The top-level modules `source` names through `crate::`, outside
/// comments and outside its `#[cfg(test)]` module.
fn imported_modules(source: &str) -> BTreeSet<String> {
    let code: String = source
        .split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        // `mailharness_crate::` or similar is not `crate::`.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::X, b::{Y, Z}}`: the top-level names.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.extend(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            out.extend(first_segment(&item));
        } else {
            out.extend(first_segment(rest));
        }
    }
    out
}

fn first_segment(path: &str) -> Option<String> {
    let name: String = path
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty() && name != "self" && name != "super").then_some(name)
}

/// Every edge between top-level modules of the library rooted at `src`.
fn edges(src: &Path) -> Vec<Edge> {
    let mut files = Vec::new();
    collect_rs(src, &mut files);
    let mut out = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap().to_path_buf();
        let from = module_of(&relative);
        if from == "lib" || from == "main" {
            continue;
        }
        let source = std::fs::read_to_string(&file).unwrap();
        for to in imported_modules(&source) {
            if to != from {
                out.push(Edge {
                    file: format!("harness/src/{}", relative.display()),
                    from: from.clone(),
                    to,
                });
            }
        }
    }
    out.sort();
    out
}

/// `relay/server.rs` and `relay.rs` are both in `relay`.
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap();
    let name = first.as_os_str().to_string_lossy();
    name.strip_suffix(".rs").unwrap_or(&name).to_string()
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The rule an edge breaks, in words; `None` when it keeps the layers.
fn broken_rule(edge: &Edge) -> Option<String> {
    let (Some(from), Some(to)) = (layer_of(&edge.from), layer_of(&edge.to)) else {
        return Some(format!(
            "every module has a layer in tests/it/layers.rs: {} has none",
            if layer_of(&edge.from).is_none() {
                &edge.from
            } else {
                &edge.to
            }
        ));
    };
    if to < from {
        return None;
    }
    let (from_name, to_name) = (LAYERS[from].0, LAYERS[to].0);
    Some(if to == from {
        format!(
            "{} and {} are both {from_name}: neither may import the other",
            edge.from, edge.to
        )
    } else {
        format!(
            "{} ({from_name}, layer {from}) may not import {} ({to_name}, layer {to}): imports point down",
            edge.from, edge.to
        )
    })
}

fn violations(edges: &[Edge]) -> Vec<String> {
    edges
        .iter()
        .filter_map(|edge| {
            broken_rule(edge).map(|rule| format!("{}: imports {}: {rule}", edge.file, edge.to))
        })
        .collect()
}

#[test]
fn imports_point_down_the_layers() {
    let src = workspace_root().join("harness/src");
    let edges = edges(&src);
    assert!(
        edges.len() > 40,
        "expected the crate's imports, read {}",
        edges.len()
    );
    let broken = violations(&edges);
    assert!(
        broken.is_empty(),
        "imports that break the layers:\n{}",
        broken.join("\n")
    );
}

/// The test would see an upward or sideways import: the reader finds every
/// form of path, and the rules name the file and why.
#[test]
fn an_upward_import_is_caught_and_named() {
    let source = "//! docs naming crate::runner are not code\n\
        use std::io;\n\
        use crate::{headers::split_header, report::{Style, ScenarioReport}};\n\
        fn f() { let _ = crate::relay::RelayConfig::default(); }\n\
        #[cfg(test)]\nmod tests { use crate::cli::run; }\n";
    let found = imported_modules(source);
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["headers", "relay", "report"]
    );
    let edge = |to: &str| Edge {
        file: "harness/src/send/direct.rs".into(),
        from: "send".into(),
        to: to.into(),
    };
    let broken = violations(&[edge("report"), edge("relay"), edge("keys")]);
    assert_eq!(
        broken,
        [
            "harness/src/send/direct.rs: imports report: send (the parties, which never call each other, layer 4) may not import report (the report model and the reporters, layer 8): imports point down",
            "harness/src/send/direct.rs: imports relay: send and relay are both the parties, which never call each other: neither may import the other",
        ]
    );
}
