use std::{collections::BTreeMap, fmt};

use mock_dns::Record;
use serde::Serialize;

use crate::scenario::{DnsSetup, Position};

/// How the records of one name and type differ between the two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// The records of one name and type that differ (TTLs are not compared).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordChange {
    /// The owner name, absolute (`bounce.example.com.`).
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub change: ChangeKind,
    /// The data of the records only `--before` has, in master-file syntax.
    pub before: Vec<String>,
    /// The data of the records only `--after` has.
    pub after: Vec<String>,
    /// Where the change is written: the line of the first record only
    /// `--after` has, or for a removal the line of the first record only
    /// `--before` had (in that side's version of the file). Not in the
    /// JSON report.
    #[serde(skip)]
    pub origin: Option<Position>,
}

/// `MX bounce.example.com removed`: the short form that explanations
/// start with.
impl fmt::Display for RecordChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let change = match self.change {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        };
        write!(
            f,
            "{} {} {change}",
            self.rtype,
            self.name.trim_end_matches('.')
        )
    }
}

impl RecordChange {
    /// The change in detail: `removed (was 10 feedback-smtp….)`,
    /// `changed: "v=DMARC1; p=none" → "v=DMARC1; p=reject"`.
    pub fn detail(&self) -> String {
        match self.change {
            ChangeKind::Added => format!("added: {}", self.after.join(" | ")),
            ChangeKind::Removed => format!("removed (was {})", self.before.join(" | ")),
            ChangeKind::Changed => format!(
                "changed: {} → {}",
                self.before.join(" | "),
                self.after.join(" | ")
            ),
        }
    }
}

/// [`record_changes`] of two sides' DNS, each change with its
/// [`RecordChange::origin`].
pub fn located_record_changes(before: &DnsSetup, after: &DnsSetup) -> Vec<RecordChange> {
    let mut changes = record_changes(&before.records, &after.records);
    for change in &mut changes {
        let (side, data) = match change.change {
            ChangeKind::Removed => (before, &change.before),
            ChangeKind::Added | ChangeKind::Changed => (after, &change.after),
        };
        change.origin = side
            .records
            .iter()
            .zip(&side.origins)
            .find(|(r, _)| {
                r.name.eq_ignore_ascii_case(&change.name)
                    && r.rtype() == change.rtype
                    && data.contains(&r.data.to_string())
            })
            .map(|(_, origin)| origin.clone());
    }
    changes
}

/// The differences between two record sets, by name and type, sorted.
pub fn record_changes(before: &[Record], after: &[Record]) -> Vec<RecordChange> {
    fn index(records: &[Record]) -> BTreeMap<(String, String), Vec<String>> {
        let mut map: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for r in records {
            let data = map
                .entry((r.name.to_ascii_lowercase(), r.rtype().to_string()))
                .or_default();
            let text = r.data.to_string();
            if !data.contains(&text) {
                data.push(text);
            }
        }
        map
    }
    let before = index(before);
    let after = index(after);
    let mut keys: Vec<&(String, String)> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let old = before.get(key).cloned().unwrap_or_default();
        let new = after.get(key).cloned().unwrap_or_default();
        let gone: Vec<String> = old.iter().filter(|d| !new.contains(d)).cloned().collect();
        let came: Vec<String> = new.iter().filter(|d| !old.contains(d)).cloned().collect();
        let change = match (gone.is_empty(), came.is_empty()) {
            (true, true) => continue,
            (false, true) => ChangeKind::Removed,
            (true, false) => ChangeKind::Added,
            (false, false) => ChangeKind::Changed,
        };
        out.push(RecordChange {
            name: key.0.clone(),
            rtype: key.1.clone(),
            change,
            before: gone,
            after: came,
            origin: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(text: &str) -> Vec<Record> {
        mock_dns::parse_zone(text, "example.com.").unwrap()
    }

    #[test]
    fn a_change_points_at_the_line_that_writes_it() {
        let setup = |text: &str| {
            let lines = mock_dns::parse_zone_lines(text, "example.com.").unwrap();
            DnsSetup {
                origins: lines
                    .iter()
                    .map(|(line, _)| Position {
                        file: "z.zone".into(),
                        line: *line,
                        column: 1,
                    })
                    .collect(),
                records: lines.into_iter().map(|(_, r)| r).collect(),
                ..DnsSetup::default()
            }
        };
        let before = setup(
            "@ A 192.0.2.1\nbounce MX 10 feedback-smtp.us-east-1.amazonses.com.\n_dmarc TXT \"v=DMARC1; p=none\"\n",
        );
        let after = setup("@ A 192.0.2.1\n\n_dmarc TXT \"v=DMARC1; p=reject\"\nnew A 192.0.2.2\n");
        let lines: Vec<(String, usize)> = located_record_changes(&before, &after)
            .iter()
            .map(|c| (c.to_string(), c.origin.as_ref().unwrap().line))
            .collect();
        assert_eq!(
            lines,
            [
                ("TXT _dmarc.example.com changed".to_string(), 3),
                ("MX bounce.example.com removed".to_string(), 2),
                ("A new.example.com added".to_string(), 4),
            ]
        );
    }

    #[test]
    fn changes_by_name_and_type() {
        let before = zone(
            "bounce 300 IN MX 10 feedback-smtp.us-east-1.amazonses.com.\n\
             _dmarc 300 IN TXT \"v=DMARC1; p=none\"\n\
             @ 300 IN A 192.0.2.1\n",
        );
        let after = zone(
            "_dmarc 600 IN TXT \"v=DMARC1; p=reject\"\n\
             @ 60 IN A 192.0.2.1\n\
             @ 300 IN TXT \"v=spf1 -all\"\n",
        );
        let changes = record_changes(&before, &after);
        let short: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            short,
            [
                "TXT _dmarc.example.com changed",
                "MX bounce.example.com removed",
                "TXT example.com added"
            ]
        );
        assert_eq!(
            changes[0].detail(),
            "changed: \"v=DMARC1; p=none\" → \"v=DMARC1; p=reject\""
        );
        assert_eq!(
            changes[1].detail(),
            "removed (was 10 feedback-smtp.us-east-1.amazonses.com.)"
        );
        assert!(record_changes(&before, &before).is_empty());
    }
}
