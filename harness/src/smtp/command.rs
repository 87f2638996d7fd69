//! SMTP commands and their parser.

use thiserror::Error;

use super::Reply;

/// One SMTP command line, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `HELO <domain>`.
    Helo(String),
    /// `EHLO <domain>`.
    Ehlo(String),
    /// `MAIL FROM:<path> [params]`.
    Mail {
        /// The reverse-path without angle brackets; `""` for the null path
        /// `<>`. A source route (`<@a,@b:x@y>`) is dropped.
        from: String,
        /// ESMTP parameters in order; keywords upper-cased, values as sent.
        params: Vec<(String, Option<String>)>,
    },
    /// `RCPT TO:<path> [params]`.
    Rcpt {
        /// The forward-path without angle brackets (`Postmaster` allowed
        /// without a domain).
        to: String,
        /// ESMTP parameters in order; keywords upper-cased, values as sent.
        params: Vec<(String, Option<String>)>,
    },
    /// `DATA`.
    Data,
    /// `RSET`.
    Rset,
    /// `NOOP [string]`.
    Noop,
    /// `QUIT`.
    Quit,
    /// `VRFY <string>`.
    Vrfy(String),
    /// `HELP [string]`.
    Help,
    /// `STARTTLS`.
    StartTls,
    /// `AUTH <mechanism> [initial-response]`: the whole argument.
    Auth(String),
}

/// Why a command line (or a PROXY header) was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CommandError {
    /// The verb is not an SMTP command this server knows.
    #[error(
        "expected one of HELO, EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY, HELP, STARTTLS, AUTH, found {found:?}"
    )]
    UnknownCommand {
        /// The verb as received (truncated, lossy UTF-8).
        found: String,
    },
    /// The verb is known but its arguments are malformed.
    #[error("expected {expected}, found {found:?}")]
    Syntax {
        /// What the parser expected at that point.
        expected: &'static str,
        /// What it found there (truncated, lossy UTF-8).
        found: String,
    },
    /// The command line is longer than the configured maximum.
    #[error("expected a command line of at most {max} bytes, found a longer one")]
    LineTooLong {
        /// The configured maximum, without CRLF.
        max: usize,
    },
    /// A PROXY protocol v1 header is malformed.
    #[error("expected a proxy protocol v1 header with {expected}, found {found:?}")]
    InvalidProxy {
        /// What the parser expected at that point.
        expected: &'static str,
        /// What it found there (truncated, lossy UTF-8).
        found: String,
    },
}

impl CommandError {
    /// The reply a server sends for this error: unknown command `500 5.5.1`,
    /// syntax error `501 5.5.4`, line too long `500 5.5.2`, bad PROXY header
    /// `554 5.7.0`. Non-ASCII characters in the text are escaped.
    pub fn reply(&self) -> Reply {
        let (code, enhanced) = match self {
            Self::UnknownCommand { .. } => (500, "5.5.1"),
            Self::Syntax { .. } => (501, "5.5.4"),
            Self::LineTooLong { .. } => (500, "5.5.2"),
            Self::InvalidProxy { .. } => (554, "5.7.0"),
        };
        let text: String = self
            .to_string()
            .chars()
            .flat_map(|c| {
                let escaped: Vec<char> = if c.is_ascii() && !c.is_ascii_control() {
                    vec![c]
                } else {
                    c.escape_default().collect()
                };
                escaped
            })
            .collect();
        Reply::new(code, format!("{enhanced} {text}"))
    }
}

/// The longest fragment quoted back in an error.
const FOUND_MAX: usize = 64;

/// A fragment of input for an error message: lossy UTF-8, truncated.
pub(super) fn found(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() <= FOUND_MAX {
        text.into_owned()
    } else {
        let mut short: String = text.chars().take(FOUND_MAX).collect();
        short.push_str("...");
        short
    }
}

fn syntax(expected: &'static str, found_at: &str) -> CommandError {
    CommandError::Syntax {
        expected,
        found: found(found_at.as_bytes()),
    }
}

