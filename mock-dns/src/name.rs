//! Domain names: normalisation to the form stored in records, labels, and
//! the key that orders the catalog canonically (rightmost label first).

use crate::presentation::{EscapeError, decode_escape, escape_label};

/// The catalog key of a name: its lowercase labels, rightmost first, so
/// that a `BTreeMap` keeps every name next to its descendants.
pub(crate) type NameKey = Vec<Vec<u8>>;

/// The longest label and name the wire format allows (RFC 1035 §2.3.4).
const MAX_LABEL: usize = 63;
const MAX_NAME: usize = 255;

/// Why a name in a master file is not a valid domain name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NameError {
    #[error("{0}")]
    Escape(#[from] EscapeError),
    #[error("expected a domain name, found \"{0}\" with an empty label")]
    EmptyLabel(String),
    #[error("expected labels of at most 63 bytes, found one of {len} bytes in \"{name}\"")]
    LabelTooLong { name: String, len: usize },
    #[error("expected a domain name of at most 255 bytes, found {len} bytes in \"{name}\"")]
    NameTooLong { name: String, len: usize },
}

/// A name split into labels (leftmost first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Labels {
    pub labels: Vec<Vec<u8>>,
    /// The text ended with an unescaped dot (or was `.`).
    pub absolute: bool,
}

/// Lowercases `name` and makes it absolute: `"Example.COM"` becomes
/// `"example.com."`, `""` and `"."` become `"."`.
///
/// Escapes are decoded and written back in one canonical way
/// (`a\046b` becomes `a\.b`); empty labels are dropped.
pub fn normalize_name(name: &str) -> String {
    labels_to_name(&name_labels(name))
}

/// Splits a name written in presentation format into lowercase labels,
/// rejecting bad escapes and empty labels.
pub(crate) fn parse_labels(text: &str) -> Result<Labels, NameError> {
    split(text, true)
}

/// Checks the wire-format limits: labels up to 63 bytes, names up to 255.
pub(crate) fn check_lengths(labels: &[Vec<u8>], text: &str) -> Result<(), NameError> {
    if let Some(long) = labels.iter().find(|l| l.len() > MAX_LABEL) {
        return Err(NameError::LabelTooLong {
            name: text.to_owned(),
            len: long.len(),
        });
    }
    let len = labels.iter().map(|l| l.len() + 1).sum::<usize>() + 1;
    if len > MAX_NAME {
        return Err(NameError::NameTooLong {
            name: text.to_owned(),
            len,
        });
    }
    Ok(())
}

/// Writes labels (leftmost first) as an absolute name in presentation
/// format, lowercase.
pub(crate) fn labels_to_name<L: AsRef<[u8]>>(labels: &[L]) -> String {
    if labels.is_empty() {
        return ".".to_owned();
    }
    let mut out = String::with_capacity(labels.iter().map(|l| l.as_ref().len() + 1).sum());
    for label in labels {
        escape_label(label.as_ref(), &mut out);
        out.push('.');
    }
    out
}

/// The catalog key of `name` (any spelling: case and trailing dot do not matter).
pub(crate) fn name_key(name: &str) -> NameKey {
    let mut labels = split(name, false).map(|l| l.labels).unwrap_or_default();
    labels.reverse();
    labels
}

/// The labels of `name`, leftmost first, as stored (lowercase).
pub(crate) fn name_labels(name: &str) -> Vec<Vec<u8>> {
    split(name, false).map(|l| l.labels).unwrap_or_default()
}

