use std::fmt::Write as _;

use super::text::{esc, tone};
use crate::report::{MessageReport, RouteStep};

/// An arrow between two hosts of the route.
const ARROW: &str = r##"<svg viewBox="0 0 30 12" aria-hidden="true"><path d="M1 6 H24" stroke="#8c959f" stroke-width="2"/><path d="M22 1 L29 6 L22 11 Z" fill="#8c959f"/></svg>"##;

/// One message: its route, the identifiers the receiver checked with what
/// aligns, the verdicts, the receiver profiles' dispositions and the raw
/// headers on demand.
pub(super) fn message(out: &mut String, n: usize, m: &MessageReport, route: &[RouteStep]) {
    let _ = write!(
        out,
        r#"<div class="msg"><div class="msg-title">message {n} to {} · MAIL FROM <span class="mono">{}</span></div>"#,
        esc(&m.envelope.rcpt_to.join(", ")),
        esc(if m.envelope.mail_from.is_empty() {
            "<>"
        } else {
            &m.envelope.mail_from
        })
    );
    route_diagram(out, route, m);
    identities(out, m);
    verdicts(out, m);
    receivers(out, m);
    if !m.stored_headers.is_empty() {
        let _ = write!(
            out,
            r#"<details><summary>raw headers of the stored message</summary><pre class="headers">{}</pre></details>"#,
            esc(m.stored_headers.trim_end())
        );
    }
    out.push_str("</div>");
}

