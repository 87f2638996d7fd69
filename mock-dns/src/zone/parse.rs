//! Master-file parsing (RFC 1035 §5.1) for the record types the catalog serves.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::lexer::{Entry, Token, lex};
use crate::{
    name::{check_lengths, labels_to_name, name_labels, parse_labels},
    presentation::unescape,
    record::{MAX_CHARACTER_STRING, RData, Record},
};

/// One problem in a master file, at a 1-based line and column (in
/// characters) of the offending token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct ZoneError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The TTL of records when the file has no `$TTL` and the record no TTL.
const DEFAULT_TTL: u32 = 300;

/// The record types the parser knows, as listed in error messages.
const TYPES: &str = "A, AAAA, MX, TXT, CNAME, PTR, NS, SOA";

/// Parses a master file (zone file) into records.
///
/// Relative names (owners and names in RDATA) are completed with `origin`
/// until a `$ORIGIN` directive changes it; `@` stands for the origin. A
/// record without a TTL takes the last `$TTL`, or 300. A line starting with
/// whitespace repeats the previous owner. Every error of the file is
/// returned, sorted by position.
pub fn parse_zone(text: &str, origin: &str) -> Result<Vec<Record>, Vec<ZoneError>> {
    parse_zone_lines(text, origin).map(|records| records.into_iter().map(|(_, r)| r).collect())
}

