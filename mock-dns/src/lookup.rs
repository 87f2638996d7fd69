//! Resolution: how a query is answered from the catalog's records.

use std::{
    collections::BTreeMap,
    fmt,
    ops::Bound,
    sync::{Arc, LazyLock},
};

use crate::{
    name::{NameKey, name_key},
    record::{RData, Record},
};

/// The most CNAME records followed for one query.
pub const MAX_CNAME_LINKS: usize = 8;

/// The response code of an [`Answer`]. The catalog never refuses: a name it
/// does not hold is NXDOMAIN, so resolvers walking up to `_dmarc.com.` get a
/// definite answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rcode {
    NoError,
    NxDomain,
    ServFail,
}

impl Rcode {
    /// The mnemonic dig shows: `"NOERROR"`, `"NXDOMAIN"`, `"SERVFAIL"`.
    pub fn name(&self) -> &'static str {
        match self {
            Rcode::NoError => "NOERROR",
            Rcode::NxDomain => "NXDOMAIN",
            Rcode::ServFail => "SERVFAIL",
        }
    }
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the server puts in a response: the rcode, the answer section and
/// the authority section (the SOA of negative answers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub rcode: Rcode,
    pub answers: Vec<Arc<Record>>,
    pub authority: Vec<Arc<Record>>,
}

/// The SOA put in negative answers for names under no SOA of the catalog.
pub fn synthetic_soa() -> Record {
    Record::new(
        ".",
        60,
        RData::Soa {
            mname: "mock-dns.invalid.".into(),
            rname: "hostmaster.mock-dns.invalid.".into(),
            serial: 1,
            refresh: 3600,
            retry: 600,
            expire: 86_400,
            minimum: 60,
        },
    )
}

/// Answers `qtype` (uppercase mnemonic) for the name keyed `qname`:
///
/// - records of the type: NOERROR with them (`ANY` matches every type);
/// - a CNAME and another type asked: the chain followed inside the catalog
///   (at most [`MAX_CNAME_LINKS`], loops stopped), then the target's records;
/// - a name with records, or with descendants (an empty non-terminal), but
///   not of this type: NOERROR with no answers and the SOA in authority;
/// - otherwise NXDOMAIN with the SOA in authority (also at the end of a
///   chain, which stays in the answer section).
pub(crate) fn resolve(
    names: &BTreeMap<NameKey, Vec<Arc<Record>>>,
    qname: NameKey,
    qtype: &str,
) -> Answer {
    let mut answers = Vec::new();
    let mut key = qname;
    let mut visited = vec![key.clone()];
    loop {
        let Some(records) = names.get(&key) else {
            let rcode = if has_descendants(names, &key) {
                Rcode::NoError
            } else {
                Rcode::NxDomain
            };
            return negative(names, &key, rcode, answers);
        };
        let before = answers.len();
        answers.extend(
            records
                .iter()
                .filter(|r| qtype == "ANY" || r.rtype() == qtype)
                .cloned(),
        );
        if answers.len() > before {
            return positive(answers);
        }
        let cname = records
            .iter()
            .find_map(|r| Some((r, r.data.cname_target()?)));
        let (Some((cname, target)), false) = (cname, qtype == "CNAME") else {
            return negative(names, &key, Rcode::NoError, answers);
        };
        // So far the answers hold only the chain.
        if answers.len() == MAX_CNAME_LINKS {
            return positive(answers);
        }
        answers.push(cname.clone());
        let next = name_key(target);
        if visited.contains(&next) {
            // A loop: give the chain up to where it repeats.
            return positive(answers);
        }
        visited.push(next.clone());
        key = next;
    }
}

/// NOERROR with these answers (records found, or a CNAME chain that is too
/// long or loops).
fn positive(answers: Vec<Arc<Record>>) -> Answer {
    Answer {
        rcode: Rcode::NoError,
        answers,
        authority: Vec::new(),
    }
}

