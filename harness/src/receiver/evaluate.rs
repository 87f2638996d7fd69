//! From a verdict and a message's signals to each profile's disposition.

use std::net::IpAddr;

use super::{
    Disposition, ReceiverOutcome,
    profile::{Conditions, Enforcement, PolicyState, Profile, ReplyTemplate, Rule},
};
use crate::{
    smtp::Reply,
    verify::{DomainDns, Signals, Verdict},
};
use mailharness_auth::{DkimResult, DmarcResult, Policy, SpfResult};

/// Everything a rule can look at for one message.
#[derive(Clone, Copy, Debug)]
pub struct Evidence<'a> {
    pub verdict: &'a Verdict,
    pub signals: &'a Signals,
    /// The TLS version the message arrived over; `None` in plain text.
    pub tls: Option<&'a str>,
    /// The scenario's `[receivers] bulk`, which overrides each profile's.
    pub bulk: Option<bool>,
    /// The scenario's `[receivers] enforcement`, which overrides each
    /// profile's.
    pub enforcement: Option<Enforcement>,
    pub client_ip: IpAddr,
    pub helo: &'a str,
}

/// What `profile` does with the message: every rule whose conditions hold
/// applies, the strictest action decides and the first rule with that
/// action gives the reply (and a warning's banner). At the `defer` stage
/// of enforcement a `reject` rule with a `defer_reply` acts as a
/// `tempfail` with that reply. The reasons of all applying rules are
/// listed, strictest first; none when the message goes to the inbox.
pub fn evaluate(profile: &Profile, evidence: &Evidence<'_>) -> ReceiverOutcome {
    decide(profile, &Facts::of(evidence))
}

/// The outcome the SMTP reply follows: the strictest, the first named on a
/// tie.
pub fn strictest(outcomes: &[ReceiverOutcome]) -> Option<&ReceiverOutcome> {
    outcomes
        .iter()
        .rev()
        .max_by_key(|o| o.disposition.severity())
}

/// The reply a refusing outcome gives at the end of DATA; `None` when the
/// message is accepted (inbox or spam).
pub fn refusal(outcome: &ReceiverOutcome) -> Option<Reply> {
    let reply = outcome.reply.as_deref()?;
    let (code, text) = reply.split_once(' ')?;
    Some(Reply::new(code.parse().ok()?, text))
}

/// The values the conditions test, drawn from the evidence.
#[derive(Clone, Debug)]
struct Facts {
    spf: SpfResult,
    header_from_spf: SpfResult,
    dkim: DkimResult,
    spf_aligned: bool,
    dkim_aligned: bool,
    dmarc: DmarcResult,
    policy: PolicyState,
    arc: DkimResult,
    fcrdns: bool,
    tls: bool,
    rfc5322: bool,
    /// What RFC 5322 basics the message lacks, for `{format_problems}`.
    format_problems: String,
    list_unsubscribe: bool,
    one_click: bool,
    /// The scenario's word on bulk, if it said one.
    bulk: Option<bool>,
    /// The scenario's enforcement stage, if it said one.
    enforcement: Option<Enforcement>,
    mail_from_dns: DomainDns,
    from_dns: DomainDns,
    client_ip: String,
    from_domain: String,
    mail_from_domain: String,
    helo: String,
}

impl Facts {
    fn of(e: &Evidence<'_>) -> Facts {
        let v = e.verdict;
        let s = e.signals;
        Facts {
            spf: v.spf.result,
            header_from_spf: s.header_from_spf,
            dkim: if v.dkim.iter().any(|d| d.result == DkimResult::Pass) {
                DkimResult::Pass
            } else {
                v.dkim.first().map_or(DkimResult::None, |d| d.result)
            },
            spf_aligned: v.dmarc.spf_aligned,
            dkim_aligned: v.dmarc.dkim_aligned,
            dmarc: v.dmarc.result,
            policy: match v.dmarc.policy {
                None => PolicyState::Absent,
                Some(Policy::None) => PolicyState::None,
                Some(Policy::Quarantine) => PolicyState::Quarantine,
                Some(Policy::Reject) => PolicyState::Reject,
            },
            arc: v.arc.result,
            fcrdns: s.fcrdns,
            tls: e.tls.is_some(),
            rfc5322: s.format_problems.is_empty(),
            format_problems: s.format_problems.join(", "),
            list_unsubscribe: s.list_unsubscribe,
            one_click: s.one_click,
            bulk: e.bulk,
            enforcement: e.enforcement,
            mail_from_dns: s.mail_from_dns,
            from_dns: s.from_dns,
            client_ip: e.client_ip.to_string(),
            from_domain: v.header_from_domain.clone().unwrap_or_default(),
            mail_from_domain: v.return_path_domain.clone(),
            helo: e.helo.to_string(),
        }
    }

