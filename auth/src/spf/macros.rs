//! Macros (RFC 7208 §7): parsing a `macro-string` (a `domain-spec`, an
//! unknown modifier's value, an explanation) into tokens once, and
//! expanding the tokens for one `check_host()` evaluation.

use std::{
    fmt::{self, Write as _},
    net::IpAddr,
};

/// The longest domain name a macro expansion may give (RFC 7208 §7.3).
pub const MAX_DOMAIN_LENGTH: usize = 253;

/// A parsed `macro-string` (RFC 7208 §7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroString {
    tokens: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// `macro-literal` characters (and spaces in an explanation).
    Literal(Box<str>),
    Macro(Macro),
    /// `%%`: a literal `%`.
    Percent,
    /// `%_`: a space.
    Space,
    /// `%-`: a URL-encoded space, `%20`.
    UrlSpace,
}

/// One `%{...}` expansion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Macro {
    letter: Letter,
    /// The letter was written in upper case: URL-escape the value (§7.3).
    escape: bool,
    /// The number of right-hand parts to keep; `None` keeps all.
    keep: Option<usize>,
    reverse: bool,
    /// The delimiters, one bit per character of [`DELIMITERS`]; 0 means the
    /// default, `.`.
    delimiters: u8,
}

/// The `delimiter` characters of RFC 7208 §7.1, in the order of the bits of
/// [`Macro::delimiters`].
const DELIMITERS: &[u8; 7] = b".-+,/_=";

/// The macro letters of RFC 7208 §7.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Letter {
    /// `s`: `<sender>`.
    Sender,
    /// `l`: the local-part of `<sender>`.
    Local,
    /// `o`: the domain of `<sender>`.
    SenderDomain,
    /// `d`: `<domain>`.
    Domain,
    /// `i`: `<ip>`, dotted quad or dot-separated nibbles.
    Ip,
    /// `p`: the validated domain name of `<ip>`.
    Validated,
    /// `v`: `in-addr` or `ip6`.
    Version,
    /// `h`: the HELO/EHLO domain.
    Helo,
    /// `c`: the client IP, readable (explanations only).
    ClientIp,
    /// `r`: the receiving host (explanations only).
    Receiver,
    /// `t`: the current time (explanations only).
    Timestamp,
}

impl Letter {
    fn from_byte(byte: u8) -> Option<Letter> {
        Some(match byte.to_ascii_lowercase() {
            b's' => Letter::Sender,
            b'l' => Letter::Local,
            b'o' => Letter::SenderDomain,
            b'd' => Letter::Domain,
            b'i' => Letter::Ip,
            b'p' => Letter::Validated,
            b'v' => Letter::Version,
            b'h' => Letter::Helo,
            b'c' => Letter::ClientIp,
            b'r' => Letter::Receiver,
            b't' => Letter::Timestamp,
            _ => return None,
        })
    }

    fn as_char(self) -> char {
        match self {
            Letter::Sender => 's',
            Letter::Local => 'l',
            Letter::SenderDomain => 'o',
            Letter::Domain => 'd',
            Letter::Ip => 'i',
            Letter::Validated => 'p',
            Letter::Version => 'v',
            Letter::Helo => 'h',
            Letter::ClientIp => 'c',
            Letter::Receiver => 'r',
            Letter::Timestamp => 't',
        }
    }

    /// `c`, `r` and `t` are "allowed only in "exp" text" (RFC 7208 §7.2).
    fn explanation_only(self) -> bool {
        matches!(
            self,
            Letter::ClientIp | Letter::Receiver | Letter::Timestamp
        )
    }
}

/// Where a macro-string stands, which decides what it may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// A `domain-spec`: letters `c`, `r`, `t` are errors (RFC 7208 §7.2).
    DomainSpec,
    /// An unknown modifier's value: checked against the grammar and never
    /// expanded (RFC 7208 §6), so every letter of `macro-letter` passes.
    Modifier,
    /// An `explain-string` (RFC 7208 §6.2, §7.1): spaces allowed, every letter.
    Explanation,
}

