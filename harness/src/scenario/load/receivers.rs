//! `[receivers]`: the receiver profiles that judge the message, each
//! resolved and loaded (errors in a profile file are reported against
//! that file).

use toml::Spanned;

use super::{
    super::raw::{RawDefer, RawReceivers},
    context::Context,
};
use crate::{
    clock::parse_duration,
    receiver::{Deferral, Profile, Receivers},
    smtp::Reply,
};

impl Context<'_> {
    /// The file's `[receivers]` (`refused`: given, but it did not
    /// deserialize, its errors reported): the profile names expectations
    /// may use, and the receivers. Without the section, no profiles.
    pub(super) fn file_receivers(
        &mut self,
        raw: Option<RawReceivers>,
        refused: bool,
    ) -> (Option<Vec<String>>, Option<Receivers>) {
        match raw {
            Some(r) => (Some(names_of_profiles(&r)), self.receivers(r)),
            None if refused => (None, None),
            None => (Some(Vec::new()), Some(Receivers::default())),
        }
    }

    pub(super) fn receivers(&mut self, raw: RawReceivers) -> Option<Receivers> {
        let mark = self.mark();
        if let Some(list) = &raw.profiles
            && list.get_ref().is_empty()
        {
            self.error(
                list.span(),
                "expected at least one receiver profile name, found none",
            );
        }
        let mut profiles: Vec<Profile> = Vec::new();
        for reference in references(&raw) {
            if let Some(profile) = self.profile(reference, &profiles) {
                profiles.push(profile);
            }
        }
        if let Some(conflict) = Receivers::line_endings_conflict(&profiles) {
            let span = raw.profiles.as_ref().map_or(0..0, |p| p.span());
            self.error(span, conflict);
        }
        let mut deferrals = Vec::new();
        if let Some(greylist) = &raw.greylist
            && let Some(window) = self.checked(greylist.span(), parse_duration(greylist.get_ref()))
        {
            deferrals.push(Deferral::greylist(window));
        }
        if let Some(defer) = &raw.defer
            && let Some(deferral) = self.defer(defer)
        {
            deferrals.push(deferral);
        }
        self.clean_since(mark).then_some(Receivers {
            profiles,
            bulk: raw.bulk,
            dmarc: raw.dmarc,
            enforcement: raw.enforcement,
            deferrals,
        })
    }

    /// `defer = { for = "2h", reply = "421 4.7.0 …" }`: `for` required,
    /// `reply` a 4xx.
    fn defer(&mut self, defer: &Spanned<RawDefer>) -> Option<Deferral> {
        let raw = defer.get_ref();
        let Some(window) = &raw.window else {
            self.error(
                defer.span(),
                "missing key \"for\" in defer, e.g. defer = { for = \"2h\" }",
            );
            return None;
        };
        let window = self.checked(window.span(), parse_duration(window.get_ref()));
        let reply = match &raw.reply {
            Some(reply) => Some(self.checked(reply.span(), temporary_reply(reply.get_ref()))?),
            None => None,
        };
        Some(Deferral::defer(window?, reply))
    }

    /// The profile `reference` names, when it loads and is not among
    /// `loaded` yet.
    fn profile(&mut self, reference: &Spanned<String>, loaded: &[Profile]) -> Option<Profile> {
        let source = crate::receiver::resolve(reference.get_ref(), self.path);
        let source = self.checked(reference.span(), source)?;
        match source.load() {
            Ok(profile) if loaded.iter().any(|p| p.name == profile.name) => {
                self.error(
                    reference.span(),
                    format!(
                        "expected each profile once, found \"{}\" twice",
                        profile.name
                    ),
                );
                None
            }
            Ok(profile) => Some(profile),
            Err(errors) => {
                self.other_file(errors);
                None
            }
        }
    }
}

fn references(raw: &RawReceivers) -> &[Spanned<String>] {
    raw.profiles
        .as_ref()
        .map(|p| p.get_ref().as_slice())
        .unwrap_or_default()
}

/// The names of the profiles `[receivers]` references, each once, in
/// order: what expectations may name.
pub(super) fn names_of_profiles(raw: &RawReceivers) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for reference in references(raw) {
        let name = profile_name(reference.get_ref());
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

/// A 4xx reply as a scenario writes it: `"421 4.7.28 text"`.
fn temporary_reply(text: &str) -> Result<Reply, String> {
    let (code, rest) = text.split_once(' ').unwrap_or((text, ""));
    match code.parse::<u16>() {
        Ok(code @ 400..500) if !rest.trim().is_empty() && !rest.contains(['\r', '\n']) => {
            Ok(Reply::new(code, rest.trim()))
        }
        _ => Err(format!(
            "expected a 4xx reply such as \"421 4.7.0 Try again later\", found \"{text}\""
        )),
    }
}
