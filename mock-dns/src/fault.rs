//! Faults: deliberate misbehaviour for a name (and optionally a type), to
//! test how clients cope with broken DNS.

use std::{fmt, str::FromStr};

/// How the server misbehaves for a faulty name. Faults take precedence over
/// the records of the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer SERVFAIL with empty sections, over UDP and TCP.
    ServFail,
    /// Never answer: over UDP the query is dropped; over TCP the connection
    /// stays open and later queries on it are still answered.
    Timeout,
    /// Over UDP answer with TC=1 and empty sections, so the client retries
    /// over TCP; over TCP answer normally.
    Truncate,
}

impl Fault {
    /// Every fault, in the order error messages list them.
    pub const ALL: [Fault; 3] = [Fault::ServFail, Fault::Timeout, Fault::Truncate];

    /// The lowercase name `FromStr` accepts: `"servfail"`, `"timeout"`, `"truncate"`.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::ServFail => "servfail",
            Fault::Timeout => "timeout",
            Fault::Truncate => "truncate",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault name that is not one of [`Fault::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault \"{0}\", expected one of \"servfail\", \"timeout\", \"truncate\"")]
pub struct UnknownFault(pub String);

impl FromStr for Fault {
    type Err = UnknownFault;

    /// Parses a fault name, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .into_iter()
            .find(|fault| fault.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFault(s.to_owned()))
    }
}

/// A fault on a name and optionally one type, written `NAME[/TYPE]=KIND`
/// (`_dmarc.example.com/TXT=servfail`), as the binary's `--fault` takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    /// The name as written (the catalog normalises it).
    pub name: String,
    /// The type in uppercase, or `None` for every type of the name.
    pub rtype: Option<String>,
    pub fault: Fault,
}

/// Why a `NAME[/TYPE]=KIND` specification does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FaultSpecError {
    #[error("expected NAME[/TYPE]=KIND, found \"{0}\"")]
    Syntax(String),
    #[error(transparent)]
    Fault(#[from] UnknownFault),
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || FaultSpecError::Syntax(s.to_owned());
        let (target, kind) = s.rsplit_once('=').ok_or_else(syntax)?;
        let (name, rtype) = match target.split_once('/') {
            Some((name, rtype)) if !rtype.is_empty() => (name, Some(rtype.to_ascii_uppercase())),
            Some(_) => return Err(syntax()),
            None => (target, None),
        };
        if name.is_empty() {
            return Err(syntax());
        }
        Ok(FaultSpec {
            name: name.to_owned(),
            rtype,
            fault: kind.parse()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fault_names() {
        for fault in Fault::ALL {
            assert_eq!(fault.name().parse::<Fault>(), Ok(fault));
        }
        assert_eq!("SERVFAIL".parse::<Fault>(), Ok(Fault::ServFail));
        assert_eq!(
            "x".parse::<Fault>().unwrap_err().to_string(),
            r#"unknown fault "x", expected one of "servfail", "timeout", "truncate""#
        );
    }

    #[test]
    fn parses_fault_specs() {
        assert_eq!(
            "_dmarc.example.com/txt=truncate".parse::<FaultSpec>(),
            Ok(FaultSpec {
                name: "_dmarc.example.com".into(),
                rtype: Some("TXT".into()),
                fault: Fault::Truncate,
            })
        );
        assert_eq!(
            "example.com.=timeout".parse::<FaultSpec>().unwrap().rtype,
            None
        );
        assert_eq!(
            "example.com".parse::<FaultSpec>().unwrap_err().to_string(),
            r#"expected NAME[/TYPE]=KIND, found "example.com""#
        );
        assert!(matches!(
            "a=b".parse::<FaultSpec>(),
            Err(FaultSpecError::Fault(_))
        ));
    }
}