/// Why a macro-string does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MacroError {
    #[error(
        "expected \"{{\", \"%\", \"_\" or \"-\" after \"%\", found {}",
        describe(*.0)
    )]
    BadEscape(Option<char>),
    #[error(
        "expected a macro letter (s, l, o, d, i, p, h, v, c, r, t) after \"%{{\", found {}",
        describe(*.0)
    )]
    UnknownLetter(Option<char>),
    #[error("expected the macro letter {0:?} only in explanation text (exp=), found it here")]
    ExplanationOnly(char),
    #[error("expected a non-zero number of parts in \"%{{{0}...}}\", found 0")]
    ZeroParts(char),
    #[error(
        "expected digits, \"r\", delimiters (. - + , / _ =) or \"}}\" in a macro, found {}",
        describe(*.0)
    )]
    BadTransformer(Option<char>),
    #[error("expected visible ASCII characters, found {}", describe(Some(*.0)))]
    BadCharacter(char),
}

fn describe(c: Option<char>) -> String {
    match c {
        Some(c) => format!("{c:?}"),
        None => "the end".to_string(),
    }
}

/// Why a `domain-spec` is not one (RFC 7208 §7.1).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainSpecError {
    #[error("expected a domain-spec, found nothing")]
    Empty,
    #[error("{0}")]
    Macro(#[from] MacroError),
    #[error("expected a domain-spec ending in \".\" and a top label, or in a macro, found {0:?}")]
    BadEnd(String),
    #[error(
        "expected a top label of letters, digits and inner hyphens, not all digits, found {label:?} in {spec:?}"
    )]
    BadTopLabel { label: String, spec: String },
}

impl MacroString {
    /// Parses `text` as a macro-string of `context`.
    pub fn parse(text: &str, context: Context) -> Result<MacroString, MacroError> {
        let bytes = text.as_bytes();
        let mut tokens = Vec::new();
        let mut literal_start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let byte = bytes[i];
            if byte != b'%' {
                let allowed =
                    byte.is_ascii_graphic() || (byte == b' ' && context == Context::Explanation);
                if !allowed {
                    return Err(MacroError::BadCharacter(char_at(text, i)));
                }
                i += 1;
                continue;
            }
            if literal_start < i {
                tokens.push(Token::Literal(text[literal_start..i].into()));
            }
            let next = bytes.get(i + 1).copied();
            let (token, len) = match next {
                Some(b'%') => (Token::Percent, 2),
                Some(b'_') => (Token::Space, 2),
                Some(b'-') => (Token::UrlSpace, 2),
                Some(b'{') => {
                    let (mac, len) = parse_macro(text, i + 2, context)?;
                    (Token::Macro(mac), len + 2)
                }
                Some(_) => return Err(MacroError::BadEscape(Some(char_at(text, i + 1)))),
                None => return Err(MacroError::BadEscape(None)),
            };
            tokens.push(token);
            i += len;
            literal_start = i;
        }
        if literal_start < bytes.len() {
            tokens.push(Token::Literal(text[literal_start..].into()));
        }
        Ok(MacroString { tokens })
    }

    /// Parses `text` as a `domain-spec` (RFC 7208 §7.1):
    /// `domain-spec = macro-string domain-end`,
    /// `domain-end = ( "." toplabel [ "." ] ) / macro-expand`.
    pub fn parse_domain_spec(text: &str) -> Result<MacroString, DomainSpecError> {
        if text.is_empty() {
            return Err(DomainSpecError::Empty);
        }
        let spec = MacroString::parse(text, Context::DomainSpec)?;
        let Some(Token::Literal(last)) = spec.tokens.last() else {
            // Ends in a macro-expand.
            return Ok(spec);
        };
        let body = last.strip_suffix('.').unwrap_or(last);
        let Some((_, label)) = body.rsplit_once('.') else {
            return Err(DomainSpecError::BadEnd(text.to_string()));
        };
        if !is_toplabel(label) {
            return Err(DomainSpecError::BadTopLabel {
                label: label.to_string(),
                spec: text.to_string(),
            });
        }
        Ok(spec)
    }

    /// Whether expanding needs the validated domain name of `<ip>` (`%{p}`),
    /// which takes DNS queries.
    pub fn uses_validated_name(&self) -> bool {
        self.tokens
            .iter()
            .any(|t| matches!(t, Token::Macro(m) if m.letter == Letter::Validated))
    }

    /// Appends the expansion to `out` (RFC 7208 §7.3).
    pub fn expand_into(&self, values: &MacroValues<'_>, out: &mut String) {
        let mut scratch = String::new();
        for token in &self.tokens {
            match token {
                Token::Literal(text) => out.push_str(text),
                Token::Percent => out.push('%'),
                Token::Space => out.push(' '),
                Token::UrlSpace => out.push_str("%20"),
                Token::Macro(mac) => {
                    scratch.clear();
                    let value = values.value(mac.letter, &mut scratch);
                    if mac.escape {
                        let mut transformed = String::new();
                        mac.transform(value, &mut transformed);
                        url_escape(&transformed, out);
                    } else {
                        mac.transform(value, out);
                    }
                }
            }
        }
    }

    /// The expansion as text (an explanation).
    pub fn expand(&self, values: &MacroValues<'_>) -> String {
        let mut out = String::new();
        self.expand_into(values, &mut out);
        out
    }

    /// The expansion as a `<target-name>`: one trailing dot removed and,
    /// beyond 253 characters, labels removed from the left until it fits
    /// (RFC 7208 §7.3).
    pub fn expand_domain(&self, values: &MacroValues<'_>) -> String {
        let mut out = String::new();
        self.expand_into(values, &mut out);
        if out.ends_with('.') {
            out.pop();
        }
        truncate_domain(&mut out);
        out
    }
}

