//! Reading scenario files: TOML syntax errors, unknown keys, wrong types
//! and semantic problems are all collected before anything is reported.

use std::{
    net::IpAddr,
    ops::Range,
    path::{Path, PathBuf},
};

use serde::de::DeserializeOwned;
use toml::{
    Spanned,
    de::{DeTable, DeValue, ValueDeserializer},
};

use super::{
    diagnostic::{Diagnostic, FileErrors},
    model::*,
    raw::*,
};

/// Default egress address of the emulated SES sending host: inside
/// 54.240.0.0/18, one of the ranges amazonses.com's SPF record lists.
const DEFAULT_EGRESS_IP: &str = "54.240.27.10";
const SECTIONS: &[&str] = &["name", "description", "dns", "sender", "message", "expect"];

/// Every `*.toml` scenario below the given files and folders, sorted, each
/// once. A path that does not exist is reported by name.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found).map_err(|e| format!("{}: {e}", path.display()))?;
        } else if path.is_file() {
            found.push(path.clone());
        } else {
            return Err(format!("{}: no such file or folder", path.display()));
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            found.push(path);
        }
    }
    Ok(())
}

/// Reads and checks one scenario file. Errors in zone files it names are
/// reported against those files.
pub fn load_file(path: &Path) -> Result<Scenario, Vec<FileErrors>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![FileErrors {
            path: path.to_path_buf(),
            diagnostics: vec![Diagnostic {
                line: 1,
                column: 1,
                span: 0..0,
                message: format!("cannot read the file: {e}"),
            }],
        }]
    })?;
    load_str(&text, path)
}

/// Checks a scenario given as text; `path` names it in diagnostics and
/// anchors relative zone file paths.
pub fn load_str(text: &str, path: &Path) -> Result<Scenario, Vec<FileErrors>> {
    let mut cx = Context {
        text,
        path,
        diagnostics: Vec::new(),
        other_files: Vec::new(),
    };
    let scenario = cx.scenario();
    let mut errors = Vec::new();
    if !cx.diagnostics.is_empty() {
        cx.diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        cx.diagnostics.dedup();
        errors.push(FileErrors {
            path: path.to_path_buf(),
            diagnostics: cx.diagnostics,
        });
    }
    errors.extend(cx.other_files);
    match scenario {
        Some(s) if errors.is_empty() => Ok(s),
        None if errors.is_empty() => Err(vec![FileErrors {
            path: path.to_path_buf(),
            diagnostics: vec![Diagnostic::at(
                text,
                0..0,
                "the scenario was refused without a diagnostic (a bug in mailharness)",
            )],
        }]),
        _ => Err(errors),
    }
}

struct Context<'a> {
    text: &'a str,
    path: &'a Path,
    diagnostics: Vec<Diagnostic>,
    other_files: Vec<FileErrors>,
}

