pub(super) use crate::report::markup::escape as esc;

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
        "fail" | "softfail" | "permerror" | "reject" | "refused" | "dropped" => "bad",
        "temperror" | "quarantine" | "spam" | "tempfail" | "inbox-with-warning" => "warn",
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