/// Removes labels from the left of `name` until it holds at most
/// [`MAX_DOMAIN_LENGTH`] characters (RFC 7208 §7.3). A single label that is
/// longer stays as it is (and cannot be queried).
pub fn truncate_domain(name: &mut String) {
    let mut start = 0;
    while name.len() - start > MAX_DOMAIN_LENGTH {
        match name[start..].find('.') {
            Some(dot) => start += dot + 1,
            None => break,
        }
    }
    if start > 0 {
        name.drain(..start);
    }
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) /
/// ( 1*alphanum "-" *( alphanum / "-" ) alphanum )` (RFC 7208 §7.1): letters,
/// digits and hyphens, neither starting nor ending with a hyphen, and not all
/// digits (a hyphen suffices: `1-2` is a toplabel).
pub fn is_toplabel(label: &str) -> bool {
    let bytes = label.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && !bytes.iter().all(u8::is_ascii_digit)
}

fn char_at(text: &str, i: usize) -> char {
    text[i..].chars().next().unwrap_or('\u{fffd}')
}

/// Parses the inside of `%{...}` starting at `start` (after the brace);
/// returns the macro and the bytes consumed, closing brace included.
fn parse_macro(text: &str, start: usize, context: Context) -> Result<(Macro, usize), MacroError> {
    let bytes = text.as_bytes();
    let at = |i: usize| bytes.get(i).map(|_| char_at(text, i));
    let mut i = start;
    let Some(letter) = bytes.get(i).and_then(|b| Letter::from_byte(*b)) else {
        return Err(MacroError::UnknownLetter(at(i)));
    };
    if letter.explanation_only() && context == Context::DomainSpec {
        return Err(MacroError::ExplanationOnly(letter.as_char()));
    }
    let escape = bytes[i].is_ascii_uppercase();
    i += 1;
    let mut keep: Option<usize> = None;
    while let Some(digit) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        let value = usize::from(digit - b'0');
        keep = Some(keep.unwrap_or(0).saturating_mul(10).saturating_add(value));
        i += 1;
    }
    if keep == Some(0) {
        // "If a DIGIT is specified, the value MUST be nonzero" (§7.3).
        return Err(MacroError::ZeroParts(letter.as_char()));
    }
    // transformers = *DIGIT [ "r" ]; ABNF strings are case-insensitive.
    let reverse = matches!(bytes.get(i), Some(b'r' | b'R'));
    if reverse {
        i += 1;
    }
    let mut delimiters = 0u8;
    loop {
        match bytes.get(i) {
            Some(b'}') => break,
            Some(b) => match DELIMITERS.iter().position(|d| d == b) {
                Some(bit) => delimiters |= 1 << bit,
                None => return Err(MacroError::BadTransformer(at(i))),
            },
            None => return Err(MacroError::BadTransformer(None)),
        }
        i += 1;
    }
    let mac = Macro {
        letter,
        escape,
        keep,
        reverse,
        delimiters,
    };
    Ok((mac, i + 1 - start))
}

impl Macro {
    fn is_delimiter(&self, c: char) -> bool {
        if self.delimiters == 0 {
            return c == '.';
        }
        DELIMITERS
            .iter()
            .enumerate()
            .any(|(bit, d)| self.delimiters & (1 << bit) != 0 && char::from(*d) == c)
    }

