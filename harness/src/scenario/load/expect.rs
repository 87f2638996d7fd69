//! `[expect]`: what the scenario expects of the verdict, the relay and
//! the receivers.

use toml::Spanned;

use super::{
    super::{
        model::{
            AnyOf, ArcExpectation, DeliveryExpectation, DkimExpectation, DmarcExpectation,
            Expectations, FeedbackExpectation, Outcome, SpfExpectation,
        },
        raw::{FeedbackKindName, RawExpect},
    },
    context::Context,
};
use crate::{document::quoted_list, receiver::Disposition, relay::FeedbackKind};

impl Context<'_> {
    /// `profiles`: the names `[receivers]` gives, `None` when that section
    /// had errors (expectations about receivers are then not checked).
    pub(super) fn expect(
        &mut self,
        mut raw: RawExpect,
        profiles: Option<&[String]>,
    ) -> Option<Expectations> {
        let receivers = self.expected_receivers(&mut raw, profiles)?;
        let outcome = match &raw.outcome {
            Some(o) => Some(self.outcome(o)?),
            None => None,
        };
        Some(expectations(raw, receivers, outcome))
    }

    /// `[expect.receivers]`: a disposition for each profile `[receivers]`
    /// names, in that order.
    fn expected_receivers(
        &mut self,
        raw: &mut RawExpect,
        profiles: Option<&[String]>,
    ) -> Option<Vec<(String, Disposition)>> {
        let mark = self.mark();
        let mut receivers = Vec::new();
        for (name, disposition) in raw.receivers.take().unwrap_or_default() {
            self.profile_named(&name, profiles);
            receivers.push((name.into_inner(), disposition));
        }
        if let Some(known) = profiles {
            receivers.sort_by_key(|(name, _)| known.iter().position(|k| k == name));
        }
        self.clean_since(mark).then_some(receivers)
    }

    /// An error unless `name` is one of `profiles` (not checked when they
    /// are not known).
    fn profile_named(&mut self, name: &Spanned<String>, profiles: Option<&[String]>) {
        match profiles {
            Some([]) => self.error(
                name.span(),
                format!(
                    "expect.receivers needs [receivers] profiles = [\"{}\", ...]",
                    name.get_ref()
                ),
            ),
            Some(known) if !known.contains(name.get_ref()) => {
                let known: Vec<&str> = known.iter().map(String::as_str).collect();
                self.error(
                    name.span(),
                    format!(
                        "expected one of {} (the profiles [receivers] names), found \"{}\"",
                        quoted_list(&known),
                        name.get_ref()
                    ),
                );
            }
            _ => {}
        }
    }

    /// `outcome = "delivered" | "refused" | "refused: <error code>"`.
    fn outcome(&mut self, outcome: &Spanned<String>) -> Option<Outcome> {
        let parsed = match outcome.get_ref().as_str() {
            "delivered" => Some(Outcome::Delivered),
            "refused" => Some(Outcome::Refused(None)),
            other => other
                .strip_prefix("refused:")
                .map(str::trim)
                .filter(|code| !code.is_empty())
                .map(|code| Outcome::Refused(Some(code.to_string()))),
        };
        if parsed.is_none() {
            self.error(
                outcome.span(),
                format!(
                    "expected one of \"delivered\", \"refused\", \"refused: <error code>\", found \"{}\"",
                    outcome.get_ref()
                ),
            );
        }
        parsed
    }
}

/// The expectations, domains lowercase.
fn expectations(
    raw: RawExpect,
    receivers: Vec<(String, Disposition)>,
    outcome: Option<Outcome>,
) -> Expectations {
    Expectations {
        receivers,
        outcome,
        feedback: raw.feedback.map(|f| FeedbackExpectation {
            kinds: f.kind.map(|k| match k {
                FeedbackKindName::Bounce => vec![FeedbackKind::Bounce],
                FeedbackKindName::AutoReply => vec![FeedbackKind::AutoReply],
                FeedbackKindName::Complaint => vec![FeedbackKind::Complaint],
                FeedbackKindName::None => Vec::new(),
            }),
            notifications: f.notifications,
            mx: f.mx.map(|m| m.to_ascii_lowercase()),
            rcpt_domain: f.rcpt_domain.map(|d| d.to_ascii_lowercase()),
        }),
        return_path_domain: raw.return_path_domain.map(|d| d.to_ascii_lowercase()),
        spf: raw.spf.map(|s| SpfExpectation {
            result: s.result.map(|r| AnyOf(r.0)),
            domain: s.domain.map(|d| d.to_ascii_lowercase()),
            helo_result: s.helo_result.map(|r| AnyOf(r.0)),
        }),
        arc: raw.arc.map(|a| ArcExpectation {
            result: a.result.map(|r| AnyOf(r.0)),
            sets: a.sets,
        }),
        dkim: raw.dkim.map(|list| {
            list.into_iter()
                .map(|d| DkimExpectation {
                    domain: d.domain.to_ascii_lowercase(),
                    result: AnyOf(d.result.0),
                    selector: d.selector,
                })
                .collect()
        }),
        dmarc: raw.dmarc.map(|d| DmarcExpectation {
            result: d.result.map(|r| AnyOf(r.0)),
            policy: d.policy,
            spf_aligned: d.spf_aligned,
            dkim_aligned: d.dkim_aligned,
            disposition: d.disposition.map(|r| AnyOf(r.0)),
            rua_authorized: d.rua_authorized,
        }),
        delivery: raw.delivery.map(|d| DeliveryExpectation {
            attempts: d.attempts,
            disposition: d.disposition,
        }),
    }
}