/// [`parse_zone`], each record with the 1-based line its entry starts on
/// (an entry held together by parentheses starts on its first line), so
/// that a tool can point at the line that wrote a record.
pub fn parse_zone_lines(text: &str, origin: &str) -> Result<Vec<(usize, Record)>, Vec<ZoneError>> {
    let (entries, mut errors) = lex(text);
    let mut parser = Parser {
        origin: name_labels(origin),
        default_ttl: DEFAULT_TTL,
        last_owner: Owner::Missing,
    };
    let mut records = Vec::new();
    for entry in &entries {
        match parser.entry(entry) {
            Ok(Some(record)) => records.push((entry.line, record)),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        errors.sort_by_key(|e| (e.line, e.column));
        Err(errors)
    }
}

/// What earlier lines set for later ones.
struct Parser {
    origin: Vec<Vec<u8>>,
    default_ttl: u32,
    last_owner: Owner,
}

/// The owner a line starting with whitespace inherits.
enum Owner {
    /// No record yet: such a line is an error.
    Missing,
    /// The previous owner was already reported as invalid: skip the line
    /// rather than report the same problem again.
    Invalid,
    Valid(String),
}

impl Parser {
    /// Parses one entry: a directive (`None`) or a record.
    fn entry(&mut self, entry: &Entry) -> Result<Option<Record>, ZoneError> {
        let mut cursor = Cursor::new(entry);
        if entry.broken {
            // The lexer reported the error; still learn the owner so that
            // following blank-owner lines do not report a second error.
            if let Some(first) = cursor.peek().filter(|_| !entry.blank_owner) {
                self.last_owner = match self.name(first) {
                    Ok(name) => Owner::Valid(name),
                    Err(_) => Owner::Invalid,
                };
            }
            return Ok(None);
        }
        if let Some(first) = cursor
            .peek()
            .filter(|t| !entry.blank_owner && !t.quoted && t.text.starts_with('$'))
        {
            cursor.next();
            self.directive(first, &mut cursor)?;
            return Ok(None);
        }
        let owner = if entry.blank_owner {
            match &self.last_owner {
                Owner::Valid(name) => name.clone(),
                Owner::Invalid => return Ok(None),
                Owner::Missing => {
                    return Err(ZoneError {
                        line: entry.line,
                        column: 1,
                        message: "expected an owner name, found a line starting with \
                                  whitespace before any record"
                            .to_owned(),
                    });
                }
            }
        } else {
            let token = cursor.expect("an owner name")?;
            let owner = self
                .name(token)
                .inspect_err(|_| self.last_owner = Owner::Invalid)?;
            self.last_owner = Owner::Valid(owner.clone());
            owner
        };

        let mut ttl = None;
        let mut class = false;
        while let Some(token) = cursor.peek() {
            if !class && is_class(&token.text) {
                if !token.text.eq_ignore_ascii_case("IN") {
                    return Err(at(
                        token,
                        format!("unsupported class \"{}\", expected IN", token.text),
                    ));
                }
                class = true;
            } else if ttl.is_none() && token.text.starts_with(|c: char| c.is_ascii_digit()) {
                ttl = Some(parse_ttl(&token.text).ok_or_else(|| expected(token, "a TTL"))?);
            } else {
                break;
            }
            cursor.next();
        }

        let rtype = cursor.expect("a record type")?;
        let data = match rtype.text.to_ascii_uppercase().as_str() {
            "A" => RData::A(self.parse(&mut cursor, "an IPv4 address", |t| {
                t.parse::<Ipv4Addr>().ok()
            })?),
            "AAAA" => RData::Aaaa(self.parse(&mut cursor, "an IPv6 address", |t| {
                t.parse::<Ipv6Addr>().ok()
            })?),
            "MX" => RData::Mx {
                preference: self.parse(&mut cursor, "a preference number", |t| {
                    t.parse::<u16>().ok()
                })?,
                exchange: self.rdata_name(&mut cursor, "a mail exchange name")?,
            },
            "TXT" => RData::Txt(self.character_strings(&mut cursor)?),
            "CNAME" => RData::Cname(self.rdata_name(&mut cursor, "a canonical name")?),
            "PTR" => RData::Ptr(self.rdata_name(&mut cursor, "a domain name")?),
            "NS" => RData::Ns(self.rdata_name(&mut cursor, "a name server name")?),
            "SOA" => RData::Soa {
                mname: self.rdata_name(&mut cursor, "a primary name server name")?,
                rname: self.rdata_name(&mut cursor, "a mailbox name")?,
                serial: self.parse(&mut cursor, "a serial number", |t| t.parse::<u32>().ok())?,
                refresh: self.parse(&mut cursor, "a refresh time", parse_ttl)?,
                retry: self.parse(&mut cursor, "a retry time", parse_ttl)?,
                expire: self.parse(&mut cursor, "an expire time", parse_ttl)?,
                minimum: self.parse(&mut cursor, "a minimum TTL", parse_ttl)?,
            },
            _ => {
                return Err(at(
                    rtype,
                    format!(
                        "unknown record type \"{}\", expected one of {TYPES}",
                        rtype.text
                    ),
                ));
            }
        };
        cursor.finish()?;
        Ok(Some(Record {
            name: owner,
            ttl: ttl.unwrap_or(self.default_ttl),
            data,
        }))
    }

    /// `$ORIGIN name` or `$TTL ttl`; `token` is the directive itself.
    fn directive(&mut self, token: &Token, cursor: &mut Cursor<'_>) -> Result<(), ZoneError> {
        match token.text.to_ascii_uppercase().as_str() {
            "$ORIGIN" => {
                let name = cursor.expect("a domain name")?;
                self.origin = self.labels(name)?;
            }
            "$TTL" => {
                self.default_ttl = self.parse(cursor, "a TTL", parse_ttl)?;
            }
            _ => {
                return Err(at(
                    token,
                    format!(
                        "unsupported directive \"{}\", expected $ORIGIN or $TTL",
                        token.text
                    ),
                ));
            }
        }
        cursor.finish()
    }

    /// The next token converted by `convert`, or an error naming `what`.
    fn parse<T>(
        &self,
        cursor: &mut Cursor<'_>,
        what: &str,
        convert: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, ZoneError> {
        let token = cursor.expect(what)?;
        convert(&token.text).ok_or_else(|| expected(token, what))
    }

    /// The next token as a name completed with the origin.
    fn rdata_name(&self, cursor: &mut Cursor<'_>, what: &str) -> Result<String, ZoneError> {
        let token = cursor.expect(what)?;
        self.name(token)
    }

    /// One or more character-strings, quoted or not, up to the end of the entry.
    fn character_strings(&self, cursor: &mut Cursor<'_>) -> Result<Vec<Vec<u8>>, ZoneError> {
        let mut strings = vec![self.character_string(cursor.expect("a character-string")?)?];
        while let Some(token) = cursor.next() {
            strings.push(self.character_string(token)?);
        }
        Ok(strings)
    }

    fn character_string(&self, token: &Token) -> Result<Vec<u8>, ZoneError> {
        let bytes = unescape(&token.text).map_err(|e| at(token, e.to_string()))?;
        if bytes.len() > MAX_CHARACTER_STRING {
            return Err(at(
                token,
                format!(
                    "expected a character-string of at most 255 bytes, found {} bytes",
                    bytes.len()
                ),
            ));
        }
        Ok(bytes)
    }

    /// A name token as an absolute name in the form records store.
    fn name(&self, token: &Token) -> Result<String, ZoneError> {
        Ok(labels_to_name(&self.labels(token)?))
    }

    /// A name token's labels, completed with the origin when relative.
    fn labels(&self, token: &Token) -> Result<Vec<Vec<u8>>, ZoneError> {
        if token.text == "@" {
            return Ok(self.origin.clone());
        }
        let parsed = parse_labels(&token.text).map_err(|e| at(token, e.to_string()))?;
        let mut labels = parsed.labels;
        if !parsed.absolute {
            labels.extend(self.origin.iter().cloned());
        }
        check_lengths(&labels, &token.text).map_err(|e| at(token, e.to_string()))?;
        Ok(labels)
    }
}

/// Walks the tokens of one entry.
struct Cursor<'a> {
    entry: &'a Entry,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(entry: &'a Entry) -> Self {
        Cursor { entry, pos: 0 }
    }

    fn peek(&self) -> Option<&'a Token> {
        self.entry.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<&'a Token> {
        let token = self.peek()?;
        self.pos += 1;
        Some(token)
    }

    /// The next token, or "expected {what}, found end of line".
    fn expect(&mut self, what: &str) -> Result<&'a Token, ZoneError> {
        self.next().ok_or_else(|| {
            let (line, column) = match self.entry.tokens.last() {
                Some(last) => (last.line, last.end_column()),
                None => (self.entry.line, 1),
            };
            ZoneError {
                line,
                column,
                message: format!("expected {what}, found end of line"),
            }
        })
    }

    /// Fails on a token left over after the record or directive.
    fn finish(&mut self) -> Result<(), ZoneError> {
        match self.next() {
            Some(token) => Err(expected(token, "end of line")),
            None => Ok(()),
        }
    }
}

