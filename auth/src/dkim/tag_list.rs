//! The tag=value list of RFC 6376 §3.2, shared by the DKIM-Signature header
//! field (§3.5) and the key record (§3.6.1):
//!
//! ```text
//! tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
//! tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//! tag-name  =  ALPHA *ALNUMPUNC
//! tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
//! tval      =  1*VALCHAR          ; VALCHAR = %x21-3A / %x3C-7E
//! ```
//!
//! Tag names are case-sensitive; "tags with duplicate names MUST NOT occur
//! within a single tag-list; if a tag name does occur more than once, the
//! entire tag-list is invalid" (§3.2).

/// One `tag=value` of a tag-list, the value without the FWS around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag<'a> {
    pub name: &'a str,
    pub value: &'a [u8],
}

/// Why a tag-list is not one by RFC 6376 §3.2.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TagListError {
    #[error("empty tag-spec before \";\" number {position} (RFC 6376 §3.2)")]
    EmptySpec { position: usize },
    #[error("tag-spec {found:?} has no \"=\" (RFC 6376 §3.2)")]
    NoEquals { found: String },
    #[error("tag name {found:?} is not ALPHA followed by letters, digits or \"_\" (RFC 6376 §3.2)")]
    BadName { found: String },
    #[error("value of {tag}= holds byte {byte:#04x}, outside VALCHAR and FWS (RFC 6376 §3.2)")]
    BadValue { tag: String, byte: u8 },
    #[error(
        "tag {tag}= appears more than once, which makes the whole tag-list invalid (RFC 6376 §3.2)"
    )]
    Duplicate { tag: String },
}

/// A parsed tag-list: every well-formed tag-spec in order (duplicates
/// included, so that the readable ones can still be reported), and the
/// first way in which the list breaks §3.2, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagList<'a> {
    pub tags: Vec<Tag<'a>>,
    pub error: Option<TagListError>,
}

impl<'a> TagList<'a> {
    /// Reads `input`; never fails, see [`TagList::error`].
    pub fn parse(input: &'a [u8]) -> TagList<'a> {
        let mut list = TagList::default();
        let segments: Vec<&[u8]> = input.split(|&b| b == b';').collect();
        let last = segments.len().saturating_sub(1);
        for (index, segment) in segments.iter().enumerate() {
            let spec = trim_fws(segment);
            if spec.is_empty() {
                // Only the optional ";" at the end leaves an empty spec.
                if index != last {
                    list.fail(TagListError::EmptySpec {
                        position: index + 1,
                    });
                }
                continue;
            }
            match parse_spec(spec) {
                Ok(tag) => list.tags.push(tag),
                Err(err) => list.fail(err),
            }
        }
        if list.error.is_none()
            && let Some(tag) = list.first_duplicate()
        {
            list.error = Some(TagListError::Duplicate {
                tag: tag.to_string(),
            });
        }
        list
    }

    /// The value of `name` when it occurs exactly once.
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        let mut found = self.tags.iter().filter(|t| t.name == name);
        let first = found.next()?;
        found.next().is_none().then_some(first.value)
    }

    /// The value of `name` as text, when it occurs exactly once and is
    /// UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&'a str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Whether `name` occurs at all (duplicates included).
    pub fn has(&self, name: &str) -> bool {
        self.tags.iter().any(|t| t.name == name)
    }

    fn fail(&mut self, err: TagListError) {
        if self.error.is_none() {
            self.error = Some(err);
        }
    }

    fn first_duplicate(&self) -> Option<&'a str> {
        self.tags.iter().enumerate().find_map(|(i, tag)| {
            self.tags[..i]
                .iter()
                .any(|earlier| earlier.name == tag.name)
                .then_some(tag.name)
        })
    }
}

fn parse_spec(spec: &[u8]) -> Result<Tag<'_>, TagListError> {
    let Some(eq) = spec.iter().position(|&b| b == b'=') else {
        return Err(TagListError::NoEquals {
            found: String::from_utf8_lossy(spec).into_owned(),
        });
    };
    let (raw_name, rest) = spec.split_at(eq);
    let name_bytes = trim_fws(raw_name);
    let valid_name = name_bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && name_bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_');
    let name = match std::str::from_utf8(name_bytes) {
        Ok(name) if valid_name => name,
        _ => {
            return Err(TagListError::BadName {
                found: String::from_utf8_lossy(name_bytes).into_owned(),
            });
        }
    };
    let value = trim_fws(rest.get(1..).unwrap_or_default());
    // VALCHAR is %x21-3A / %x3C-7E; WSP and the CR LF of folding separate
    // tvals. Bytes of 0x80 and above are let through here (headers may
    // carry UTF-8, RFC 6532) and meet the stricter grammar of each tag.
    if let Some(&byte) = value
        .iter()
        .find(|&&b| !(is_fws(b) || (0x21..=0x7e).contains(&b) || b >= 0x80))
    {
        return Err(TagListError::BadValue {
            tag: name.to_string(),
            byte,
        });
    }
    Ok(Tag { name, value })
}