    /// `text` with its placeholders filled in.
    fn fill(&self, text: &str) -> String {
        text.replace("{client_ip}", &self.client_ip)
            .replace("{from_domain}", &self.from_domain)
            .replace("{mail_from_domain}", &self.mail_from_domain)
            .replace("{helo}", &self.helo)
            .replace("{format_problems}", &self.format_problems)
    }
}

fn decide(profile: &Profile, facts: &Facts) -> ReceiverOutcome {
    let bulk = facts.bulk.unwrap_or(profile.bulk);
    let stage = facts.enforcement.unwrap_or(profile.enforcement);
    let mut applied: Vec<(Disposition, Option<&ReplyTemplate>, &Rule)> = profile
        .rules
        .iter()
        .filter(|rule| holds(&rule.when, facts, bulk))
        .map(|rule| match (&rule.defer_reply, stage) {
            (Some(defer), Enforcement::Defer) => (Disposition::Tempfail, Some(defer), rule),
            _ => (rule.action.disposition(), rule.reply.as_ref(), rule),
        })
        .collect();
    // Stable: rules of the same disposition stay in file order.
    applied.sort_by_key(|(disposition, _, _)| std::cmp::Reverse(disposition.severity()));
    let Some(&(disposition, reply, decisive)) = applied.first() else {
        return ReceiverOutcome {
            profile: profile.name.clone(),
            disposition: Disposition::Inbox,
            reply: None,
            banner: None,
            reasons: Vec::new(),
        };
    };
    ReceiverOutcome {
        profile: profile.name.clone(),
        disposition,
        reply: reply.map(|r| format!("{} {}", r.code, facts.fill(&r.text))),
        banner: decisive.banner.as_deref().map(|b| facts.fill(b)),
        reasons: applied
            .iter()
            .map(|(_, _, r)| facts.fill(&r.reason))
            .collect(),
    }
}