/// Parses one command line (without CRLF; a trailing CRLF or LF is ignored).
///
/// Verbs and the `FROM:`/`TO:` keywords are case-insensitive; spaces are
/// tolerated after the colon (`MAIL FROM: <a@b>`). Paths must be in angle
/// brackets; quoted local parts (`"a b"@x`), address literals and UTF-8
/// addresses are accepted. Arguments must be UTF-8.
pub fn parse_command(line: &[u8]) -> Result<Command, CommandError> {
    let line = strip_eol(line);
    let (verb, arg) = match line.iter().position(|&b| b == b' ') {
        Some(space) => (&line[..space], &line[space + 1..]),
        None => (line, &[][..]),
    };
    if verb.is_empty() || !verb.iter().all(u8::is_ascii_alphabetic) {
        return Err(CommandError::UnknownCommand { found: found(verb) });
    }
    let verb = verb.to_ascii_uppercase();
    let arg = std::str::from_utf8(arg).map_err(|_| CommandError::Syntax {
        expected: "utf-8 text",
        found: found(arg),
    })?;
    let arg = arg.trim_matches([' ', '\t']);
    match verb.as_slice() {
        b"HELO" => Ok(Command::Helo(required(
            arg,
            "a domain or address literal after HELO",
        )?)),
        b"EHLO" => Ok(Command::Ehlo(required(
            arg,
            "a domain or address literal after EHLO",
        )?)),
        b"MAIL" => {
            let rest = keyword(arg, "FROM:")
                .ok_or_else(|| syntax("\"FROM:<reverse-path>\" after MAIL", arg))?;
            let (from, rest) = parse_path(rest, PathKind::Reverse)?;
            Ok(Command::Mail {
                from,
                params: parse_params(rest)?,
            })
        }
        b"RCPT" => {
            let rest = keyword(arg, "TO:")
                .ok_or_else(|| syntax("\"TO:<forward-path>\" after RCPT", arg))?;
            let (to, rest) = parse_path(rest, PathKind::Forward)?;
            Ok(Command::Rcpt {
                to,
                params: parse_params(rest)?,
            })
        }
        b"DATA" => no_argument(arg, Command::Data, "no argument after DATA"),
        b"RSET" => no_argument(arg, Command::Rset, "no argument after RSET"),
        b"QUIT" => no_argument(arg, Command::Quit, "no argument after QUIT"),
        b"STARTTLS" => no_argument(arg, Command::StartTls, "no argument after STARTTLS"),
        b"NOOP" => Ok(Command::Noop),
        b"HELP" => Ok(Command::Help),
        b"VRFY" => Ok(Command::Vrfy(required(
            arg,
            "a user or mailbox after VRFY",
        )?)),
        b"AUTH" => Ok(Command::Auth(required(arg, "a mechanism after AUTH")?)),
        _ => Err(CommandError::UnknownCommand {
            found: found(&verb),
        }),
    }
}

/// The line without its trailing CRLF or LF.
pub(super) fn strip_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn required(arg: &str, expected: &'static str) -> Result<String, CommandError> {
    if arg.is_empty() {
        Err(syntax(expected, arg))
    } else {
        Ok(arg.to_string())
    }
}

fn no_argument(
    arg: &str,
    command: Command,
    expected: &'static str,
) -> Result<Command, CommandError> {
    if arg.is_empty() {
        Ok(command)
    } else {
        Err(syntax(expected, arg))
    }
}

/// `arg` after a case-insensitive `keyword`, with leading spaces removed.
fn keyword<'a>(arg: &'a str, keyword: &str) -> Option<&'a str> {
    let head = arg.get(..keyword.len())?;
    head.eq_ignore_ascii_case(keyword)
        .then(|| arg[keyword.len()..].trim_start_matches(' '))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PathKind {
    /// MAIL FROM: the null path is allowed.
    Reverse,
    /// RCPT TO: `Postmaster` without a domain is allowed.
    Forward,
}

/// Characters that end a dot-string local part or a domain: RFC 5322
/// specials, whitespace and controls.
/// Characters that end a domain (a domain literal's brackets aside).
fn is_special_in_domain(c: char) -> bool {
    c.is_whitespace() || c.is_control() || "()<>\\;\"".contains(c)
}

fn is_special(c: char) -> bool {
    c.is_whitespace() || c.is_control() || "()<>[]\\,;:@\"".contains(c)
}