impl<'a> Context<'a> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::at(self.text, span, message));
    }

    fn scenario(&mut self) -> Option<Scenario> {
        let (root, syntax) = DeTable::parse_recoverable(self.text);
        for e in &syntax {
            let span = e.span().unwrap_or(0..0);
            self.error(span, humanize(e.message()));
        }
        if !syntax.is_empty() {
            return None;
        }
        let root_span = root.span();
        let root = root.into_inner();
        for (key, _) in root.iter() {
            if !SECTIONS.contains(&key.get_ref().as_ref()) {
                self.error(
                    key.span(),
                    format!(
                        "unknown key \"{}\", expected one of {}",
                        key.get_ref(),
                        quoted_list(SECTIONS)
                    ),
                );
            }
        }
        let name: Option<String> = self.section(&root, "name");
        let description: Option<String> = self.section(&root, "description");
        let dns: Option<RawDns> = self.section(&root, "dns");
        let sender: Option<RawSender> = self.required(&root, root_span.clone(), "sender");
        let message: Option<RawMessage> = self.required(&root, root_span, "message");
        let expect: Option<RawExpect> = self.section(&root, "expect");

        let dns = dns.map_or_else(|| Some(DnsSetup::default()), |d| self.dns(d));
        let message = message.and_then(|m| self.message(m));
        let sender = sender.and_then(|s| self.sender(s, message.as_ref()));
        let expect = expect.map_or_else(|| Some(Expectations::default()), |e| self.expect(e));

        let name = name.unwrap_or_else(|| {
            self.path
                .file_stem()
                .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned())
        });
        Some(Scenario {
            name,
            file: self.path.to_path_buf(),
            variant: None,
            description,
            dns: dns?,
            sender: Sender::Relay(sender?),
            message: message?,
            expect: expect?,
        })
    }

    fn section<T: DeserializeOwned>(&mut self, root: &DeTable<'_>, key: &str) -> Option<T> {
        let value = root.get(key)?;
        self.deserialize(value)
    }

    fn required<T: DeserializeOwned>(
        &mut self,
        root: &DeTable<'_>,
        root_span: Range<usize>,
        key: &str,
    ) -> Option<T> {
        if root.get(key).is_none() {
            self.error(
                root_span.start..root_span.start,
                format!("missing section [{key}]"),
            );
            return None;
        }
        self.section(root, key)
    }

    /// Deserializes `value`, collecting every error: after each error the
    /// offending key (or array element) is pruned and deserialization is
    /// tried again, so one typo does not hide the next.
    fn deserialize<T: DeserializeOwned>(&mut self, value: &Spanned<DeValue<'_>>) -> Option<T> {
        let mut value = value.clone();
        let mut pruned: Vec<String> = Vec::new();
        for _ in 0..256 {
            match T::deserialize(ValueDeserializer::from(value.clone())) {
                // With keys pruned the file has errors already; the partial
                // value still goes through the semantic checks so that
                // their errors are reported in the same pass.
                Ok(v) => return Some(v),
                Err(e) => {
                    let span = e.span().unwrap_or_else(|| value.span());
                    let message = e.message();
                    let consequence = message
                        .strip_prefix("missing field `")
                        .and_then(|rest| rest.split('`').next())
                        .is_some_and(|key| pruned.iter().any(|p| p == key));
                    if consequence {
                        return None;
                    }
                    self.error(span.clone(), humanize(message));
                    match prune(&mut value, span.start) {
                        Some(key) => pruned.push(key),
                        None => return None,
                    }
                }
            }
        }
        None
    }

    fn dns(&mut self, raw: RawDns) -> Option<DnsSetup> {
        let mut ok = true;
        let mut records = Vec::new();
        let base = self.path.parent().unwrap_or(Path::new("."));
        for zone in &raw.zones {
            let file = base.join(zone.get_ref());
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    self.error(
                        zone.span(),
                        format!("cannot read zone file \"{}\": {e}", file.display()),
                    );
                    ok = false;
                    continue;
                }
            };
            let origin = default_origin(&file);
            match mock_dns::parse_zone(&text, &origin) {
                Ok(r) => records.extend(r),
                Err(errors) => {
                    ok = false;
                    self.other_files.push(FileErrors {
                        path: file.clone(),
                        diagnostics: errors
                            .into_iter()
                            .map(|e| Diagnostic {
                                line: e.line,
                                column: e.column,
                                span: 0..0,
                                message: e.message,
                            })
                            .collect(),
                    });
                }
            }
        }
        for record in &raw.records {
            match mock_dns::parse_zone(record.get_ref(), ".") {
                Ok(r) if r.is_empty() => {
                    self.error(record.span(), "expected a DNS record, found nothing");
                    ok = false;
                }
                Ok(r) => records.extend(r),
                Err(errors) => {
                    ok = false;
                    for e in errors {
                        // Point inside the string when it is a one-line basic string.
                        let offset = if e.line == 1 { e.column } else { 0 };
                        let start = (record.span().start + offset).min(record.span().end);
                        self.error(
                            start..record.span().end,
                            format!("in record: {}", e.message),
                        );
                    }
                }
            }
        }
        let mut faults = Vec::new();
        for f in &raw.faults {
            let fault = match f.fault.get_ref().parse::<mock_dns::Fault>() {
                Ok(fault) => fault,
                Err(e) => {
                    self.error(f.fault.span(), e.to_string());
                    ok = false;
                    continue;
                }
            };
            let rtype = match &f.rtype {
                Some(t) => {
                    let upper = t.get_ref().to_ascii_uppercase();
                    if !RECORD_TYPES.contains(&upper.as_str()) {
                        self.error(
                            t.span(),
                            format!(
                                "expected one of {}, found \"{}\"",
                                quoted_list(RECORD_TYPES),
                                t.get_ref()
                            ),
                        );
                        ok = false;
                    }
                    Some(upper)
                }
                None => None,
            };
            if !is_domain_name(f.name.get_ref()) {
                self.error(
                    f.name.span(),
                    format!("expected a domain name, found \"{}\"", f.name.get_ref()),
                );
                ok = false;
            }
            faults.push(DnsFault {
                name: mock_dns::normalize_name(f.name.get_ref()),
                rtype,
                fault,
            });
        }
        ok.then_some(DnsSetup { records, faults })
    }

    fn sender(&mut self, raw: RawSender, message: Option<&MessageSpec>) -> Option<SesIdentity> {
        let Via::Relay = *raw.via.get_ref();
        let mut ok = true;
        let region = match &raw.region {
            Some(r) if !is_region(r.get_ref()) => {
                self.error(
                    r.span(),
                    format!(
                        "expected an AWS region such as \"us-east-1\", found \"{}\"",
                        r.get_ref()
                    ),
                );
                ok = false;
                String::new()
            }
            Some(r) => r.get_ref().clone(),
            None => "us-east-1".to_string(),
        };
        let identity = match &raw.identity {
            Some(i) if !is_domain_name(i.get_ref()) => {
                self.error(
                    i.span(),
                    format!("expected a domain name, found \"{}\"", i.get_ref()),
                );
                ok = false;
                String::new()
            }
            Some(i) => i.get_ref().to_ascii_lowercase(),
            None => match message.and_then(|m| address_domain(&m.from)) {
                Some(d) => d,
                None => {
                    ok = false;
                    String::new()
                }
            },
        };
        let mail_from_domain = match &raw.mail_from_domain {
            Some(m) => {
                let d = m.get_ref().to_ascii_lowercase();
                if !is_domain_name(&d) {
                    self.error(m.span(), format!("expected a domain name, found \"{d}\""));
                    ok = false;
                } else if !identity.is_empty() && !d.ends_with(&format!(".{identity}")) {
                    self.error(
                        m.span(),
                        format!(
                            "a custom MAIL FROM domain must be a subdomain of the identity \"{identity}\", found \"{d}\""
                        ),
                    );
                    ok = false;
                }
                Some(d)
            }
            None => None,
        };
        let dkim_key_bits = match &raw.dkim_key_bits {
            Some(b) if ![1024, 2048].contains(b.get_ref()) => {
                self.error(
                    b.span(),
                    format!(
                        "expected 1024 or 2048 (Easy DKIM key lengths), found {}",
                        b.get_ref()
                    ),
                );
                ok = false;
                2048
            }
            Some(b) => *b.get_ref() as usize,
            None => 2048,
        };
        let easy_dkim = raw.easy_dkim.as_ref().is_some_and(|e| *e.get_ref());
        if let (Some(bits), false) = (&raw.dkim_key_bits, easy_dkim) {
            self.error(bits.span(), "dkim_key_bits needs easy_dkim = true");
            ok = false;
        }
        let egress_ip = match &raw.egress_ip {
            Some(ip) => match ip.get_ref().parse::<IpAddr>() {
                Ok(ip) => ip,
                Err(_) => {
                    self.error(
                        ip.span(),
                        format!("expected an IP address, found \"{}\"", ip.get_ref()),
                    );
                    ok = false;
                    DEFAULT_EGRESS_IP.parse().ok()?
                }
            },
            None => DEFAULT_EGRESS_IP.parse().ok()?,
        };
        if let Some(h) = &raw.helo
            && !is_domain_name(h.get_ref())
        {
            self.error(
                h.span(),
                format!("expected a host name, found \"{}\"", h.get_ref()),
            );
            ok = false;
        }
        let behavior_on_mx_failure = match raw.behavior_on_mx_failure.map(|b| b.into_inner()) {
            Some(MxFailureName::RejectMessage) => MxFailure::RejectMessage,
            _ => MxFailure::UseDefaultValue,
        };
        ok.then(|| SesIdentity {
            region,
            identity,
            mail_from_domain,
            easy_dkim,
            dkim_key_bits,
            behavior_on_mx_failure,
            egress_ip,
            helo: raw.helo.map(|h| h.into_inner()),
        })
    }

    fn message(&mut self, raw: RawMessage) -> Option<MessageSpec> {
        let mut ok = true;
        if address_domain(raw.from.get_ref()).is_none() {
            self.error(
                raw.from.span(),
                format!(
                    "expected an address such as \"Name <user@example.com>\", found \"{}\"",
                    raw.from.get_ref()
                ),
            );
            ok = false;
        }
        if raw.to.get_ref().is_empty() {
            self.error(raw.to.span(), "expected at least one recipient");
            ok = false;
        }
        for address in raw.to.get_ref().iter().chain(&raw.cc) {
            if address_domain(address).is_none() {
                self.error(
                    raw.to.span(),
                    format!("expected an address, found \"{address}\""),
                );
                ok = false;
            }
        }
        for h in &raw.headers {
            let name = h.name.get_ref();
            if name.is_empty() || !name.bytes().all(|b| (33..=126).contains(&b) && b != b':') {
                self.error(
                    h.name.span(),
                    format!(
                        "expected a header field name (printable ASCII, no colon), found \"{name}\""
                    ),
                );
                ok = false;
            }
        }
        ok.then(|| MessageSpec {
            from: raw.from.into_inner(),
            to: raw.to.into_inner(),
            cc: raw.cc,
            subject: raw.subject,
            text: raw.text,
            html: raw.html,
            headers: raw
                .headers
                .into_iter()
                .map(|h| (h.name.into_inner(), h.value))
                .collect(),
        })
    }

    fn expect(&mut self, raw: RawExpect) -> Option<Expectations> {
        let outcome = match &raw.outcome {
            None => None,
            Some(o) => match o.get_ref().as_str() {
                "delivered" => Some(Outcome::Delivered),
                "refused" => Some(Outcome::Refused(None)),
                other => match other.strip_prefix("refused:") {
                    Some(code) if !code.trim().is_empty() => {
                        Some(Outcome::Refused(Some(code.trim().to_string())))
                    }
                    _ => {
                        self.error(
                            o.span(),
                            format!(
                                "expected one of \"delivered\", \"refused\", \"refused: <error code>\", found \"{other}\""
                            ),
                        );
                        return None;
                    }
                },
            },
        };
        Some(Expectations {
            outcome,
            return_path_domain: raw.return_path_domain.map(|d| d.to_ascii_lowercase()),
            spf: raw.spf.map(|s| SpfExpectation {
                result: s.result,
                domain: s.domain.map(|d| d.to_ascii_lowercase()),
            }),
            dkim: raw.dkim.map(|list| {
                list.into_iter()
                    .map(|d| DkimExpectation {
                        domain: d.domain.to_ascii_lowercase(),
                        result: d.result,
                        selector: d.selector,
                    })
                    .collect()
            }),
            dmarc: raw.dmarc.map(|d| DmarcExpectation {
                result: d.result,
                policy: d.policy,
                spf_aligned: d.spf_aligned,
                dkim_aligned: d.dkim_aligned,
                disposition: d.disposition,
            }),
        })
    }
}

