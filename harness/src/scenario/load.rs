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
    de::{DeTable, DeValue},
};

use super::{
    model::*,
    raw::*,
    zones::{FileSystem, ZoneFiles},
};
use crate::{
    document::{self, Diagnostic, FileErrors, deserialize_pruning, quoted_list},
    receiver::Receivers,
};

/// Default egress address of the emulated SES sending host: inside
/// 54.240.0.0/18, one of the ranges amazonses.com's SPF record lists.
const DEFAULT_EGRESS_IP: &str = "54.240.27.10";
const SECTIONS: &[&str] = &[
    "name",
    "description",
    "dns",
    "sender",
    "hops",
    "message",
    "receivers",
    "expect",
    "variants",
];

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

/// Reads and checks one scenario file: one [`Scenario`] per variant (one
/// when the file has none). Errors in zone files it names are reported
/// against those files.
pub fn load_file(path: &Path) -> Result<Vec<Scenario>, Vec<FileErrors>> {
    load_file_with(path, &FileSystem)
}

/// [`load_file`] with the zone files read from `zones`.
pub fn load_file_with(
    path: &Path,
    zones: &dyn ZoneFiles,
) -> Result<Vec<Scenario>, Vec<FileErrors>> {
    let text = document::read_text(path).map_err(|e| vec![e])?;
    load_str_with(&text, path, zones)
}

/// Checks a scenario given as text; `path` names it in diagnostics and
/// anchors relative zone file paths.
pub fn load_str(text: &str, path: &Path) -> Result<Vec<Scenario>, Vec<FileErrors>> {
    load_str_with(text, path, &FileSystem)
}

