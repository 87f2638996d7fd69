//! The shared record store: what the server answers from, changed at run
//! time by whoever holds a clone.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard},
};

use crate::{
    fault::Fault,
    lookup::{Answer, Rcode, resolve},
    name::{NameKey, name_key, normalize_name},
    record::Record,
};

/// The records and faults the server answers from.
///
/// Cloning gives another handle on the same store; every method takes
/// `&self` and is safe to call from any thread while the server runs.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    inner: Arc<RwLock<Store>>,
}

#[derive(Debug, Default)]
struct Store {
    /// Records by name in canonical order, each list in insertion order.
    /// Shared: an answer and the query log hold the records themselves,
    /// not copies.
    names: BTreeMap<NameKey, Vec<Arc<Record>>>,
    faults: Vec<FaultRule>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct FaultRule {
    /// Normalised name.
    name: String,
    /// Uppercase type, or `None` for every type.
    rtype: Option<String>,
    fault: Fault,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a record (its names are normalised). Adding a record whose name
    /// and data are already present replaces the TTL instead of adding a
    /// duplicate: DNS answers hold sets.
    pub fn add(&self, record: Record) {
        let record = Record::new(&record.name, record.ttl, record.data);
        let mut store = self.write();
        let list = store.names.entry(name_key(&record.name)).or_default();
        match list.iter_mut().find(|r| r.data == record.data) {
            // Answers given before keep the TTL they were given.
            Some(existing) => Arc::make_mut(existing).ttl = record.ttl,
            None => list.push(Arc::new(record)),
        }
    }

    /// Adds every record, as [`Catalog::add`] does.
    pub fn extend(&self, records: impl IntoIterator<Item = Record>) {
        for record in records {
            self.add(record);
        }
    }

    /// Removes the records of `name` (of type `rtype`, or all types when
    /// `None`) and returns how many were removed.
    pub fn remove(&self, name: &str, rtype: Option<&str>) -> usize {
        let key = name_key(name);
        let mut store = self.write();
        let Some(list) = store.names.get_mut(&key) else {
            return 0;
        };
        let before = list.len();
        match rtype {
            Some(rtype) => list.retain(|r| !r.rtype().eq_ignore_ascii_case(rtype)),
            None => list.clear(),
        }
        let removed = before - list.len();
        if list.is_empty() {
            store.names.remove(&key);
        }
        removed
    }

    /// Every record: names in canonical order (a name before its
    /// descendants, labels compared from the right), then types in the order
    /// SOA, NS, A, AAAA, MX, CNAME, PTR, TXT, then insertion order.
    pub fn records(&self) -> Vec<Record> {
        let store = self.read();
        let mut all = Vec::new();
        for list in store.names.values() {
            let mut list: Vec<Record> = list.iter().map(|r| Record::clone(r)).collect();
            list.sort_by_key(|r| type_rank(r.rtype()));
            all.extend(list);
        }
        all
    }

    /// Makes the server misbehave for `name`: for every type when `rtype` is
    /// `None`, else only for that type. Replaces an earlier fault set for the
    /// same name and type.
    pub fn set_fault(&self, name: &str, rtype: Option<&str>, fault: Fault) {
        let rule = FaultRule {
            name: normalize_name(name),
            rtype: rtype.map(str::to_ascii_uppercase),
            fault,
        };
        let mut store = self.write();
        store
            .faults
            .retain(|r| !(r.name == rule.name && r.rtype == rule.rtype));
        store.faults.push(rule);
    }

    /// Removes the fault set for exactly this name and type; returns whether
    /// there was one.
    pub fn clear_fault(&self, name: &str, rtype: Option<&str>) -> bool {
        let name = normalize_name(name);
        let rtype = rtype.map(str::to_ascii_uppercase);
        let mut store = self.write();
        let before = store.faults.len();
        store
            .faults
            .retain(|r| !(r.name == name && r.rtype == rtype));
        store.faults.len() != before
    }

    /// The fault that applies to a query: one set for the name and this
    /// type first, else one set for the name and every type.
    pub fn fault(&self, name: &str, rtype: &str) -> Option<Fault> {
        let store = self.read();
        // Asked for every query: most catalogs have no fault at all.
        if store.faults.is_empty() {
            return None;
        }
        let name = normalize_name(name);
        let for_name = || store.faults.iter().filter(|r| r.name == name);
        for_name()
            .find(|r| {
                r.rtype
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case(rtype))
            })
            .or_else(|| for_name().find(|r| r.rtype.is_none()))
            .map(|r| r.fault)
    }

    /// Every record as a master file: a comment header (listing the faults),
    /// a `$TTL` line, then one record per line. Parsing it with origin `.`
    /// gives [`Catalog::records`] back.
    pub fn to_zone_file(&self) -> String {
        let records = self.records();
        let faults = self.read().faults.clone();
        let mut out = String::new();
        let _ = writeln!(out, "; mock-dns catalog: {} records", records.len());
        for rule in &faults {
            let _ = writeln!(
                out,
                "; fault: {} {} {}",
                rule.name,
                rule.rtype.as_deref().unwrap_or("*"),
                rule.fault
            );
        }
        let _ = writeln!(out, "$TTL 300");
        for record in &records {
            let _ = writeln!(out, "{record}");
        }
        out
    }

