/// `text` safe in HTML element content and in double- or single-quoted
/// attribute values.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and line breaks are not
            // allowed in HTML text.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// An element id from free text: lowercase ASCII letters and digits, the
/// rest as `-`.
pub(super) fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The CSS class of a result word: `ok` (pass), `bad` (fail, softfail,
/// permerror, reject), `warn` (temperror, quarantine, spam, tempfail) or
/// `muted` (none, neutral).
pub(super) fn tone(word: &str) -> &'static str {
    match word {
        "pass" | "inbox" | "delivered" => "ok",
        "fail" | "softfail" | "permerror" | "reject" | "refused" => "bad",
        "temperror" | "quarantine" | "spam" | "tempfail" => "warn",
        _ => "muted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(esc("a\u{0}b\tc"), "a\u{fffd}b\tc");
    }

    #[test]
    fn slugs_are_ids() {
        assert_eq!(
            slug("scenarios/ses/setups-compared.toml [as SES ships]"),
            "scenarios-ses-setups-compared-toml-as-ses-ships"
        );
    }
}
