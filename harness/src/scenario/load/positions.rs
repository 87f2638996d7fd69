//! Where a file writes its expectations: every key below `expect` (the
//! file's, and each variant's own) at its line and column, so that a
//! report can point at the line of an unmet expectation.

use toml::de::{DeTable, DeValue};

use super::{
    super::model::{ExpectationPositions, Position, Scenario},
    context::Context,
};
use crate::document::line_column;

impl Context<'_> {
    /// Gives each scenario of the file (`root` its top-level table) the
    /// positions of the expectations it runs with: a variant's own
    /// `expect` when it has one, else the file's.
    pub(super) fn locate_expectations(&self, root: &DeTable<'_>, scenarios: &mut [Scenario]) {
        let file = self.positions_in(root);
        let variants = root
            .get("variants")
            .and_then(|v| v.get_ref().as_array())
            .map(|a| a.as_ref())
            .unwrap_or_default();
        for scenario in scenarios {
            let own = scenario.variant.as_deref().and_then(|name| {
                variants
                    .iter()
                    .filter_map(|v| v.get_ref().as_table())
                    .find(|t| {
                        t.get("name")
                            .and_then(|n| n.get_ref().as_str())
                            .is_some_and(|n| n.trim() == name)
                    })
                    .filter(|t| t.get("expect").is_some())
            });
            scenario.expect.positions = match own {
                Some(table) => self.positions_in(table),
                None => file.clone(),
            };
        }
    }

    /// The keys below `table`'s `expect`.
    fn positions_in(&self, table: &DeTable<'_>) -> ExpectationPositions {
        let mut positions = ExpectationPositions::default();
        if let Some((key, value)) = table.get_key_value("expect") {
            positions.insert(String::new(), self.position(key.span().start));
            if let DeValue::Table(t) = value.get_ref() {
                self.walk("", t, &mut positions);
            }
        }
        positions
    }

    /// Every key of `table` (and of the tables in it, not of arrays:
    /// `dkim`'s list is one expectation) under `prefix`.
    fn walk(&self, prefix: &str, table: &DeTable<'_>, positions: &mut ExpectationPositions) {
        for (key, value) in table.iter() {
            let path = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            positions.insert(path.clone(), self.position(key.span().start));
            if let DeValue::Table(t) = value.get_ref() {
                self.walk(&path, t, positions);
            }
        }
    }

    fn position(&self, offset: usize) -> Position {
        let (line, column) = line_column(self.text, offset);
        Position {
            file: self.path.to_path_buf(),
            line,
            column,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::file::load_str;

    const TEXT: &str = r#"name = "positions"

[sender]
via = "relay"

[message]
from = "a@example.com"
to = ["b@receiver.test"]
subject = "s"

[receivers]
profiles = ["generic"]

[expect]
return_path_domain = "*.amazonses.com"
dkim = [{ domain = "amazonses.com", result = "pass" }]
dmarc = { result = "fail", spf_aligned = false }

[expect.receivers]
generic = "inbox"

[[variants]]
name = "same"

[[variants]]
name = "own"
expect = { dmarc = { result = "pass" } }
"#;

    fn at(p: Option<&crate::scenario::Position>) -> Option<(usize, usize)> {
        p.map(|p| (p.line, p.column))
    }

    #[test]
    fn every_expectation_has_its_line_and_a_variant_its_own() {
        let scenarios = load_str(TEXT, Path::new("p.toml")).unwrap();
        let file = &scenarios[0].expect.positions;
        assert_eq!(at(file.of("")), Some((14, 2)));
        assert_eq!(at(file.of("return_path_domain")), Some((15, 1)));
        assert_eq!(at(file.of("dmarc.result")), Some((17, 11)));
        assert_eq!(at(file.of("dmarc.spf_aligned")), Some((17, 28)));
        // Not written: the enclosing key, then `expect` itself.
        assert_eq!(at(file.of("dmarc.policy")), Some((17, 1)));
        assert_eq!(at(file.of("dkim")), Some((16, 1)));
        assert_eq!(at(file.of("outcome")), Some((14, 2)));
        assert_eq!(at(file.of("receivers.generic")), Some((20, 1)));
        assert_eq!(file.of("dkim").unwrap().file, Path::new("p.toml"));

        // A file with variants runs its variants: "same" has the file's
        // expectations, "own" its own.
        assert_eq!(scenarios[0].variant.as_deref(), Some("same"));
        let own = &scenarios[1].expect.positions;
        assert_eq!(at(own.of("dmarc.result")), Some((27, 22)));
        assert_eq!(at(own.of("return_path_domain")), Some((27, 1)));
    }

    #[test]
    fn records_keep_the_line_that_writes_them() {
        let text = "[dns]\nrecords = [\n  'a.example.com. TXT \"x\"',\n  'b.example.com. A 192.0.2.1',\n]\n[sender]\nvia = \"relay\"\n[message]\nfrom = \"a@example.com\"\nto = [\"b@receiver.test\"]\nsubject = \"s\"\n";
        let s = load_str(text, Path::new("r.toml")).unwrap().remove(0);
        let lines: Vec<usize> = s.dns.origins.iter().map(|o| o.line).collect();
        assert_eq!(lines, [3, 4]);
        assert_eq!(s.dns.origins.len(), s.dns.records.len());
    }
}