/// Removes the innermost key or array element whose key or value holds
/// byte `at`; returns the removed key's name (`[i]` for an element).
fn prune(value: &mut Spanned<DeValue<'_>>, at: usize) -> Option<String> {
    let contains = |span: Range<usize>| span.start <= at && at < span.end.max(span.start + 1);
    match value.get_mut() {
        DeValue::Table(table) => {
            let hit = table
                .iter()
                .find(|(k, v)| contains(k.span()) || contains(v.span()))
                .map(|(k, _)| k.clone())?;
            if let Some(child) = table.get_mut(&hit)
                && !contains(hit.span())
                && let Some(inner) = prune(child, at)
            {
                return Some(inner);
            }
            table.remove(&hit);
            Some(hit.get_ref().to_string())
        }
        DeValue::Array(array) => {
            let index = array.iter().position(|v| contains(v.span()))?;
            if let Some(inner) = prune(&mut array.as_mut()[index], at) {
                return Some(inner);
            }
            let mut kept = toml::de::DeArray::new();
            for (i, v) in array.iter().enumerate() {
                if i != index {
                    kept.push(v.clone());
                }
            }
            *array = kept;
            Some(format!("[{index}]"))
        }
        _ => None,
    }
}

const RECORD_TYPES: &[&str] = &["A", "AAAA", "MX", "TXT", "CNAME", "PTR", "NS", "SOA"];

