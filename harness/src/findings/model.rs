use serde::Serialize;

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// What was configured is not in effect, authentication fails, or the
    /// send is refused.
    Error,
    /// It passes, but one change away from failing, or a receiver treats
    /// it more harshly than the policy asks.
    Warning,
    /// Advice: the next step, what another reading concludes.
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($($variant:ident => $name:literal, $severity:ident, $meaning:literal;)*) => {
        /// A finding's stable identifier (kebab-case): what expectations
        /// (`[expect] findings`, `no_findings`) and pipelines match on.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $(#[doc = $meaning] $variant,)*
        }

        impl Code {
            /// Every code, in the order README lists them.
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The severity every finding of this code has.
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// What it means, in a sentence (README's table).
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$variant => $meaning,)*
                }
            }

            /// The code named `name`, if there is one.
            pub fn from_name(name: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == name)
            }
        }
    };
}

codes! {
    SenderNotVerified => "sender-not-verified", Error,
        "The From or MAIL FROM address is outside the verified SES identity: SES refuses the send (MessageRejected).";
    MailFromRefused => "mail-from-refused", Error,
        "The custom MAIL FROM domain fails SES's MX check and BehaviorOnMxFailure is REJECT_MESSAGE: every send is refused (MailFromDomainNotVerified).";
    MailFromFallback => "mail-from-fallback", Error,
        "The custom MAIL FROM domain fails SES's MX check (no MX, another region's endpoint, several MX, a failed lookup) and BehaviorOnMxFailure is USE_DEFAULT_VALUE: SES silently uses its own amazonses.com envelope, so SPF is no longer aligned.";
    MailFromSpfMissing => "mail-from-spf-missing", Error,
        "SES uses the custom MAIL FROM domain, but it has no SPF record: SPF is none, so it cannot align.";
    EasyDkimNotSigning => "easy-dkim-not-signing", Error,
        "Easy DKIM is on, but a CNAME it needs is missing or points elsewhere: SES does not sign with the identity's key, only with d=amazonses.com.";
    ByodkimNotSigning => "byodkim-not-signing", Error,
        "BYODKIM is on, but its selector holds no usable key record: SES does not sign with the identity's key.";
    DmarcFail => "dmarc-fail", Error,
        "DMARC fails for the From domain: no identifier that passed is aligned with it.";
    DmarcError => "dmarc-error", Error,
        "DMARC could not be evaluated (temperror or permerror).";
    SpfNotPassing => "spf-not-passing", Warning,
        "SPF for the MAIL FROM identity does not pass.";
    DkimNotPassing => "dkim-not-passing", Warning,
        "A DKIM signature does not pass.";
    DmarcSingleMechanism => "dmarc-single-mechanism", Warning,
        "DMARC passes through SPF alone or DKIM alone: one forwarder (for SPF) or one body change or lost key record (for DKIM) makes it fail.";
    DmarcMissing => "dmarc-missing", Warning,
        "The From domain publishes no DMARC record: receivers apply no policy, and Gmail's, Yahoo's and Outlook.com's bulk rules require one.";
    SpfLookupsNearLimit => "spf-lookups-near-limit", Warning,
        "The SPF check took 8 to 10 of the 10 DNS lookups RFC 7208 allows: one more include and SPF is permerror.";
    DkimKeyShort => "dkim-key-short", Warning,
        "An aligned signature's RSA key is shorter than 2048 bits (RFC 8301: at least 1024, 2048 recommended).";
    DkimBodyLength => "dkim-body-length", Warning,
        "A signature's l= leaves part of the body unsigned: content can be appended without breaking it.";
    RuaUnauthorised => "rua-unauthorised", Warning,
        "A rua= destination outside the policy domain does not authorise it (no <domain>._report._dmarc.<host> record): receivers send it no reports.";
    ReceiverStricterThanPolicy => "receiver-stricter-than-policy", Warning,
        "A receiver profile puts the message in spam, defers or refuses it, though the DMARC policy asks for less; the rule that decided is in the chain.";
    DmarcMonitoringOnly => "dmarc-monitoring-only", Note,
        "The DMARC policy is p=none: receivers report, but act on nothing; the next step is p=quarantine.";
    RuaMissing => "rua-missing", Note,
        "The DMARC record has no rua=: nobody receives aggregate reports, so failures (a MAIL FROM fallback, a lost CNAME) go unnoticed.";
    ReceiverLaxerThanPolicy => "receiver-laxer-than-policy", Note,
        "A receiver profile takes the message more gently than the DMARC policy asks (e.g. inbox with a warning banner where the policy says reject).";
    DmarcSpecDiffers => "dmarc-spec-differs", Note,
        "The other DMARC specification (RFC 7489 or RFC 9989) concludes differently for this message.";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What to change, exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What to do, in a sentence.
    pub text: String,
    /// DNS records to publish, in BIND syntax (absolute names), ready for
    /// a zone file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// SES settings to change, each as an `aws sesv2` command.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ses: Vec<String>,
}

impl Fix {
    /// Two fixes as one: sentences joined, records and settings in order.
    pub fn and(mut self, other: Fix) -> Fix {
        if !other.text.is_empty() {
            if !self.text.is_empty() {
                self.text.push_str("; ");
            }
            self.text.push_str(&other.text);
        }
        for r in other.records {
            if !self.records.contains(&r) {
                self.records.push(r);
            }
        }
        for s in other.ses {
            if !self.ses.contains(&s) {
                self.ses.push(s);
            }
        }
        self
    }
}

/// One finding about a message or a send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: Code,
    /// The cause, in one line.
    pub message: String,
    /// The steps from the cause to the effect, each short (printed joined
    /// by " → ").
    pub chain: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Finding {
    /// A finding of `code`, with its severity.
    pub fn new(code: Code, message: impl Into<String>) -> Finding {
        Finding {
            severity: code.severity(),
            code,
            message: message.into(),
            chain: Vec::new(),
            fix: None,
        }
    }

    pub fn chain(mut self, steps: impl IntoIterator<Item = String>) -> Finding {
        self.chain.extend(steps);
        self
    }

    pub fn fix(mut self, fix: Option<Fix>) -> Finding {
        self.fix = fix;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_kebab_case_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{name}"
            );
            assert!(seen.insert(name), "{name} twice");
            assert_eq!(Code::from_name(name), Some(*code));
        }
        assert_eq!(Code::from_name("mail-from-fallbak"), None);
    }

    #[test]
    fn readme_lists_every_code_with_its_severity_and_meaning() {
        let readme = include_str!("../../../README.md");
        for code in Code::ALL {
            let meaning = code.meaning().replace(
                "<domain>._report._dmarc.<host>",
                "`<domain>._report._dmarc.<host>`",
            );
            let row = format!("| `{code}` | {} | {meaning} |", code.severity());
            assert!(readme.contains(&row), "README lacks the row {row}");
        }
    }

    #[test]
    fn errors_sort_first() {
        let mut s = vec![Severity::Note, Severity::Error, Severity::Warning];
        s.sort();
        assert_eq!(s, [Severity::Error, Severity::Warning, Severity::Note]);
    }
}
