//! A scenario file as a whole: its sections read, each checked, the
//! scenario they make (one per variant when the file has variants).

use std::path::Path;

use toml::{Spanned, de::DeTable};

use super::{
    super::{
        model::{DnsSetup, Expectations, Scenario, Sender},
        raw::{RawDns, RawExpect, RawHop, RawMessage, RawReceivers, RawSender, RawVariant},
        zones::{FileSystem, ZoneFiles},
    },
    context::Context,
    sender::DEFAULT_EGRESS_IP,
};
use crate::{
    document::{self, Diagnostic, FileErrors, quoted_list},
    send::DirectSender,
};

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
    let mut cx = Context::new(text, path, zones);
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

/// The file's sections as serde read them; `None` for one that is absent
/// or was refused (its errors reported).
struct Sections {
    name: Option<String>,
    description: Option<String>,
    dns: Option<RawDns>,
    sender: Option<RawSender>,
    hops: Option<Vec<RawHop>>,
    message: Option<RawMessage>,
    receivers: Option<RawReceivers>,
    /// The file has `[receivers]`, but it was refused.
    receivers_refused: bool,
    expect: Option<RawExpect>,
    variants: Vec<RawVariant>,
}

impl Context<'_> {
    /// The file's scenarios; `None` when it has errors.
    fn scenarios(&mut self) -> Option<Vec<Scenario>> {
        let root = document::parse_table(self.text, &mut self.diagnostics)?;
        self.unknown_sections(root.get_ref());
        let mut sections = self.sections(&root);
        let variants = std::mem::take(&mut sections.variants);
        let file_sender = sections.sender.is_some();
        let (base, profiles) = self.base(sections)?;
        let mut scenarios = if variants.is_empty() {
            file_sender.then_some(vec![base])?
        } else {
            self.variants(&base, variants, file_sender, profiles.as_deref())?
        };
        self.locate_expectations(root.get_ref(), &mut scenarios);
        Some(scenarios)
    }

    fn unknown_sections(&mut self, root: &DeTable<'_>) {
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
    }

    fn sections(&mut self, root: &Spanned<DeTable<'_>>) -> Sections {
        let table = root.get_ref();
        let mut sections = Sections {
            name: self.section(table, "name"),
            description: self.section(table, "description"),
            dns: self.section(table, "dns"),
            sender: self.section(table, "sender"),
            hops: self.section(table, "hops"),
            message: self.required(root, "message"),
            receivers: self.section(table, "receivers"),
            receivers_refused: false,
            expect: self.section(table, "expect"),
            variants: self.section(table, "variants").unwrap_or_default(),
        };
        let given = |key: &str| table.get(key).is_some();
        if sections.sender.is_none() && sections.variants.is_empty() && !given("sender") {
            let start = root.span().start;
            self.error(
                start..start,
                "missing section [sender] (or [[variants]] with a sender each)",
            );
        }
        sections.receivers_refused = sections.receivers.is_none() && given("receivers");
        sections
    }

    /// The scenario the file's sections make (its sender a placeholder
    /// when only the variants have one), and the profile names its
    /// expectations may use.
    fn base(&mut self, file: Sections) -> Option<(Scenario, Option<Vec<String>>)> {
        let dns = file
            .dns
            .map_or_else(|| Some(DnsSetup::default()), |d| self.dns(d));
        let message = file.message.and_then(|m| self.message(m));
        let sender = file.sender.map(|s| self.sender(s, message.as_ref()));
        let hops = file.hops.map_or_else(|| Some(Vec::new()), |h| self.hops(h));
        let (profiles, receivers) = self.file_receivers(file.receivers, file.receivers_refused);
        let expect = file.expect.map_or_else(
            || Some(Expectations::default()),
            |e| self.expect(e, profiles.as_deref()),
        );
        let scenario = Scenario {
            name: file.name.unwrap_or_else(|| self.default_name()),
            file: self.path.to_path_buf(),
            variant: None,
            description: file.description,
            dns: dns?,
            // Every variant brings its own when the file has none.
            sender: sender.unwrap_or(Some(placeholder_sender()))?,
            hops: hops?,
            message: message?,
            receivers: receivers?,
            expect: expect?,
        };
        Some((scenario, profiles))
    }

    /// The name of a file that gives none: its stem.
    fn default_name(&self) -> String {
        self.path
            .file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned())
    }
}

/// The sender of a file whose variants each bring their own.
fn placeholder_sender() -> Sender {
    Sender::Direct(DirectSender {
        egress_ip: DEFAULT_EGRESS_IP,
        helo: String::new(),
        mail_from: None,
        signers: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
