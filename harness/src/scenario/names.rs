//! The names and addresses a scenario file gives, each checked by one
//! function here, with the message its error gives: domain and host names,
//! DKIM selectors, AWS regions, SES names, mail addresses, header field
//! names, IP addresses. The loader's sections all call these.

use std::net::{IpAddr, SocketAddr};

/// A kind of name: what makes one valid, and what an error says was
/// expected (`expected <what>, found "<value>"`).
pub(crate) struct Name {
    expected: &'static str,
    valid: fn(&str) -> bool,
    /// Whether the message escapes the value (`{:?}`), for kinds whose
    /// invalid values are mostly control characters and spaces.
    escaped: bool,
}

impl Name {
    /// `value`, or the message saying what was expected.
    pub(crate) fn check<'v>(&self, value: &'v str) -> Result<&'v str, String> {
        match ((self.valid)(value), self.escaped) {
            (true, _) => Ok(value),
            (false, false) => Err(format!("expected {}, found \"{value}\"", self.expected)),
            (false, true) => Err(format!("expected {}, found {value:?}", self.expected)),
        }
    }
}

const fn name(expected: &'static str, valid: fn(&str) -> bool) -> Name {
    Name {
        expected,
        valid,
        escaped: false,
    }
}

pub(crate) const DOMAIN: Name = name("a domain name", is_domain_name);
/// A host name (a HELO the harness's own servers send).
pub(crate) const HOST: Name = name("a host name", is_domain_name);
pub(crate) const SELECTOR: Name = name(
    "a selector of 1 to 63 letters, digits or hyphens",
    is_selector,
);
pub(crate) const DKIM_TOKEN: Name = name(
    "an Easy DKIM token of 1 to 63 letters and digits, as GetEmailIdentity lists it",
    crate::ses::is_dkim_token,
);
pub(crate) const REGION: Name = name("an AWS region such as \"us-east-1\"", is_region);
pub(crate) const CONFIGURATION_SET: Name = name(
    "a configuration set name of 1 to 64 letters, digits, '-' or '_'",
    is_ses_name,
);
pub(crate) const SES_TAG: Name = name(
    "a tag name or value of 1 to 64 letters, digits, '-' or '_'",
    is_ses_name,
);
pub(crate) const ADDRESS: Name = name("an address", is_address);
/// An address of a message's From field.
pub(crate) const FROM_ADDRESS: Name =
    name("an address such as \"Name <user@example.com>\"", is_address);
pub(crate) const FIELD_NAME: Name = name(
    "a header field name (printable ASCII, no colon)",
    is_field_name,
);
pub(crate) const PASSWORD_ENV: Name = name(
    "the name of an environment variable holding the password (letters, digits, '_')",
    is_env_name,
);
/// What a direct sender may say in HELO.
pub(crate) const HELO_ARGUMENT: Name = Name {
    expected: "a HELO argument (a host name, an address literal or any word without spaces or control characters)",
    valid: is_helo_argument,
    escaped: true,
};
/// What a direct sender may say in MAIL FROM.
pub(crate) const REVERSE_PATH: Name = Name {
    expected: "a reverse path as MAIL FROM carries it, without angle brackets (an address, or \"\" for the null sender)",
    valid: is_reverse_path,
    escaped: true,
};

/// An IP address, or the message saying one was expected.
pub(crate) fn ip_address(value: &str) -> Result<IpAddr, String> {
    value
        .parse()
        .map_err(|_| format!("expected an IP address, found \"{value}\""))
}

/// An `IP:port`, or the message saying one was expected.
pub(crate) fn socket_address(value: &str) -> Result<SocketAddr, String> {
    value.parse().map_err(|_| {
        format!("expected an address and port such as \"127.0.0.1:2525\", found \"{value}\"")
    })
}

/// Whether `name` is a domain name: dot-separated labels of letters,
/// digits, `-` and `_`, a trailing dot allowed.
pub fn is_domain_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The domain of `user@domain` or `Name <user@domain>`, lowercase.
pub fn address_domain(address: &str) -> Option<String> {
    let address = address.trim();
    let inner = match (address.rfind('<'), address.rfind('>')) {
        (Some(start), Some(end)) if start < end => &address[start + 1..end],
        (None, None) => address,
        _ => return None,
    };
    let (local, domain) = inner.rsplit_once('@')?;
    (!local.is_empty() && is_domain_name(domain)).then(|| domain.to_ascii_lowercase())
}

