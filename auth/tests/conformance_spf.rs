//! The openspf conformance suites (`tests/openspf/`, see its README) run
//! against the judge's `check_host()`: each scenario's zone data served by
//! a mock DNS server on loopback, each test through the real DNS client.
//!
//! The zone data is loaded the way the suites' own driver (pyspf's
//! `testspf.py`) loads it: TXT/SPF values are a string or a list of
//! character-strings; SPF-type (99) records are copied to TXT when the name
//! has no TXT entry (`TXT: NONE` counts as one and stands for no record);
//! a `TIMEOUT` entry makes every query of the name time out, except for the
//! types listed before it. The driver gives the default explanation
//! "DEFAULT" when there is no `exp=` text, so "DEFAULT" here means none.

use std::{
    collections::{BTreeMap, BTreeSet},
    net::IpAddr,
    path::Path,
    str::FromStr,
    time::Duration,
};

use mailharness_auth::{
    SpfResult,
    dns::DirectLookup,
    spf::{Receiver, check_mail_from},
};
use mock_dns::{Catalog, Fault, RData, Record, ServerHandle};
use yaml_rust2::{Yaml, YamlLoader};

/// Long enough for loopback, short enough that the TIMEOUT cases finish
/// quickly.
const DNS_TIMEOUT: Duration = Duration::from_millis(400);

/// The types a `TIMEOUT` entry silences (those the judge asks for).
const TIMEOUT_TYPES: [&str; 6] = ["TXT", "A", "AAAA", "MX", "PTR", "CNAME"];

/// Why a test with two identical records may see one: DNS answers are
/// sets.
const DNS_SETS: &str = "not an RFC 7208 change: identical records are one member of \
     an RRset (RFC 2181 §5), and the mock DNS server, like resolvers and caches, \
     serves them once; the suites accept fail for that reason";

/// Why an unqueryable target name is a no-match here.
const UNDEFINED_TARGET: &str = "RFC 7208 §4.8 leaves the result for a target-name that is \
     valid domain-spec syntax but no valid DNS name undefined (the RFC 7208 suite accepts \
     fail or permerror with no preference); the judge treats it as a name that does not \
     exist, a no-match, by analogy with §4.3";

/// The RFC 4408 tests where the judge gives one of the accepted results
/// but not the suite's preferred (first) one, because RFC 7208 changed the
/// expectation, with the text that does. Every test must give an accepted
/// result, and exactly these may leave the preferred one.
const RFC4408_CHANGED: &[(&str, &str)] = &[
    (
        "spfonly",
        "RFC 7208 §3.1: SPF records \"MUST be published as a DNS TXT (type 16) Resource \
         Record\"; §4.4: the lookup queries type TXT only, so a name with only a type-SPF \
         record has none",
    ),
    (
        "txttimeout",
        "RFC 7208 §4.4: type TXT only, and a lookup that times out gives temperror; the \
         type-SPF record is never asked for",
    ),
    (
        "spfoverride",
        "RFC 7208 §4.4: type TXT only: the TXT record (-all) decides, the type-SPF record \
         (+all) is ignored",
    ),
    (
        "multitxt1",
        "RFC 7208 §4.4, §4.5: type TXT only, and two v=spf1 TXT records are permerror",
    ),
    (
        "multispf2",
        "RFC 7208 §4.4: type TXT only: the single TXT record (+all) decides, the two \
         type-SPF records are ignored",
    ),
    ("multispf1", DNS_SETS),
    ("invalid-domain-empty-label", UNDEFINED_TARGET),
    ("invalid-domain-long", UNDEFINED_TARGET),
    ("invalid-domain-long-via-macro", UNDEFINED_TARGET),
    (
        "exists-dnserr",
        "RFC 7208 §5: when a query times out or the server returns an error other than \
         NXDOMAIN, the mechanism stops and the topmost check_host() returns temperror",
    ),
    (
        "mx-limit",
        "RFC 7208 §4.6.4: past 10 MX records the mx mechanism must give permerror \
         (RFC 4408 §10.1 did not say which result)",
    ),
];

/// The RFC 7208 tests where the judge gives an accepted result other than
/// the preferred one.
const RFC7208_NOT_PREFERRED: &[(&str, &str)] = &[("multispf1", DNS_SETS)];

