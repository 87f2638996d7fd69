use serde::Serialize;

use super::records::RecordChange;
use crate::{
    expect::VERDICT_FIELDS,
    report::{MessageReport, ScenarioReport},
};

/// One field of the report whose value differs between the two runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The message (1-based) the field belongs to; absent for the relay's
    /// outcome and the message count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<usize>,
    /// The field as the JSON report names it (`return_path_domain`,
    /// `dmarc.spf_aligned`, `receivers.gmail`, …).
    pub field: String,
    pub before: String,
    pub after: String,
}

/// Every field of the verdicts that differs between the run under
/// `--before` and the run under `--after`, in the order the receiver
/// decides them: the relay's outcome, the Return-Path, SPF, DKIM, DMARC,
/// ARC, then the receiver profiles.
pub fn verdict_changes(before: &ScenarioReport, after: &ScenarioReport) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let outcome = |s: &ScenarioReport| {
        if s.relay.accepted {
            "delivered".to_string()
        } else {
            format!("refused: {}", s.relay.reply)
        }
    };
    push(&mut out, None, "outcome", outcome(before), outcome(after));
    push(
        &mut out,
        None,
        "messages",
        before.messages.len().to_string(),
        after.messages.len().to_string(),
    );
    for (i, (b, a)) in before.messages.iter().zip(&after.messages).enumerate() {
        message_changes(&mut out, Some(i + 1), b, a);
    }
    out
}

fn push(out: &mut Vec<FieldChange>, message: Option<usize>, field: &str, b: String, a: String) {
    if b != a {
        out.push(FieldChange {
            message,
            field: field.to_string(),
            before: b,
            after: a,
        });
    }
}

fn message_changes(
    out: &mut Vec<FieldChange>,
    n: Option<usize>,
    b: &MessageReport,
    a: &MessageReport,
) {
    // The verdict's fields, read as expectations read them.
    for field in VERDICT_FIELDS {
        push(
            out,
            n,
            field.key,
            (field.read)(&b.verdict),
            (field.read)(&a.verdict),
        );
    }
    let disposition = |m: &MessageReport, profile: &str| {
        m.receivers
            .iter()
            .find(|r| r.profile == profile)
            .map_or_else(
                || "(not run)".to_string(),
                |r| {
                    let d = serde_json::to_value(r.disposition)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    match &r.reply {
                        Some(reply) => format!("{d} ({reply})"),
                        None => d,
                    }
                },
            )
    };
    let mut profiles: Vec<&str> = b
        .receivers
        .iter()
        .chain(&a.receivers)
        .map(|r| r.profile.as_str())
        .collect();
    profiles.dedup();
    let mut seen = Vec::new();
    for p in profiles {
        if seen.contains(&p) {
            continue;
        }
        seen.push(p);
        push(
            out,
            n,
            &format!("receivers.{p}"),
            disposition(b, p),
            disposition(a, p),
        );
    }
}

/// One line that chains the cause to its effects, e.g. `MX
/// bounce.example.com removed → Return-Path falls back to
/// ap-northeast-1.amazonses.com → SPF no longer aligned`. Effects are
/// said once even when several messages share them.
pub fn explain(records: &[RecordChange], changes: &[FieldChange]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let cause: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    if !cause.is_empty() {
        parts.push(cause.join(", "));
    }
    let mut effects: Vec<String> = Vec::new();
    // What the sender sees comes last: a refusal is the receiver's answer
    // to everything before it.
    let mut outcome = None;
    let mut dkim_said = false;
    // A disposition without its reply: `reject (550 5.7.26 …)` → `reject`.
    let short = |v: &str| v.split(" (").next().unwrap_or(v).to_string();
    for c in changes {
        let (b, a) = (c.before.as_str(), c.after.as_str());
        let effect = match c.field.as_str() {
            "outcome" => {
                outcome = Some(match a.strip_prefix("refused: ") {
                    Some(reply) => {
                        let code: Vec<&str> = reply.split_whitespace().take(2).collect();
                        format!("the sender is refused ({})", code.join(" "))
                    }
                    None => "the message is delivered".to_string(),
                });
                None
            }
            "messages" => None,
            "return_path_domain"
                if a.ends_with("amazonses.com") && !b.ends_with("amazonses.com") =>
            {
                Some(format!("Return-Path falls back to {a}"))
            }
            "return_path_domain" => Some(format!("Return-Path moves to {a}")),
            "spf.result" => Some(format!("SPF {b} → {a}")),
            "spf.helo_result" => Some(format!("HELO SPF {b} → {a}")),
            "dkim" if !dkim_said => {
                dkim_said = true;
                Some(format!("DKIM {b} → {a}"))
            }
            "dmarc.spf_aligned" if a == "false" => Some("SPF no longer aligned".to_string()),
            "dmarc.spf_aligned" => Some("SPF now aligned".to_string()),
            "dmarc.dkim_aligned" if a == "false" => Some("DKIM no longer aligned".to_string()),
            "dmarc.dkim_aligned" => Some("DKIM now aligned".to_string()),
            "dmarc.result" => Some(format!("DMARC {b} → {a}")),
            "dmarc.policy" => Some(format!("DMARC policy {b} → {a}")),
            "dmarc.disposition" => Some(format!("disposition {b} → {a}")),
            "arc.result" => Some(format!("ARC {b} → {a}")),
            field => field
                .strip_prefix("receivers.")
                .map(|profile| format!("{profile}: {} → {}", short(b), short(a))),
        };
        if let Some(e) = effect
            && !effects.contains(&e)
        {
            effects.push(e);
        }
    }
    effects.extend(outcome);
    parts.extend(effects);
    parts.join(" → ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::records::ChangeKind;

    #[test]
    fn explanations_chain_cause_and_effects() {
        let record = RecordChange {
            name: "bounce.example.com.".into(),
            rtype: "MX".into(),
            change: ChangeKind::Removed,
            before: vec!["10 feedback-smtp.ap-northeast-1.amazonses.com.".into()],
            after: Vec::new(),
            origin: None,
        };
        let change = |field: &str, b: &str, a: &str| FieldChange {
            message: Some(1),
            field: field.into(),
            before: b.into(),
            after: a.into(),
        };
        let changes = [
            change(
                "return_path_domain",
                "bounce.example.com",
                "ap-northeast-1.amazonses.com",
            ),
            change(
                "spf.domain",
                "bounce.example.com",
                "ap-northeast-1.amazonses.com",
            ),
            change("dmarc.spf_aligned", "true", "false"),
        ];
        assert_eq!(
            explain(std::slice::from_ref(&record), &changes),
            "MX bounce.example.com removed → Return-Path falls back to ap-northeast-1.amazonses.com → SPF no longer aligned"
        );
        // The sender's refusal comes last, receivers without their replies.
        let refused = [
            FieldChange {
                message: None,
                field: "outcome".into(),
                before: "delivered".into(),
                after: "refused: 550 5.7.26 Unauthenticated email".into(),
            },
            change("dmarc.result", "pass", "fail"),
            change(
                "receivers.gmail",
                "inbox",
                "reject (550 5.7.26 Unauthenticated email)",
            ),
        ];
        assert_eq!(
            explain(&[record], &refused),
            "MX bounce.example.com removed → DMARC pass → fail → gmail: inbox → reject → the sender is refused (550 5.7.26)"
        );
    }
}
