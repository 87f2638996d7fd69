//! Splits a master file into entries (one record or directive each) of
//! tokens with their positions, handling comments, quotes and parentheses.

use super::parse::ZoneError;

/// A word or a quoted string. `text` is the source text with escapes still
/// in it (for a quoted string: what is between the quotes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub text: String,
    pub quoted: bool,
    /// 1-based line of the token's first character.
    pub line: usize,
    /// 1-based column, in characters, of the token's first character
    /// (the opening quote of a quoted string).
    pub column: usize,
}

impl Token {
    /// The column just after the token, for "found end of line" errors.
    pub fn end_column(&self) -> usize {
        self.column + self.text.chars().count() + if self.quoted { 2 } else { 0 }
    }
}

/// One logical line: physical lines joined by parentheses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub tokens: Vec<Token>,
    /// The first physical line starts with a space or a tab: the owner is
    /// the previous record's.
    pub blank_owner: bool,
    /// 1-based line where the entry starts.
    pub line: usize,
    /// The lexer already reported an error inside this entry.
    pub broken: bool,
}

/// Splits `text` into entries; lexical errors are returned beside them and
/// the entries they occur in are marked `broken`.
pub(crate) fn lex(text: &str) -> (Vec<Entry>, Vec<ZoneError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut current: Option<Entry> = None;
    // Positions of the parentheses still open.
    let mut open: Vec<(usize, usize)> = Vec::new();

    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let chars: Vec<char> = line.chars().collect();
        if open.is_empty()
            && let Some(entry) = current.take()
        {
            push_entry(&mut entries, entry);
        }
        let entry = current.get_or_insert_with(|| Entry {
            tokens: Vec::new(),
            blank_owner: matches!(chars.first(), Some(' ' | '\t')),
            line: line_no,
            broken: false,
        });
        let mut pos = 0;
        while pos < chars.len() {
            let column = pos + 1;
            match chars[pos] {
                ' ' | '\t' | '\r' => pos += 1,
                ';' => break,
                '(' => {
                    open.push((line_no, column));
                    pos += 1;
                }
                ')' => {
                    if open.pop().is_none() {
                        errors.push(error(line_no, column, "unbalanced parenthesis"));
                        entry.broken = true;
                    }
                    pos += 1;
                }
                '"' => {
                    let start = pos + 1;
                    let mut end = start;
                    let mut closed = false;
                    while end < chars.len() {
                        match chars[end] {
                            '\\' => end += 2,
                            '"' => {
                                closed = true;
                                break;
                            }
                            _ => end += 1,
                        }
                    }
                    if closed {
                        entry.tokens.push(Token {
                            text: chars[start..end].iter().collect(),
                            quoted: true,
                            line: line_no,
                            column,
                        });
                        pos = end + 1;
                    } else {
                        errors.push(error(line_no, column, "unterminated quoted string"));
                        entry.broken = true;
                        pos = chars.len();
                    }
                }
                _ => {
                    let start = pos;
                    while pos < chars.len() {
                        match chars[pos] {
                            ' ' | '\t' | '\r' | ';' | '(' | ')' | '"' => break,
                            '\\' => pos = (pos + 2).min(chars.len()),
                            _ => pos += 1,
                        }
                    }
                    entry.tokens.push(Token {
                        text: chars[start..pos].iter().collect(),
                        quoted: false,
                        line: line_no,
                        column,
                    });
                }
            }
        }
    }
    if let Some((line, column)) = open.first() {
        errors.push(error(*line, *column, "unbalanced parenthesis"));
        if let Some(entry) = current.as_mut() {
            entry.broken = true;
        }
    }
    if let Some(entry) = current.take() {
        push_entry(&mut entries, entry);
    }
    (entries, errors)
}

fn push_entry(entries: &mut Vec<Entry>, entry: Entry) {
    if !entry.tokens.is_empty() || entry.broken {
        entries.push(entry);
    }
}

fn error(line: usize, column: usize, message: &str) -> ZoneError {
    ZoneError {
        line,
        column,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(entry: &Entry) -> Vec<&str> {
        entry.tokens.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn joins_parenthesised_lines_and_drops_comments() {
        let (entries, errors) =
            lex("@ IN SOA ns. host. ( 1 ; serial\n  2 3 ) ; done\n\n  TXT \"a;b\" c\\ d\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(entries.len(), 2);
        assert_eq!(
            texts(&entries[0]),
            vec!["@", "IN", "SOA", "ns.", "host.", "1", "2", "3"]
        );
        assert!(!entries[0].blank_owner);
        assert_eq!(texts(&entries[1]), vec!["TXT", "a;b", "c\\ d"]);
        assert!(entries[1].blank_owner);
        assert_eq!((entries[1].line, entries[1].tokens[1].column), (4, 7));
        assert!(entries[1].tokens[1].quoted);
    }

    #[test]
    fn reports_unterminated_strings_and_unbalanced_parentheses() {
        let (entries, errors) = lex("a TXT \"open\nb A 1.2.3.4 )\nc TXT ( \"x\"\n");
        assert_eq!(
            errors,
            vec![
                error(1, 7, "unterminated quoted string"),
                error(2, 13, "unbalanced parenthesis"),
                error(3, 7, "unbalanced parenthesis"),
            ]
        );
        assert!(entries.iter().all(|e| e.broken));
    }

    #[test]
    fn escaped_quotes_stay_inside_strings() {
        let (entries, errors) = lex(r#"a TXT "say \"hi\"" x"#);
        assert!(errors.is_empty());
        assert_eq!(texts(&entries[0]), vec!["a", "TXT", r#"say \"hi\""#, "x"]);
        assert_eq!(entries[0].tokens[2].end_column(), 19);
    }
}