/// A zone file's origin when it has no `$ORIGIN`: its name without the
/// `.zone` / `.db` extension (`example.com.zone` → `example.com.`).
fn default_origin(file: &Path) -> String {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".zone")
        .or_else(|| name.strip_suffix(".db"))
        .unwrap_or(&name);
    if stem.contains('.') {
        mock_dns::normalize_name(stem)
    } else {
        ".".to_string()
    }
}

/// The domain of `user@domain` or `Name <user@domain>`, lowercase.
pub(crate) fn address_domain(address: &str) -> Option<String> {
    let address = address.trim();
    let inner = match (address.rfind('<'), address.rfind('>')) {
        (Some(start), Some(end)) if start < end => &address[start + 1..end],
        (None, None) => address,
        _ => return None,
    };
    let (local, domain) = inner.rsplit_once('@')?;
    (!local.is_empty() && is_domain_name(domain)).then(|| domain.to_ascii_lowercase())
}

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

fn is_region(region: &str) -> bool {
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

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rewrites serde's and toml's messages into this project's style:
/// lowercase fragments with double-quoted values, "found" last.
fn humanize(message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    let quote = |s: &str| {
        s.replace('`', "\"")
            .replace("a sequence", "an array")
            .replace("a map", "a table")
    };
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((found, expected)) = rest.split_once("`, expected ")
    {
        let expected = expected.trim_start_matches("one of ");
        return format!("expected one of {}, found \"{found}\"", quote(expected));
    }
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((found, expected)) = rest.split_once("`, expected ")
    {
        let expected = expected.trim_start_matches("one of ");
        return format!(
            "unknown key \"{found}\", expected one of {}",
            quote(expected)
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        return format!("unknown key \"{}", quote(rest));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        return format!("missing key \"{}", quote(rest));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return format!("expected {}, found {}", quote(expected), quote(found));
    }
    let mut out = quote(message);
    if let Some(first) = out.get(..1) {
        out = first.to_lowercase() + &out[1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_sections_may_be_left_out() {
        let text = "[sender]\nvia = \"relay\"\n[message]\nfrom = \"a@example.com\"\nto = [\"b@receiver.test\"]\nsubject = \"s\"\n";
        let scenario = load_str(text, Path::new("minimal.toml")).expect("a minimal scenario loads");
        assert_eq!(scenario.name, "minimal");
        assert!(scenario.dns.records.is_empty());
        assert!(scenario.expect.outcome.is_none());
    }

    #[test]
    fn humanize_rewrites_serde_messages() {
        assert_eq!(
            humanize("unknown variant `sofail`, expected one of `pass`, `fail`"),
            "expected one of \"pass\", \"fail\", found \"sofail\""
        );
        assert_eq!(
            humanize("unknown field `fomr`, expected one of `from`, `to`"),
            "unknown key \"fomr\", expected one of \"from\", \"to\""
        );
        assert_eq!(humanize("missing field `to`"), "missing key \"to\"");
        assert_eq!(
            humanize("invalid type: integer `5`, expected a string"),
            "expected a string, found integer \"5\""
        );
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
    fn origin_from_file_name() {
        assert_eq!(
            default_origin(Path::new("z/example.com.zone")),
            "example.com."
        );
        assert_eq!(default_origin(Path::new("z/zone.db")), ".");
    }
}