/// Tests whose `explanation` the judge writes in another letter case than
/// the suite, where the RFC fixes none.
const EXPLANATION_CASE: &[(&str, &str)] = &[(
    "v-macro-ip6",
    "RFC 7208 §7.3 does not fix the case of the nibbles %{i} gives for an \
     IPv6 address, and §7.4's example writes them in lower case \
     (\"1.0.b.c.0.0...ip6._spf.example.com\"); the suite expects pyspf's \
     upper case (\"...E.B.A.B.E.F.A.C.ip6.arpa\")",
)];

struct Scenario {
    description: String,
    catalog: Catalog,
    cases: Vec<Case>,
}

#[derive(Clone)]
struct Case {
    id: String,
    spec: String,
    host: IpAddr,
    mailfrom: String,
    helo: String,
    results: Vec<SpfResult>,
    explanation: Option<String>,
}

/// One test's expectation against what the judge found.
struct Finding {
    case: Case,
    scenario: String,
    result: SpfResult,
    explanation: Option<String>,
    reason: String,
    /// Agreement on the explanation needed an [`EXPLANATION_CASE`] entry.
    case_only: bool,
}

impl Finding {
    fn agrees(&self) -> bool {
        self.case.results.contains(&self.result) && self.explanation_agrees()
    }

    fn explanation_agrees(&self) -> bool {
        match (
            self.case.explanation.as_deref(),
            self.explanation.as_deref(),
        ) {
            (None, _) => true,
            (Some("DEFAULT"), found) => found.is_none(),
            (Some(expected), Some(found)) => {
                expected == found
                    || (self.case_only_allowed() && expected.eq_ignore_ascii_case(found))
            }
            (Some(_), None) => false,
        }
    }

    fn case_only_allowed(&self) -> bool {
        EXPLANATION_CASE.iter().any(|(id, _)| *id == self.case.id)
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let expected: Vec<&str> = self.case.results.iter().map(|r| r.as_str()).collect();
        write!(
            f,
            "{} ({}, §{}): expected {}",
            self.case.id,
            self.scenario,
            self.case.spec,
            expected.join(" or ")
        )?;
        if let Some(explanation) = &self.case.explanation {
            write!(f, " with explanation {explanation:?}")?;
        }
        write!(f, ", found {}", self.result)?;
        if self.case.explanation.is_some() {
            write!(f, " with explanation {:?}", self.explanation)?;
        }
        write!(f, ": {}", self.reason)
    }
}

