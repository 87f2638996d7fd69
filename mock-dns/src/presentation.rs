//! Presentation format (RFC 1035 §5.1): the escapes used by labels and
//! character-strings in master files, in both directions.

/// Why a backslash escape could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EscapeError {
    #[error("expected a character after \"\\\", found the end of the text")]
    Dangling,
    #[error("expected an escape \\DDD with DDD at most 255, found \"\\{0}\"")]
    OutOfRange(String),
    #[error("expected an escape \\DDD with three digits, found \"\\{0}\"")]
    ShortDecimal(String),
}

/// Decodes the escape that follows a backslash: `\DDD` (three decimal digits)
/// gives one byte, `\X` gives the UTF-8 bytes of `X`. `rest` starts right
/// after the backslash and is advanced past the escape.
pub(crate) fn decode_escape(
    rest: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut Vec<u8>,
) -> Result<(), EscapeError> {
    let Some(first) = rest.next() else {
        return Err(EscapeError::Dangling);
    };
    if first.is_ascii_digit() {
        let mut digits = String::from(first);
        while digits.len() < 3 {
            match rest.peek() {
                Some(c) if c.is_ascii_digit() => {
                    digits.push(*c);
                    rest.next();
                }
                _ => break,
            }
        }
        if digits.len() == 3 {
            return match digits.parse::<u8>() {
                Ok(byte) => {
                    out.push(byte);
                    Ok(())
                }
                Err(_) => Err(EscapeError::OutOfRange(digits)),
            };
        }
        return Err(EscapeError::ShortDecimal(digits));
    }
    let mut buf = [0u8; 4];
    out.extend_from_slice(first.encode_utf8(&mut buf).as_bytes());
    Ok(())
}

/// Decodes every escape in `text` (the inside of a quoted string, or an
/// unquoted word).
pub(crate) fn unescape(text: &str) -> Result<Vec<u8>, EscapeError> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            decode_escape(&mut chars, &mut out)?;
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Ok(out)
}

/// Writes one character-string as a quoted master-file string: `"` and `\`
/// are backslash-escaped, bytes outside printable ASCII become `\DDD`.
pub(crate) fn quote_character_string(bytes: &[u8], out: &mut String) {
    out.push('"');
    for &byte in bytes {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => push_decimal_escape(byte, out),
        }
    }
    out.push('"');
}

/// Writes one label, lowercase: printable ASCII as is, the characters that
/// mean something in a master file (`. \ " ( ) ; @ $`) backslash-escaped,
/// any other byte as `\DDD`.
pub(crate) fn escape_label(bytes: &[u8], out: &mut String) {
    for &byte in bytes {
        match byte {
            b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x21..=0x7e => out.push(char::from(byte.to_ascii_lowercase())),
            _ => push_decimal_escape(byte, out),
        }
    }
}

fn push_decimal_escape(byte: u8, out: &mut String) {
    out.push('\\');
    out.push_str(&format!("{byte:03}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_decodes_decimal_and_character_escapes() {
        assert_eq!(unescape(r#"a\"b\\c\059d"#).unwrap(), b"a\"b\\c;d");
        assert_eq!(unescape(r"\255").unwrap(), vec![255]);
        assert_eq!(
            unescape(r"\256"),
            Err(EscapeError::OutOfRange("256".into()))
        );
        assert_eq!(unescape("x\\"), Err(EscapeError::Dangling));
        assert_eq!(
            unescape(r"\12x").unwrap_err().to_string(),
            r#"expected an escape \DDD with three digits, found "\12""#
        );
    }

    #[test]
    fn quoting_round_trips_through_unescape() {
        let bytes = b"say \"hi\" \\ \x00\x7f\xc3\xa9";
        let mut quoted = String::new();
        quote_character_string(bytes, &mut quoted);
        assert_eq!(quoted, r#""say \"hi\" \\ \000\127\195\169""#);
        assert_eq!(unescape(&quoted[1..quoted.len() - 1]).unwrap(), bytes);
    }

    #[test]
    fn labels_escape_master_file_specials() {
        let mut out = String::new();
        escape_label(b"A.b c@", &mut out);
        assert_eq!(out, r"a\.b\032c\@");
    }
}
