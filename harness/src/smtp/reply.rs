//! SMTP replies: a three-digit code and its text.

/// An SMTP reply.
///
/// `text` holds the enhanced status code when there is one (`"2.0.0 Ok"`)
/// and may span several lines separated by `'\n'`; [`Reply::to_wire`] turns
/// them into a multi-line reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The reply code, e.g. 250.
    pub code: u16,
    /// The text after the code; lines separated by `'\n'`.
    pub text: String,
}

impl Reply {
    /// A reply with this code and text.
    pub fn new(code: u16, text: impl Into<String>) -> Self {
        Self {
            code,
            text: text.into(),
        }
    }

    /// A 250 reply with this text.
    pub fn ok(text: impl Into<String>) -> Self {
        Self::new(250, text)
    }

    /// Whether the reply is a positive completion (2xx) or a positive
    /// intermediate reply (3xx, e.g. 354 after DATA).
    pub fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    /// Whether the reply is a transient failure (4xx): the client may retry.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// Whether the reply is a permanent failure (5xx).
    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code)
    }

    /// The reply as sent on the wire: `"250-first\r\n250 last\r\n"`.
    ///
    /// Every line but the last carries a hyphen after the code. A lone CR
    /// inside the text becomes a space so that the text cannot inject lines.
    pub fn to_wire(&self) -> String {
        let lines: Vec<&str> = self.text.lines().collect();
        if lines.is_empty() {
            return format!("{:03}\r\n", self.code);
        }
        let mut wire = String::with_capacity(self.text.len() + 6 * lines.len());
        for (index, line) in lines.iter().enumerate() {
            let separator = if index + 1 == lines.len() { ' ' } else { '-' };
            wire.push_str(&format!("{:03}{separator}", self.code));
            wire.extend(line.chars().map(|c| if c == '\r' { ' ' } else { c }));
            wire.push_str("\r\n");
        }
        wire
    }
}

impl std::fmt::Display for Reply {
    /// The reply on one line per reply line, without CRLF: `250 2.0.0 Ok`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let wire = self.to_wire();
        f.write_str(wire.trim_end_matches("\r\n").replace("\r\n", "\n").as_str())
    }
}

/// A reply's code, with its enhanced status code when it has one:
/// `550 5.7.32 …` → `550 5.7.32`, `550 Unknown user` → `550`.
pub fn reply_code(reply: &str) -> String {
    let mut words = reply.split_whitespace();
    let code = words.next().unwrap_or_default();
    match words.next() {
        Some(e) if e.split('.').count() == 3 && e.split('.').all(|p| p.parse::<u16>().is_ok()) => {
            format!("{code} {e}")
        }
        _ => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_shortened_to_their_codes() {
        assert_eq!(
            reply_code("550 5.7.32 Your email has been blocked"),
            "550 5.7.32"
        );
        assert_eq!(reply_code("550 5.7.26 Unauthenticated email"), "550 5.7.26");
        assert_eq!(reply_code("550 Unknown user"), "550");
        assert_eq!(reply_code("421"), "421");
    }

    #[test]
    fn single_line() {
        assert_eq!(Reply::ok("2.0.0 Ok").to_wire(), "250 2.0.0 Ok\r\n");
    }

    #[test]
    fn multi_line() {
        let reply = Reply::ok("mx.test\nPIPELINING\nSIZE 10");
        assert_eq!(
            reply.to_wire(),
            "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 10\r\n"
        );
        assert_eq!(
            reply.to_string(),
            "250-mx.test\n250-PIPELINING\n250 SIZE 10"
        );
    }

    #[test]
    fn crlf_in_text_and_trailing_newline() {
        let reply = Reply::new(214, "a\r\nb\n");
        assert_eq!(reply.to_wire(), "214-a\r\n214 b\r\n");
    }

    #[test]
    fn lone_cr_cannot_inject() {
        assert_eq!(Reply::new(250, "a\rb").to_wire(), "250 a b\r\n");
    }

    #[test]
    fn empty_text() {
        assert_eq!(Reply::new(250, "").to_wire(), "250\r\n");
    }

    #[test]
    fn classes() {
        assert!(Reply::new(354, "go").is_positive());
        assert!(Reply::ok("x").is_positive());
        assert!(Reply::new(452, "x").is_transient());
        assert!(!Reply::new(452, "x").is_positive());
        assert!(Reply::new(554, "x").is_permanent());
    }
}