fn text(yaml: &Yaml) -> Option<String> {
    match yaml {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

fn character_strings(name: &str, value: &Yaml) -> Vec<Vec<u8>> {
    match value {
        Yaml::Array(strings) => strings
            .iter()
            .map(|s| {
                text(s)
                    .unwrap_or_else(|| panic!("{name}: expected strings, found {s:?}"))
                    .into_bytes()
            })
            .collect(),
        other => vec![
            text(other)
                .unwrap_or_else(|| panic!("{name}: expected a string, found {other:?}"))
                .into_bytes(),
        ],
    }
}

/// The zone data of one scenario, as testspf.py's `getrdata` and
/// `DNSLookup` read it.
fn load_zone(zonedata: &Yaml) -> Catalog {
    let catalog = Catalog::new();
    let Some(names) = zonedata.as_hash() else {
        return catalog;
    };
    for (name, entries) in names {
        let name = name.as_str().expect("zone names are strings");
        let entries = entries
            .as_vec()
            .unwrap_or_else(|| panic!("{name}: expected a list of records"));
        let has_txt = entries.iter().any(|e| {
            e.as_hash()
                .is_some_and(|h| h.contains_key(&Yaml::String("TXT".into())))
        });
        // Types with a record before a TIMEOUT entry answer; others time out.
        let mut answered: Vec<&str> = Vec::new();
        for entry in entries {
            if entry.as_str() == Some("TIMEOUT") {
                if answered.is_empty() {
                    catalog.set_fault(name, None, Fault::Timeout);
                } else {
                    for rtype in TIMEOUT_TYPES.iter().filter(|t| !answered.contains(t)) {
                        catalog.set_fault(name, Some(rtype), Fault::Timeout);
                    }
                }
                continue;
            }
            let entry = entry
                .as_hash()
                .unwrap_or_else(|| panic!("{name}: expected TYPE: value, found {entry:?}"));
            for (rtype, value) in entry {
                let rtype = rtype.as_str().expect("record types are strings");
                let data = match rtype {
                    "TXT" if value.as_str() == Some("NONE") => continue,
                    "TXT" => RData::Txt(character_strings(name, value)),
                    // RFC 7208 §3.1: type SPF is no longer looked up; the
                    // driver copies it to TXT for names without TXT.
                    "SPF" if has_txt || value.as_str() == Some("NONE") => continue,
                    "SPF" => {
                        // Generated TXT records come after TIMEOUT entries
                        // in the driver's list: they do not count as
                        // answered before one.
                        catalog.add(Record::new(
                            name,
                            300,
                            RData::Txt(character_strings(name, value)),
                        ));
                        continue;
                    }
                    "A" => RData::A(
                        text(value)
                            .and_then(|a| a.parse().ok())
                            .unwrap_or_else(|| panic!("{name}: bad A {value:?}")),
                    ),
                    "AAAA" => RData::Aaaa(
                        text(value)
                            .and_then(|a| a.parse().ok())
                            .unwrap_or_else(|| panic!("{name}: bad AAAA {value:?}")),
                    ),
                    "MX" => {
                        let pair = value
                            .as_vec()
                            .unwrap_or_else(|| panic!("{name}: bad MX {value:?}"));
                        RData::Mx {
                            preference: pair[0]
                                .as_i64()
                                .and_then(|p| u16::try_from(p).ok())
                                .unwrap_or_else(|| panic!("{name}: bad MX {value:?}")),
                            exchange: text(&pair[1])
                                .unwrap_or_else(|| panic!("{name}: bad MX {value:?}")),
                        }
                    }
                    "PTR" => RData::Ptr(
                        text(value).unwrap_or_else(|| panic!("{name}: bad PTR {value:?}")),
                    ),
                    "CNAME" => RData::Cname(
                        text(value).unwrap_or_else(|| panic!("{name}: bad CNAME {value:?}")),
                    ),
                    other => panic!("{name}: unknown record type {other}"),
                };
                catalog.add(Record::new(name, 300, data));
                answered.push(match rtype {
                    "TXT" => "TXT",
                    "A" => "A",
                    "AAAA" => "AAAA",
                    "MX" => "MX",
                    "PTR" => "PTR",
                    _ => "CNAME",
                });
            }
        }
    }
    catalog
}

fn load(file: &str) -> Vec<Scenario> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/openspf")
        .join(file);
    let source =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let documents = YamlLoader::load_from_str(&source).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut ids = BTreeSet::new();
    documents
        .iter()
        .map(|document| {
            let description = text(&document["description"]).unwrap_or_default();
            let tests = document["tests"]
                .as_hash()
                .unwrap_or_else(|| panic!("{file}: {description}: no tests"));
            let cases = tests
                .iter()
                .map(|(id, test)| {
                    let id = text(id).expect("test ids are strings");
                    assert!(ids.insert(id.clone()), "{file}: test {id} twice");
                    let field = |key: &str| {
                        text(&test[key]).unwrap_or_else(|| panic!("{file}: {id}: no {key}"))
                    };
                    let results = match &test["result"] {
                        Yaml::Array(words) => words.iter().filter_map(text).collect(),
                        word => {
                            vec![text(word).unwrap_or_else(|| panic!("{file}: {id}: no result"))]
                        }
                    };
                    Case {
                        host: field("host")
                            .parse()
                            .unwrap_or_else(|e| panic!("{file}: {id}: host: {e}")),
                        mailfrom: field("mailfrom"),
                        helo: field("helo"),
                        spec: text(&test["spec"]).unwrap_or_default(),
                        results: results
                            .iter()
                            .map(|w| {
                                SpfResult::from_str(w)
                                    .unwrap_or_else(|e| panic!("{file}: {id}: {e}"))
                            })
                            .collect(),
                        explanation: text(&test["explanation"]),
                        id,
                    }
                })
                .collect();
            Scenario {
                description,
                catalog: load_zone(&document["zonedata"]),
                cases,
            }
        })
        .collect()
}

/// Every test of `file`, each scenario on its own server, all at once.
async fn run(file: &str) -> Vec<Finding> {
    let scenarios = load(file);
    let mut servers = Vec::new();
    let mut tasks = Vec::new();
    for scenario in scenarios {
        let server = ServerHandle::start(scenario.catalog, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("mock DNS server");
        let lookup = std::sync::Arc::new(DirectLookup::new(server.addr(), DNS_TIMEOUT));
        for case in scenario.cases {
            let lookup = lookup.clone();
            let description = scenario.description.clone();
            tasks.push(tokio::spawn(async move {
                let receiver = Receiver {
                    name: "receiver.example.net",
                    now: 1_700_000_000,
                };
                let outcome =
                    check_mail_from(&*lookup, receiver, case.host, &case.mailfrom, &case.helo)
                        .await;
                let mut finding = Finding {
                    case,
                    scenario: description,
                    result: outcome.result,
                    explanation: outcome.explanation,
                    reason: outcome.reason,
                    case_only: false,
                };
                finding.case_only = finding.agrees()
                    && finding.case_only_allowed()
                    && finding.case.explanation != finding.explanation;
                finding
            }));
        }
        servers.push(server);
    }
    let mut findings = Vec::new();
    for task in tasks {
        findings.push(task.await.expect("test task"));
    }
    drop(servers);
    findings
}

/// Prints the figures; returns the disagreements and the tests that agree
/// with an accepted result other than the preferred (first) one.
fn summarise(
    suite: &str,
    findings: &[Finding],
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    assert!(!findings.is_empty(), "{suite}: no tests found");
    let disagreements: BTreeMap<String, String> = findings
        .iter()
        .filter(|f| !f.agrees())
        .map(|f| (f.case.id.clone(), f.to_string()))
        .collect();
    let not_preferred: BTreeMap<String, String> = findings
        .iter()
        .filter(|f| f.agrees() && f.case.results.first() != Some(&f.result))
        .map(|f| (f.case.id.clone(), f.to_string()))
        .collect();
    println!(
        "{suite}: {}/{} agree, {} of them with an accepted result other than the preferred one",
        findings.len() - disagreements.len(),
        findings.len(),
        not_preferred.len()
    );
    for finding in findings.iter().filter(|f| f.case_only) {
        println!("{suite}: agrees with the explanation in another letter case: {finding}");
    }
    (disagreements, not_preferred)
}

/// Every test agrees, and exactly the `listed` ones leave the preferred
/// result.
fn assert_suite(suite: &str, findings: &[Finding], listed: &[(&str, &str)]) {
    let (disagreements, not_preferred) = summarise(suite, findings);
    for (id, why) in listed {
        if let Some(line) = not_preferred.get(*id) {
            println!("{suite}: not the preferred result: {line}\n    because {why}");
        }
    }
    assert!(
        disagreements.is_empty(),
        "{suite}: {} disagreements:\n{}",
        disagreements.len(),
        disagreements
            .values()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let listed: BTreeSet<&str> = listed.iter().map(|(id, _)| *id).collect();
    let found: BTreeSet<&str> = not_preferred.keys().map(String::as_str).collect();
    let unlisted: Vec<&str> = found
        .difference(&listed)
        .map(|id| not_preferred[*id].as_str())
        .collect();
    let preferred_now: Vec<&str> = listed.difference(&found).copied().collect();
    assert!(
        unlisted.is_empty() && preferred_now.is_empty(),
        "{suite}: not the preferred result and not listed:\n{}\nlisted but preferred: {preferred_now:?}",
        unlisted.join("\n")
    );
    // Every EXPLANATION_CASE entry is needed: its test differs in case only.
    for (id, why) in EXPLANATION_CASE {
        let finding = findings
            .iter()
            .find(|f| f.case.id == *id)
            .unwrap_or_else(|| panic!("{id}: no such test"));
        assert!(
            finding.case_only,
            "{id} no longer differs in letter case only ({why}): {finding}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc7208_suite() {
    let findings = run("rfc7208-tests.yml").await;
    assert_eq!(findings.len(), 203, "tests in rfc7208-tests.yml");
    assert_suite("rfc7208", &findings, RFC7208_NOT_PREFERRED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc4408_suite() {
    let findings = run("rfc4408-tests.yml").await;
    assert_eq!(findings.len(), 191, "tests in rfc4408-tests.yml");
    assert_suite("rfc4408", &findings, RFC4408_CHANGED);
}