/// [`load_str`] with the zone files read from `zones`.
pub fn load_str_with(
    text: &str,
    path: &Path,
    zones: &dyn ZoneFiles,
) -> Result<Vec<Scenario>, Vec<FileErrors>> {
    let mut cx = Context {
        text,
        path,
        zones,
        diagnostics: Vec::new(),
        other_files: Vec::new(),
        pruned: Vec::new(),
    };
    let scenarios = cx.scenarios();
    let mut errors = Vec::new();
    if !cx.diagnostics.is_empty() {
        errors.push(FileErrors::in_text_order(path, cx.diagnostics));
    }
    errors.extend(cx.other_files);
    match scenarios {
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
    zones: &'a dyn ZoneFiles,
    diagnostics: Vec<Diagnostic>,
    other_files: Vec<FileErrors>,
    /// Keys removed after an error; a later "missing" check on one of
    /// them would only repeat that error.
    pruned: Vec<String>,
}

impl<'a> Context<'a> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::at(self.text, span, message));
    }

    fn scenarios(&mut self) -> Option<Vec<Scenario>> {
        let root = document::parse_table(self.text, &mut self.diagnostics)?;
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
        let sender: Option<RawSender> = self.section(&root, "sender");
        let hops: Option<Vec<RawHop>> = self.section(&root, "hops");
        let message: Option<RawMessage> = self.required(&root, root_span.clone(), "message");
        let receivers: Option<RawReceivers> = self.section(&root, "receivers");
        let expect: Option<RawExpect> = self.section(&root, "expect");
        let variants: Option<Vec<RawVariant>> = self.section(&root, "variants");
        let variants = variants.unwrap_or_default();
        if sender.is_none() && variants.is_empty() && root.get("sender").is_none() {
            self.error(
                root_span.start..root_span.start,
                "missing section [sender] (or [[variants]] with a sender each)",
            );
        }

        let dns = dns.map_or_else(|| Some(DnsSetup::default()), |d| self.dns(d));
        let message = message.and_then(|m| self.message(m));
        let sender = sender.map(|s| self.sender(s, message.as_ref()));
        let hops = hops.map_or_else(|| Some(Vec::new()), |h| self.hops(h));
        // The names expectations may use: every reference's, even one that
        // does not resolve (that error is reported once, at the reference).
        let profile_names: Option<Vec<String>> = match &receivers {
            Some(r) => Some(names_of_profiles(r)),
            None if root.get("receivers").is_some() => None,
            None => Some(Vec::new()),
        };
        let receivers = match receivers {
            Some(r) => self.receivers(r),
            // A [receivers] that did not deserialize: its errors are out.
            None if root.get("receivers").is_some() => None,
            None => Some(Receivers::default()),
        };
        let expect = expect.map_or_else(
            || Some(Expectations::default()),
            |e| self.expect(e, profile_names.as_deref()),
        );
        let name = name.unwrap_or_else(|| {
            self.path
                .file_stem()
                .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned())
        });
        let base = Scenario {
            name: name.clone(),
            file: self.path.to_path_buf(),
            variant: None,
            description,
            dns: dns?,
            sender: match &sender {
                Some(s) => s.clone()?,
                // Every variant brings its own; checked below.
                None => Sender::Direct(DirectSender {
                    egress_ip: DEFAULT_EGRESS_IP.parse().ok()?,
                    helo: String::new(),
                    mail_from: None,
                    signers: Vec::new(),
                }),
            },
            hops: hops?,
            message: message?,
            receivers: receivers?,
            expect: expect?,
        };
        if variants.is_empty() {
            return sender.is_some().then_some(vec![base]);
        }

        let mut out = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let mut ok = true;
        for v in variants {
            let vname = v.name.get_ref().trim().to_string();
            if vname.is_empty() || seen.contains(&vname) {
                self.error(
                    v.name.span(),
                    format!("expected a unique, non-empty variant name, found \"{vname}\""),
                );
                ok = false;
                continue;
            }
            seen.push(vname.clone());
            let mut scenario = base.clone();
            scenario.name = format!("{name} [{vname}]");
            scenario.variant = Some(vname.clone());
            if let Some(d) = v.description {
                scenario.description = Some(d);
            }
            match v.sender {
                Some(raw) => match self.sender(raw, Some(&scenario.message)) {
                    Some(sender) => scenario.sender = sender,
                    None => ok = false,
                },
                None if sender.is_none() => {
                    self.error(
                        v.name.span(),
                        format!("variant \"{vname}\" has no sender, and the file has no [sender]"),
                    );
                    ok = false;
                }
                None => {}
            }
            if let Some(raw) = v.dns {
                match self.dns(raw) {
                    Some(extra) => {
                        scenario.dns.records.extend(extra.records);
                        scenario.dns.faults.extend(extra.faults);
                    }
                    None => ok = false,
                }
            }
            if let Some(raw) = v.hops {
                match self.hops(raw) {
                    Some(h) => scenario.hops = h,
                    None => ok = false,
                }
            }
            // A variant's [receivers] replaces the file's: the same message
            // judged by other receivers (or by another DMARC specification).
            let mut variant_profiles = profile_names.clone();
            if let Some(raw) = v.receivers {
                variant_profiles = Some(names_of_profiles(&raw));
                match self.receivers(raw) {
                    Some(r) => scenario.receivers = r,
                    None => ok = false,
                }
            }
            if let Some(raw) = v.expect {
                match self.expect(raw, variant_profiles.as_deref()) {
                    Some(e) => scenario.expect = e,
                    None => ok = false,
                }
            }
            out.push(scenario);
        }
        ok.then_some(out)
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

    fn deserialize<T: DeserializeOwned>(&mut self, value: &Spanned<DeValue<'_>>) -> Option<T> {
        deserialize_pruning(self.text, value, &mut self.diagnostics, &mut self.pruned)
    }

    fn dns(&mut self, raw: RawDns) -> Option<DnsSetup> {
        let mut ok = true;
        let mut records = Vec::new();
        let base = self.path.parent().unwrap_or(Path::new("."));
        for zone in &raw.zones {
            let file = base.join(zone.get_ref());
            let text = match self.zones.read(&file) {
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
                    self.other_files.push(super::quote::guard(FileErrors {
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
                    }));
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

    fn sender(&mut self, raw: RawSender, message: Option<&MessageSpec>) -> Option<Sender> {
        let via = *raw.via.get_ref();
        let relay_only: [(&str, Option<Range<usize>>); 7] = [
            ("region", raw.region.as_ref().map(|v| v.span())),
            ("identity", raw.identity.as_ref().map(|v| v.span())),
            (
                "mail_from_domain",
                raw.mail_from_domain.as_ref().map(|v| v.span()),
            ),
            ("easy_dkim", raw.easy_dkim.as_ref().map(|v| v.span())),
            (
                "byodkim_selector",
                raw.byodkim_selector.as_ref().map(|v| v.span()),
            ),
            (
                "dkim_key_bits",
                raw.dkim_key_bits.as_ref().map(|v| v.span()),
            ),
            (
                "behavior_on_mx_failure",
                raw.behavior_on_mx_failure.as_ref().map(|v| v.span()),
            ),
        ];
        let direct_only: [(&str, Option<Range<usize>>); 2] = [
            ("mail_from", raw.mail_from.as_ref().map(|v| v.span())),
            ("dkim", raw.dkim.as_ref().map(|v| v.span())),
        ];
        let ses_only: [(&str, Option<Range<usize>>); 2] = [
            (
                "configuration_set",
                raw.configuration_set.as_ref().map(|v| v.span()),
            ),
            ("tags", raw.tags.as_ref().map(|v| v.span())),
        ];
        let shared: [(&str, Option<Range<usize>>); 2] = [
            ("egress_ip", raw.egress_ip.as_ref().map(|v| v.span())),
            ("helo", raw.helo.as_ref().map(|v| v.span())),
        ];
        let smtp_only: [(&str, Option<Range<usize>>); 8] = [
            ("address", raw.address.as_ref().map(|v| v.span())),
            ("capture", raw.capture.as_ref().map(|v| v.span())),
            ("tls", raw.tls.as_ref().map(|v| v.span())),
            ("tls_ca", raw.tls_ca.as_ref().map(|v| v.span())),
            ("tls_name", raw.tls_name.as_ref().map(|v| v.span())),
            ("username", raw.username.as_ref().map(|v| v.span())),
            ("password_env", raw.password_env.as_ref().map(|v| v.span())),
            ("postfix", raw.postfix.as_ref().map(|v| v.span())),
        ];
        let mut misplaced: Vec<(&str, Range<usize>, &str)> = Vec::new();
        let mut add = |keys: &[(&'static str, Option<Range<usize>>)], owner: &'static str| {
            for (key, span) in keys {
                if let Some(span) = span {
                    misplaced.push((key, span.clone(), owner));
                }
            }
        };
        match via {
            Via::Relay => {
                add(&direct_only, "\"direct\"");
                add(&ses_only, "\"ses\"");
                add(&smtp_only, "\"smtp\"");
            }
            Via::Direct => {
                add(&relay_only, "\"relay\"");
                add(&ses_only, "\"ses\"");
                add(&smtp_only, "\"smtp\"");
            }
            Via::Ses => {
                // The region is the one relay key that applies to SES too.
                add(&relay_only[1..], "\"relay\"");
                add(&direct_only, "\"direct\"");
                add(&shared, "\"relay\" or \"direct\" (SES picks its own hosts)");
                add(&smtp_only, "\"smtp\"");
            }
            Via::Smtp => {
                add(&relay_only, "\"relay\"");
                add(
                    &direct_only,
                    "\"direct\" (a managed relay's signatures go in [sender.postfix])",
                );
                add(&ses_only, "\"ses\"");
            }
        }
        let mut ok = true;
        for (key, span, owner) in misplaced {
            self.error(span, format!("{key} applies only to via = {owner}"));
            ok = false;
        }
        let sender = match via {
            Via::Direct => self.direct_sender(raw, message).map(Sender::Direct),
            Via::Ses => self.ses_sender(raw).map(Sender::Ses),
            Via::Smtp => self.smtp_sender(raw, message).map(Sender::Smtp),
            Via::Relay => self.relay_sender(raw, message).map(Sender::Relay),
        };
        if ok { sender } else { None }
    }

    fn ses_sender(&mut self, raw: RawSender) -> Option<SesSender> {
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
                None
            }
            Some(r) => Some(r.get_ref().clone()),
            None => None,
        };
        let configuration_set = match raw.configuration_set {
            Some(c) if !is_ses_name(c.get_ref()) => {
                self.error(
                    c.span(),
                    format!(
                        "expected a configuration set name of 1 to 64 letters, digits, '-' or '_', found \"{}\"",
                        c.get_ref()
                    ),
                );
                ok = false;
                None
            }
            Some(c) => Some(c.into_inner()),
            None => None,
        };
        let mut tags = Vec::new();
        for tag in raw.tags.map(|t| t.into_inner()).unwrap_or_default() {
            for part in [&tag.name, &tag.value] {
                if !is_ses_name(part.get_ref()) {
                    self.error(
                        part.span(),
                        format!(
                            "expected a tag name or value of 1 to 64 letters, digits, '-' or '_', found \"{}\"",
                            part.get_ref()
                        ),
                    );
                    ok = false;
                }
            }
            tags.push((tag.name.into_inner(), tag.value.into_inner()));
        }
        ok.then_some(SesSender {
            region,
            configuration_set,
            tags,
        })
    }

    /// DKIM signers (a direct sender's, a managed relay's); `ok` turns
    /// false on an error.
    /// `tags`: whether the signer may set its own tags (a direct sender
    /// writes its signatures; OpenDKIM writes the managed relay's).
    fn signers(&mut self, raw: Vec<RawSigner>, tags: bool, ok: &mut bool) -> Vec<Signer> {
        let mut signers = Vec::new();
        for signer in raw {
            let spans = [
                ("h", signer.h.as_ref().map(|v| v.span())),
                ("c", signer.c.as_ref().map(|v| v.span())),
                ("l", signer.l.as_ref().map(|v| v.span())),
                ("t", signer.t.as_ref().map(|v| v.span())),
                ("x", signer.x.as_ref().map(|v| v.span())),
            ];
            if !tags {
                for (key, span) in spans {
                    if let Some(span) = span {
                        self.error(
                            span,
                            format!("{key} applies only to via = \"direct\" signers; OpenDKIM writes the managed relay's tags"),
                        );
                        *ok = false;
                    }
                }
            }
            let signer_tags = self.signer_tags(&signer, ok);
            if !is_domain_name(signer.domain.get_ref()) {
                self.error(
                    signer.domain.span(),
                    format!(
                        "expected a domain name, found \"{}\"",
                        signer.domain.get_ref()
                    ),
                );
                *ok = false;
            }
            if !is_selector(signer.selector.get_ref()) {
                self.error(
                    signer.selector.span(),
                    format!(
                        "expected a selector of 1 to 63 letters, digits or hyphens, found \"{}\"",
                        signer.selector.get_ref()
                    ),
                );
                *ok = false;
            }
            signers.push(Signer {
                domain: if tags {
                    signer.domain.get_ref().clone()
                } else {
                    signer.domain.get_ref().to_ascii_lowercase()
                },
                tags: signer_tags,
                selector: signer.selector.get_ref().clone(),
                algorithm: match signer.key.unwrap_or(KeyName::Rsa2048) {
                    KeyName::Rsa512 => KeyAlgorithm::Rsa(512),
                    KeyName::Rsa1024 => KeyAlgorithm::Rsa(1024),
                    KeyName::Rsa2048 => KeyAlgorithm::Rsa(2048),
                    KeyName::Ed25519 => KeyAlgorithm::Ed25519,
                },
                publish: match signer.publish.unwrap_or(PublishName::Key) {
                    PublishName::Key => Publish::Key,
                    PublishName::Revoked => Publish::Revoked,
                    PublishName::None => Publish::Nothing,
                },
            });
        }
        signers
    }

    /// The tags a direct signer sets, each checked where it is written.
    fn signer_tags(&mut self, signer: &RawSigner, ok: &mut bool) -> SignerTags {
        let mut out = SignerTags::default();
        if let Some(h) = &signer.h {
            let bad = h.get_ref().iter().find(|name| {
                name.is_empty()
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_graphic() && b != b':' && b != b';')
            });
            if h.get_ref().is_empty() || bad.is_some() {
                self.error(
                    h.span(),
                    format!(
                        "expected a list of header field names (RFC 5322 field names: visible characters but ':' and ';'), found {:?}",
                        bad.map_or("an empty list", |b| b.as_str())
                    ),
                );
                *ok = false;
            }
            out.headers = Some(h.get_ref().clone());
        }
        if let Some(c) = &signer.c {
            let word = |w: &str| match w {
                "relaxed" => Some(true),
                "simple" => Some(false),
                _ => None,
            };
            let parsed = match c.get_ref().split_once('/') {
                Some((h, b)) => word(h).zip(word(b)),
                // RFC 6376 §3.5: a lone algorithm names the header one;
                // the body's is simple.
                None => word(c.get_ref()).map(|h| (h, false)),
            };
            match parsed {
                Some(pair) => out.relaxed = Some(pair),
                None => {
                    self.error(
                        c.span(),
                        format!(
                            "expected \"relaxed/relaxed\", \"relaxed/simple\", \"simple/relaxed\" or \"simple/simple\", found {:?}",
                            c.get_ref()
                        ),
                    );
                    *ok = false;
                }
            }
        }
        if let Some(l) = &signer.l {
            out.body_length = match l.get_ref() {
                RawBodyLength::AsSent(true) => Some(crate::keys::BodyLength::AsSent),
                RawBodyLength::AsSent(false) => None,
                RawBodyLength::Octets(n) if *n >= 0 => {
                    Some(crate::keys::BodyLength::Octets(*n as u64))
                }
                RawBodyLength::Octets(n) => {
                    self.error(
                        l.span(),
                        format!("expected true or a number of octets (0 or more), found {n}"),
                    );
                    *ok = false;
                    None
                }
            };
        }
        // A year either way is room enough for any test and keeps the
        // arithmetic far from overflow.
        const YEAR: i64 = 366 * 24 * 3600;
        for (key, value, slot) in [
            ("t", &signer.t, &mut out.timestamp_offset),
            ("x", &signer.x, &mut out.expires_after),
        ] {
            if let Some(v) = value {
                if v.get_ref().abs() > YEAR {
                    self.error(
                        v.span(),
                        format!(
                            "expected {key} as seconds from the send time, within a year ({YEAR}) either way, found {}",
                            v.get_ref()
                        ),
                    );
                    *ok = false;
                } else {
                    *slot = Some(*v.get_ref());
                }
            }
        }
        out
    }

    /// An `IP:port` value; an error at its span otherwise.
    fn socket_addr(&mut self, value: &Spanned<String>) -> Option<std::net::SocketAddr> {
        let parsed = value.get_ref().parse().ok();
        if parsed.is_none() {
            self.error(
                value.span(),
                format!(
                    "expected an address and port such as \"127.0.0.1:2525\", found \"{}\"",
                    value.get_ref()
                ),
            );
        }
        parsed
    }

    /// `via = "smtp"`: an external relay by address, or a managed Postfix.
    fn smtp_sender(&mut self, raw: RawSender, message: Option<&MessageSpec>) -> Option<SmtpSender> {
        let mut ok = true;
        let egress_ip = match &raw.egress_ip {
            Some(ip) => match ip.get_ref().parse::<IpAddr>() {
                Ok(ip) => Some(ip),
                Err(_) => {
                    self.error(
                        ip.span(),
                        format!("expected an IP address, found \"{}\"", ip.get_ref()),
                    );
                    None
                }
            },
            None => {
                self.error(
                    raw.via.span(),
                    "via = \"smtp\" needs egress_ip: the relay's public address, which the receiver evaluates SPF against",
                );
                None
            }
        };
        let relay = match (&raw.address, raw.postfix) {
            (Some(address), None) => {
                let address = self.socket_addr(address);
                let capture = match &raw.capture {
                    Some(c) => self.socket_addr(c),
                    None => {
                        self.error(
                            raw.via.span(),
                            "an external relay needs capture: the address (such as \"127.0.0.1:2526\") where the harness receives the relay's onward delivery; point the relay's relayhost there",
                        );
                        None
                    }
                };
                if let Some(h) = &raw.helo {
                    self.error(
                        h.span(),
                        "helo applies only to a managed relay ([sender.postfix]); an external relay greets with its own name",
                    );
                    ok = false;
                }
                let tls = match raw.tls.as_ref().map(|t| *t.get_ref()) {
                    Some(TlsName::StartTls) => SmtpTls::StartTls {
                        name: raw
                            .tls_name
                            .as_ref()
                            .map(|n| n.get_ref().clone())
                            .or_else(|| address.map(|a| a.ip().to_string()))
                            .unwrap_or_default(),
                        ca: raw.tls_ca.as_ref().map(|ca| {
                            self.path
                                .parent()
                                .unwrap_or(Path::new("."))
                                .join(ca.get_ref())
                        }),
                    },
                    _ => {
                        for (key, value) in [("tls_ca", &raw.tls_ca), ("tls_name", &raw.tls_name)] {
                            if let Some(v) = value {
                                self.error(v.span(), format!("{key} needs tls = \"starttls\""));
                                ok = false;
                            }
                        }
                        SmtpTls::None
                    }
                };
                let auth = match (&raw.username, &raw.password_env) {
                    (Some(user), Some(var)) => {
                        let name = var.get_ref();
                        let valid = !name.is_empty()
                            && !name.starts_with(|c: char| c.is_ascii_digit())
                            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                        if !valid {
                            self.error(
                                var.span(),
                                format!(
                                    "expected the name of an environment variable holding the password (letters, digits, '_'), found \"{name}\""
                                ),
                            );
                            ok = false;
                        }
                        Some(SmtpAuth {
                            username: user.get_ref().clone(),
                            password_env: name.clone(),
                        })
                    }
                    (Some(user), None) => {
                        self.error(
                            user.span(),
                            "username needs password_env: the environment variable that holds the password (never the password itself)",
                        );
                        ok = false;
                        None
                    }
                    (None, Some(var)) => {
                        self.error(var.span(), "password_env needs username");
                        ok = false;
                        None
                    }
                    (None, None) => None,
                };
                match (address, capture) {
                    (Some(address), Some(capture)) => Some(SmtpRelay::External(ExternalRelay {
                        address,
                        capture,
                        tls,
                        auth,
                    })),
                    _ => None,
                }
            }
            (None, Some(postfix)) => {
                let external_only = [
                    ("capture", raw.capture.as_ref().map(|v| v.span())),
                    ("tls", raw.tls.as_ref().map(|v| v.span())),
                    ("tls_ca", raw.tls_ca.as_ref().map(|v| v.span())),
                    ("tls_name", raw.tls_name.as_ref().map(|v| v.span())),
                    ("username", raw.username.as_ref().map(|v| v.span())),
                    ("password_env", raw.password_env.as_ref().map(|v| v.span())),
                ];
                for (key, span) in external_only {
                    if let Some(span) = span {
                        self.error(
                            span,
                            format!("{key} applies only to an external relay (address), not to [sender.postfix]"),
                        );
                        ok = false;
                    }
                }
                let postfix = postfix.into_inner();
                let backend = match postfix.backend.map(|b| b.into_inner()) {
                    Some(BackendName::Container) => MtaBackend::Container {
                        image: postfix
                            .image
                            .as_ref()
                            .map(|i| i.get_ref().clone())
                            .unwrap_or_else(|| crate::mta::DEFAULT_IMAGE.to_string()),
                    },
                    _ => {
                        if let Some(image) = &postfix.image {
                            self.error(image.span(), "image needs backend = \"container\"");
                            ok = false;
                        }
                        MtaBackend::Native
                    }
                };
                let mail_from_domain = match &postfix.mail_from_domain {
                    Some(d) if !is_domain_name(d.get_ref()) => {
                        self.error(
                            d.span(),
                            format!("expected a domain name, found \"{}\"", d.get_ref()),
                        );
                        ok = false;
                        None
                    }
                    Some(d) => Some(d.get_ref().to_ascii_lowercase()),
                    None => None,
                };
                let raw_signers = postfix.dkim.map(|d| d.into_inner()).unwrap_or_default();
                for signer in &raw_signers {
                    if signer.key == Some(KeyName::Ed25519) {
                        self.error(
                            signer.domain.span(),
                            "the managed relay signs with RSA keys only (OpenDKIM 2.11 uses one algorithm for all its keys); expected key = \"rsa-1024\", \"rsa-2048\" or \"rsa-512\"",
                        );
                        ok = false;
                    }
                }
                let signers = self.signers(raw_signers, false, &mut ok);
                let helo = match &raw.helo {
                    Some(h) if !is_domain_name(h.get_ref()) => {
                        self.error(
                            h.span(),
                            format!("expected a host name, found \"{}\"", h.get_ref()),
                        );
                        ok = false;
                        String::new()
                    }
                    Some(h) => h.get_ref().to_ascii_lowercase(),
                    None => format!(
                        "mta.{}",
                        message
                            .and_then(|m| address_domain(&m.from))
                            .unwrap_or_else(|| "sender.test".into())
                    ),
                };
                Some(SmtpRelay::Postfix(PostfixRelay {
                    backend,
                    mail_from_domain,
                    signers,
                    helo,
                }))
            }
            (Some(_), Some(postfix)) => {
                self.error(
                    postfix.span(),
                    "address (a relay you run) and [sender.postfix] (a relay the harness runs) exclude each other",
                );
                None
            }
            (None, None) => {
                self.error(
                    raw.via.span(),
                    "via = \"smtp\" needs address (an SMTP relay you run, such as \"127.0.0.1:2525\") or [sender.postfix] (a Postfix + OpenDKIM relay the harness runs)",
                );
                None
            }
        };
        let (relay, egress_ip) = (relay?, egress_ip?);
        ok.then_some(SmtpSender { relay, egress_ip })
    }

    fn direct_sender(
        &mut self,
        raw: RawSender,
        message: Option<&MessageSpec>,
    ) -> Option<DirectSender> {
        let mut ok = true;
        let egress_ip = match &raw.egress_ip {
            Some(ip) => match ip.get_ref().parse::<IpAddr>() {
                Ok(ip) => Some(ip),
                Err(_) => {
                    self.error(
                        ip.span(),
                        format!("expected an IP address, found \"{}\"", ip.get_ref()),
                    );
                    None
                }
            },
            None => {
                self.error(
                    raw.via.span(),
                    "via = \"direct\" needs egress_ip: the address the receiver evaluates SPF against",
                );
                None
            }
        };
        let from_domain = message.and_then(|m| address_domain(&m.from));
        // A direct sender says whatever a client may say: the receiver's
        // judgement of odd HELOs (address literals, bare words, RFC 7208
        // §2.3) and envelopes (quoted local parts, address literals, an
        // empty local part, §4.3) is what such scenarios test. Only what
        // cannot travel in one SMTP command line is refused.
        let helo = match &raw.helo {
            Some(h) if !is_helo_argument(h.get_ref()) => {
                self.error(
                    h.span(),
                    format!(
                        "expected a HELO argument (a host name, an address literal or any word without spaces or control characters), found {:?}",
                        h.get_ref()
                    ),
                );
                ok = false;
                String::new()
            }
            Some(h) => h.get_ref().clone(),
            None => format!(
                "mail.{}",
                from_domain.clone().unwrap_or_else(|| "sender.test".into())
            ),
        };
        let mail_from = match &raw.mail_from {
            Some(m) if !is_reverse_path(m.get_ref()) => {
                self.error(
                    m.span(),
                    format!(
                        "expected a reverse path as MAIL FROM carries it, without angle brackets (an address, or \"\" for the null sender), found {:?}",
                        m.get_ref()
                    ),
                );
                ok = false;
                None
            }
            Some(m) => Some(m.get_ref().clone()),
            None => None,
        };
        let signers = self.signers(
            raw.dkim.map(|d| d.into_inner()).unwrap_or_default(),
            true,
            &mut ok,
        );
        let egress_ip = egress_ip?;
        ok.then_some(DirectSender {
            egress_ip,
            helo,
            mail_from,
            signers,
        })
    }

    fn hops(&mut self, raw: Vec<RawHop>) -> Option<Vec<HopIdentity>> {
        let mut ok = true;
        let mut hops = Vec::new();
        for h in raw {
            let domain = h.domain.get_ref().to_ascii_lowercase();
            if !is_domain_name(&domain) {
                self.error(
                    h.domain.span(),
                    format!("expected a domain name, found \"{domain}\""),
                );
                ok = false;
            }
            let egress_ip = match h.egress_ip.get_ref().parse::<IpAddr>() {
                Ok(ip) => Some(ip),
                Err(_) => {
                    self.error(
                        h.egress_ip.span(),
                        format!(
                            "expected an IP address, found \"{}\"",
                            h.egress_ip.get_ref()
                        ),
                    );
                    None
                }
            };
            let helo = match &h.helo {
                Some(n) if !is_domain_name(n.get_ref()) => {
                    self.error(
                        n.span(),
                        format!("expected a host name, found \"{}\"", n.get_ref()),
                    );
                    ok = false;
                    String::new()
                }
                Some(n) => n.get_ref().to_ascii_lowercase(),
                None => format!("mail.{domain}"),
            };
            let list_keys = [
                ("list_address", h.list_address.as_ref().map(|v| v.span())),
                ("subject_tag", h.subject_tag.as_ref().map(|v| v.span())),
                ("footer", h.footer.as_ref().map(|v| v.span())),
                ("rewrite_from", h.rewrite_from.as_ref().map(|v| v.span())),
            ];
            let kind = match h.kind.get_ref() {
                HopKindName::Forwarder => {
                    for (key, span) in list_keys.iter() {
                        if let Some(span) = span {
                            self.error(
                                span.clone(),
                                format!("{key} applies only to kind = \"mailing-list\""),
                            );
                            ok = false;
                        }
                    }
                    HopKind::Forwarder {
                        srs: h.srs.as_ref().is_some_and(|s| *s.get_ref()),
                    }
                }
                HopKindName::MailingList => {
                    if let Some(srs) = &h.srs {
                        self.error(srs.span(), "srs applies only to kind = \"forwarder\"");
                        ok = false;
                    }
                    let list_address = match &h.list_address {
                        Some(a) if address_domain(a.get_ref()).is_some() => {
                            a.get_ref().to_ascii_lowercase()
                        }
                        Some(a) => {
                            self.error(
                                a.span(),
                                format!("expected an address, found \"{}\"", a.get_ref()),
                            );
                            ok = false;
                            String::new()
                        }
                        None => {
                            self.error(h.kind.span(), "a mailing-list hop needs list_address");
                            ok = false;
                            String::new()
                        }
                    };
                    HopKind::MailingList {
                        list_address,
                        subject_tag: h.subject_tag.map(|t| t.into_inner()),
                        footer: h.footer.map(|f| f.into_inner()),
                        rewrite_from: h.rewrite_from.is_some_and(|r| r.into_inner()),
                    }
                }
            };
            if let Some(egress_ip) = egress_ip {
                hops.push(HopIdentity {
                    kind,
                    domain,
                    egress_ip,
                    helo,
                    arc: h.arc.unwrap_or(false),
                });
            } else {
                ok = false;
            }
        }
        ok.then_some(hops)
    }

    fn relay_sender(
        &mut self,
        raw: RawSender,
        message: Option<&MessageSpec>,
    ) -> Option<SesIdentity> {
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
        let byodkim_selector = match &raw.byodkim_selector {
            Some(s) if easy_dkim => {
                self.error(
                    s.span(),
                    "byodkim_selector and easy_dkim = true exclude each other (an identity signs with one own key)",
                );
                ok = false;
                None
            }
            Some(s) if !is_selector(s.get_ref()) => {
                self.error(
                    s.span(),
                    format!(
                        "expected a selector of 1 to 63 letters, digits or hyphens, found \"{}\"",
                        s.get_ref()
                    ),
                );
                ok = false;
                None
            }
            Some(s) => Some(s.get_ref().to_ascii_lowercase()),
            None => None,
        };
        if let (Some(bits), false) = (&raw.dkim_key_bits, easy_dkim || byodkim_selector.is_some()) {
            self.error(
                bits.span(),
                "dkim_key_bits needs easy_dkim = true or byodkim_selector",
            );
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
            byodkim_selector,
            dkim_key_bits,
            behavior_on_mx_failure,
            egress_ip,
            helo: raw.helo.map(|h| h.into_inner()),
        })
    }

    fn message(&mut self, raw: RawMessage) -> Option<MessageSpec> {
        let mut ok = true;
        let base = self.path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let raw_bytes = match &raw.raw {
            Some(file) => {
                let exclusive = [
                    ("from", raw.from.as_ref().map(|v| v.span())),
                    ("subject", raw.subject.as_ref().map(|v| v.span())),
                ];
                for (key, span) in exclusive {
                    if let Some(span) = span {
                        self.error(
                            span,
                            format!("{key} comes from the raw message; remove it or remove raw"),
                        );
                        ok = false;
                    }
                }
                if !raw.cc.is_empty()
                    || raw.text.is_some()
                    || raw.html.is_some()
                    || !raw.headers.is_empty()
                    || !raw.attachments.is_empty()
                {
                    self.error(
                        file.span(),
                        "raw sends the file as it is: cc, text, html, headers and attachments do not apply",
                    );
                    ok = false;
                }
                let path = base.join(file.get_ref());
                if let Some(message) = std::fs::metadata(&path)
                    .ok()
                    .and_then(|m| super::size::raw_error(m.len()))
                {
                    self.error(file.span(), message);
                    return None;
                }
                match std::fs::read(&path) {
                    Ok(bytes) => Some(bytes),
                    Err(e) => {
                        self.error(
                            file.span(),
                            format!(
                                "cannot read \"{}\": {e}",
                                base.join(file.get_ref()).display()
                            ),
                        );
                        return None;
                    }
                }
            }
            None => None,
        };
        let other_from;
        let from = match (&raw.from, &raw_bytes) {
            (_, Some(bytes)) => {
                let addresses = mail_auth::AuthenticatedMessage::parse(bytes)
                    .map(|m| m.from)
                    .unwrap_or_default();
                match addresses.first().cloned() {
                    Some(from) => {
                        other_from = addresses.into_iter().skip(1).collect();
                        from
                    }
                    None => {
                        if let Some(file) = &raw.raw {
                            self.error(file.span(), "the raw message has no From address");
                        }
                        return None;
                    }
                }
            }
            (Some(from), None) => {
                let addresses = &from.get_ref().0;
                for address in addresses {
                    if address_domain(address).is_none() {
                        self.error(
                            from.span(),
                            format!(
                                "expected an address such as \"Name <user@example.com>\", found \"{address}\""
                            ),
                        );
                        ok = false;
                    }
                }
                other_from = addresses.iter().skip(1).cloned().collect();
                addresses.first().cloned().unwrap_or_default()
            }
            (None, None) => {
                self.error(
                    raw.to.span().start..raw.to.span().start,
                    "missing key \"from\" in [message]",
                );
                return None;
            }
        };
        if raw_bytes.is_none()
            && raw.subject.is_none()
            && !self.pruned.iter().any(|k| k == "subject")
        {
            self.error(
                raw.to.span().start..raw.to.span().start,
                "missing key \"subject\" in [message]",
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
        let mut attachments = Vec::new();
        let mut sizes = Vec::new();
        for a in raw.attachments {
            let data = match (&a.size, &a.path) {
                (Some(size), None) => {
                    sizes.push(super::size::Attachment {
                        size: *size.get_ref(),
                        span: size.span(),
                    });
                    AttachmentData::Generated(*size.get_ref())
                }
                (None, Some(path)) => {
                    let file = base.join(path.get_ref());
                    if !file.is_file() {
                        self.error(path.span(), format!("no such file \"{}\"", file.display()));
                        ok = false;
                    }
                    sizes.push(super::size::Attachment {
                        size: std::fs::metadata(&file).map_or(0, |m| m.len()),
                        span: path.span(),
                    });
                    AttachmentData::File(file)
                }
                _ => {
                    self.error(
                        a.name.span(),
                        "an attachment needs exactly one of size (generated bytes) or path (a file)",
                    );
                    ok = false;
                    continue;
                }
            };
            attachments.push(AttachmentSpec {
                name: a.name.into_inner(),
                content_type: a
                    .content_type
                    .unwrap_or_else(|| "application/octet-stream".into()),
                data,
            });
        }
        let text = [&raw.text, &raw.html]
            .iter()
            .map(|t| t.as_ref().map_or(0, |t| t.len() as u64))
            .sum();
        for (span, message) in super::size::attachment_errors(text, &sizes) {
            self.error(span, message);
            ok = false;
        }
        ok.then(|| MessageSpec {
            other_from,
            from,
            raw: raw_bytes,
            attachments,
            to: raw.to.into_inner(),
            cc: raw.cc,
            subject: raw.subject.map(|s| s.into_inner()).unwrap_or_default(),
            text: raw.text,
            html: raw.html,
            headers: raw
                .headers
                .into_iter()
                .map(|h| (h.name.into_inner(), h.value))
                .collect(),
        })
    }

    /// `[receivers]`: every named profile resolved and loaded (errors in a
    /// profile file are reported against that file).
    fn receivers(&mut self, raw: RawReceivers) -> Option<Receivers> {
        let mut ok = true;
        if let Some(list) = &raw.profiles
            && list.get_ref().is_empty()
        {
            self.error(
                list.span(),
                "expected at least one receiver profile name, found none",
            );
            ok = false;
        }
        let mut profiles: Vec<crate::receiver::Profile> = Vec::new();
        let references = raw
            .profiles
            .as_ref()
            .map(|p| p.get_ref().as_slice())
            .unwrap_or_default();
        for reference in references {
            let file = match crate::receiver::resolve(reference.get_ref(), self.path) {
                Ok(file) => file,
                Err(message) => {
                    self.error(reference.span(), message);
                    ok = false;
                    continue;
                }
            };
            match crate::receiver::load_profile(&file) {
                Ok(profile) if profiles.iter().any(|p| p.name == profile.name) => {
                    self.error(
                        reference.span(),
                        format!(
                            "expected each profile once, found \"{}\" twice",
                            profile.name
                        ),
                    );
                    ok = false;
                }
                Ok(profile) => profiles.push(profile),
                Err(errors) => {
                    self.other_files.push(super::quote::guard(errors));
                    ok = false;
                }
            }
        }
        if let Some(conflict) = Receivers::line_endings_conflict(&profiles) {
            let span = raw.profiles.as_ref().map_or(0..0, |p| p.span());
            self.error(span, conflict);
            ok = false;
        }
        ok.then_some(Receivers {
            profiles,
            bulk: raw.bulk,
            dmarc: raw.dmarc,
        })
    }

    /// `profiles`: the names `[receivers]` gives, `None` when that section
    /// had errors (expectations about receivers are then not checked).
    fn expect(&mut self, raw: RawExpect, profiles: Option<&[String]>) -> Option<Expectations> {
        let mut receivers = Vec::new();
        let mut ok = true;
        for (name, disposition) in raw.receivers.unwrap_or_default() {
            match profiles {
                Some([]) => {
                    self.error(
                        name.span(),
                        format!(
                            "expect.receivers needs [receivers] profiles = [\"{}\", ...]",
                            name.get_ref()
                        ),
                    );
                    ok = false;
                }
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
                    ok = false;
                }
                _ => {}
            }
            receivers.push((name.into_inner(), disposition));
        }
        // In the order [receivers] names them.
        if let Some(known) = profiles {
            receivers.sort_by_key(|(name, _)| known.iter().position(|k| k == name));
        }
        if !ok {
            return None;
        }
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
            receivers,
            outcome,
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
        })
    }
}

