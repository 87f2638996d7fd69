//! `[dns]`: zone files, inline records and fault modes.

use std::path::Path;

use toml::Spanned;

use super::{
    super::{
        model::{DnsFault, DnsSetup, Position},
        names::DOMAIN,
        raw::{RawDns, RawFault},
    },
    context::Context,
};
use crate::document::{Diagnostic, FileErrors, line_column, quoted_list};

const RECORD_TYPES: &[&str] = &["A", "AAAA", "MX", "TXT", "CNAME", "PTR", "NS", "SOA"];

impl Context<'_> {
    pub(super) fn dns(&mut self, raw: RawDns) -> Option<DnsSetup> {
        let mark = self.mark();
        let mut records = Vec::new();
        let mut origins = Vec::new();
        for zone in &raw.zones {
            for (origin, record) in self.zone_file(zone).unwrap_or_default() {
                records.push(record);
                origins.push(origin);
            }
        }
        for record in &raw.records {
            let (line, column) = line_column(self.text, record.span().start);
            for r in self.inline_record(record).unwrap_or_default() {
                records.push(r);
                origins.push(Position {
                    file: self.path.to_path_buf(),
                    line,
                    column,
                });
            }
        }
        let faults = raw.faults.iter().filter_map(|f| self.fault(f)).collect();
        self.clean_since(mark).then_some(DnsSetup {
            records,
            faults,
            origins,
        })
    }

    /// The records of a zone file (its path relative to the scenario's
    /// folder), each with the line that writes it; its errors are
    /// reported against that file.
    fn zone_file(&mut self, zone: &Spanned<String>) -> Option<Vec<(Position, mock_dns::Record)>> {
        let file = self.folder().join(zone.get_ref());
        let text = match self.zones.read(&file) {
            Ok(t) => t,
            Err(e) => {
                self.error(
                    zone.span(),
                    format!("cannot read zone file \"{}\": {e}", file.display()),
                );
                return None;
            }
        };
        match mock_dns::parse_zone_lines(&text, &default_origin(&file)) {
            Ok(records) => Some(
                records
                    .into_iter()
                    .map(|(line, record)| {
                        let origin = Position {
                            file: file.clone(),
                            line,
                            column: 1,
                        };
                        (origin, record)
                    })
                    .collect(),
            ),
            Err(errors) => {
                let diagnostics = errors.into_iter().map(zone_diagnostic).collect();
                self.other_file(FileErrors {
                    path: file,
                    diagnostics,
                });
                None
            }
        }
    }

    /// `records = ["name TTL IN TYPE data"]`: each one record in zone file
    /// syntax.
    fn inline_record(&mut self, record: &Spanned<String>) -> Option<Vec<mock_dns::Record>> {
        let span = record.span();
        match mock_dns::parse_zone(record.get_ref(), ".") {
            Ok(r) if r.is_empty() => {
                self.error(span, "expected a DNS record, found nothing");
                None
            }
            Ok(r) => Some(r),
            Err(errors) => {
                for e in errors {
                    // Point inside the string when it is a one-line basic string.
                    let offset = if e.line == 1 { e.column } else { 0 };
                    let start = (span.start + offset).min(span.end);
                    self.error(start..span.end, format!("in record: {}", e.message));
                }
                None
            }
        }
    }

    fn fault(&mut self, f: &RawFault) -> Option<DnsFault> {
        let fault = f.fault.get_ref().parse::<mock_dns::Fault>();
        let fault = self.checked(f.fault.span(), fault.map_err(|e| e.to_string()))?;
        let rtype = f.rtype.as_ref().map(|t| self.record_type(t));
        self.check_name(&DOMAIN, f.name.span(), f.name.get_ref());
        Some(DnsFault {
            name: mock_dns::normalize_name(f.name.get_ref()),
            rtype,
            fault,
        })
    }

    /// A record type, uppercase; an error when it is none the mock DNS
    /// serves.
    fn record_type(&mut self, rtype: &Spanned<String>) -> String {
        let upper = rtype.get_ref().to_ascii_uppercase();
        if !RECORD_TYPES.contains(&upper.as_str()) {
            self.error(
                rtype.span(),
                format!(
                    "expected one of {}, found \"{}\"",
                    quoted_list(RECORD_TYPES),
                    rtype.get_ref()
                ),
            );
        }
        upper
    }
}

/// An error of a zone file, at its line and column.
fn zone_diagnostic(e: mock_dns::ZoneError) -> Diagnostic {
    Diagnostic {
        line: e.line,
        column: e.column,
        span: 0..0,
        message: e.message,
    }
}

/// A zone file's origin when it has no `$ORIGIN`: its name without the
/// `.zone` / `.db` extension (`example.com.zone` → `example.com.`).
fn default_origin(file: &Path) -> String {
    mock_dns::origin_for_file(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_from_file_name() {
        assert_eq!(
            default_origin(Path::new("z/example.com.zone")),
            "example.com."
        );
        assert_eq!(default_origin(Path::new("z/zone.db")), ".");
    }
}
