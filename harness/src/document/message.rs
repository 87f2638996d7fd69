//! The wording of messages: serde's and toml's rewritten into this
//! project's style, lists of values quoted.

/// `"a", "b", "c"`: the values as a message lists what was expected.
pub fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rewrites serde's and toml's messages into this project's style:
/// lowercase fragments with double-quoted values, "found" last.
pub(super) fn humanize(message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((found, expected)) = rest.split_once("`, expected ")
    {
        let expected = expected.trim_start_matches("one of ");
        return format!("expected one of {}, found \"{found}\"", quote(expected));
    }
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((found, expected)) = rest.split_once("`, expected ")
    {
        let expected = expected.trim_start_matches("one of ");
        return format!(
            "unknown key \"{found}\", expected one of {}",
            quote(expected)
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        return format!("unknown key \"{}", quote(rest));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        return format!("missing key \"{}", quote(rest));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return format!("expected {}, found {}", quote(expected), quote(found));
    }
    lowercase_first(&quote(message))
}

/// serde's words in ours: double quotes, TOML's names of its types.
fn quote(s: &str) -> String {
    s.replace('`', "\"")
        .replace("a sequence", "an array")
        .replace("a map", "a table")
}

fn lowercase_first(s: &str) -> String {
    match s.get(..1) {
        Some(first) => first.to_lowercase() + &s[1..],
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanize_rewrites_serde_messages() {
        assert_eq!(
            humanize("unknown variant `sofail`, expected one of `pass`, `fail`"),
            "expected one of \"pass\", \"fail\", found \"sofail\""
        );
        assert_eq!(
            humanize("unknown field `fomr`, expected one of `from`, `to`"),
            "unknown key \"fomr\", expected one of \"from\", \"to\""
        );
        assert_eq!(humanize("missing field `to`"), "missing key \"to\"");
        assert_eq!(
            humanize("invalid type: integer `5`, expected a string"),
            "expected a string, found integer \"5\""
        );
    }

    #[test]
    fn lists_are_quoted() {
        assert_eq!(quoted_list(&["a", "b"]), "\"a\", \"b\"");
        assert_eq!(quoted_list(&[]), "");
    }
}
