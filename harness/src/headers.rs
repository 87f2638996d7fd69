//! Header-block helpers on raw message bytes, shared by the relay and the
//! hops: they keep every byte as received (folding, line endings).

/// Splits a message into its header block (with the final line break of
/// the last field) and the rest (the empty line and the body).
pub fn split_header(raw: &[u8]) -> (&[u8], &[u8]) {
    let mut pos = 0;
    while pos < raw.len() {
        let end = raw[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |i| pos + i + 1);
        let line = &raw[pos..end];
        if line == b"\r\n" || line == b"\n" {
            return (&raw[..pos], &raw[pos..]);
        }
        pos = end;
    }
    (raw, &[])
}

/// The header fields of a header block, each with its continuation lines.
pub fn header_fields(block: &[u8]) -> Vec<&[u8]> {
    let mut fields: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    while pos < block.len() {
        let end = block[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(block.len(), |i| pos + i + 1);
        let continuation = matches!(block[pos], b' ' | b'\t');
        if !continuation && pos > start {
            fields.push(&block[start..pos]);
            start = pos;
        }
        pos = end;
    }
    if start < block.len() {
        fields.push(&block[start..]);
    }
    fields
}

/// The name of a header field, lowercase.
pub fn field_name(field: &[u8]) -> String {
    let name = field.split(|&b| b == b':').next().unwrap_or_default();
    String::from_utf8_lossy(name).trim().to_ascii_lowercase()
}

/// A header value on one line: each folded line's white space collapsed
/// to one space, trimmed.
pub fn unfold(value: &str) -> String {
    value
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The value of the first field named `name` (lowercase) in the header of
/// `raw` (a whole message or its header block), unfolded.
pub fn field_value(raw: &[u8], name: &str) -> Option<String> {
    let (block, _) = split_header(raw);
    header_fields(block)
        .into_iter()
        .find(|f| field_name(f) == name)
        .and_then(|f| {
            String::from_utf8_lossy(f)
                .split_once(':')
                .map(|(_, v)| unfold(v))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_value_is_the_first_field_unfolded() {
        let raw = b"Subject: one\r\n two\r\nX-A: 1\r\nx-a: 2\r\n\r\nX-A: body\r\n";
        assert_eq!(field_value(raw, "subject").as_deref(), Some("one two"));
        assert_eq!(field_value(raw, "x-a").as_deref(), Some("1"));
        assert_eq!(field_value(raw, "to"), None);
        let (block, _) = split_header(raw);
        assert_eq!(field_value(block, "x-a").as_deref(), Some("1"));
    }

    #[test]
    fn fields_keep_continuation_lines() {
        let block = b"From: a@b\r\nSubject: one\r\n two\r\nTo: c@d\r\n";
        let fields = header_fields(block);
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[1], b"Subject: one\r\n two\r\n");
        assert_eq!(field_name(fields[1]), "subject");
    }

    #[test]
    fn header_split_finds_the_empty_line() {
        let (h, b) = split_header(b"A: 1\r\nB: 2\r\n\r\nbody\r\n");
        assert_eq!(h, b"A: 1\r\nB: 2\r\n");
        assert_eq!(b, b"\r\nbody\r\n");
        let (h, b) = split_header(b"A: 1\n\nbody\n");
        assert_eq!(h, b"A: 1\n");
        assert_eq!(b, b"\nbody\n");
    }
}