/// Parses `<path>` at the start of `s`; returns the address and what follows
/// the closing `>` (empty or starting with a space).
fn parse_path(s: &str, kind: PathKind) -> Result<(String, &str), CommandError> {
    let Some(inner) = s.strip_prefix('<') else {
        return Err(syntax("\"<\" to open the address", s));
    };
    // `<@domain>` in MAIL FROM: a reverse path with an empty local part.
    // RFC 5321 has no such address, but receivers see it and RFC 7208
    // §4.3 says how SPF treats it (the local part becomes "postmaster"),
    // so the capture accepts it as written, as lenient MTAs do.
    if kind == PathKind::Reverse
        && let Some(domain) = inner.strip_prefix('@')
        && let Some(end) = domain.find('>')
        && end > 0
        && !domain[..end].contains([':', ',', '@'])
        && !domain[..end].contains(is_special_in_domain)
    {
        let rest = &domain[end + 1..];
        if !rest.is_empty() && !rest.starts_with(' ') {
            return Err(syntax("a space before the parameters", rest));
        }
        return Ok((format!("@{}", &domain[..end]), rest));
    }
    // A source route (`@a,@b:`) is obsolete and ignored (RFC 5321 §4.1.2).
    let body = if inner.starts_with('@') {
        match inner.find([':', '>']) {
            Some(end) if inner[end..].starts_with(':') => &inner[end + 1..],
            _ => return Err(syntax("\":\" after the source route", inner)),
        }
    } else {
        inner
    };
    let local_len = if body.starts_with('"') {
        quoted_len(body)?
    } else {
        body.find(is_special).unwrap_or(body.len())
    };
    let local = &body[..local_len];
    let after_local = &body[local_len..];
    let (address_len, after_address) = if let Some(rest) = after_local.strip_prefix('>') {
        let null = local.is_empty() && body.len() == inner.len();
        match kind {
            PathKind::Reverse if null => (0, rest),
            PathKind::Forward if local.eq_ignore_ascii_case("postmaster") => (local_len, rest),
            PathKind::Forward if null => return Err(syntax("a recipient address", s)),
            _ => return Err(syntax("\"@domain\" after the local part", after_local)),
        }
    } else if let Some(domain) = after_local.strip_prefix('@') {
        if local.is_empty() {
            return Err(syntax("a local part before \"@\"", body));
        }
        let domain_len = if domain.starts_with('[') {
            match domain.find(']') {
                Some(end) => end + 1,
                None => return Err(syntax("\"]\" to close the address literal", domain)),
            }
        } else {
            domain.find(is_special).unwrap_or(domain.len())
        };
        if domain_len == 0 {
            return Err(syntax("a domain after \"@\"", domain));
        }
        let Some(rest) = domain[domain_len..].strip_prefix('>') else {
            return Err(syntax("\">\" to close the address", &domain[domain_len..]));
        };
        (local_len + 1 + domain_len, rest)
    } else {
        return Err(syntax("\"@\" or \">\" after the local part", after_local));
    };
    if !after_address.is_empty() && !after_address.starts_with(' ') {
        return Err(syntax("a space before the parameters", after_address));
    }
    Ok((body[..address_len].to_string(), after_address))
}

/// The length of the quoted string at the start of `s`, quotes included.
fn quoted_len(s: &str) -> Result<usize, CommandError> {
    let mut chars = s.char_indices().skip(1);
    while let Some((index, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return Ok(index + 1),
            _ => {}
        }
    }
    Err(syntax("a closing '\"' after the quoted local part", s))
}

