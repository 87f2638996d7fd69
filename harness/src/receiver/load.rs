//! Reading profile files, with the scenario files' diagnostics: every
//! error of a file at its line and column, all of them at once.

use std::{
    ops::Range,
    path::{Path, PathBuf},
};

use toml::Spanned;

use super::{
    bundled::{Bundled, bundled_names},
    profile::{Action, PLACEHOLDERS, Profile, ReplyTemplate, Rule},
    raw::{RawLineEndings, RawProfile},
};
use crate::{
    document::{
        Diagnostic, FileErrors, deserialize_pruning, parse_document, quoted_list, read_text,
    },
    smtp::LineEndings,
};

/// Where the profile a scenario names is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileSource {
    /// A file: one of the scenario's own, or one it names by path.
    File(PathBuf),
    /// A profile compiled into mailharness.
    Bundled(Bundled),
}

impl ProfileSource {
    /// The path diagnostics name it by (`<bundled>/NAME.toml` for a
    /// bundled one).
    pub fn path(&self) -> PathBuf {
        match self {
            ProfileSource::File(path) => path.clone(),
            ProfileSource::Bundled(bundled) => bundled.path(),
        }
    }

    /// Reads and checks the profile.
    pub fn load(&self) -> Result<Profile, FileErrors> {
        match self {
            ProfileSource::File(path) => load_profile(path),
            ProfileSource::Bundled(bundled) => load_profile_str(bundled.text, &bundled.path()),
        }
    }
}

/// Where a scenario's profile reference leads. The scenario's own files
/// win over the bundled profiles: a reference ending in `.toml` or holding
/// a `/` is a path relative to the scenario file; a name resolves to
/// `receivers/<name>.toml` in the scenario's folder or the nearest parent
/// folder that has one, else to the bundled profile of that name. The
/// error says what was looked for.
pub fn resolve(reference: &str, scenario_file: &Path) -> Result<ProfileSource, String> {
    let base = scenario_file.parent().unwrap_or(Path::new(""));
    if reference.ends_with(".toml") || reference.contains('/') || reference.contains('\\') {
        let file = base.join(reference);
        return if file.is_file() {
            Ok(ProfileSource::File(file))
        } else {
            Err(format!("no receiver profile file \"{}\"", file.display()))
        };
    }
    let is_name = !reference.is_empty()
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !is_name {
        return Err(format!(
            "expected a profile name (letters, digits, '-', '_') or a path to a .toml file, found \"{reference}\""
        ));
    }
    let file_name = format!("{reference}.toml");
    for dir in base.ancestors() {
        let file = dir.join("receivers").join(&file_name);
        if file.is_file() {
            return Ok(ProfileSource::File(file));
        }
    }
    if let Some(bundled) = Bundled::named(reference) {
        return Ok(ProfileSource::Bundled(bundled));
    }
    let names = bundled_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    Err(format!(
        "unknown receiver profile \"{reference}\": expected one of {} or a receivers/{file_name} beside the scenario or in a parent folder",
        quoted_list(&names)
    ))
}

/// Reads and checks one profile file.
pub fn load_profile(path: &Path) -> Result<Profile, FileErrors> {
    load_profile_str(&read_text(path)?, path)
}

/// Checks a profile given as text; `path` names it (its stem is the
/// profile's name) in diagnostics.
pub fn load_profile_str(text: &str, path: &Path) -> Result<Profile, FileErrors> {
    let mut diagnostics = Vec::new();
    let profile = check(text, path, &mut diagnostics);
    match profile {
        Some(p) if diagnostics.is_empty() => Ok(p),
        _ => {
            if diagnostics.is_empty() {
                diagnostics.push(Diagnostic::at(
                    text,
                    0..0,
                    "the profile was refused without a diagnostic (a bug in mailharness)",
                ));
            }
            Err(FileErrors::in_text_order(path, diagnostics))
        }
    }
}

