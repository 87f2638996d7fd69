use std::io::IsTerminal;

/// Colours for the terminal reporter: on only when stdout is a terminal and
/// `NO_COLOR` is not set (<https://no-color.org>), so pipes, files and
/// snapshots stay plain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const BOLD_GREEN: &str = "\x1b[1;32m";
const BOLD_RED: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

impl Style {
    /// No colour at all.
    pub fn plain() -> Style {
        Style { color: false }
    }

    /// ANSI colours.
    pub fn colored() -> Style {
        Style { color: true }
    }

    /// Colours when stdout is a terminal and `NO_COLOR` is unset (or empty).
    pub fn for_stdout() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    /// `PASS` in green or `FAIL` in red.
    pub fn mark(self, passed: bool) -> String {
        if passed {
            self.paint(BOLD_GREEN, "PASS")
        } else {
            self.paint(BOLD_RED, "FAIL")
        }
    }

    /// A result word of SPF, DKIM or DMARC: `pass` green; `fail`,
    /// `permerror`, `temperror` red; `softfail`, `neutral` yellow; others
    /// (`none`, `policy`) plain.
    pub fn result(self, word: &str) -> String {
        match word {
            "pass" => self.paint(GREEN, word),
            "fail" | "permerror" | "temperror" => self.paint(RED, word),
            "softfail" | "neutral" => self.paint(YELLOW, word),
            _ => word.to_string(),
        }
    }

    /// Alignment: `yes` green, `no` red.
    pub fn yes_no(self, yes: bool) -> String {
        if yes {
            self.paint(GREEN, "yes")
        } else {
            self.paint(RED, "no")
        }
    }

    /// A receiver's disposition, padded to `width`: `inbox` green,
    /// `inbox-with-warning`, `spam` and `tempfail` yellow, `dropped` and
    /// `reject` red.
    pub fn disposition(self, word: &str, width: usize) -> String {
        let padded = format!("{word:<width$}");
        match word {
            "inbox" => self.paint(GREEN, &padded),
            "inbox-with-warning" | "spam" | "tempfail" => self.paint(YELLOW, &padded),
            "dropped" | "reject" => self.paint(RED, &padded),
            _ => padded,
        }
    }

    /// An unmet expectation or a non-zero failure count.
    pub fn failure(self, text: &str) -> String {
        self.paint(RED, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_style_writes_no_escape_codes() {
        let s = Style::plain();
        assert_eq!(s.mark(true), "PASS");
        assert_eq!(s.mark(false), "FAIL");
        assert_eq!(s.result("softfail"), "softfail");
        assert_eq!(s.yes_no(false), "no");
        assert_eq!(s.failure("1 failed"), "1 failed");
    }

    #[test]
    fn colored_style_paints_results_by_meaning() {
        let s = Style::colored();
        assert_eq!(s.mark(true), "\x1b[1;32mPASS\x1b[0m");
        assert_eq!(s.mark(false), "\x1b[1;31mFAIL\x1b[0m");
        assert_eq!(s.result("pass"), "\x1b[32mpass\x1b[0m");
        assert_eq!(s.result("permerror"), "\x1b[31mpermerror\x1b[0m");
        assert_eq!(s.result("neutral"), "\x1b[33mneutral\x1b[0m");
        assert_eq!(s.result("none"), "none");
    }
}