/// The hosts from sender to receiver, as boxes joined by arrows; the last
/// arrow names the TLS version when the delivery used STARTTLS.
fn route_diagram(out: &mut String, route: &[RouteStep], m: &MessageReport) {
    if route.is_empty() {
        return;
    }
    out.push_str(r#"<ol class="route">"#);
    for (i, step) in route.iter().enumerate() {
        if i > 0 {
            let last = i + 1 == route.len();
            let label = match (&m.envelope.tls, last) {
                (Some(tls), true) => esc(tls),
                _ => "SMTP".to_string(),
            };
            let _ = write!(out, r#"<li class="link">{ARROW}<span>{label}</span></li>"#);
        }
        // The receiver says whom it saw the message come from.
        let seen = if i + 1 == route.len() {
            format!(
                r#"<span class="detail">from {} [{}]</span>"#,
                esc(&m.envelope.helo),
                m.envelope.client_ip
            )
        } else {
            String::new()
        };
        let _ = write!(
            out,
            r#"<li class="hop {}"><span class="role">{}</span><span class="name">{}</span><span class="detail">{}</span>{seen}</li>"#,
            super::text::slug(&step.role),
            esc(&step.role),
            esc(&step.name),
            esc(&step.detail)
        );
    }
    out.push_str("</ol>");
}

/// The header From on the left, the identifiers the receiver authenticated
/// on the right (the Return-Path for SPF, each DKIM signer), joined by a
/// line that says whether the identifier passed aligned with the From
/// domain, as the verdict says.
fn identities(out: &mut String, m: &MessageReport) {
    let v = &m.verdict;
    let rows = 1 + v.dkim.len().max(1);
    let from_domain = v.header_from_domain.as_deref().unwrap_or("(none)");
    let policy = match &v.dmarc.published {
        Some(p) => format!(
            "DMARC p={} at {} · adkim={} aspf={}",
            p.p, p.domain, p.adkim, p.aspf
        ),
        None => "no DMARC record".to_string(),
    };
    let _ = write!(
        out,
        r#"<div class="ids"><div class="idbox from" style="--rows: {rows}"><span class="role">header From</span><span class="dom">{}</span><span class="sub">{}</span><span class="sub">{}</span></div>"#,
        esc(from_domain),
        esc(v.header_from.as_deref().unwrap_or("")),
        esc(&policy)
    );
    // SPF: the Return-Path domain.
    let spf = v.spf.result.to_string();
    let (class, label) = alignment(v.dmarc.spf_aligned, spf == "pass");
    connector(out, class, label);
    let _ = write!(
        out,
        r#"<div class="idbox {}"><span class="role">Return-Path · SPF <b class="{}">{}</b></span><span class="dom">{}</span><span class="sub">SPF checked for {}</span></div>"#,
        if class == "ok" { "ok" } else { "" },
        tone(&spf),
        esc(&spf),
        esc(if v.return_path_domain.is_empty() {
            "(null sender)"
        } else {
            &v.return_path_domain
        }),
        esc(&v.spf.domain)
    );
    if v.dkim.is_empty() {
        connector(out, "muted", "✗ unsigned");
        out.push_str(
            r#"<div class="idbox"><span class="role">DKIM</span><span class="dom">no signature</span></div>"#,
        );
    }
    for d in &v.dkim {
        let result = d.result.to_string();
        let (class, label) = alignment(d.aligned, result == "pass");
        connector(out, class, label);
        let reason = d
            .reason
            .as_deref()
            .map(|r| format!(" · {}", esc(r)))
            .unwrap_or_default();
        let _ = write!(
            out,
            r#"<div class="idbox {}"><span class="role">DKIM signer · <b class="{}">{}</b></span><span class="dom">d={}</span><span class="sub">s={} · {}{reason}</span></div>"#,
            if class == "ok" { "ok" } else { "" },
            tone(&result),
            esc(&result),
            esc(&d.domain),
            esc(&d.selector),
            esc(&d.algorithm)
        );
    }
    out.push_str("</div>");
}

fn connector(out: &mut String, class: &str, label: &str) {
    let _ = write!(
        out,
        r#"<div class="conn {class}"><span><b>{label}</b></span></div>"#
    );
}

/// SPF, DKIM, DMARC (and ARC when sealed) as badges, with the policy and
/// what it asks the receiver to do.
fn verdicts(out: &mut String, m: &MessageReport) {
    let v = &m.verdict;
    out.push_str(r#"<div class="verdicts">"#);
    badge(
        out,
        &v.spf.result.to_string(),
        &format!("SPF {}", v.spf.result),
    );
    if v.dkim.is_empty() {
        badge(out, "none", "DKIM none");
    }
    for d in &v.dkim {
        badge(
            out,
            &d.result.to_string(),
            &format!("DKIM {} d={}", d.result, d.domain),
        );
    }
    let dmarc = v.dmarc.result.to_string();
    badge(out, &dmarc, &format!("DMARC {dmarc}"));
    if v.arc.sets > 0 {
        badge(
            out,
            &v.arc.result.to_string(),
            &format!("ARC {} ({} sets)", v.arc.result, v.arc.sets),
        );
    }
    let _ = write!(
        out,
        r#"<span class="note">for {} · policy {} · disposition <b>{}</b> · DMARC by {}{}</span>"#,
        esc(&v.dmarc.domain),
        v.dmarc
            .policy
            .map_or_else(|| "(no record)".to_string(), |p| p.to_string()),
        v.dmarc.disposition,
        v.dmarc.spec,
        match &m.envelope.tls {
            Some(t) => format!(" · delivered over {}", esc(t)),
            None => String::new(),
        }
    );
    out.push_str("</div>");
    for note in &v.dmarc.notes {
        let _ = write!(out, r#"<p class="note">{}</p>"#, esc(note));
    }
    if let Some(other) = &v.dmarc_other_spec {
        let _ = write!(
            out,
            r#"<p class="note"><span class="badge {}">{} says DMARC {}</span> policy {} · disposition <b>{}</b></p><ul class="note">"#,
            tone(other.result.as_str()),
            other.spec,
            other.result,
            other
                .policy
                .map_or_else(|| "(no record)".to_string(), |p| p.to_string()),
            other.disposition,
        );
        for why in &other.why {
            let _ = write!(out, "<li>{}</li>", esc(why));
        }
        out.push_str("</ul>");
    }
}

fn badge(out: &mut String, word: &str, text: &str) {
    let _ = write!(
        out,
        r#"<span class="badge {}">{}</span>"#,
        tone(word),
        esc(text)
    );
}

/// What each receiver profile did with the message; nothing when the
/// scenario names none.
fn receivers(out: &mut String, m: &MessageReport) {
    if m.receivers.is_empty() {
        return;
    }
    out.push_str(
        r#"<table class="receivers"><thead><tr><th>receiver</th><th>disposition</th><th>reply</th><th>why</th></tr></thead><tbody>"#,
    );
    for r in &m.receivers {
        let disposition = serde_json::to_value(r.disposition)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = write!(
            out,
            r#"<tr><td><b>{}</b></td><td><span class="badge {}">{}</span></td><td class="mono">{}</td><td>{}</td></tr>"#,
            esc(&r.profile),
            tone(&disposition),
            esc(&disposition),
            esc(r.reply.as_deref().unwrap_or("250 accepted")),
            r.banner
                .iter()
                .map(|banner| format!("banner: {}", esc(banner)))
                .chain(r.reasons.iter().map(|reason| esc(reason)))
                .collect::<Vec<_>>()
                .join("<br>")
        );
    }
    out.push_str("</tbody></table>");
}

/// An identifier's line to the header From: aligned (it passed for the
/// From's organization), passed but not aligned, or did not pass.
fn alignment(aligned: bool, passed: bool) -> (&'static str, &'static str) {
    if aligned {
        ("ok", "✓ aligned")
    } else if passed {
        ("bad", "✗ not aligned")
    } else {
        ("muted", "✗ no pass")
    }
}
