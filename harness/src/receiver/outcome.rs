use serde::Serialize;

/// One receiver profile's decision about a message.
#[derive(Clone, Debug, Serialize)]
pub struct ReceiverOutcome {
    /// The profile's name, e.g. `gmail-bulk`, `docomo`.
    pub profile: String,
    pub disposition: Disposition,
    /// The SMTP reply the receiver gave at the end of DATA, when it
    /// refused or deferred (e.g. `550 5.7.26 …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// Why, one line per rule that decided.
    pub reasons: Vec<String>,
}

/// Where the receiver puts the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Disposition {
    Inbox,
    Spam,
    /// A 4xx reply: the sender should retry.
    Tempfail,
    /// A 5xx reply: refused.
    Reject,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Inbox => "inbox",
            Disposition::Spam => "spam",
            Disposition::Tempfail => "tempfail",
            Disposition::Reject => "reject",
        }
    }

    /// How strict: inbox 0, spam 1, tempfail 2, reject 3.
    pub fn severity(self) -> u8 {
        match self {
            Disposition::Inbox => 0,
            Disposition::Spam => 1,
            Disposition::Tempfail => 2,
            Disposition::Reject => 3,
        }
    }
}

impl std::fmt::Display for Disposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