    /// Resolves a query the way the server does, faults aside except
    /// [`Fault::ServFail`] (which gives [`Rcode::ServFail`]): timeouts and
    /// truncation are transport behaviour, see [`Catalog::fault`].
    ///
    /// `rtype` is a type mnemonic (`"TXT"`, `"ANY"`, `"TYPE65"`, ...), any case.
    pub fn lookup(&self, name: &str, rtype: &str) -> Answer {
        if self.fault(name, rtype) == Some(Fault::ServFail) {
            return Answer {
                rcode: Rcode::ServFail,
                answers: Vec::new(),
                authority: Vec::new(),
            };
        }
        // The key lowercases the name and reads its escapes: any spelling
        // finds the same records.
        self.resolve(name_key(name), rtype)
    }

    /// [`Catalog::lookup`] for a name already keyed (the server keys a
    /// question's labels as they came off the wire), faults left to the
    /// caller.
    pub(crate) fn resolve(&self, key: NameKey, rtype: &str) -> Answer {
        let rtype = rtype.to_ascii_uppercase();
        resolve(&self.read().names, key, &rtype)
    }

    fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

fn type_rank(rtype: &str) -> usize {
    const ORDER: [&str; 8] = ["SOA", "NS", "A", "AAAA", "MX", "CNAME", "PTR", "TXT"];
    ORDER
        .iter()
        .position(|t| *t == rtype)
        .unwrap_or(ORDER.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{record::RData, zone::parse_zone};

    fn a(name: &str, ip: &str) -> Record {
        Record::new(name, 300, RData::A(ip.parse().unwrap()))
    }

    #[test]
    fn records_are_sorted_and_deduplicated() {
        let catalog = Catalog::new();
        catalog.add(Record::txt("www.example.com", 300, "second"));
        catalog.add(a("WWW.example.com.", "192.0.2.1"));
        catalog.add(Record::txt("example.com", 300, "apex"));
        catalog.add(Record::txt("_dmarc.example.com", 300, "v=DMARC1"));
        catalog.add(Record::txt("www.example.com", 300, "third"));
        catalog.add(Record::txt("www.example.com", 60, "second"));
        let names: Vec<String> = catalog
            .records()
            .iter()
            .map(|r| format!("{} {} {}", r.name, r.ttl, r.data))
            .collect();
        assert_eq!(
            names,
            vec![
                "example.com. 300 \"apex\"",
                "_dmarc.example.com. 300 \"v=DMARC1\"",
                "www.example.com. 300 192.0.2.1",
                "www.example.com. 60 \"second\"",
                "www.example.com. 300 \"third\"",
            ]
        );
    }

    #[test]
    fn remove_by_name_and_type() {
        let catalog = Catalog::new();
        catalog.extend([
            a("x.example.", "192.0.2.1"),
            a("x.example.", "192.0.2.2"),
            Record::txt("x.example", 300, "t"),
        ]);
        assert_eq!(catalog.remove("X.EXAMPLE", Some("a")), 2);
        assert_eq!(catalog.remove("x.example.", Some("A")), 0);
        assert_eq!(catalog.remove("x.example.", None), 1);
        assert!(catalog.records().is_empty());
        assert_eq!(catalog.remove("absent.", None), 0);
    }

    #[test]
    fn clones_share_the_store() {
        let catalog = Catalog::new();
        let clone = catalog.clone();
        clone.add(a("shared.example.", "192.0.2.9"));
        assert_eq!(catalog.records().len(), 1);
    }

    #[test]
    fn zone_file_round_trips() {
        let catalog = Catalog::new();
        catalog.extend(
            parse_zone(
                "$ORIGIN example.com.\n@ SOA ns host 1 2 3 4 5\n@ MX 10 mx\nsel._domainkey TXT \"a\\\"b\" \"c\"\nmx A 192.0.2.1\n",
                ".",
            )
            .unwrap(),
        );
        catalog.add(Record::txt("long.example.com", 60, &"k".repeat(700)));
        catalog.set_fault("example.com", Some("mx"), Fault::Timeout);
        let text = catalog.to_zone_file();
        assert!(
            text.starts_with("; mock-dns catalog: 5 records\n"),
            "{text}"
        );
        assert!(
            text.contains("; fault: example.com. MX timeout\n$TTL 300\n"),
            "{text}"
        );
        assert_eq!(parse_zone(&text, ".").unwrap(), catalog.records());
    }

    #[test]
    fn faults_prefer_the_exact_type() {
        let catalog = Catalog::new();
        catalog.set_fault("Example.com", None, Fault::Timeout);
        catalog.set_fault("example.com.", Some("txt"), Fault::Truncate);
        assert_eq!(catalog.fault("example.com.", "TXT"), Some(Fault::Truncate));
        assert_eq!(catalog.fault("EXAMPLE.com", "A"), Some(Fault::Timeout));
        assert_eq!(catalog.fault("other.com.", "A"), None);
        catalog.set_fault("example.com.", None, Fault::ServFail);
        assert_eq!(catalog.fault("example.com.", "MX"), Some(Fault::ServFail));
        assert!(catalog.clear_fault("example.com", Some("TXT")));
        assert!(!catalog.clear_fault("example.com", Some("TXT")));
        assert_eq!(catalog.fault("example.com.", "TXT"), Some(Fault::ServFail));
    }
}