fn holds(when: &Conditions, f: &Facts, bulk: bool) -> bool {
    let flag = |wanted: Option<bool>, actual: bool| wanted.is_none_or(|w| w == actual);
    when.spf.as_ref().is_none_or(|m| m.matches(&f.spf))
        && when
            .header_from_spf
            .as_ref()
            .is_none_or(|m| m.matches(&f.header_from_spf))
        && when.dkim.as_ref().is_none_or(|m| m.matches(&f.dkim))
        && flag(when.spf_aligned, f.spf_aligned)
        && flag(when.dkim_aligned, f.dkim_aligned)
        && when.dmarc.as_ref().is_none_or(|m| m.matches(&f.dmarc))
        && when.policy.as_ref().is_none_or(|m| m.matches(&f.policy))
        && when.arc.as_ref().is_none_or(|m| m.matches(&f.arc))
        && flag(when.fcrdns, f.fcrdns)
        && flag(when.tls, f.tls)
        && flag(when.rfc5322, f.rfc5322)
        && flag(when.list_unsubscribe, f.list_unsubscribe)
        && flag(when.one_click, f.one_click)
        && flag(when.bulk, bulk)
        && when
            .mail_from_dns
            .as_ref()
            .is_none_or(|m| m.matches(&f.mail_from_dns))
        && when
            .from_dns
            .as_ref()
            .is_none_or(|m| m.matches(&f.from_dns))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::receiver::load_profile_str;

    /// SES's default setup as a receiver sees it: SPF and DKIM pass for
    /// amazonses.com, DMARC fails for example.com (p=none), the sending
    /// host has forward-confirmed reverse DNS, over TLS, with one-click
    /// unsubscribe.
    fn ses_default() -> Facts {
        Facts {
            spf: SpfResult::Pass,
            header_from_spf: SpfResult::Fail,
            dkim: DkimResult::Pass,
            spf_aligned: false,
            dkim_aligned: false,
            dmarc: DmarcResult::Fail,
            policy: PolicyState::None,
            arc: DkimResult::None,
            fcrdns: true,
            tls: true,
            rfc5322: true,
            format_problems: String::new(),
            list_unsubscribe: true,
            one_click: true,
            bulk: None,
            enforcement: None,
            mail_from_dns: DomainDns::Exists,
            from_dns: DomainDns::Exists,
            client_ip: "54.240.27.10".into(),
            from_domain: "example.com".into(),
            mail_from_domain: "ap-northeast-1.amazonses.com".into(),
            helo: "e234-2.smtp-out.ap-northeast-1.amazonses.com".into(),
        }
    }

    fn outcome(facts: &Facts) -> ReceiverOutcome {
        let profile = load_profile_str(PROFILE, Path::new("receivers/p.toml")).unwrap();
        decide(&profile, facts)
    }

    const PROFILE: &str = r#"
bulk = true

[[rule]]
when = { tls = false }
action = "tempfail"
reply = "421 4.7.29 no TLS from {client_ip}"
reason = "not over TLS"

[[rule]]
when = { spf_aligned = false, dkim_aligned = false, bulk = true }
action = "tempfail"
reply = "421 4.7.32 From {from_domain} not aligned"
reason = "From {from_domain} aligned with neither {mail_from_domain} nor a DKIM domain"

[[rule]]
when = { header_from_spf = "!pass", dmarc = "!pass" }
action = "reject"
reply = "550 Unknown user"
reason = "neither SPF of the From domain nor DMARC passes"

[[rule]]
when = { one_click = false }
action = "spam"
reason = "no one-click unsubscribe"
"#;

    #[test]
    fn the_strictest_rule_decides_and_every_reason_is_listed() {
        let found = outcome(&ses_default());
        assert_eq!(found.profile, "p");
        assert_eq!(found.disposition, Disposition::Reject);
        assert_eq!(found.reply.as_deref(), Some("550 Unknown user"));
        assert_eq!(
            found.reasons,
            [
                "neither SPF of the From domain nor DMARC passes",
                "From example.com aligned with neither ap-northeast-1.amazonses.com nor a DKIM domain",
            ]
        );
    }

    #[test]
    fn a_passing_message_goes_to_the_inbox() {
        let facts = Facts {
            dmarc: DmarcResult::Pass,
            spf_aligned: true,
            ..ses_default()
        };
        let found = outcome(&facts);
        assert_eq!(found.disposition, Disposition::Inbox);
        assert_eq!(found.reply, None);
        assert!(found.reasons.is_empty());
    }

    #[test]
    fn tls_unsubscribe_and_placeholders() {
        let passing = Facts {
            dmarc: DmarcResult::Pass,
            dkim_aligned: true,
            ..ses_default()
        };
        let plain = outcome(&Facts {
            tls: false,
            ..passing.clone()
        });
        assert_eq!(plain.disposition, Disposition::Tempfail);
        assert_eq!(
            plain.reply.as_deref(),
            Some("421 4.7.29 no TLS from 54.240.27.10")
        );
        let junk = outcome(&Facts {
            one_click: false,
            ..passing
        });
        assert_eq!(junk.disposition, Disposition::Spam);
        assert_eq!(junk.reply, None);
        assert_eq!(junk.reasons, ["no one-click unsubscribe"]);
    }

    #[test]
    fn the_scenario_can_say_the_sender_is_not_bulk() {
        let facts = |bulk| Facts {
            header_from_spf: SpfResult::Pass,
            bulk,
            ..ses_default()
        };
        assert_eq!(outcome(&facts(None)).disposition, Disposition::Tempfail);
        assert_eq!(outcome(&facts(Some(false))).disposition, Disposition::Inbox);
    }

    #[test]
    fn policy_absent_and_lists_of_values() {
        let profile = load_profile_str(
            r#"
[[rule]]
when = { policy = "absent" }
action = "tempfail"
reply = "421 4.7.31 no DMARC"
reason = "no DMARC record"

[[rule]]
when = { dkim = ["fail", "permerror"], arc = "!pass" }
action = "spam"
reason = "a broken signature"
"#,
            Path::new("receivers/q.toml"),
        )
        .unwrap();
        let found = decide(
            &profile,
            &Facts {
                policy: PolicyState::Absent,
                dkim: DkimResult::PermError,
                ..ses_default()
            },
        );
        assert_eq!(found.disposition, Disposition::Tempfail);
        assert_eq!(found.reasons, ["no DMARC record", "a broken signature"]);
        let sealed = decide(
            &profile,
            &Facts {
                dkim: DkimResult::Fail,
                arc: DkimResult::Pass,
                ..ses_default()
            },
        );
        assert_eq!(sealed.disposition, Disposition::Inbox);
    }

    /// A carrier that warns, drops and defers: the strictest decides, a
    /// warning carries its banner, and the enforcement stage (the
    /// profile's, or the scenario's over it) turns a reject into a defer.
    #[test]
    fn warnings_drops_and_enforcement_stages() {
        let profile = load_profile_str(
            r#"
[[rule]]
when = { dmarc = "fail" }
action = "warn"
banner = "{from_domain} may be spoofed"
reason = "DMARC fails"

[[rule]]
when = { header_from_spf = "!pass", dmarc = "!pass" }
action = "drop"
reason = "From not verified"

[[rule]]
when = { mail_from_dns = "nxdomain" }
action = "reject"
reply = "553 {mail_from_domain} does not exist"
defer_reply = "451 4.7.1 {mail_from_domain} does not exist yet"
reason = "no such envelope domain"
"#,
            Path::new("receivers/carrier.toml"),
        )
        .unwrap();
        let warned = decide(
            &profile,
            &Facts {
                header_from_spf: SpfResult::Pass,
                ..ses_default()
            },
        );
        assert_eq!(warned.disposition, Disposition::InboxWithWarning);
        assert_eq!(warned.banner.as_deref(), Some("example.com may be spoofed"));
        assert_eq!(warned.reply, None);
        let dropped = decide(&profile, &ses_default());
        assert_eq!(dropped.disposition, Disposition::Dropped);
        assert_eq!(dropped.banner, None);
        assert_eq!(dropped.reasons, ["From not verified", "DMARC fails"]);
        let missing = Facts {
            mail_from_dns: DomainDns::Nxdomain,
            mail_from_domain: "nowhere.test".into(),
            ..ses_default()
        };
        let refused = decide(&profile, &missing);
        assert_eq!(refused.disposition, Disposition::Reject);
        assert_eq!(
            refused.reply.as_deref(),
            Some("553 nowhere.test does not exist")
        );
        let deferred = decide(
            &profile,
            &Facts {
                enforcement: Some(Enforcement::Defer),
                ..missing
            },
        );
        assert_eq!(deferred.disposition, Disposition::Tempfail);
        assert_eq!(
            deferred.reply.as_deref(),
            Some("451 4.7.1 nowhere.test does not exist yet")
        );
        assert_eq!(deferred.reasons[0], "no such envelope domain");
    }

    #[test]
    fn strictest_and_refusal() {
        let o = |profile: &str, disposition, reply: Option<&str>| ReceiverOutcome {
            profile: profile.into(),
            disposition,
            reply: reply.map(String::from),
            banner: None,
            reasons: Vec::new(),
        };
        let outcomes = [
            o("a", Disposition::Spam, None),
            o("b", Disposition::Reject, Some("550 5.7.26 first")),
            o("c", Disposition::Reject, Some("550 5.7.515 second")),
            o("d", Disposition::Tempfail, Some("421 4.7.32 later")),
        ];
        let chosen = strictest(&outcomes).unwrap();
        assert_eq!(chosen.profile, "b");
        assert_eq!(refusal(chosen), Some(Reply::new(550, "5.7.26 first")));
        assert_eq!(refusal(&outcomes[0]), None);
        assert!(strictest(&[]).is_none());
    }
}
