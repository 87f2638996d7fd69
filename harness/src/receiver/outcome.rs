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
    /// What the user sees above the message, for `inbox-with-warning`
    /// (docomo's spoofing warning, for instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    /// Why, one line per rule that decided.
    pub reasons: Vec<String>,
}

/// Where the receiver puts the message, and so what the user sees of it.
/// The first four are accepted with a `250` at the end of DATA: the
/// sender cannot tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Disposition {
    /// In the inbox.
    Inbox,
    /// In the inbox, under a warning banner (a spoofing warning).
    InboxWithWarning,
    /// In the spam (junk) folder.
    Spam,
    /// Accepted and never delivered: the user sees nothing, the sender
    /// hears nothing.
    Dropped,
    /// A 4xx reply: the sender should retry.
    Tempfail,
    /// A 5xx reply: refused.
    Reject,
}

impl Disposition {
    /// Every disposition, the mildest first.
    pub const ALL: [Disposition; 6] = [
        Disposition::Inbox,
        Disposition::InboxWithWarning,
        Disposition::Spam,
        Disposition::Dropped,
        Disposition::Tempfail,
        Disposition::Reject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Inbox => "inbox",
            Disposition::InboxWithWarning => "inbox-with-warning",
            Disposition::Spam => "spam",
            Disposition::Dropped => "dropped",
            Disposition::Tempfail => "tempfail",
            Disposition::Reject => "reject",
        }
    }

    /// How strict: inbox 0, inbox-with-warning 1, spam 2, dropped 3,
    /// tempfail 4, reject 5. A refusal is stricter than anything accepted:
    /// it is what the SMTP dialogue answers.
    pub fn severity(self) -> u8 {
        match self {
            Disposition::Inbox => 0,
            Disposition::InboxWithWarning => 1,
            Disposition::Spam => 2,
            Disposition::Dropped => 3,
            Disposition::Tempfail => 4,
            Disposition::Reject => 5,
        }
    }

    /// Whether the receiver answered `250`: every disposition but
    /// `tempfail` and `reject`.
    pub fn is_accepted(self) -> bool {
        self.severity() < Disposition::Tempfail.severity()
    }

    /// What became of a message at the receiver, from the last reply of
    /// its delivery (`None`: it never reached one) and the outcomes of the
    /// receivers that judged it: a 4xx is `tempfail` (still deferred when
    /// the sender gave up), a 5xx `reject`, a 2xx the strictest accepted
    /// outcome (`inbox` when no profile judged it).
    pub fn of_delivery(
        last_code: Option<u16>,
        outcomes: &[ReceiverOutcome],
    ) -> Option<Disposition> {
        Some(match last_code? {
            400..500 => Disposition::Tempfail,
            500.. => Disposition::Reject,
            _ => outcomes
                .iter()
                .map(|o| o.disposition)
                .filter(|d| d.is_accepted())
                .max_by_key(|d| d.severity())
                .unwrap_or(Disposition::Inbox),
        })
    }
}

impl std::fmt::Display for Disposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_order_and_serde_agree() {
        for (i, d) in Disposition::ALL.iter().enumerate() {
            assert_eq!(usize::from(d.severity()), i);
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
            let back: Disposition = serde_json::from_value(d.as_str().into()).unwrap();
            assert_eq!(back, *d);
        }
        assert!(Disposition::Dropped.is_accepted());
        assert!(!Disposition::Tempfail.is_accepted());
    }

    #[test]
    fn what_became_of_a_delivery() {
        let o = |d| ReceiverOutcome {
            profile: "p".into(),
            disposition: d,
            reply: None,
            banner: None,
            reasons: Vec::new(),
        };
        let mixed = [
            o(Disposition::InboxWithWarning),
            o(Disposition::Dropped),
            o(Disposition::Tempfail),
        ];
        assert_eq!(Disposition::of_delivery(None, &mixed), None);
        assert_eq!(
            Disposition::of_delivery(Some(250), &mixed),
            Some(Disposition::Dropped)
        );
        assert_eq!(
            Disposition::of_delivery(Some(250), &[]),
            Some(Disposition::Inbox)
        );
        assert_eq!(
            Disposition::of_delivery(Some(421), &[]),
            Some(Disposition::Tempfail)
        );
        assert_eq!(
            Disposition::of_delivery(Some(554), &mixed),
            Some(Disposition::Reject)
        );
    }
}