    /// Splits `value` on the delimiters, reverses, keeps the right-hand
    /// parts and joins them with dots (RFC 7208 §7.3), into `out`.
    fn transform(&self, value: &str, out: &mut String) {
        let plain = self.keep.is_none() && !self.reverse && self.delimiters == 0;
        if plain {
            out.push_str(value);
            return;
        }
        let mut parts: Vec<&str> = value.split(|c| self.is_delimiter(c)).collect();
        if self.reverse {
            parts.reverse();
        }
        let skip = match self.keep {
            Some(keep) if keep < parts.len() => parts.len() - keep,
            _ => 0,
        };
        for (n, part) in parts[skip..].iter().enumerate() {
            if n > 0 {
                out.push('.');
            }
            out.push_str(part);
        }
    }
}

/// URL-escapes `value` into `out`: every byte outside RFC 3986's
/// `unreserved` (letters, digits, `-`, `.`, `_`, `~`) as `%XX` (RFC 7208 §7.3).
fn url_escape(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

/// The values the macro letters expand to in one evaluation.
#[derive(Clone, Copy, Debug)]
pub struct MacroValues<'a> {
    /// `<sender>`, its local-part already `postmaster` when it had none.
    pub sender: &'a str,
    pub local_part: &'a str,
    pub sender_domain: &'a str,
    /// `<domain>` of the current evaluation, without a trailing dot.
    pub domain: &'a str,
    /// `<ip>`, an IPv4-mapped IPv6 address already as IPv4.
    pub ip: IpAddr,
    /// The validated domain name of `<ip>`, or `unknown` (§7.3).
    pub validated: &'a str,
    pub helo: &'a str,
    /// The receiving host, or `unknown` (§7.3).
    pub receiver: &'a str,
    /// Seconds since the Unix epoch.
    pub now: u64,
}

impl MacroValues<'_> {
    fn value<'s>(&'s self, letter: Letter, scratch: &'s mut String) -> &'s str {
        match letter {
            Letter::Sender => self.sender,
            Letter::Local => self.local_part,
            Letter::SenderDomain => self.sender_domain,
            Letter::Domain => self.domain,
            Letter::Validated => self.validated,
            Letter::Helo => self.helo,
            Letter::Receiver => self.receiver,
            Letter::Version => match self.ip {
                IpAddr::V4(_) => "in-addr",
                IpAddr::V6(_) => "ip6",
            },
            Letter::Ip => {
                write_dot_format(self.ip, scratch);
                scratch
            }
            Letter::ClientIp => {
                // IPv6 in RFC 5952 form, one of the forms RFC 4291 §2.2 allows.
                let _ = write!(scratch, "{}", self.ip);
                scratch
            }
            Letter::Timestamp => {
                let _ = write!(scratch, "{}", self.now);
                scratch
            }
        }
    }
}

/// `i`: the dotted quad of an IPv4 address, or the 32 nibbles of an IPv6
/// address separated by dots, in lower case as RFC 7208 §7.4's example
/// writes them (`2001:db8::cb01` gives `2.0.0.1.0.d.b.8...c.b.0.1`).
fn write_dot_format(ip: IpAddr, out: &mut String) {
    match ip {
        IpAddr::V4(v4) => {
            let _ = write!(out, "{v4}");
        }
        IpAddr::V6(v6) => {
            for (n, byte) in v6.octets().iter().enumerate() {
                if n > 0 {
                    out.push('.');
                }
                let _ = write!(out, "{:x}.{:x}", byte >> 4, byte & 0xf);
            }
        }
    }
}

