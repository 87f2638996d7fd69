//! The relay's answer against `expect.outcome`, and the rules that hold
//! for every scenario whatever it expects: a refused send cannot satisfy
//! expectations about a verdict, and an accepted send must reach the
//! receiver.

use super::Mismatch;
use crate::{
    receiver::Disposition,
    scenario::{Expectations, Outcome},
};

/// Compares the relay's answer with `expect.outcome`. `refused` is the
/// final SMTP reply the sender got; `None` when the message was delivered.
pub fn compare_outcome(expect: &Expectations, refused: Option<&str>) -> Vec<Mismatch> {
    let found = match refused {
        None => "delivered".to_string(),
        Some(reply) => format!("refused: {reply}"),
    };
    let ok = match (&expect.outcome, refused) {
        (None, _) => true,
        (Some(Outcome::Delivered), None) => true,
        (Some(Outcome::Refused(None)), Some(_)) => true,
        (Some(Outcome::Refused(Some(code))), Some(reply)) => reply.contains(code.as_str()),
        _ => false,
    };
    if ok {
        Vec::new()
    } else {
        vec![Mismatch::new(
            "outcome",
            expect
                .outcome
                .as_ref()
                .map_or_else(String::new, |o| o.to_string()),
            found,
        )]
    }
}

/// Compares `expect.delivery` with how many attempts the sending path
/// made to deliver to the receiver and what became of the message there
/// (`None`: it never reached a receiver).
pub fn compare_delivery(
    expect: &Expectations,
    attempts: usize,
    disposition: Option<Disposition>,
) -> Vec<Mismatch> {
    let Some(delivery) = &expect.delivery else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(expected) = delivery.attempts
        && usize::try_from(expected).ok() != Some(attempts)
    {
        out.push(Mismatch::new(
            "delivery.attempts",
            expected.to_string(),
            attempts.to_string(),
        ));
    }
    if let Some(expected) = delivery.disposition
        && Some(expected) != disposition
    {
        out.push(Mismatch::new(
            "delivery.disposition",
            expected.to_string(),
            disposition.map_or_else(
                || "none (the message reached no receiver)".to_string(),
                |d| d.to_string(),
            ),
        ));
    }
    out
}

/// Whether the scenario expects anything of a verdict or of the receivers:
/// then a message must have been judged.
pub fn expects_verdict(expect: &Expectations) -> bool {
    expect.return_path_domain.is_some()
        || expect.spf.is_some()
        || expect.dkim.is_some()
        || expect.dmarc.is_some()
        || expect.arc.is_some()
        || !expect.receivers.is_empty()
}

/// The rules every run answers to, after its own expectations: a send the
/// relay refused, in a scenario that expects a verdict and says nothing of
/// the outcome, fails (a receiver that refused at the end of DATA has seen
/// the message, so with `judged` messages the verdict is there to check);
/// an accepted send that reached no receiver fails.
pub fn delivery_rules(
    expect: &Expectations,
    accepted: bool,
    reply: &str,
    judged: usize,
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if !accepted && expects_verdict(expect) && expect.outcome.is_none() && judged == 0 {
        out.push(Mismatch::new(
            "outcome",
            "delivered (the scenario expects a verdict)",
            format!("refused: {reply}"),
        ));
    }
    if accepted && judged == 0 {
        out.push(Mismatch::new(
            "messages",
            "at least one captured message",
            "none",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_outcome_matches_the_error_code() {
        let expect = Expectations {
            outcome: Some(Outcome::Refused(Some("MailFromDomainNotVerified".into()))),
            ..Default::default()
        };
        assert!(
            compare_outcome(&expect, Some("554 5.7.1 MailFromDomainNotVerified: x")).is_empty()
        );
        assert_eq!(compare_outcome(&expect, None).len(), 1);
        assert_eq!(compare_outcome(&expect, Some("554 other")).len(), 1);
    }

    #[test]
    fn delivery_attempts_and_final_disposition() {
        let expect = Expectations {
            delivery: Some(crate::scenario::DeliveryExpectation {
                attempts: Some(2),
                disposition: Some(Disposition::Inbox),
            }),
            ..Default::default()
        };
        assert!(compare_delivery(&expect, 2, Some(Disposition::Inbox)).is_empty());
        let found = compare_delivery(&expect, 17, Some(Disposition::Tempfail));
        assert_eq!(
            found,
            [
                Mismatch::new("delivery.attempts", "2", "17"),
                Mismatch::new("delivery.disposition", "inbox", "tempfail"),
            ]
        );
        assert_eq!(
            compare_delivery(&expect, 0, None)[1].found,
            "none (the message reached no receiver)"
        );
        assert!(compare_delivery(&Expectations::default(), 0, None).is_empty());
    }

    #[test]
    fn refused_sends_and_lost_messages_fail_whatever_the_expectations() {
        let mut expect = Expectations::default();
        assert!(delivery_rules(&expect, false, "554 no", 0).is_empty());
        assert_eq!(
            delivery_rules(&expect, true, "250 ok", 0)[0].field,
            "messages"
        );
        expect.receivers = vec![("gmail".into(), crate::receiver::Disposition::Inbox)];
        let refused = delivery_rules(&expect, false, "554 no", 0);
        assert_eq!(refused[0].found, "refused: 554 no");
        assert!(delivery_rules(&expect, false, "550 5.7.26", 1).is_empty());
    }
}