/// Parses space-separated `KEYWORD[=value]` parameters.
fn parse_params(s: &str) -> Result<Vec<(String, Option<String>)>, CommandError> {
    s.split(' ')
        .filter(|param| !param.is_empty())
        .map(|param| {
            let (key, value) = match param.split_once('=') {
                Some((key, value)) => (key, Some(value)),
                None => (param, None),
            };
            let valid_key = key.starts_with(|c: char| c.is_ascii_alphanumeric())
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !valid_key {
                return Err(syntax(
                    "a parameter keyword of letters, digits and '-'",
                    param,
                ));
            }
            if value.is_some_and(str::is_empty) {
                return Err(syntax("a value after \"=\"", param));
            }
            Ok((key.to_ascii_uppercase(), value.map(str::to_string)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Command, CommandError> {
        parse_command(line.as_bytes())
    }

    fn mail(from: &str, params: &[(&str, Option<&str>)]) -> Command {
        Command::Mail {
            from: from.to_string(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                .collect(),
        }
    }

    fn rcpt(to: &str) -> Command {
        Command::Rcpt {
            to: to.to_string(),
            params: Vec::new(),
        }
    }

    fn code(line: &str) -> (u16, String) {
        let reply = parse(line).unwrap_err().reply();
        let enhanced = reply.text.split(' ').next().unwrap().to_string();
        (reply.code, enhanced)
    }

    #[test]
    fn simple_verbs() {
        assert_eq!(parse("DATA"), Ok(Command::Data));
        assert_eq!(parse("RSET"), Ok(Command::Rset));
        assert_eq!(parse("NOOP"), Ok(Command::Noop));
        assert_eq!(parse("NOOP anything"), Ok(Command::Noop));
        assert_eq!(parse("QUIT"), Ok(Command::Quit));
        assert_eq!(parse("HELP"), Ok(Command::Help));
        assert_eq!(parse("HELP MAIL"), Ok(Command::Help));
        assert_eq!(parse("STARTTLS"), Ok(Command::StartTls));
        assert_eq!(
            parse("VRFY postmaster"),
            Ok(Command::Vrfy("postmaster".into()))
        );
        assert_eq!(
            parse("AUTH PLAIN AGZvbwBiYXI="),
            Ok(Command::Auth("PLAIN AGZvbwBiYXI=".into()))
        );
    }

    #[test]
    fn hello() {
        assert_eq!(
            parse("HELO client.test"),
            Ok(Command::Helo("client.test".into()))
        );
        assert_eq!(
            parse("EHLO [127.0.0.1]"),
            Ok(Command::Ehlo("[127.0.0.1]".into()))
        );
        assert_eq!(
            parse("ehlo  client.test  "),
            Ok(Command::Ehlo("client.test".into()))
        );
    }

    #[test]
    fn verbs_are_case_insensitive() {
        assert_eq!(parse("data"), Ok(Command::Data));
        assert_eq!(parse("QuIt"), Ok(Command::Quit));
        assert_eq!(parse("mail from:<a@b>"), Ok(mail("a@b", &[])));
        assert_eq!(parse("rcpt To:<a@b>"), Ok(rcpt("a@b")));
    }

    #[test]
    fn trailing_line_ending_is_ignored() {
        assert_eq!(parse_command(b"DATA\r\n"), Ok(Command::Data));
        assert_eq!(parse_command(b"DATA\n"), Ok(Command::Data));
    }

    #[test]
    fn mail_with_params() {
        assert_eq!(
            parse("MAIL FROM:<a@b> SIZE=100 BODY=8BITMIME"),
            Ok(mail(
                "a@b",
                &[("SIZE", Some("100")), ("BODY", Some("8BITMIME"))]
            ))
        );
        assert_eq!(
            parse("MAIL FROM:<a@b> smtputf8 ret=HDRS"),
            Ok(mail("a@b", &[("SMTPUTF8", None), ("RET", Some("HDRS"))]))
        );
    }

    #[test]
    fn mail_with_space_after_colon() {
        assert_eq!(parse("MAIL FROM: <a@b>"), Ok(mail("a@b", &[])));
        assert_eq!(
            parse("MAIL FROM:   <a@b>  SIZE=1"),
            Ok(mail("a@b", &[("SIZE", Some("1"))]))
        );
    }

    #[test]
    fn null_reverse_path() {
        assert_eq!(parse("MAIL FROM:<>"), Ok(mail("", &[])));
        assert_eq!(
            parse("MAIL FROM:<> BODY=7BIT"),
            Ok(mail("", &[("BODY", Some("7BIT"))]))
        );
    }

    #[test]
    fn quoted_local_part() {
        assert_eq!(parse("RCPT TO:<\"a b\"@x>"), Ok(rcpt("\"a b\"@x")));
        assert_eq!(
            parse("RCPT TO:<\"a\\\"> b\"@x>"),
            Ok(rcpt("\"a\\\"> b\"@x"))
        );
    }

    #[test]
    fn utf8_addresses() {
        assert_eq!(
            parse("MAIL FROM:<用户@例子.测试> SMTPUTF8"),
            Ok(mail("用户@例子.测试", &[("SMTPUTF8", None)]))
        );
        assert_eq!(
            parse("RCPT TO:<josé@exämple.test>"),
            Ok(rcpt("josé@exämple.test"))
        );
    }

    #[test]
    fn address_literal_source_route_and_postmaster() {
        assert_eq!(parse("RCPT TO:<a@[192.0.2.1]>"), Ok(rcpt("a@[192.0.2.1]")));
        assert_eq!(parse("RCPT TO:<@relay.test,@r2.test:a@b>"), Ok(rcpt("a@b")));
        assert_eq!(parse("RCPT TO:<Postmaster>"), Ok(rcpt("Postmaster")));
    }

    #[test]
    fn reverse_path_with_an_empty_local_part() {
        assert_eq!(
            parse("MAIL FROM:<@example.net>"),
            Ok(mail("@example.net", &[]))
        );
        assert_eq!(
            parse("MAIL FROM:<@example.net> BODY=8BITMIME"),
            Ok(mail("@example.net", &[("BODY", Some("8BITMIME"))]))
        );
        // A source route is still one, and a recipient needs a local part.
        assert_eq!(parse("MAIL FROM:<@r.test:a@b>"), Ok(mail("a@b", &[])));
        assert!(parse("RCPT TO:<@example.net>").is_err());
    }

    #[test]
    fn unknown_verbs_are_500_5_5_1() {
        assert_eq!(code("XYZZY"), (500, "5.5.1".into()));
        assert_eq!(code(""), (500, "5.5.1".into()));
        assert_eq!(code("MAIL1 FROM:<a@b>"), (500, "5.5.1".into()));
        assert_eq!(
            code("PROXY TCP4 1.2.3.4 5.6.7.8 1 2"),
            (500, "5.5.1".into())
        );
        let error = parse_command("DÄTA".as_bytes()).unwrap_err();
        assert!(matches!(error, CommandError::UnknownCommand { .. }));
    }

    #[test]
    fn syntax_errors_are_501_5_5_4() {
        for line in [
            "HELO",
            "EHLO   ",
            "MAIL",
            "MAIL TO:<a@b>",
            "MAIL FROM:a@b",
            "MAIL FROM:<a@b",
            "MAIL FROM:<a>",
            "MAIL FROM:<a@>",
            "MAIL FROM:<a b@c>",
            "MAIL FROM:<a@b>SIZE=1",
            "MAIL FROM:<a@b> SIZE=",
            "MAIL FROM:<a@b> =1",
            "MAIL FROM:<\"a@b>",
            "MAIL FROM:<@relay a@b>",
            "RCPT TO:<>",
            "RCPT TO:<a@[1.2.3.4>",
            "DATA now",
            "RSET x",
            "QUIT x",
            "STARTTLS x",
            "VRFY",
            "AUTH",
        ] {
            assert_eq!(code(line), (501, "5.5.4".into()), "{line}");
        }
    }

    #[test]
    fn errors_say_what_was_expected() {
        assert_eq!(
            parse("MAIL FROM:a@b").unwrap_err().to_string(),
            "expected \"<\" to open the address, found \"a@b\""
        );
        assert_eq!(
            parse("RCPT TO:<>").unwrap_err().to_string(),
            "expected a recipient address, found \"<>\""
        );
        assert_eq!(
            parse("DATA now").unwrap_err().reply(),
            Reply::new(501, "5.5.4 expected no argument after DATA, found \"now\"")
        );
    }

    #[test]
    fn non_utf8_does_not_panic() {
        let error = parse_command(b"MAIL FROM:<\xff\xfe@b>").unwrap_err();
        assert!(matches!(
            error,
            CommandError::Syntax {
                expected: "utf-8 text",
                ..
            }
        ));
        assert_eq!(error.reply().code, 501);
        assert!(error.reply().text.is_ascii());
        assert!(parse_command(b"\xff\xff").is_err());
        assert!(parse_command(b"\x00").is_err());
    }

    #[test]
    fn long_fragments_are_truncated() {
        let line = format!("MAIL FROM:{}", "x".repeat(500));
        let CommandError::Syntax { found, .. } = parse(&line).unwrap_err() else {
            panic!("expected a syntax error");
        };
        assert_eq!(found.len(), FOUND_MAX + 3);
    }

    #[test]
    fn line_too_long_and_proxy_replies() {
        let reply = CommandError::LineTooLong { max: 10 }.reply();
        assert_eq!(reply.code, 500);
        assert!(reply.text.starts_with("5.5.2 "));
        let reply = CommandError::InvalidProxy {
            expected: "x",
            found: "y".into(),
        }
        .reply();
        assert_eq!(reply.code, 554);
        assert!(reply.text.starts_with("5.7.0 "));
    }
}
