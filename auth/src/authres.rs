//! The `Authentication-Results` header field (RFC 8601) a receiver adds,
//! written from the verdict.

use std::{fmt::Write, net::IpAddr};

use crate::verdict::Verdict;

/// What the header needs besides the verdict.
pub struct HeaderContext<'a> {
    /// The authserv-id: the receiving host's name.
    pub authserv_id: &'a str,
    pub client_ip: IpAddr,
    pub helo: &'a str,
    pub mail_from: &'a str,
    /// `header.b` of each DKIM signature, in the verdict's order.
    pub header_b: &'a [String],
}

/// The field's value (without `Authentication-Results:`), one method per
/// folded line.
pub fn header_value(verdict: &Verdict, ctx: &HeaderContext<'_>) -> String {
    let mut out = String::with_capacity(512);
    out.push_str(ctx.authserv_id);
    for (i, dkim) in verdict.dkim.iter().enumerate() {
        let _ = write!(out, ";\r\n\tdkim={}", dkim.result);
        match (&dkim.reason, dkim.key_bits) {
            (Some(reason), _) => {
                let _ = write!(out, " ({})", comment(reason));
            }
            (None, Some(bits)) => {
                let _ = write!(out, " ({bits}-bit key)");
            }
            (None, None) => {}
        }
        if !dkim.domain.is_empty() {
            let _ = write!(out, " header.d={}", dkim.domain);
        }
        if !dkim.selector.is_empty() {
            let _ = write!(out, " header.s={}", value(&dkim.selector));
        }
        if let Some(b) = ctx.header_b.get(i).filter(|b| !b.is_empty()) {
            let _ = write!(out, " header.b={}", value(b));
        }
    }
    if verdict.dkim.is_empty() {
        out.push_str(";\r\n\tdkim=none");
    }
    let spf = &verdict.spf;
    let _ = write!(out, ";\r\n\tspf={} ({})", spf.result, comment(&spf.reason));
    if ctx.mail_from.is_empty() {
        let _ = write!(out, " smtp.mailfrom=postmaster@{}", value(ctx.helo));
    } else {
        let _ = write!(out, " smtp.mailfrom={}", value(ctx.mail_from));
    }
    let _ = write!(
        out,
        ";\r\n\tspf={} smtp.helo={}",
        spf.helo_result,
        value(ctx.helo)
    );
    let _ = write!(
        out,
        ";\r\n\tarc={} smtp.remote-ip={}",
        verdict.arc.result, ctx.client_ip
    );
    let dmarc = &verdict.dmarc;
    let _ = write!(out, ";\r\n\tdmarc={}", dmarc.result);
    if let Some(policy) = dmarc.policy {
        let _ = write!(out, " (p={policy} dis={})", dmarc.disposition);
    }
    if !dmarc.domain.is_empty() {
        let _ = write!(out, " header.from={}", dmarc.domain);
    }
    if let Some(policy) = dmarc.policy {
        let _ = write!(out, " policy.dmarc={policy}");
    }
    out
}

/// A comment's text (RFC 5322 `ctext`): no parentheses, backslashes or
/// line breaks, ASCII only.
fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' | '[' => out.push('['),
            ')' | ']' => out.push(']'),
            '\\' | '\r' | '\n' | '\t' => out.push(' '),
            '§' => out.push_str("section "),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// A property value: a token, or a quoted string when it holds anything
/// else (RFC 8601 §2.2, RFC 2045 `value`).
fn value(text: &str) -> String {
    let token = !text.is_empty()
        && text.bytes().all(|b| {
            // An address (`local-part "@" domain`, RFC 8601 §2.3) or a
            // token (RFC 2045 §5.1).
            (b.is_ascii_graphic() && !b"()<>,;:\\\"/[]?=".contains(&b)) || b == b'@'
        });
    if token {
        text.to_string()
    } else {
        let escaped: String = text
            .chars()
            .filter(|c| !c.is_control())
            .flat_map(|c| match c {
                '"' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        format!("\"{escaped}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_values_stay_in_the_grammar() {
        assert_eq!(comment("a (b) \\ c\r\n"), "a [b]   c  ");
        assert_eq!(comment("RFC 6376 §6.1.2"), "RFC 6376 section 6.1.2");
        assert_eq!(value("user@example.com"), "user@example.com");
        assert_eq!(
            value("\"odd local\"@example.com"),
            "\"\\\"odd local\\\"@example.com\""
        );
        assert_eq!(value(""), "\"\"");
    }
}
