//! A receiver profile: rules that turn a verdict and the message's signals
//! into a disposition. Everything a profile does is data from its file.

use std::{fmt, marker::PhantomData, path::PathBuf};

use serde::{
    Deserialize, Deserializer,
    de::{self, IntoDeserializer, SeqAccess, Visitor},
};

use mailharness_auth::{DkimResult, DmarcResult, SpfResult};

use super::Disposition;
use crate::{smtp::LineEndings, verify::DomainDns};

/// One receiver, as its file describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// The file name without `.toml`, e.g. `gmail-bulk`.
    pub name: String,
    /// The file it was read from.
    pub file: PathBuf,
    pub description: Option<String>,
    /// Whether the sender counts as a bulk sender at this receiver unless
    /// the scenario says otherwise (rules may test `bulk`).
    pub bulk: bool,
    /// How the receiver reads a message's lines: [`LineEndings::Strict`]
    /// (the default: only `<CRLF>.<CRLF>` ends the data, a bare LF or CR
    /// refuses the message) or [`LineEndings::Lenient`] (a LF alone ends a
    /// line, so `<LF>.<CRLF>` ends the data: open to SMTP smuggling).
    pub line_endings: LineEndings,
    /// The stage of enforcement the profile models: at `defer`, rules
    /// with a `defer_reply` defer (4xx) instead of rejecting (5xx).
    pub enforcement: Enforcement,
    /// In file order. Every rule whose conditions hold applies; the
    /// strictest action decides.
    pub rules: Vec<Rule>,
}

/// `[[rule]]`: when every condition holds, the action applies.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub when: Conditions,
    pub action: Action,
    /// The SMTP reply at the end of DATA, for `tempfail` (4xx) and
    /// `reject` (5xx); may hold [`PLACEHOLDERS`].
    pub reply: Option<ReplyTemplate>,
    /// For `reject`: the 4xx reply the rule gives instead while the
    /// enforcement stage is [`Enforcement::Defer`] (the rule then defers).
    pub defer_reply: Option<ReplyTemplate>,
    /// For `warn`: the warning the user sees above the message; may hold
    /// [`PLACEHOLDERS`].
    pub banner: Option<String>,
    /// Why, in a line; may hold [`PLACEHOLDERS`].
    pub reason: String,
}

/// What a rule does to the message.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Accepted (250) and shown in the inbox under a warning banner.
    Warn,
    /// Accepted (250) and put in the spam folder.
    Spam,
    /// Accepted (250) and never delivered: silently dropped.
    Drop,
    /// Refused for now: a 4xx reply.
    Tempfail,
    /// Refused: a 5xx reply.
    Reject,
}

impl Action {
    /// Every action as a file writes it.
    pub const NAMES: [&str; 5] = ["warn", "spam", "drop", "tempfail", "reject"];

    pub fn disposition(self) -> Disposition {
        match self {
            Action::Warn => Disposition::InboxWithWarning,
            Action::Spam => Disposition::Spam,
            Action::Drop => Disposition::Dropped,
            Action::Tempfail => Disposition::Tempfail,
            Action::Reject => Disposition::Reject,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Action::Warn => "warn",
            Action::Spam => "spam",
            Action::Drop => "drop",
            Action::Tempfail => "tempfail",
            Action::Reject => "reject",
        }
    }
}

/// How far a receiver's enforcement has gone: a receiver that ramps its
/// requirements up (Gmail from November 2025) first defers mail that
/// misses them, then rejects it.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Enforcement {
    /// Rules with a `defer_reply` answer it (4xx): the sender retries.
    Defer,
    /// Rules reject with their `reply` (5xx).
    #[default]
    Reject,
}

/// A reply code and its text (the enhanced status code, if any, included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyTemplate {
    pub code: u16,
    pub text: String,
}

/// The names a reply or reason may hold in braces, e.g. `{from_domain}`.
pub const PLACEHOLDERS: &[&str] = &[
    "client_ip",
    "from_domain",
    "mail_from_domain",
    "helo",
    "format_problems",
];

