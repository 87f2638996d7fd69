use std::fmt::Write as _;

use super::text::esc;
use crate::report::FeedbackReport;

/// What the SES mailbox simulator gave back: each recipient's answer,
/// each message sent back to the envelope from (its headers and report
/// fields as stored), each notification (its SES event, pretty-printed).
pub(super) fn feedback(out: &mut String, feedback: &FeedbackReport) {
    out.push_str(r#"<section class="feedback"><h4>SES mailbox simulator</h4><ul>"#);
    for r in &feedback.recipients {
        let _ = write!(
            out,
            r#"<li><span class="mono">{}</span>: <span class="mono">{}</span></li>"#,
            esc(&r.address),
            esc(&r.reply)
        );
    }
    for m in &feedback.messages {
        let d = &m.delivery;
        let _ = write!(
            out,
            r#"<li>{} to <span class="mono">{}</span>{}: <span class="mono">{}</span>"#,
            esc(d.kind.name()),
            esc(&d.rcpt_to),
            d.mx.as_deref()
                .map(|mx| format!(r#" via MX <span class="mono">{}</span>"#, esc(mx)))
                .unwrap_or_default(),
            esc(&if d.delivered {
                d.reply.clone()
            } else {
                format!("not delivered: {}", d.reply)
            })
        );
        if let Some(received) = &m.received {
            let mut text = received.headers.join("\n");
            if let Some(report) = &received.report {
                text.push_str("\n\n");
                text.push_str(report);
            }
            let _ = write!(
                out,
                r#"<details><summary>headers and report fields as stored</summary><pre class="headers">{}</pre></details>"#,
                esc(&text)
            );
        }
        out.push_str("</li>");
    }
    for n in &feedback.notifications {
        let json = serde_json::to_string_pretty(&n.message).unwrap_or_default();
        let _ = write!(
            out,
            r#"<li>notification <b>{}</b><details><summary>SES event (the SNS Message)</summary><pre class="headers">{}</pre></details></li>"#,
            esc(n.notification_type().name()),
            esc(&json)
        );
    }
    out.push_str("</ul></section>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{relay::SimulatedRecipient, ses::SimulatorMailbox};

    #[test]
    fn what_comes_back_is_escaped() {
        let report = FeedbackReport {
            recipients: vec![SimulatedRecipient {
                address: "bounce+<b>@simulator.amazonses.com".into(),
                mailbox: SimulatorMailbox::Bounce,
                reply: "550 5.1.1 <script>".into(),
            }],
            ..Default::default()
        };
        let mut out = String::new();
        feedback(&mut out, &report);
        assert!(
            out.contains("bounce+&lt;b&gt;@simulator.amazonses.com"),
            "{out}"
        );
        assert!(out.contains("550 5.1.1 &lt;script&gt;"), "{out}");
        assert!(!out.contains("<script>"));
    }
}