/// The names of the profiles `[receivers]` references, each once, in
/// order: what expectations may name.
fn names_of_profiles(raw: &RawReceivers) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let references = raw
        .profiles
        .as_ref()
        .map(|p| p.get_ref().as_slice())
        .unwrap_or_default();
    for p in references {
        let name = profile_name(p.get_ref());
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The name a profile reference gives its profile: the file name without
/// `.toml` (`"docomo"`, `"../mine/strict.toml"` → `strict`).
fn profile_name(reference: &str) -> String {
    let last = reference.rsplit(['/', '\\']).next().unwrap_or(reference);
    last.strip_suffix(".toml").unwrap_or(last).to_string()
}

const RECORD_TYPES: &[&str] = &["A", "AAAA", "MX", "TXT", "CNAME", "PTR", "NS", "SOA"];

/// A zone file's origin when it has no `$ORIGIN`: its name without the
/// `.zone` / `.db` extension (`example.com.zone` → `example.com.`).
fn default_origin(file: &Path) -> String {
    mock_dns::origin_for_file(file)
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

    const MESSAGE: &str =
        "[message]\nfrom = \"a@example.com\"\nto = [\"b@receiver.test\"]\nsubject = \"s\"\n";

    fn smtp_errors(sender: &str) -> Vec<String> {
        let text = format!("[sender]\nvia = \"smtp\"\n{sender}\n{MESSAGE}");
        match load_str(&text, Path::new("smtp.toml")) {
            Ok(_) => Vec::new(),
            Err(files) => files
                .into_iter()
                .flat_map(|f| f.diagnostics)
                .map(|d| d.message)
                .collect(),
        }
    }

    #[test]
    fn smtp_senders_load() {
        let text = format!(
            "[sender]\nvia = \"smtp\"\negress_ip = \"192.0.2.1\"\n\
             [sender.postfix]\nmail_from_domain = \"Bounce.example.com\"\n\
             dkim = [{{ domain = \"example.com\", selector = \"mta\", publish = \"none\" }}]\n{MESSAGE}"
        );
        let scenario = load_str(&text, Path::new("m.toml")).unwrap().remove(0);
        let Sender::Smtp(SmtpSender {
            relay: SmtpRelay::Postfix(p),
            egress_ip,
        }) = scenario.sender
        else {
            panic!("{:?}", scenario.sender)
        };
        assert_eq!(egress_ip.to_string(), "192.0.2.1");
        assert_eq!(p.backend, MtaBackend::Native);
        assert_eq!(p.mail_from_domain.as_deref(), Some("bounce.example.com"));
        assert_eq!(p.helo, "mta.example.com");
        assert_eq!(p.signers[0].publish, Publish::Nothing);

        let text = format!(
            "[sender]\nvia = \"smtp\"\naddress = \"127.0.0.1:2525\"\ncapture = \"127.0.0.1:2526\"\n\
             egress_ip = \"192.0.2.1\"\ntls = \"starttls\"\ntls_ca = \"ca.pem\"\n\
             username = \"app\"\npassword_env = \"RELAY_PASSWORD\"\n{MESSAGE}"
        );
        let scenario = load_str(&text, Path::new("dir/e.toml")).unwrap().remove(0);
        let Sender::Smtp(SmtpSender {
            relay: SmtpRelay::External(e),
            ..
        }) = scenario.sender
        else {
            panic!("{:?}", scenario.sender)
        };
        assert_eq!(e.address.to_string(), "127.0.0.1:2525");
        assert_eq!(
            e.tls,
            SmtpTls::StartTls {
                name: "127.0.0.1".into(),
                ca: Some(PathBuf::from("dir/ca.pem")),
            }
        );
        assert_eq!(e.auth.unwrap().password_env, "RELAY_PASSWORD");
    }

    #[test]
    fn smtp_sender_errors() {
        let cases: &[(&str, &str)] = &[
            ("", "needs egress_ip"),
            ("egress_ip = \"192.0.2.1\"", "needs address"),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"",
                "an external relay needs capture",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"localhost\"\ncapture = \"127.0.0.1:1\"",
                "expected an address and port such as \"127.0.0.1:2525\", found \"localhost\"",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"\ncapture = \"127.0.0.1:1\"\nusername = \"u\"",
                "username needs password_env",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"\ncapture = \"127.0.0.1:1\"\nusername = \"u\"\npassword_env = \"hunter2!\"",
                "expected the name of an environment variable",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"\ncapture = \"127.0.0.1:1\"\ntls_ca = \"x.pem\"",
                "tls_ca needs tls = \"starttls\"",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"\ncapture = \"127.0.0.1:1\"\nhelo = \"h.test\"",
                "helo applies only to a managed relay",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"\npostfix = {}",
                "exclude each other",
            ),
            (
                "egress_ip = \"192.0.2.1\"\ncapture = \"127.0.0.1:1\"\npostfix = {}",
                "capture applies only to an external relay",
            ),
            (
                "egress_ip = \"192.0.2.1\"\npostfix = { image = \"x:1\" }",
                "image needs backend = \"container\"",
            ),
            (
                "egress_ip = \"192.0.2.1\"\npostfix = { backend = \"docker\" }",
                "expected one of \"native\" or \"container\", found \"docker\"",
            ),
            (
                "egress_ip = \"192.0.2.1\"\npostfix = { dkim = [{ domain = \"e.test\", selector = \"s\", key = \"ed25519\" }] }",
                "signs with RSA keys only",
            ),
            (
                "egress_ip = \"192.0.2.1\"\nmail_from_domain = \"b.example.com\"\npostfix = {}",
                "mail_from_domain applies only to via = \"relay\"",
            ),
        ];
        for (sender, expected) in cases {
            let errors = smtp_errors(sender);
            assert!(
                errors.iter().any(|e| e.contains(expected)),
                "{sender:?}: expected an error containing {expected:?}, found {errors:?}"
            );
        }
        let errors = smtp_errors("egress_ip = \"192.0.2.1\"\npostfix = {}");
        assert!(errors.is_empty(), "{errors:?}");
        // The other senders refuse the smtp keys.
        let text = format!("[sender]\nvia = \"relay\"\naddress = \"127.0.0.1:25\"\n{MESSAGE}");
        let errors = load_str(&text, Path::new("r.toml")).unwrap_err();
        assert!(
            errors[0].diagnostics[0]
                .message
                .contains("address applies only to via = \"smtp\""),
            "{errors:?}"
        );
    }

    #[test]
    fn optional_sections_may_be_left_out() {
        let text = "[sender]\nvia = \"relay\"\n[message]\nfrom = \"a@example.com\"\nto = [\"b@receiver.test\"]\nsubject = \"s\"\n";
        let scenario = load_str(text, Path::new("minimal.toml"))
            .expect("a minimal scenario loads")
            .remove(0);
        assert_eq!(scenario.name, "minimal");
        assert!(scenario.dns.records.is_empty());
        assert!(scenario.expect.outcome.is_none());
    }

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
    fn origin_from_file_name() {
        assert_eq!(
            default_origin(Path::new("z/example.com.zone")),
            "example.com."
        );
        assert_eq!(default_origin(Path::new("z/zone.db")), ".");
    }
}