fn is_address(address: &str) -> bool {
    address_domain(address).is_some()
}

/// A header field name (RFC 5322 §2.2): visible ASCII but `:`.
pub(crate) fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

/// The name of an environment variable: letters, digits and `_`, not
/// starting with a digit.
fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// An EHLO/HELO argument a client can send: one word of visible
/// characters (RFC 5321 §4.1.1.1 wants a domain or an address literal;
/// receivers meet anything).
fn is_helo_argument(helo: &str) -> bool {
    !helo.is_empty()
        && helo.len() <= 255
        && !helo.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A reverse path's address as a client can write it between `<` and `>`:
/// empty (the null sender), or an `@` with no line breaks, NULs or angle
/// brackets outside a quoted local part.
fn is_reverse_path(path: &str) -> bool {
    if path.is_empty() {
        return true;
    }
    if path.chars().any(|c| c.is_control()) {
        return false;
    }
    // After a quoted local part (which may hold spaces and brackets) only
    // "@domain" may follow.
    let rest = match path.strip_prefix('"') {
        Some(quoted) => match quoted.rfind('"') {
            Some(end) if quoted[end + 1..].starts_with('@') => &quoted[end + 1..],
            _ => return false,
        },
        None => path,
    };
    rest.contains('@') && !rest.contains(['<', '>', ' '])
}

fn is_selector(selector: &str) -> bool {
    (1..=63).contains(&selector.len())
        && selector
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// SES configuration set names, tag names and values: 1 to 64 ASCII
/// letters, digits, `-` or `_`.
fn is_ses_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `region` looks like an AWS region name (`us-east-1`,
/// `ap-northeast-1`, `us-gov-west-1`).
pub fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_paths_and_helo_arguments() {
        for ok in [
            "",
            "a@example.com",
            "@example.net",
            "\"john doe\"@example.com",
            "\"a<b>\"@example.com",
            "user@[192.0.2.1]",
            "用户@例子.测试",
        ] {
            assert!(is_reverse_path(ok), "{ok}");
        }
        for bad in [
            "no-at",
            "a b@c",
            "a@b\r\nRCPT TO:<x@y>",
            "<a@b>",
            "\"open@b",
        ] {
            assert!(!is_reverse_path(bad), "{bad}");
        }
        for ok in ["mail.example.com", "[192.0.2.1]", "OEMCOMPUTER", "A2345678"] {
            assert!(is_helo_argument(ok), "{ok}");
        }
        for bad in ["", "two words", "a\tb"] {
            assert!(!is_helo_argument(bad), "{bad}");
        }
    }

    #[test]
    fn address_domains() {
        assert_eq!(
            address_domain("Example <noreply@Example.com>").as_deref(),
            Some("example.com")
        );
        assert_eq!(address_domain("a@b.c").as_deref(), Some("b.c"));
        assert_eq!(address_domain("no-at-sign"), None);
        assert_eq!(address_domain("x <a@b"), None);
    }

    #[test]
    fn regions() {
        assert!(is_region("us-east-1"));
        assert!(is_region("ap-northeast-1"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("useast1"));
        assert!(!is_region("US-EAST-1"));
    }

    #[test]
    fn messages_say_what_was_expected() {
        assert_eq!(DOMAIN.check("example.com"), Ok("example.com"));
        assert_eq!(
            DOMAIN.check("a b").unwrap_err(),
            "expected a domain name, found \"a b\""
        );
        assert_eq!(
            HELO_ARGUMENT.check("a\tb").unwrap_err(),
            "expected a HELO argument (a host name, an address literal or any word without spaces or control characters), found \"a\\tb\""
        );
        assert_eq!(
            ip_address("192.0.2.300").unwrap_err(),
            "expected an IP address, found \"192.0.2.300\""
        );
        assert!(socket_address("127.0.0.1:25").is_ok());
        assert!(!is_field_name("a:b") && is_field_name("X-Tag"));
    }
}