/// The conditions of a rule: every one given must hold; a rule without
/// any always applies.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// SPF for the MAIL FROM identity (HELO when MAIL FROM is null).
    pub spf: Option<Matcher<SpfResult>>,
    /// SPF evaluated for the header From domain.
    pub header_from_spf: Option<Matcher<SpfResult>>,
    /// The best DKIM result: `pass` when any signature passes, else the
    /// first signature's result, `none` when there is none.
    pub dkim: Option<Matcher<DkimResult>>,
    pub spf_aligned: Option<bool>,
    pub dkim_aligned: Option<bool>,
    pub dmarc: Option<Matcher<DmarcResult>>,
    /// The DMARC policy that applies to the From domain; `absent` when
    /// there is no DMARC record.
    pub policy: Option<Matcher<PolicyState>>,
    /// The ARC chain's result.
    pub arc: Option<Matcher<DkimResult>>,
    /// Forward-confirmed reverse DNS of the client IP.
    pub fcrdns: Option<bool>,
    /// Whether the message arrived over TLS.
    pub tls: Option<bool>,
    /// One From, one Date, a Message-ID.
    pub rfc5322: Option<bool>,
    /// An https `List-Unsubscribe` URI.
    pub list_unsubscribe: Option<bool>,
    /// RFC 8058 one-click unsubscribe.
    pub one_click: Option<bool>,
    /// Whether the sender counts as a bulk sender.
    pub bulk: Option<bool>,
    /// Whether the envelope from's domain exists in DNS.
    pub mail_from_dns: Option<Matcher<DomainDns>>,
    /// Whether the header From's domain exists in DNS.
    pub from_dns: Option<Matcher<DomainDns>>,
}

/// The DMARC policy as a condition sees it.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PolicyState {
    None,
    Quarantine,
    Reject,
    /// No DMARC record was found.
    Absent,
}

/// The values a condition accepts: one (`"pass"`), any of several
/// (`["fail", "softfail"]`), or any but one (`"!pass"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matcher<T> {
    pub values: Vec<T>,
    /// `"!value"`: the condition holds for every other value.
    pub negated: bool,
}

impl<T: PartialEq> Matcher<T> {
    pub fn matches(&self, value: &T) -> bool {
        self.values.contains(value) != self.negated
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Matcher<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MatcherVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for MatcherVisitor<T> {
            type Value = Matcher<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a result name, \"!name\" for any other, or an array of names")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Matcher<T>, E> {
                let (negated, name) = match text.strip_prefix('!') {
                    Some(rest) => (true, rest.trim_start()),
                    None => (false, text),
                };
                let value = T::deserialize(name.into_deserializer())?;
                Ok(Matcher {
                    values: vec![value],
                    negated,
                })
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Matcher<T>, A::Error> {
                let mut values = Vec::new();
                while let Some(value) = seq.next_element::<T>()? {
                    values.push(value);
                }
                if values.is_empty() {
                    return Err(de::Error::custom(
                        "expected at least one name in the array, found none",
                    ));
                }
                Ok(Matcher {
                    values,
                    negated: false,
                })
            }
        }

        deserializer.deserialize_any(MatcherVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct One {
        m: Matcher<SpfResult>,
    }

    fn parse(text: &str) -> Result<Matcher<SpfResult>, String> {
        toml::from_str::<One>(text)
            .map(|o| o.m)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn one_several_and_negated() {
        let one = parse("m = \"pass\"").unwrap();
        assert!(one.matches(&SpfResult::Pass));
        assert!(!one.matches(&SpfResult::Fail));
        let several = parse("m = [\"fail\", \"softfail\"]").unwrap();
        assert!(several.matches(&SpfResult::SoftFail));
        assert!(!several.matches(&SpfResult::Pass));
        let not = parse("m = \"!pass\"").unwrap();
        assert!(not.matches(&SpfResult::None));
        assert!(!not.matches(&SpfResult::Pass));
    }

    #[test]
    fn errors_name_the_values() {
        let e = parse("m = \"pas\"").unwrap_err();
        assert!(e.contains("unknown variant `pas`"), "{e}");
        let e = parse("m = []").unwrap_err();
        assert_eq!(e, "expected at least one name in the array, found none");
        let e = parse("m = 3").unwrap_err();
        assert!(e.contains("\"!name\" for any other"), "{e}");
    }
}