/// The macro-string as written (upper-case letters for escaping macros).
impl fmt::Display for MacroString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for token in &self.tokens {
            match token {
                Token::Literal(text) => f.write_str(text)?,
                Token::Percent => f.write_str("%%")?,
                Token::Space => f.write_str("%_")?,
                Token::UrlSpace => f.write_str("%-")?,
                Token::Macro(mac) => {
                    let letter = mac.letter.as_char();
                    let letter = if mac.escape {
                        letter.to_ascii_uppercase()
                    } else {
                        letter
                    };
                    write!(f, "%{{{letter}")?;
                    if let Some(keep) = mac.keep {
                        write!(f, "{keep}")?;
                    }
                    if mac.reverse {
                        f.write_char('r')?;
                    }
                    for (bit, d) in DELIMITERS.iter().enumerate() {
                        if mac.delimiters & (1 << bit) != 0 {
                            f.write_char(char::from(*d))?;
                        }
                    }
                    f.write_char('}')?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(ip: &str) -> MacroValues<'static> {
        MacroValues {
            sender: "strong-bad@email.example.com",
            local_part: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: ip.parse().unwrap(),
            validated: "mx.example.org",
            helo: "mx.example.org",
            receiver: "receiver.example.net",
            now: 1_700_000_000,
        }
    }

    fn expand(spec: &str, ip: &str) -> String {
        MacroString::parse(spec, Context::Explanation)
            .unwrap_or_else(|e| panic!("{spec}: {e}"))
            .expand(&values(ip))
    }

    /// RFC 7208 §7.4, every example.
    #[test]
    fn rfc7208_section_7_4_examples() {
        let v4 = "192.0.2.3";
        let cases = [
            ("%{s}", "strong-bad@email.example.com"),
            ("%{o}", "email.example.com"),
            ("%{d}", "email.example.com"),
            ("%{d4}", "email.example.com"),
            ("%{d3}", "email.example.com"),
            ("%{d2}", "example.com"),
            ("%{d1}", "com"),
            ("%{dr}", "com.example.email"),
            ("%{d2r}", "example.email"),
            ("%{l}", "strong-bad"),
            ("%{l-}", "strong.bad"),
            ("%{lr}", "strong-bad"),
            ("%{lr-}", "bad.strong"),
            ("%{l1r-}", "strong"),
            (
                "%{ir}.%{v}._spf.%{d2}",
                "3.2.0.192.in-addr._spf.example.com",
            ),
            ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
            (
                "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
                "bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
            ),
            (
                "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
                "3.2.0.192.in-addr.strong.lp._spf.example.com",
            ),
            (
                "%{d2}.trusted-domains.example.net",
                "example.com.trusted-domains.example.net",
            ),
        ];
        for (spec, expected) in cases {
            assert_eq!(expand(spec, v4), expected, "{spec}");
        }
        assert_eq!(
            expand("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
        );
    }

    #[test]
    fn explanation_letters_and_escapes() {
        assert_eq!(
            expand("%{c} via %{r} at %{t}", "192.0.2.3"),
            "192.0.2.3 via receiver.example.net at 1700000000"
        );
        assert_eq!(expand("%{c}", "2001:db8::cb01"), "2001:db8::cb01");
        assert_eq!(
            expand("%{p} %{h} %{v}", "2001:db8::cb01"),
            "mx.example.org mx.example.org ip6"
        );
        assert_eq!(expand("100%% %_%-x", "192.0.2.3"), "100%  %20x");
        assert_eq!(expand("a b", "192.0.2.3"), "a b");
        assert_eq!(expand("%{i}", "2001:db8::cb01").len(), 63);
    }

    #[test]
    fn upper_case_letters_are_url_escaped() {
        let mut v = values("192.0.2.3");
        v.local_part = "~jack&jill=up-a_b3.c";
        let spec = MacroString::parse("l=%{L} %{l}", Context::Explanation).unwrap();
        assert_eq!(
            spec.expand(&v),
            "l=~jack%26jill%3Dup-a_b3.c ~jack&jill=up-a_b3.c"
        );
        v.local_part = "é /";
        assert_eq!(spec.expand(&v), "l=%C3%A9%20%2F é /");
        // Transformed first, then escaped.
        let spec = MacroString::parse("%{L1r-}", Context::Explanation).unwrap();
        v.local_part = "a-b c";
        assert_eq!(spec.expand(&v), "a");
        v.local_part = "b c-a";
        assert_eq!(spec.expand(&v), "b%20c");
    }

    #[test]
    fn transformers() {
        let mut v = values("192.0.2.3");
        v.local_part = "foo-bar+zip+quux";
        let spec = MacroString::parse("%{l2r+-}", Context::DomainSpec).unwrap();
        assert_eq!(spec.expand(&v), "bar.foo");
        v.local_part = "philip-gladstone-test";
        let spec = MacroString::parse("%{l2r-}", Context::DomainSpec).unwrap();
        assert_eq!(spec.expand(&v), "gladstone.philip");
        // More parts asked than there are: all of them.
        let spec = MacroString::parse("%{d99999999999999999999999}", Context::DomainSpec).unwrap();
        assert_eq!(spec.expand(&v), "email.example.com");
        // Every delimiter, and "R" as good as "r".
        let spec = MacroString::parse("%{dR.-+,/_=}", Context::DomainSpec).unwrap();
        assert_eq!(spec.expand(&v), "com.example.email");
        assert_eq!(spec.to_string(), "%{dr.-+,/_=}");
    }

    #[test]
    fn macro_errors() {
        let parse = |s| {
            MacroString::parse(s, Context::DomainSpec)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            parse("%(ir).sbl.example.com"),
            r#"expected "{", "%", "_" or "-" after "%", found '('"#
        );
        assert_eq!(
            parse("foo%"),
            r#"expected "{", "%", "_" or "-" after "%", found the end"#
        );
        assert_eq!(
            parse("%{a}.example.com"),
            "expected a macro letter (s, l, o, d, i, p, h, v, c, r, t) after \"%{\", found 'a'"
        );
        assert_eq!(
            parse("%{r}.example.com"),
            "expected the macro letter 'r' only in explanation text (exp=), found it here"
        );
        assert_eq!(
            parse("%{d0}"),
            "expected a non-zero number of parts in \"%{d...}\", found 0"
        );
        assert_eq!(
            parse("%{d2x}"),
            r#"expected digits, "r", delimiters (. - + , / _ =) or "}" in a macro, found 'x'"#
        );
        assert_eq!(
            parse("%{d"),
            r#"expected digits, "r", delimiters (. - + , / _ =) or "}" in a macro, found the end"#
        );
        assert_eq!(parse("a b"), "expected visible ASCII characters, found ' '");
        assert_eq!(parse("é"), "expected visible ASCII characters, found 'é'");
        // Letters c, r, t in an explanation or an ignored modifier are fine.
        assert!(MacroString::parse("%{c}%{r}%{t}", Context::Explanation).is_ok());
        assert!(MacroString::parse("%{c}%{r}%{t}", Context::Modifier).is_ok());
        assert!(MacroString::parse("%{x}", Context::Modifier).is_err());
    }

    #[test]
    fn domain_specs() {
        for good in [
            "example.com",
            "example.com.",
            "%{d}",
            "%{ir}.%{v}._spf.%{d2}",
            "foo:bar/baz.example.com",
            "foo.example.xn--zckzah",
            "a.1-2",
            "macro%%percent%_%_space%-url-space.example.com",
            "x%-",
        ] {
            let spec =
                MacroString::parse_domain_spec(good).unwrap_or_else(|e| panic!("{good}: {e}"));
            assert_eq!(spec.to_string(), good);
        }
        let error = |s| MacroString::parse_domain_spec(s).unwrap_err().to_string();
        assert_eq!(error(""), "expected a domain-spec, found nothing");
        assert_eq!(
            error("foo-bar"),
            r#"expected a domain-spec ending in "." and a top label, or in a macro, found "foo-bar""#
        );
        assert_eq!(
            error("museum."),
            r#"expected a domain-spec ending in "." and a top label, or in a macro, found "museum.""#
        );
        assert_eq!(
            error("111.222.33.44"),
            r#"expected a top label of letters, digits and inner hyphens, not all digits, found "44" in "111.222.33.44""#
        );
        for bad in [
            "abc.123",
            "example.-com",
            "example.com-",
            "foo.example.com/24",
            "example.com..",
            "%{d}.",
            "%{d}x",
        ] {
            assert!(MacroString::parse_domain_spec(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn expansion_as_a_domain_name() {
        let v = values("192.0.2.3");
        let spec = MacroString::parse_domain_spec("%{d}.d.spf.example.com.").unwrap();
        assert_eq!(
            spec.expand_domain(&v),
            "email.example.com.d.spf.example.com"
        );
        let long = format!("foobar{}.example.com", ".%{o}".repeat(15));
        let spec = MacroString::parse_domain_spec(&long).unwrap();
        let mut full = String::new();
        spec.expand_into(&v, &mut full);
        assert_eq!(full.len(), 288);
        let name = spec.expand_domain(&v);
        // Whole labels removed from the left, no more than needed.
        assert!(name.len() <= MAX_DOMAIN_LENGTH, "{name}");
        let removed = &full[..full.len() - name.len()];
        assert!(removed.ends_with('.'), "{removed}");
        let last_removed = removed[..removed.len() - 1].rsplit('.').next().unwrap();
        assert!(name.len() + last_removed.len() + 1 > MAX_DOMAIN_LENGTH);
        assert!(name.starts_with("com.email.example.com."), "{name}");
        assert_eq!(name.len(), 249);
        let mut one_label = "x".repeat(300);
        truncate_domain(&mut one_label);
        assert_eq!(one_label.len(), 300);
        let mut exact = format!("{}.{}", "a".repeat(126), "b".repeat(126));
        truncate_domain(&mut exact);
        assert_eq!(exact.len(), 253);
    }

    #[test]
    fn uses_validated_name() {
        let with = MacroString::parse_domain_spec("%{p}.example.com").unwrap();
        let without = MacroString::parse_domain_spec("%{d}.example.com").unwrap();
        assert!(with.uses_validated_name());
        assert!(!without.uses_validated_name());
    }
}