/// Splits on unescaped dots. Strict mode reports errors; lenient mode keeps
/// undecodable escapes literally and drops empty labels.
fn split(text: &str, strict: bool) -> Result<Labels, NameError> {
    // Without escapes, lenient splitting is splitting on dots: the common
    // case, every question the server answers.
    if !strict && !text.contains('\\') {
        return Ok(Labels {
            labels: text
                .split('.')
                .filter(|label| !label.is_empty())
                .map(|label| label.as_bytes().to_ascii_lowercase())
                .collect(),
            absolute: text.ends_with('.'),
        });
    }
    if text == "." {
        return Ok(Labels {
            labels: Vec::new(),
            absolute: true,
        });
    }
    let mut labels = Vec::new();
    let mut current = Vec::new();
    let mut chars = text.chars().peekable();
    let mut absolute = false;
    while let Some(c) = chars.next() {
        absolute = false;
        match c {
            '\\' => {
                let before = chars.clone();
                match decode_escape(&mut chars, &mut current) {
                    Ok(()) => {}
                    Err(e) if strict => return Err(e.into()),
                    Err(_) => {
                        // Keep the backslash as an ordinary character.
                        current.push(b'\\');
                        chars = before;
                    }
                }
            }
            '.' => {
                if current.is_empty() {
                    if strict {
                        return Err(NameError::EmptyLabel(text.to_owned()));
                    }
                } else {
                    labels.push(std::mem::take(&mut current).to_ascii_lowercase());
                }
                absolute = true;
            }
            _ => {
                let mut buf = [0u8; 4];
                current.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    if !current.is_empty() {
        labels.push(current.to_ascii_lowercase());
    } else if strict && !absolute {
        return Err(NameError::EmptyLabel(text.to_owned()));
    }
    Ok(Labels { labels, absolute })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_lowercases_and_appends_the_root() {
        assert_eq!(normalize_name("Example.COM"), "example.com.");
        assert_eq!(normalize_name("example.com."), "example.com.");
        assert_eq!(normalize_name("_DMARC.example.com"), "_dmarc.example.com.");
        assert_eq!(normalize_name(""), ".");
        assert_eq!(normalize_name("."), ".");
        assert_eq!(normalize_name(r"a\046b.com"), r"a\.b.com.");
        assert_eq!(normalize_name("a..b"), "a.b.");
        assert_eq!(normalize_name(r"a\12b"), r"a\\12b.");
    }

    /// Names without escapes take a shortcut; it splits as the general
    /// path does.
    #[test]
    fn plain_names_split_as_the_general_path_does() {
        for name in [
            "",
            ".",
            "a",
            "A.b.",
            "a..B",
            "..",
            "_dmarc.Example.COM.",
            "é.xn--a.b",
        ] {
            let plain = split(name, false).unwrap();
            // The same name with one harmless escape (`\097` is `a`)
            // goes the general way.
            let escaped = split(&format!("{name}.\\097"), false).unwrap();
            let mut expected = plain.labels.clone();
            expected.push(b"a".to_vec());
            assert_eq!(escaped.labels, expected, "{name:?}");
            assert!(!escaped.absolute);
        }
        assert!(split("a.", false).unwrap().absolute);
        assert!(!split("a", false).unwrap().absolute);
    }

    #[test]
    fn strict_parsing_reports_empty_labels_and_lengths() {
        assert_eq!(
            parse_labels("a..b"),
            Err(NameError::EmptyLabel("a..b".into()))
        );
        assert_eq!(parse_labels(""), Err(NameError::EmptyLabel("".into())));
        let parsed = parse_labels("WWW.example.").unwrap();
        assert!(parsed.absolute);
        assert_eq!(parsed.labels, vec![b"www".to_vec(), b"example".to_vec()]);
        let long = "a".repeat(64);
        assert!(matches!(
            check_lengths(&parse_labels(&long).unwrap().labels, &long),
            Err(NameError::LabelTooLong { len: 64, .. })
        ));
    }

    #[test]
    fn keys_put_descendants_after_their_ancestor() {
        let mut names = vec!["b.example.com.", "example.com.", "a.example.com.", "com."];
        names.sort_by_key(|n| name_key(n));
        assert_eq!(
            names,
            vec!["com.", "example.com.", "a.example.com.", "b.example.com."]
        );
    }
}
