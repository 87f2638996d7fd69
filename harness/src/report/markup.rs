//! Text made safe in XML and HTML alike (element content and quoted
//! attribute values): the DMARC aggregate reports and the HTML report share
//! it.

/// `text` with `& < > " '` as character references and the control
/// characters neither XML 1.0 text nor HTML allows (all but tab and line
/// breaks) as U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls() {
        assert_eq!(
            escape("<a href=\"x\">O'Neil & co</a>"),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{0}b\tc\u{7f}"), "a\u{fffd}b\tc\u{fffd}");
    }
}
