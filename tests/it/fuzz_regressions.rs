//! The fuzz targets' reproducers, replayed without cargo-fuzz: every file
//! under `tests/fuzz-regressions/<target>/` (a crash the fuzzer found, now
//! fixed) and every seed under `fuzz/seeds/<target>/` goes through the
//! same function the fuzz binary calls (`fuzz/targets.rs`).

use std::path::{Path, PathBuf};

#[path = "../../fuzz/targets.rs"]
mod targets;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Replays every file in `dir/<target>/`; returns how many there were.
fn replay(dir: &Path) -> usize {
    let mut count = 0;
    for target in targets::TARGETS {
        let Ok(entries) = std::fs::read_dir(dir.join(target)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| targets::run(target, &data));
            assert!(outcome.is_ok(), "{target} panics on {}", file.display());
            count += 1;
        }
    }
    count
}

#[test]
fn fuzz_regressions_do_not_crash() {
    let count = replay(&root().join("tests/fuzz-regressions"));
    assert!(count > 0, "no reproducers under tests/fuzz-regressions");
}

#[test]
fn fuzz_seeds_do_not_crash() {
    let count = replay(&root().join("fuzz/seeds"));
    assert!(count > 0, "no seeds under fuzz/seeds");
}

/// The DNS query seeds (`fuzz/seeds/dns_respond/`) are the queries
/// hickory-proto makes: this test fails when one differs, and writes them
/// with `MAILHARNESS_WRITE_SEEDS=1 cargo test -p mailharness-tests --test
/// it dns_seeds`.
#[test]
fn dns_seeds_are_hickorys_queries() {
    let write = std::env::var_os("MAILHARNESS_WRITE_SEEDS").is_some();
    use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
    use hickory_proto::rr::{Name, RecordType};

    let dir = root().join("fuzz/seeds/dns_respond");
    if write {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut count = 0;
    let names = [
        "example.com.",
        "_dmarc.example.com.",
        "sel._domainkey.example.com.",
        "www.example.com.",
        "loop.example.com.",
        "big.example.com.",
        "EXAMPLE.com.",
        "missing.example.com.",
        "servfail.example.com.",
        "timeout.example.com.",
        "truncate.example.com.",
    ];
    let types = [
        RecordType::A,
        RecordType::AAAA,
        RecordType::TXT,
        RecordType::MX,
        RecordType::CNAME,
        RecordType::PTR,
        RecordType::ANY,
    ];
    let mut id = 0u16;
    for name in names {
        for rtype in types {
            for edns in [false, true] {
                id += 1;
                let mut message = Message::query();
                message.metadata.id = id;
                message.metadata.message_type = MessageType::Query;
                message.metadata.op_code = OpCode::Query;
                message.metadata.recursion_desired = true;
                message.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
                if edns {
                    let mut opt = Edns::new();
                    opt.set_max_payload(1232);
                    message.set_edns(opt);
                }
                let bytes = message.to_vec().unwrap();
                let file = format!(
                    "{}-{rtype}{}.bin",
                    name.trim_end_matches('.'),
                    if edns { "-edns" } else { "" }
                );
                let path = dir.join(&file);
                if write {
                    std::fs::write(&path, bytes).unwrap();
                } else {
                    let seed = std::fs::read(&path).unwrap_or_else(|e| {
                        panic!(
                            "{}: {e} (write the seeds with MAILHARNESS_WRITE_SEEDS=1)",
                            path.display()
                        )
                    });
                    assert_eq!(
                        seed, bytes,
                        "{file} differs (write the seeds with MAILHARNESS_WRITE_SEEDS=1)"
                    );
                }
                count += 1;
            }
        }
    }
    assert_eq!(count, 154);
}