/// NODATA (`NoError`) or NXDOMAIN for `key`, with the SOA of the closest
/// enclosing zone in authority.
fn negative(
    names: &BTreeMap<NameKey, Vec<Arc<Record>>>,
    key: &NameKey,
    rcode: Rcode,
    answers: Vec<Arc<Record>>,
) -> Answer {
    Answer {
        rcode,
        answers,
        authority: vec![closest_soa(names, key)],
    }
}

/// Whether a name below `key` has records (keys sort descendants right after
/// their ancestor).
fn has_descendants(names: &BTreeMap<NameKey, Vec<Arc<Record>>>, key: &NameKey) -> bool {
    names
        .range::<NameKey, _>((Bound::Excluded(key), Bound::Unbounded))
        .next()
        .is_some_and(|(next, _)| next.len() > key.len() && next.starts_with(key))
}

/// The SOA of `key` or of its closest ancestor that has one, else the
/// synthetic SOA.
fn closest_soa(names: &BTreeMap<NameKey, Vec<Arc<Record>>>, key: &NameKey) -> Arc<Record> {
    /// Built once: every negative answer outside the catalog's zones
    /// carries it.
    static SYNTHETIC: LazyLock<Arc<Record>> = LazyLock::new(|| Arc::new(synthetic_soa()));
    (0..=key.len())
        .rev()
        .filter_map(|len| names.get(&key[..len]))
        .find_map(|records| records.iter().find(|r| r.rtype() == "SOA"))
        .map_or_else(|| Arc::clone(&SYNTHETIC), Arc::clone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{catalog::Catalog, fault::Fault, zone::parse_zone};

    const ZONE: &str = r#"
$ORIGIN example.com.
@               SOA   ns hostmaster 1 3600 600 86400 300
@               TXT   "v=spf1 -all"
@               MX    10 mx
mx              A     192.0.2.25
www             CNAME web
web             CNAME mx
dangling        CNAME gone.example.net.
loop1           CNAME loop2
loop2           CNAME loop1
sel._domainkey  TXT   "v=DKIM1; p=abc"
"#;

    fn catalog() -> Catalog {
        let catalog = Catalog::new();
        catalog.extend(parse_zone(ZONE, ".").unwrap());
        catalog
    }

    fn names(records: &[Arc<Record>]) -> Vec<String> {
        records.iter().map(ToString::to_string).collect()
    }

    fn soa_owner(answer: &Answer) -> &str {
        assert_eq!(answer.authority.len(), 1, "{answer:?}");
        assert_eq!(answer.authority[0].rtype(), "SOA");
        &answer.authority[0].name
    }

    #[test]
    fn answers_records_of_the_type_case_insensitively() {
        let answer = catalog().lookup("EXAMPLE.com", "txt");
        assert_eq!(answer.rcode, Rcode::NoError);
        assert_eq!(
            names(&answer.answers),
            vec![r#"example.com. 300 IN TXT "v=spf1 -all""#]
        );
        assert!(answer.authority.is_empty());
    }

    #[test]
    fn follows_cname_chains() {
        let answer = catalog().lookup("www.example.com.", "A");
        assert_eq!(answer.rcode, Rcode::NoError);
        assert_eq!(
            names(&answer.answers),
            vec![
                "www.example.com. 300 IN CNAME web.example.com.",
                "web.example.com. 300 IN CNAME mx.example.com.",
                "mx.example.com. 300 IN A 192.0.2.25",
            ]
        );
        // Asking for the CNAME itself does not follow it.
        let answer = catalog().lookup("www.example.com.", "CNAME");
        assert_eq!(answer.answers.len(), 1);
        // The target lacks the type: NODATA after the chain.
        let answer = catalog().lookup("www.example.com.", "TXT");
        assert_eq!((answer.rcode, answer.answers.len()), (Rcode::NoError, 2));
        assert_eq!(soa_owner(&answer), "example.com.");
    }

    #[test]
    fn dangling_cname_is_nxdomain_with_the_chain() {
        let answer = catalog().lookup("dangling.example.com.", "TXT");
        assert_eq!(answer.rcode, Rcode::NxDomain);
        assert_eq!(answer.answers.len(), 1);
        assert_eq!(soa_owner(&answer), ".");
    }

    #[test]
    fn cname_loops_and_long_chains_stop() {
        let answer = catalog().lookup("loop1.example.com.", "A");
        assert_eq!(answer.rcode, Rcode::NoError);
        assert_eq!(
            names(&answer.answers),
            vec![
                "loop1.example.com. 300 IN CNAME loop2.example.com.",
                "loop2.example.com. 300 IN CNAME loop1.example.com.",
            ]
        );
        let catalog = Catalog::new();
        for i in 0..20 {
            catalog.add(Record::new(
                &format!("c{i}.test."),
                60,
                RData::Cname(format!("c{}.test.", i + 1)),
            ));
        }
        let answer = catalog.lookup("c0.test.", "A");
        assert_eq!(answer.answers.len(), MAX_CNAME_LINKS);
    }

    #[test]
    fn missing_names_are_nxdomain_with_the_closest_soa() {
        let answer = catalog().lookup("nope.example.com.", "TXT");
        assert_eq!(answer.rcode, Rcode::NxDomain);
        assert!(answer.answers.is_empty());
        assert_eq!(
            answer.authority[0].to_string(),
            "example.com. 300 IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 300"
        );
        let answer = catalog().lookup("_dmarc.com.", "TXT");
        assert_eq!(answer.rcode, Rcode::NxDomain);
        assert_eq!(
            answer.authority[0].to_string(),
            ". 60 IN SOA mock-dns.invalid. hostmaster.mock-dns.invalid. 1 3600 600 86400 60"
        );
        assert_eq!(Catalog::new().lookup(".", "SOA").rcode, Rcode::NxDomain);
    }

    #[test]
    fn existing_names_without_the_type_are_nodata() {
        let answer = catalog().lookup("mx.example.com.", "AAAA");
        assert_eq!(answer.rcode, Rcode::NoError);
        assert!(answer.answers.is_empty());
        assert_eq!(soa_owner(&answer), "example.com.");
        // Unsupported types are NODATA too, never an error.
        let answer = catalog().lookup("example.com.", "CAA");
        assert_eq!((answer.rcode, answer.answers.len()), (Rcode::NoError, 0));
        assert_eq!(
            catalog().lookup("nope.example.com.", "TYPE65280").rcode,
            Rcode::NxDomain
        );
    }

    #[test]
    fn empty_non_terminals_are_nodata() {
        let answer = catalog().lookup("_domainkey.example.com.", "TXT");
        assert_eq!(answer.rcode, Rcode::NoError);
        assert!(answer.answers.is_empty());
        assert_eq!(soa_owner(&answer), "example.com.");
        // "com." is above every record but holds no SOA: synthetic SOA.
        let answer = catalog().lookup("com.", "TXT");
        assert_eq!((answer.rcode, soa_owner(&answer)), (Rcode::NoError, "."));
    }

    #[test]
    fn any_returns_every_record_of_the_name() {
        let answer = catalog().lookup("example.com.", "ANY");
        assert_eq!(answer.answers.len(), 3);
        let answer = catalog().lookup("www.example.com.", "ANY");
        assert_eq!(answer.answers.len(), 1);
    }

    #[test]
    fn servfail_fault_takes_precedence() {
        let catalog = catalog();
        catalog.set_fault("example.com.", Some("TXT"), Fault::ServFail);
        let answer = catalog.lookup("example.com.", "TXT");
        assert_eq!(answer.rcode, Rcode::ServFail);
        assert!(answer.answers.is_empty() && answer.authority.is_empty());
        assert_eq!(catalog.lookup("example.com.", "MX").rcode, Rcode::NoError);
        // Transport faults leave the data answer alone.
        catalog.set_fault("mx.example.com.", None, Fault::Truncate);
        assert_eq!(catalog.lookup("mx.example.com.", "A").answers.len(), 1);
    }
}
