//! The result vocabulary every part of the judge and its users share: the
//! words of RFC 8601's registries, the DMARC policies, and which DMARC
//! specification a verdict follows.

use serde::{Deserialize, Serialize};

/// SPF results (RFC 7208 §2.6).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum SpfResult {
    Pass,
    Fail,
    SoftFail,
    Neutral,
    #[default]
    None,
    TempError,
    PermError,
}

/// DKIM results (RFC 8601 §2.7.1), also used for ARC (RFC 8617 §2.2).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum DkimResult {
    Pass,
    Fail,
    Neutral,
    #[default]
    None,
    TempError,
    PermError,
}

/// DMARC results (RFC 8601 §2.7.4, RFC 7489 §11.2).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum DmarcResult {
    Pass,
    Fail,
    #[default]
    None,
    TempError,
    PermError,
}

/// DMARC policies (`p=`, `sp=`, `np=`) and the dispositions they ask for.
#[derive(
    Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    #[default]
    None,
    Quarantine,
    Reject,
}

impl Policy {
    /// The next policy down, which RFC 7489 §6.6.4 applies to the messages
    /// a `pct` below 100 leaves out of the sample.
    pub fn next_lower(self) -> Policy {
        match self {
            Policy::Reject => Policy::Quarantine,
            Policy::Quarantine | Policy::None => Policy::None,
        }
    }
}

/// Which DMARC specification a verdict follows.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash)]
pub enum DmarcSpec {
    /// RFC 7489 (2015): organizational domains from the Public Suffix List,
    /// `pct` sampling. What deployed receivers implement today, hence the
    /// default.
    #[default]
    #[serde(rename = "rfc7489")]
    Rfc7489,
    /// RFC 9989 (2026, DMARCbis): organizational domains by DNS tree walk,
    /// `psd=`, `np=`, `t=`; `pct`, `rf` and `ri` removed.
    #[serde(rename = "rfc9989")]
    Rfc9989,
}

impl DmarcSpec {
    /// Both specifications, the default first.
    pub const ALL: [DmarcSpec; 2] = [DmarcSpec::Rfc7489, DmarcSpec::Rfc9989];

    /// The other specification.
    pub fn other(self) -> DmarcSpec {
        match self {
            DmarcSpec::Rfc7489 => DmarcSpec::Rfc9989,
            DmarcSpec::Rfc9989 => DmarcSpec::Rfc7489,
        }
    }
}

macro_rules! names {
    ($($ty:ty { $($variant:ident => $name:literal),* $(,)? })*) => {$(
        impl $ty {
            /// The word as RFC 8601 (or the scenario language) writes it.
            pub fn as_str(&self) -> &'static str {
                match self { $(Self::$variant => $name),* }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $ty {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                match s {
                    $($name => Ok(Self::$variant),)*
                    _ => Err(UnknownName {
                        found: s.to_string(),
                        expected: &[$($name),*],
                    }),
                }
            }
        }
    )*};
}

names! {
    SpfResult { Pass => "pass", Fail => "fail", SoftFail => "softfail", Neutral => "neutral", None => "none", TempError => "temperror", PermError => "permerror" }
    DkimResult { Pass => "pass", Fail => "fail", Neutral => "neutral", None => "none", TempError => "temperror", PermError => "permerror" }
    DmarcResult { Pass => "pass", Fail => "fail", None => "none", TempError => "temperror", PermError => "permerror" }
    Policy { None => "none", Quarantine => "quarantine", Reject => "reject" }
    DmarcSpec { Rfc7489 => "rfc7489", Rfc9989 => "rfc9989" }
}

/// A word that is not one of a vocabulary's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected one of {}, found \"{found}\"", quoted(expected))]
pub struct UnknownName {
    pub found: String,
    pub expected: &'static [&'static str],
}

fn quoted(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for word in ["pass", "softfail", "temperror", "permerror"] {
            assert_eq!(word.parse::<SpfResult>().unwrap().as_str(), word);
        }
        assert_eq!("rfc9989".parse::<DmarcSpec>(), Ok(DmarcSpec::Rfc9989));
        let err = "sofail".parse::<SpfResult>().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("expected one of \"pass\", \"fail\"")
        );
        assert!(err.to_string().ends_with("found \"sofail\""));
    }

    #[test]
    fn pct_steps_down_one_level() {
        assert_eq!(Policy::Reject.next_lower(), Policy::Quarantine);
        assert_eq!(Policy::Quarantine.next_lower(), Policy::None);
        assert_eq!(Policy::None.next_lower(), Policy::None);
    }
}