fn check(text: &str, path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Option<Profile> {
    let root = parse_document(text, diagnostics)?;
    let mut pruned = Vec::new();
    let raw: RawProfile = deserialize_pruning(text, &root, diagnostics, &mut pruned)?;
    let mut error = |span: Range<usize>, message: String| {
        diagnostics.push(Diagnostic::at(text, span, message));
    };
    let mut rules = Vec::new();
    for rule in raw.rule {
        let header = rule.span();
        let rule = rule.into_inner();
        let (Some(action_key), Some(reason_key)) = (&rule.action, &rule.reason) else {
            for (key, present) in [
                ("action", rule.action.is_some()),
                ("reason", rule.reason.is_some()),
            ] {
                // A key pruned after its own error is not missing.
                if !present && !pruned.iter().any(|p| p == key) {
                    error(header.clone(), format!("missing key \"{key}\" in [[rule]]"));
                }
            }
            continue;
        };
        let action = *action_key.get_ref();
        let refuses = matches!(action, Action::Tempfail | Action::Reject);
        let reply = match (&rule.reply, refuses) {
            (Some(reply), false) => {
                error(
                    reply.span(),
                    format!(
                        "reply applies only to action = \"tempfail\" or \"reject\" ({} is accepted with a 250)",
                        action.name()
                    ),
                );
                None
            }
            (None, false) => None,
            (None, true) => {
                error(
                    action_key.span(),
                    format!(
                        "action = \"{}\" needs a reply, e.g. reply = \"{}\"",
                        action.name(),
                        if action == Action::Reject {
                            "550 5.7.1 message refused"
                        } else {
                            "451 4.7.1 try again later"
                        }
                    ),
                );
                None
            }
            (Some(reply), true) => checked_reply(reply, action == Action::Reject, &mut error),
        };
        let defer_reply = match (&rule.defer_reply, action) {
            (None, _) => None,
            (Some(defer), Action::Reject) => checked_reply(defer, false, &mut error),
            (Some(defer), _) => {
                error(
                    defer.span(),
                    "defer_reply applies only to action = \"reject\" (the 4xx it answers instead while enforcement = \"defer\")".into(),
                );
                None
            }
        };
        let banner = match (&rule.banner, action) {
            (Some(banner), Action::Warn) => {
                let text = banner.get_ref().trim().to_string();
                if text.is_empty() || text.contains(['\r', '\n']) {
                    error(
                        banner.span(),
                        "expected a banner of one non-empty line".into(),
                    );
                } else if let Err(message) = check_placeholders(&text) {
                    error(banner.span(), message);
                }
                Some(text)
            }
            (None, Action::Warn) => {
                error(
                    action_key.span(),
                    "action = \"warn\" needs a banner, the warning the user sees, e.g. banner = \"This message may be spoofed\"".into(),
                );
                None
            }
            (Some(banner), _) => {
                error(
                    banner.span(),
                    "banner applies only to action = \"warn\"".into(),
                );
                None
            }
            (None, _) => None,
        };
        let reason = reason_key.get_ref().trim().to_string();
        if reason.is_empty() || reason.contains(['\r', '\n']) {
            error(
                reason_key.span(),
                "expected a reason of one non-empty line".into(),
            );
        } else if let Err(message) = check_placeholders(&reason) {
            error(reason_key.span(), message);
        }
        rules.push(Rule {
            when: rule.when,
            action,
            reply,
            defer_reply,
            banner,
            reason,
        });
    }
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Some(Profile {
        name,
        file: path.to_path_buf(),
        description: raw.description.map(|d| d.trim().to_string()),
        bulk: raw.bulk,
        line_endings: match raw.line_endings {
            RawLineEndings::Strict => LineEndings::Strict,
            RawLineEndings::Lenient => LineEndings::Lenient,
        },
        enforcement: raw.enforcement,
        rules,
    })
}

/// A checked reply (`permanent`: a 5xx, else a 4xx), its errors reported.
fn checked_reply(
    reply: &Spanned<String>,
    permanent: bool,
    error: &mut impl FnMut(Range<usize>, String),
) -> Option<ReplyTemplate> {
    match parse_reply(reply.get_ref(), permanent) {
        Ok(template) => {
            if let Err(message) = check_placeholders(reply.get_ref()) {
                error(reply.span(), message);
            }
            Some(template)
        }
        Err(message) => {
            error(reply.span(), message);
            None
        }
    }
}

/// `"550 5.7.26 text"` for a reject (`permanent`), `"421 4.7.27 text"`
/// for a tempfail or a `defer_reply`.
fn parse_reply(reply: &str, permanent: bool) -> Result<ReplyTemplate, String> {
    let class = if permanent { '5' } else { '4' };
    let expected = format!(
        "expected a {class}xx reply such as \"{class}50 {class}.7.1 text\" for {}",
        if permanent {
            "action = \"reject\""
        } else {
            "action = \"tempfail\" or a defer_reply"
        }
    );
    let (code, text) = reply.split_once(' ').unwrap_or((reply, ""));
    let code = code
        .parse::<u16>()
        .ok()
        .filter(|c| (100..600).contains(c) && code.len() == 3);
    match code {
        Some(code) if code / 100 == class.to_digit(10).unwrap_or(0) as u16 => {
            if text.trim().is_empty() || text.contains(['\r', '\n']) {
                Err(format!(
                    "{expected}, found \"{reply}\" (the text must be one non-empty line)"
                ))
            } else {
                Ok(ReplyTemplate {
                    code,
                    text: text.trim().to_string(),
                })
            }
        }
        _ => Err(format!("{expected}, found \"{reply}\"")),
    }
}

/// Every `{name}` in `text` must be one of [`PLACEHOLDERS`].
fn check_placeholders(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            return Err(format!(
                "expected \"}}\" after \"{{\" in \"{text}\", found the end of the text"
            ));
        };
        let name = &after[..end];
        if !PLACEHOLDERS.contains(&name) {
            let known: Vec<String> = PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect();
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            return Err(format!(
                "expected one of {}, found \"{{{name}}}\"",
                quoted_list(&known)
            ));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receiver::profile::{Matcher, PolicyState};
    use mailharness_auth::{DmarcResult, SpfResult};

    fn load(text: &str) -> Result<Profile, String> {
        load_profile_str(text, Path::new("receivers/test.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn a_profile_with_every_kind_of_rule() {
        let profile = load(
            r#"
description = "a test receiver"
bulk = true

[[rule]]
when = { dmarc = "fail", policy = "reject" }
action = "reject"
reply = "550 5.7.26 Unauthenticated email from {from_domain} is not accepted"
reason = "DMARC fails and {from_domain} asks for reject"

[[rule]]
when = { spf = "!pass", dkim = ["fail", "none"] }
action = "tempfail"
reply = "421 4.7.27 try again"
reason = "neither SPF nor DKIM"

[[rule]]
when = { one_click = false, bulk = true }
action = "spam"
reason = "no one-click unsubscribe"
"#,
        )
        .unwrap();
        assert_eq!(profile.name, "test");
        assert_eq!(profile.description.as_deref(), Some("a test receiver"));
        assert!(profile.bulk);
        assert_eq!(profile.rules.len(), 3);
        let first = &profile.rules[0];
        assert_eq!(first.action, Action::Reject);
        assert_eq!(
            first.when.dmarc,
            Some(Matcher {
                values: vec![DmarcResult::Fail],
                negated: false
            })
        );
        assert_eq!(
            first.when.policy,
            Some(Matcher {
                values: vec![PolicyState::Reject],
                negated: false
            })
        );
        assert_eq!(
            first.reply,
            Some(ReplyTemplate {
                code: 550,
                text: "5.7.26 Unauthenticated email from {from_domain} is not accepted".into()
            })
        );
        let second = &profile.rules[1];
        assert_eq!(
            second.when.spf,
            Some(Matcher {
                values: vec![SpfResult::Pass],
                negated: true
            })
        );
        assert_eq!(profile.rules[2].when.one_click, Some(false));
        assert_eq!(profile.rules[2].reply, None);
    }

    #[test]
    fn every_error_with_its_position() {
        let e = load(
            r#"descripton = "typo"

[[rule]]
when = { spf = "pas", dmarcc = "fail" }
action = "reject"
reason = "x"

[[rule]]
action = "spam"
reply = "550 5.7.1 no"
reason = "y"

[[rule]]
action = "tempfail"
reply = "550 5.7.1 wrong class"
reason = "{nope}"

[[rule]]
action = "bounce"
reason = "z"
"#,
        )
        .unwrap_err();
        assert_eq!(
            e,
            [
                r#"receivers/test.toml:1:1: unknown key "descripton", expected one of "description", "bulk", "line_endings", "enforcement", "rule""#,
                r#"receivers/test.toml:4:16: expected one of "pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", found "pas""#,
                r#"receivers/test.toml:4:23: unknown key "dmarcc", expected one of "spf", "header_from_spf", "dkim", "spf_aligned", "dkim_aligned", "dmarc", "policy", "arc", "fcrdns", "tls", "rfc5322", "list_unsubscribe", "one_click", "bulk", "mail_from_dns", "from_dns""#,
                r#"receivers/test.toml:5:10: action = "reject" needs a reply, e.g. reply = "550 5.7.1 message refused""#,
                r#"receivers/test.toml:10:9: reply applies only to action = "tempfail" or "reject" (spam is accepted with a 250)"#,
                r#"receivers/test.toml:15:9: expected a 4xx reply such as "450 4.7.1 text" for action = "tempfail" or a defer_reply, found "550 5.7.1 wrong class""#,
                r#"receivers/test.toml:16:10: expected one of "{client_ip}", "{from_domain}", "{mail_from_domain}", "{helo}", "{format_problems}", found "{nope}""#,
                r#"receivers/test.toml:19:10: expected one of "warn", "spam", "drop", "tempfail", "reject", found "bounce""#,
            ]
            .join("\n")
        );
    }

    #[test]
    fn warnings_drops_and_the_enforcement_stage() {
        let profile = load(
            r#"
enforcement = "defer"

[[rule]]
when = { dmarc = "none", mail_from_dns = "exists", from_dns = ["nxdomain", "temperror"] }
action = "warn"
banner = "This message may be spoofed: {from_domain}"
reason = "no DMARC record"

[[rule]]
when = { spf = "!pass" }
action = "drop"
reason = "spoofed envelope"

[[rule]]
when = { tls = false }
action = "reject"
reply = "550 5.7.29 no TLS"
defer_reply = "421 4.7.29 no TLS yet"
reason = "no TLS"
"#,
        )
        .unwrap();
        assert_eq!(profile.enforcement, crate::receiver::Enforcement::Defer);
        let [warn, drop, reject] = &profile.rules[..] else {
            panic!("{:?}", profile.rules)
        };
        assert_eq!(warn.action, Action::Warn);
        assert_eq!(
            warn.banner.as_deref(),
            Some("This message may be spoofed: {from_domain}")
        );
        assert_eq!(drop.action, Action::Drop);
        assert_eq!(drop.reply, None);
        assert_eq!(
            reject.defer_reply,
            Some(ReplyTemplate {
                code: 421,
                text: "4.7.29 no TLS yet".into()
            })
        );
    }

    #[test]
    fn banners_and_defer_replies_only_where_they_apply() {
        let e = load(
            r#"enforcement = "later"

[[rule]]
action = "warn"
reason = "a"

[[rule]]
action = "drop"
banner = "b"
reply = "250 ok"
reason = "b"

[[rule]]
action = "tempfail"
reply = "451 4.7.1 later"
defer_reply = "421 4.7.1 later"
reason = "c"

[[rule]]
action = "reject"
reply = "550 5.7.1 no"
defer_reply = "550 5.7.1 still no"
reason = "d"

[[rule]]
when = { mail_from_dns = "missing" }
action = "warn"
banner = ""
reason = "e"
"#,
        )
        .unwrap_err();
        assert_eq!(
            e,
            [
                r#"receivers/test.toml:1:15: expected one of "defer" or "reject", found "later""#,
                r#"receivers/test.toml:4:10: action = "warn" needs a banner, the warning the user sees, e.g. banner = "This message may be spoofed""#,
                r#"receivers/test.toml:9:10: banner applies only to action = "warn""#,
                r#"receivers/test.toml:10:9: reply applies only to action = "tempfail" or "reject" (drop is accepted with a 250)"#,
                r#"receivers/test.toml:16:15: defer_reply applies only to action = "reject" (the 4xx it answers instead while enforcement = "defer")"#,
                r#"receivers/test.toml:22:15: expected a 4xx reply such as "450 4.7.1 text" for action = "tempfail" or a defer_reply, found "550 5.7.1 still no""#,
                r#"receivers/test.toml:26:26: expected one of "exists", "nxdomain", "temperror", "none", found "missing""#,
                r#"receivers/test.toml:28:10: expected a banner of one non-empty line"#,
            ]
            .join("\n")
        );
    }

    #[test]
    fn missing_keys_point_at_the_rule() {
        let e =
            load("[[rule]]\nwhen = { tls = false }\n\n[[rule]]\naction = \"spam\"\n").unwrap_err();
        assert_eq!(
            e,
            [
                r#"receivers/test.toml:1:1: missing key "action" in [[rule]]"#,
                r#"receivers/test.toml:1:1: missing key "reason" in [[rule]]"#,
                r#"receivers/test.toml:4:1: missing key "reason" in [[rule]]"#,
            ]
            .join("\n")
        );
    }

    #[test]
    fn syntax_errors_are_positioned() {
        let e = load("[[rule]\naction = \"spam\"\n").unwrap_err();
        assert!(e.starts_with("receivers/test.toml:1:"), "{e}");
    }

    #[test]
    fn replies() {
        assert_eq!(
            parse_reply("550 Unknown user", true),
            Ok(ReplyTemplate {
                code: 550,
                text: "Unknown user".into()
            })
        );
        assert!(parse_reply("55 x", true).is_err());
        assert!(parse_reply("550", true).is_err());
        assert!(parse_reply("450 x", true).is_err());
        assert!(parse_reply("421 4.7.0 x", false).is_ok());
    }

    #[test]
    fn every_bundled_profile_loads() {
        let names = bundled_names();
        assert!(names.len() >= 7, "{names:?}");
        for bundled in Bundled::all() {
            let profile = ProfileSource::Bundled(bundled)
                .load()
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(profile.name, bundled.name);
            assert_eq!(profile.file, bundled.path());
            let name = bundled.name;
            assert!(profile.description.is_some(), "{name} has no description");
            assert!(!profile.rules.is_empty(), "{name} has no rules");
        }
    }

    /// gmail-bulk.toml is gmail.toml with `bulk = true`: the copies must
    /// not drift apart.
    #[test]
    fn gmail_bulk_is_gmail_for_a_bulk_sender() {
        let load = |name: &str| {
            ProfileSource::Bundled(Bundled::named(name).unwrap())
                .load()
                .unwrap()
        };
        let (all, bulk) = (load("gmail"), load("gmail-bulk"));
        assert_eq!(all.rules, bulk.rules);
        assert!(!all.bulk);
        assert!(bulk.bulk);
    }

    #[test]
    fn references_resolve() {
        let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/ses/default.toml");
        // In the workspace, receivers/ is a parent folder's.
        let file = resolve("docomo", &scenario).unwrap().path();
        assert!(
            file.ends_with("receivers/docomo.toml"),
            "{}",
            file.display()
        );
        let e = resolve("docmo", &scenario).unwrap_err();
        assert!(
            e.starts_with("unknown receiver profile \"docmo\": expected one of "),
            "{e}"
        );
        assert!(e.contains("\"docomo\""), "{e}");
        let e = resolve("../nowhere.toml", &scenario).unwrap_err();
        assert!(e.starts_with("no receiver profile file "), "{e}");
        let e = resolve("bad name", &scenario).unwrap_err();
        assert!(e.starts_with("expected a profile name"), "{e}");
    }

    /// Outside the workspace a name finds the bundled profile, unless the
    /// scenario's folder or a parent folder has its own.
    #[test]
    fn own_files_win_over_the_bundled_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let scenario = dir.path().join("mail/s.toml");
        std::fs::create_dir_all(scenario.parent().unwrap()).unwrap();
        let docomo = Bundled::named("docomo").unwrap();
        assert_eq!(
            resolve("docomo", &scenario),
            Ok(ProfileSource::Bundled(docomo))
        );
        let own = dir.path().join("receivers/docomo.toml");
        std::fs::create_dir_all(own.parent().unwrap()).unwrap();
        std::fs::write(&own, docomo.text).unwrap();
        assert_eq!(resolve("docomo", &scenario), Ok(ProfileSource::File(own)));
        // A path is always the scenario's own file.
        assert!(matches!(
            resolve("../receivers/docomo.toml", &scenario),
            Ok(ProfileSource::File(_))
        ));
    }
}