fn at(token: &Token, message: String) -> ZoneError {
    ZoneError {
        line: token.line,
        column: token.column,
        message,
    }
}

fn expected(token: &Token, what: &str) -> ZoneError {
    at(token, format!("expected {what}, found \"{}\"", token.text))
}

fn is_class(text: &str) -> bool {
    ["IN", "CH", "CS", "HS"]
        .iter()
        .any(|c| text.eq_ignore_ascii_case(c))
}

/// A TTL in seconds: `3600`, or numbers with units `s m h d w` (`1h30m`).
fn parse_ttl(text: &str) -> Option<u32> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let mut total: u32 = 0;
    let mut number: Option<u32> = None;
    for c in text.chars() {
        if let Some(digit) = c.to_digit(10) {
            number = Some(number.unwrap_or(0).checked_mul(10)?.checked_add(digit)?);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        total = total.checked_add(number.take()?.checked_mul(unit)?)?;
    }
    // A trailing number without a unit (`1h30`) is ambiguous: reject it.
    match number {
        Some(_) => None,
        None => Some(total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txt(name: &str, ttl: u32, strings: &[&[u8]]) -> Record {
        Record::new(
            name,
            ttl,
            RData::Txt(strings.iter().map(|s| s.to_vec()).collect()),
        )
    }

    #[test]
    fn each_record_keeps_the_line_its_entry_starts_on() {
        let text = "$ORIGIN example.com.\n; a comment\n@ IN SOA ns1 host (\n  1 2 3 4 5 )\n\n\
                    bounce IN MX 10 feedback-smtp.us-east-1.amazonses.com.\n       IN TXT \"v=spf1 ~all\"\n";
        let lines: Vec<(usize, String)> = parse_zone_lines(text, ".")
            .unwrap()
            .into_iter()
            .map(|(line, r)| (line, format!("{} {}", r.name, r.rtype())))
            .collect();
        assert_eq!(
            lines,
            [
                (3, "example.com. SOA".to_string()),
                (6, "bounce.example.com. MX".to_string()),
                (7, "bounce.example.com. TXT".to_string()),
            ]
        );
    }

    #[test]
    fn parses_a_realistic_zone() {
        let zone = r#"
$ORIGIN Example.COM.
$TTL 1h
; the apex
@       IN  SOA ns1 hostmaster (
                2024010101 ; serial
                2h         ; refresh
                30m        ; retry
                2w         ; expire
                300 )      ; minimum
        IN  NS  ns1
        3600 IN MX 10 mx1
        IN 60 MX 20 mx2.example.net.
        TXT "v=spf1 ip4:192.0.2.0/24 " "-all"
ns1     A   192.0.2.53
mx1     A   192.0.2.25
        AAAA 2001:db8::25
www     CNAME @
_dmarc  txt "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
sel._domainkey 300 TXT ( "v=DKIM1; k=rsa; "
                         "p=MIIBIjANBgkq" )
quotes  TXT "say \"hi\"" back\\slash \065\066 unquoted
25.2.0.192.in-addr.arpa. PTR mx1
"#;
        let records = parse_zone(zone, "ignored.").unwrap();
        let expected = vec![
            Record::new(
                "example.com.",
                3600,
                RData::Soa {
                    mname: "ns1.example.com.".into(),
                    rname: "hostmaster.example.com.".into(),
                    serial: 2024010101,
                    refresh: 7200,
                    retry: 1800,
                    expire: 1_209_600,
                    minimum: 300,
                },
            ),
            Record::new("example.com.", 3600, RData::Ns("ns1.example.com.".into())),
            Record::new(
                "example.com.",
                3600,
                RData::Mx {
                    preference: 10,
                    exchange: "mx1.example.com.".into(),
                },
            ),
            Record::new(
                "example.com.",
                60,
                RData::Mx {
                    preference: 20,
                    exchange: "mx2.example.net.".into(),
                },
            ),
            txt(
                "example.com.",
                3600,
                &[b"v=spf1 ip4:192.0.2.0/24 ", b"-all"],
            ),
            Record::new(
                "ns1.example.com.",
                3600,
                RData::A("192.0.2.53".parse().unwrap()),
            ),
            Record::new(
                "mx1.example.com.",
                3600,
                RData::A("192.0.2.25".parse().unwrap()),
            ),
            Record::new(
                "mx1.example.com.",
                3600,
                RData::Aaaa("2001:db8::25".parse().unwrap()),
            ),
            Record::new(
                "www.example.com.",
                3600,
                RData::Cname("example.com.".into()),
            ),
            txt(
                "_dmarc.example.com.",
                3600,
                &[b"v=DMARC1; p=reject; rua=mailto:dmarc@example.com"],
            ),
            txt(
                "sel._domainkey.example.com.",
                300,
                &[b"v=DKIM1; k=rsa; ", b"p=MIIBIjANBgkq"],
            ),
            txt(
                "quotes.example.com.",
                3600,
                &[b"say \"hi\"", b"back\\slash", b"AB", b"unquoted"],
            ),
            Record::new(
                "25.2.0.192.in-addr.arpa.",
                3600,
                RData::Ptr("mx1.example.com.".into()),
            ),
        ];
        assert_eq!(records, expected);
    }

    #[test]
    fn uses_the_origin_argument_and_the_default_ttl() {
        let records = parse_zone("www A 192.0.2.1\n@ TXT hello", "example.org").unwrap();
        assert_eq!(
            records,
            vec![
                Record::new(
                    "www.example.org.",
                    300,
                    RData::A("192.0.2.1".parse().unwrap())
                ),
                txt("example.org.", 300, &[b"hello"]),
            ]
        );
        let rooted = parse_zone("host A 192.0.2.1", ".").unwrap();
        assert_eq!(rooted[0].name, "host.");
    }

    #[test]
    fn reports_every_error_with_its_position() {
        let zone = concat!(
            "$ORIGIN example.com.\n",
            "a    A     1.2.3\n",
            "b    SPFX  \"v=spf1\"\n",
            "c    MX    x mx\n",
            "d    TXT   \"unterminated\n",
            "e    A     192.0.2.1 extra\n",
            "f    TXT   ( \"a\"\n",
            "       \"b\" ) )\n",
            "g    3x    A 192.0.2.1\n",
            "h    CH    TXT x\n",
            "i    AAAA\n",
            "$INCLUDE other.zone\n",
            "j    A     192.0.2.1\n",
        );
        let errors = parse_zone(zone, ".").unwrap_err();
        let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            rendered,
            vec![
                "2:12: expected an IPv4 address, found \"1.2.3\"",
                "3:6: unknown record type \"SPFX\", expected one of A, AAAA, MX, TXT, CNAME, PTR, NS, SOA",
                "4:12: expected a preference number, found \"x\"",
                "5:12: unterminated quoted string",
                "6:22: expected end of line, found \"extra\"",
                "8:14: unbalanced parenthesis",
                "9:6: expected a TTL, found \"3x\"",
                "10:6: unsupported class \"CH\", expected IN",
                "11:10: expected an IPv6 address, found end of line",
                "12:1: unsupported directive \"$INCLUDE\", expected $ORIGIN or $TTL",
            ]
        );
    }

    #[test]
    fn rejects_long_character_strings_and_bad_names() {
        let long = "x".repeat(256);
        let errors = parse_zone(&format!("a. TXT \"{long}\" \"ok\""), ".").unwrap_err();
        assert_eq!(
            errors[0].message,
            "expected a character-string of at most 255 bytes, found 256 bytes"
        );
        assert_eq!(errors[0].column, 8);
        let errors = parse_zone("a..b. A 192.0.2.1\n  A 192.0.2.2", ".").unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].message,
            "expected a domain name, found \"a..b.\" with an empty label"
        );
        let errors = parse_zone("  A 192.0.2.1", ".").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (1, 1));
        let errors = parse_zone(r"a. TXT \999", ".").unwrap_err();
        assert_eq!(
            errors[0].message,
            r#"expected an escape \DDD with DDD at most 255, found "\999""#
        );
    }

    #[test]
    fn ttl_units() {
        assert_eq!(parse_ttl("3600"), Some(3600));
        assert_eq!(parse_ttl("1h30m"), Some(5400));
        assert_eq!(parse_ttl("1W2D"), Some(7 * 86_400 + 2 * 86_400));
        assert_eq!(parse_ttl("1h30"), None);
        assert_eq!(parse_ttl("h"), None);
        assert_eq!(parse_ttl("99999999999"), None);
        assert_eq!(parse_ttl(""), None);
    }
}
