//! Master files (zone files): lexing and parsing into [`Record`](crate::Record)s.

mod lexer;
mod parse;

use std::path::Path;

pub use parse::{ZoneError, parse_zone, parse_zone_lines};

/// The origin of a zone file that has no `$ORIGIN`, from its name: the
/// file name without `.zone` or `.db`, when that holds a dot
/// (`zones/example.com.zone` → `example.com.`); otherwise the root, so
/// that only absolute names make sense in it. The harness and the
/// `mock-dns` binary read zone files by this one rule.
pub fn origin_for_file(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".zone")
        .or_else(|| name.strip_suffix(".db"))
        .unwrap_or(&name);
    if stem.contains('.') {
        crate::normalize_name(stem)
    } else {
        ".".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_come_from_file_names() {
        let origin = |p: &str| origin_for_file(Path::new(p));
        assert_eq!(origin("zones/example.com.zone"), "example.com.");
        assert_eq!(origin("Shop.Example.db"), "shop.example.");
        assert_eq!(origin("a/b/mail.test"), "mail.test.");
        assert_eq!(origin("hosts"), ".");
        assert_eq!(origin("hosts.zone"), ".");
    }
}
