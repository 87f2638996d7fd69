//! SES's observable conventions. Values marked "observed" come from real
//! SES mail (see SES-FACTS.md); regions without an observation get values
//! derived deterministically from the region name, in the same shape.

use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

/// The envelope-from domain of SES's default setup.
pub fn default_mail_from_domain(region: &str) -> String {
    if region == "us-east-1" {
        "amazonses.com".to_string()
    } else {
        format!("{region}.amazonses.com")
    }
}

/// The host a custom MAIL FROM domain's single MX record must name.
pub fn feedback_mx(region: &str) -> String {
    format!("feedback-smtp.{region}.amazonses.com")
}

/// Whether a domain identity covers `domain`: SES sends for the verified
/// domain and for any of its subdomains.
pub fn identity_covers(identity: &str, domain: &str) -> bool {
    domain == identity || domain.ends_with(&format!(".{identity}"))
}

/// Where an Easy DKIM token's CNAME points: the key SES publishes,
/// `<token>.dkim.amazonses.com`.
pub fn easy_dkim_target(token: &str) -> String {
    format!("{token}.dkim.amazonses.com")
}

/// The `d=` of SES's own DKIM signature, which it adds to every message.
pub const SIGNING_DOMAIN: &str = "amazonses.com";

/// The mechanism a custom MAIL FROM domain's SPF record needs, so that
/// SES's sending addresses pass.
pub const SPF_INCLUDE: &str = "include:amazonses.com";

/// The SPF record SES asks for at a custom MAIL FROM domain.
pub const MAIL_FROM_SPF: &str = "v=spf1 include:amazonses.com ~all";

/// The four-hex-digit prefix of SES message ids (observed for four regions).
pub fn id_prefix(region: &str) -> String {
    match region {
        "us-east-1" => "0100".into(),
        "us-west-2" => "0101".into(),
        "eu-west-1" => "0102".into(),
        "ap-northeast-1" => "0106".into(),
        other => format!("01{:02x}", digest(&["prefix", other])[0] | 0x10),
    }
}

/// An SES message id: prefix, send time in Unix milliseconds (12 hex
/// digits), a UUID and `-000000`.
pub fn message_id(region: &str, unix_ms: u64, uuid: [u8; 16]) -> String {
    let h = |r: std::ops::Range<usize>| -> String {
        uuid[r].iter().map(|b| format!("{b:02x}")).collect()
    };
    format!(
        "{}{:012x}-{}-{}-{}-{}-{}-000000",
        id_prefix(region),
        unix_ms & 0xffff_ffff_ffff,
        h(0..4),
        h(4..6),
        h(6..8),
        h(8..10),
        h(10..16)
    )
}

/// The domain of the Message-ID SES writes.
pub fn message_id_domain(region: &str) -> String {
    if region == "us-east-1" {
        "email.amazonses.com".into()
    } else {
        format!("{region}.amazonses.com")
    }
}

/// The sending host name SES gives in EHLO (observed shapes).
pub fn sending_host(region: &str) -> String {
    if region == "us-east-1" {
        "a9-30.smtp-out.amazonses.com".into()
    } else {
        format!("e234-2.smtp-out.{region}.amazonses.com")
    }
}

/// The selector of SES's own `d=amazonses.com` signature in a region
/// (observed for us-east-1 and ap-northeast-1).
pub fn amazonses_selector(region: &str) -> String {
    match region {
        "us-east-1" => "ug7nbtf4gccmlpwj322ax3p6ow6yfsug".into(),
        "ap-northeast-1" => "zh4gjftm6etwoq6afzugpky45synznly".into(),
        other => token(&["amazonses-selector", other]),
    }
}

/// The three Easy DKIM tokens of an identity in a region. SES draws them at
/// random when the identity is created; here they are derived from the
/// identity and region so that zone files can carry the CNAMEs.
pub fn easy_dkim_tokens(identity: &str, region: &str) -> [String; 3] {
    let identity = identity.to_ascii_lowercase();
    ["1", "2", "3"].map(|n| token(&["easy-dkim", &identity, region, n]))
}

/// The IPv4 ranges amazonses.com's SPF record lists (observed 2025–26).
pub const SPF_RANGES: &[&str] = &[
    "199.255.192.0/22",
    "199.127.232.0/22",
    "54.240.0.0/18",
    "69.169.224.0/20",
    "23.249.208.0/20",
    "23.251.224.0/19",
    "76.223.176.0/20",
    "54.240.64.0/18",
    "76.223.128.0/19",
    "216.221.160.0/19",
    "206.55.144.0/20",
    "24.110.64.0/18",
];

/// amazonses.com's SPF record: IP ranges only, ending in `-all`.
pub fn amazonses_spf() -> String {
    let mut spf = String::from("v=spf1");
    for range in SPF_RANGES {
        spf.push_str(" ip4:");
        spf.push_str(range);
    }
    spf.push_str(" -all");
    spf
}

/// The `Feedback-ID` header value SES adds (newer `::1.` form).
pub fn feedback_id(region: &str, identity: &str) -> String {
    let d = digest(&["feedback", identity, region]);
    let b64 = STANDARD.encode(&d[..30]);
    format!("::1.{region}.{b64}=:AmazonSES")
}

/// The `X-SES-Outgoing` header value: sending date and egress address.
pub fn ses_outgoing(date: chrono::DateTime<chrono::Utc>, egress_ip: std::net::IpAddr) -> String {
    format!("{}-{egress_ip}", date.format("%Y.%m.%d"))
}

/// The headers SES's signatures cover, in this order, when present.
pub const SIGNED_HEADERS: &[&str] = &[
    "From",
    "To",
    "Cc",
    "Subject",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Reply-To",
    "In-Reply-To",
    "References",
    "Message-ID",
    "Date",
];

fn digest(parts: &[&str]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize().into()
}

/// 32 characters of base32 (a–z, 2–7), the shape of SES tokens.
fn token(parts: &[&str]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let d = digest(parts);
    let mut out = String::with_capacity(32);
    let mut bits = 0u32;
    let mut acc = 0u32;
    for byte in d {
        acc = (acc << 8) | byte as u32;
        bits += 8;
        while bits >= 5 && out.len() < 32 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_has_the_observed_shape() {
        let id = message_id("ap-northeast-1", 0x18c2_0000_0001, [0xab; 16]);
        assert_eq!(
            id,
            "010618c200000001-abababab-abab-abab-abab-abababababab-000000"
        );
    }

    #[test]
    fn default_envelope_domain_depends_on_region() {
        assert_eq!(default_mail_from_domain("us-east-1"), "amazonses.com");
        assert_eq!(
            default_mail_from_domain("ap-northeast-1"),
            "ap-northeast-1.amazonses.com"
        );
    }

    #[test]
    fn tokens_are_stable_and_distinct() {
        let a = easy_dkim_tokens("example.com", "us-east-1");
        assert_eq!(a, easy_dkim_tokens("Example.com", "us-east-1"));
        assert_ne!(a, easy_dkim_tokens("example.com", "eu-west-1"));
        assert!(a.iter().all(|t| t.len() == 32));
        assert_ne!(a[0], a[1]);
    }

    #[test]
    fn spf_record_ends_in_hard_fail() {
        let spf = amazonses_spf();
        assert!(spf.starts_with("v=spf1 ip4:199.255.192.0/22"));
        assert!(spf.ends_with(" -all"));
    }
}
