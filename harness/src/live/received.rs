use std::net::IpAddr;

use crate::headers::{field_name, header_fields, split_header};

/// What the receiving MTA wrote on top of a stored message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedBy {
    /// From its `Received` header: the address it saw the message come from…
    pub client_ip: IpAddr,
    /// …and the name the sender greeted it with.
    pub helo: String,
    /// The envelope from, from `Return-Path` ("" for the null sender).
    pub mail_from: String,
    /// Its verdict, the value of its topmost `Authentication-Results`.
    pub authentication_results: Option<String>,
}

/// Unfolded value of every field named `name`, top to bottom.
fn values(raw: &[u8], name: &str) -> Vec<String> {
    header_fields(split_header(raw).0)
        .into_iter()
        .filter(|f| field_name(f).eq_ignore_ascii_case(name))
        .map(|f| {
            let text = String::from_utf8_lossy(f);
            let value = text.split_once(':').map_or("", |(_, v)| v);
            value.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// Reads the receiving MTA's topmost `Received` header (`from HELO (… [IP])
/// by …`), `Return-Path` and `Authentication-Results`.
pub fn received_by(raw: &[u8]) -> Result<ReceivedBy, String> {
    let received = values(raw, "Received")
        .into_iter()
        .next()
        .ok_or("the stored message has no Received header")?;
    let helo = received
        .strip_prefix("from ")
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| {
            format!("expected \"Received: from HELO (… [IP]) by …\", found {received:?}")
        })?
        .to_ascii_lowercase();
    let before_by = received.split(" by ").next().unwrap_or(&received);
    let client_ip = before_by
        .rsplit_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(ip, _)| ip.trim_start_matches("IPv6:").trim_start_matches("ipv6:"))
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .ok_or_else(|| format!("expected a client address in [brackets], found {received:?}"))?;
    let mail_from = values(raw, "Return-Path")
        .into_iter()
        .next()
        .ok_or("the stored message has no Return-Path header")?
        .trim()
        .trim_matches(|c| c == '<' || c == '>')
        .to_string();
    Ok(ReceivedBy {
        client_ip,
        helo,
        mail_from,
        authentication_results: values(raw, "Authentication-Results").into_iter().next(),
    })
}

/// The results an `Authentication-Results` value gives for `method`, in order.
fn results<'a>(header: &'a str, method: &str) -> Vec<&'a str> {
    header
        .split([';', ' ', '\t'])
        .filter_map(|part| {
            let (m, r) = part.split_once('=')?;
            m.eq_ignore_ascii_case(method).then_some(r)
        })
        .collect()
}

/// The SPF result for the MAIL FROM identity: the `spf=` clause naming
/// `smtp.mailfrom` when the header has one per identity (HELO first, as
/// many MTAs write), else the first `spf=`.
fn mail_from_spf(header: &str) -> Option<String> {
    let clauses: Vec<&str> = header.split(';').map(str::trim).collect();
    let spf: Vec<(&str, &str)> = clauses
        .iter()
        .filter_map(|c| {
            let first = c.split_whitespace().next()?;
            let (m, r) = first.split_once('=')?;
            m.eq_ignore_ascii_case("spf").then_some((r, *c))
        })
        .collect();
    spf.iter()
        .find(|(_, c)| c.to_ascii_lowercase().contains("smtp.mailfrom="))
        .or(spf.first())
        .map(|(r, _)| r.to_string())
}

/// What the receiving side wrote in its `Authentication-Results`: the
/// MAIL FROM SPF result, every DKIM result, the DMARC result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TheirResults {
    pub spf: Option<String>,
    pub dkim: Vec<String>,
    pub dmarc: Option<String>,
}

/// The results in an `Authentication-Results` value.
pub fn their_results(authentication_results: &str) -> TheirResults {
    TheirResults {
        spf: mail_from_spf(authentication_results),
        dkim: results(authentication_results, "dkim")
            .into_iter()
            .map(str::to_string)
            .collect(),
        dmarc: results(authentication_results, "dmarc")
            .first()
            .map(|s| s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape SES inbound writes on messages it stores in S3.
    const STORED: &[u8] = b"Return-Path: <0100018c-abc@amazonses.com>\r\n\
Received: from a9-30.smtp-out.amazonses.com (a9-30.smtp-out.amazonses.com [54.240.9.30])\r\n\
\tby inbound-smtp.us-east-1.amazonaws.com with SMTP id abc123\r\n\
\tfor me@example.org; Fri, 27 Nov 2026 10:00:00 +0000 (UTC)\r\n\
X-SES-Spam-Verdict: PASS\r\n\
Authentication-Results: amazonses.com;\r\n\
\tspf=pass (spfCheck: domain of amazonses.com designates 54.240.9.30 as permitted sender) client-ip=54.240.9.30; envelope-from=0100018c-abc@amazonses.com; helo=a9-30.smtp-out.amazonses.com;\r\n\
\tdkim=pass header.i=@amazonses.com;\r\n\
\tdmarc=fail header.from=example.com;\r\n\
From: a@example.com\r\n\r\nbody\r\n";

    #[test]
    fn reads_what_ses_inbound_wrote() {
        let r = received_by(STORED).unwrap();
        assert_eq!(r.client_ip, "54.240.9.30".parse::<IpAddr>().unwrap());
        assert_eq!(r.helo, "a9-30.smtp-out.amazonses.com");
        assert_eq!(r.mail_from, "0100018c-abc@amazonses.com");
        let ar = r.authentication_results.unwrap();
        assert_eq!(results(&ar, "spf"), ["pass"]);
        assert_eq!(results(&ar, "dkim"), ["pass"]);
        assert_eq!(results(&ar, "dmarc"), ["fail"]);
        assert_eq!(mail_from_spf(&ar).as_deref(), Some("pass"));
        let two = "mx.test; spf=none smtp.helo=h.test; spf=softfail smtp.mailfrom=a@b.test";
        assert_eq!(mail_from_spf(two).as_deref(), Some("softfail"));
    }

    #[test]
    fn a_message_without_received_is_an_error() {
        let e = received_by(b"From: a@b.test\r\n\r\nx").unwrap_err();
        assert_eq!(e, "the stored message has no Received header");
    }
}