/// WSP and the CR and LF of folding white space.
pub fn is_fws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// `bytes` without FWS at either end.
pub fn trim_fws(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_fws(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_fws(b))
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// `bytes` with every FWS removed (base64 values, RFC 6376 §2.4).
pub fn without_fws(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().copied().filter(|&b| !is_fws(b)).collect()
}

/// The items of a colon-separated list with FWS around the colons
/// (`h=`, `q=`, key `h=`, `s=`, `t=`), each trimmed; `None` when an item is
/// empty.
pub fn colon_list(value: &[u8]) -> Option<Vec<&[u8]>> {
    value
        .split(|&b| b == b':')
        .map(trim_fws)
        .map(|item| (!item.is_empty()).then_some(item))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names<'a>(list: &TagList<'a>) -> Vec<(&'a str, &'a [u8])> {
        list.tags.iter().map(|t| (t.name, t.value)).collect()
    }

    #[test]
    fn specs_with_folding_and_a_trailing_semicolon() {
        let list = TagList::parse(b" v=1;\r\n\ta = rsa-sha256 ; b=ab\r\n cd;");
        assert_eq!(list.error, None);
        assert_eq!(
            names(&list),
            vec![
                ("v", &b"1"[..]),
                ("a", &b"rsa-sha256"[..]),
                ("b", &b"ab\r\n cd"[..])
            ]
        );
    }

    #[test]
    fn empty_values_and_empty_lists() {
        let list = TagList::parse(b"p=; n=");
        assert_eq!(list.error, None);
        assert_eq!(list.get("p"), Some(&b""[..]));
        assert_eq!(TagList::parse(b"").tags, vec![]);
        assert_eq!(TagList::parse(b"  \r\n ").error, None);
    }

    #[test]
    fn duplicates_invalidate_the_list_but_others_stay_readable() {
        let list = TagList::parse(b"d=example.com; s=a; s=b");
        assert_eq!(
            list.error,
            Some(TagListError::Duplicate { tag: "s".into() })
        );
        assert_eq!(list.get("s"), None);
        assert_eq!(list.get_str("d"), Some("example.com"));
        assert!(list.has("s"));
    }

    #[test]
    fn tag_names_are_case_sensitive() {
        let list = TagList::parse(b"v=1; V=2");
        assert_eq!(list.error, None);
        assert_eq!(list.get("v"), Some(&b"1"[..]));
        assert_eq!(list.get("V"), Some(&b"2"[..]));
    }

    #[test]
    fn broken_specs() {
        assert!(matches!(
            TagList::parse(b"v=1;; a=b").error,
            Some(TagListError::EmptySpec { position: 2 })
        ));
        assert!(matches!(
            TagList::parse(b"v=1; novalue").error,
            Some(TagListError::NoEquals { .. })
        ));
        assert!(matches!(
            TagList::parse(b"1v=1").error,
            Some(TagListError::BadName { .. })
        ));
        assert!(matches!(
            TagList::parse(b"b h=1").error,
            Some(TagListError::BadName { .. })
        ));
        assert!(matches!(
            TagList::parse(b"=1").error,
            Some(TagListError::BadName { .. })
        ));
        assert!(matches!(
            TagList::parse(b"n=a\x01b").error,
            Some(TagListError::BadValue { byte: 1, .. })
        ));
        // The well-formed specs around a broken one are still read.
        let list = TagList::parse(b"d=example.com; oops; s=sel");
        assert!(list.error.is_some());
        assert_eq!(list.get_str("s"), Some("sel"));
    }

    #[test]
    fn helpers() {
        assert_eq!(trim_fws(b" \r\n\tx y \t"), b"x y");
        assert_eq!(trim_fws(b" \t "), b"");
        assert_eq!(without_fws(b"ab \r\n\tcd"), b"abcd".to_vec());
        assert_eq!(
            colon_list(b"from : to\r\n :subject"),
            Some(vec![&b"from"[..], &b"to"[..], &b"subject"[..]])
        );
        assert_eq!(colon_list(b"from::to"), None);
        assert_eq!(colon_list(b""), None);
    }
}
