//! The `Received:` trace header a receiving MTA prepends.

use std::net::IpAddr;

use super::mailbox::Captured;

/// The longest header line, CRLF excluded (RFC 5322 §2.1.1).
const LINE_MAX: usize = 78;

/// The `Received:` header (CRLF included, folded at 78 characters) a
/// receiving MTA would prepend for this message:
///
/// ```text
/// Received: from <helo> (<helo> [<client_ip>])
///         by <hostname> with ESMTP id <id>
///         for <rcpt>; <RFC 5322 date>
/// ```
///
/// The `for` clause appears only when there is exactly one recipient, as
/// Postfix does; an IPv6 client is written `[IPv6:<ip>]`. After STARTTLS
/// the protocol is `ESMTPS` (RFC 3848) and a `(using <version>)` clause
/// names the TLS version. Control characters in the HELO name or hostname
/// become `?`.
pub fn received_header(captured: &Captured, hostname: &str) -> String {
    let envelope = &captured.envelope;
    let helo = sanitize(&envelope.helo);
    let ip = match envelope.client_ip {
        IpAddr::V4(ip) => format!("[{ip}]"),
        IpAddr::V6(ip) => format!("[IPv6:{ip}]"),
    };
    let mut clauses = vec![format!("from {helo} ({helo} {ip})")];
    if let Some(version) = &envelope.tls {
        clauses.push(format!("(using {})", sanitize(version)));
    }
    clauses.extend([
        format!("by {}", sanitize(hostname)),
        if envelope.tls.is_some() {
            "with ESMTPS".to_string()
        } else {
            "with ESMTP".to_string()
        },
        format!("id {}", captured.id),
    ]);
    if let [rcpt] = envelope.rcpt_to.as_slice() {
        clauses.push(format!("for <{}>", sanitize(rcpt)));
    }
    if let Some(last) = clauses.last_mut() {
        last.push(';');
    }
    clauses.push(captured.received_at.to_rfc2822());
    fold("Received:", &clauses)
}

fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Joins `clauses` after `name` with spaces, starting a continuation line
/// (CRLF TAB) before a clause that would pass [`LINE_MAX`]; a clause too
/// long for a line of its own is folded between words. A single word
/// longer than a line cannot be folded and stays whole.
fn fold(name: &str, clauses: &[String]) -> String {
    let mut header = name.to_string();
    let mut column = name.chars().count();
    for clause in clauses {
        let width = clause.chars().count();
        // Too long for this line but fits on a continuation line of its own.
        if column + 1 + width > LINE_MAX && width < LINE_MAX {
            header.push_str("\r\n\t");
            header.push_str(clause);
            column = 1 + width;
            continue;
        }
        for word in clause.split(' ') {
            let width = word.chars().count();
            if column > 1 && column + 1 + width > LINE_MAX {
                header.push_str("\r\n\t");
                column = 1;
            }
            if column > 1 {
                header.push(' ');
                column += 1;
            }
            header.push_str(word);
            column += width;
        }
    }
    header.push_str("\r\n");
    header
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::capture::CapturedEnvelope;

    fn captured(helo: &str, client_ip: &str, rcpt_to: &[&str]) -> Captured {
        Captured {
            seq: 1,
            id: "C000001".into(),
            received_at: Utc.with_ymd_and_hms(2024, 3, 5, 9, 7, 2).unwrap(),
            envelope: CapturedEnvelope {
                client_ip: client_ip.parse().unwrap(),
                peer: "127.0.0.1:40000".parse().unwrap(),
                proxied: true,
                helo: helo.into(),
                mail_from: "bounce@example.com".into(),
                rcpt_to: rcpt_to.iter().map(|r| r.to_string()).collect(),
                tls: None,
            },
            body: crate::capture::spool::Body::Memory(Vec::new()),
            attempts: 1,
            digest: 0,
            reply: "250 2.0.0 Ok: queued as C000001".into(),
            judgement: None,
        }
    }

    fn assert_folded(header: &str) {
        assert!(header.ends_with("\r\n"));
        for (index, line) in header.trim_end_matches("\r\n").split("\r\n").enumerate() {
            assert!(line.chars().count() <= LINE_MAX, "line too long: {line:?}");
            assert_eq!(index > 0, line.starts_with('\t'), "{line:?}");
        }
    }

    #[test]
    fn one_recipient() {
        let header = received_header(
            &captured(
                "a12-34.smtp-out.amazonses.com",
                "203.0.113.7",
                &["user@example.net"],
            ),
            "mx.capture.test",
        );
        assert_eq!(
            header,
            "Received: from a12-34.smtp-out.amazonses.com (a12-34.smtp-out.amazonses.com\r\n\
             \t[203.0.113.7]) by mx.capture.test with ESMTP id C000001\r\n\
             \tfor <user@example.net>; Tue, 5 Mar 2024 09:07:02 +0000\r\n"
        );
        assert_folded(&header);
    }

    #[test]
    fn short_helo_and_many_recipients() {
        let header = received_header(
            &captured("relay.test", "192.0.2.1", &["a@b", "c@d"]),
            "mx.test",
        );
        assert_eq!(
            header,
            "Received: from relay.test (relay.test [192.0.2.1]) by mx.test with ESMTP\r\n\
             \tid C000001; Tue, 5 Mar 2024 09:07:02 +0000\r\n"
        );
        assert_folded(&header);
    }

    #[test]
    fn over_tls() {
        let mut message = captured("relay.test", "192.0.2.1", &["a@b"]);
        message.envelope.tls = Some("TLSv1.3".into());
        let header = received_header(&message, "mx.test");
        assert_eq!(
            header,
            "Received: from relay.test (relay.test [192.0.2.1]) (using TLSv1.3) by mx.test\r\n\
             \twith ESMTPS id C000001 for <a@b>; Tue, 5 Mar 2024 09:07:02 +0000\r\n"
        );
        assert_folded(&header);
    }

    #[test]
    fn ipv6_and_hostile_helo() {
        let header = received_header(
            &captured("evil\r\nX-Injected: yes", "2001:db8::7", &["a@b"]),
            "mx.test",
        );
        assert!(header.contains("[IPv6:2001:db8::7]"));
        assert!(!header.contains("\r\nX-Injected"));
        assert_folded(&header);
    }

    #[test]
    fn very_long_helo_is_folded_between_words() {
        let helo = format!("{}.test", "x".repeat(60));
        let header = received_header(&captured(&helo, "192.0.2.1", &["a@b"]), "mx.test");
        assert_folded(&header);
        let unfolded = header.replace("\r\n\t", " ");
        assert!(unfolded.starts_with(&format!("Received: from {helo} ({helo} [192.0.2.1]) by")));
    }
}
