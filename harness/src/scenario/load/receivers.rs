//! `[receivers]`: the receiver profiles that judge the message, each
//! resolved and loaded (errors in a profile file are reported against
//! that file).

use toml::Spanned;

use super::{super::raw::RawReceivers, context::Context};
use crate::receiver::{Profile, Receivers};

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
        self.clean_since(mark).then_some(Receivers {
            profiles,
            bulk: raw.bulk,
            dmarc: raw.dmarc,
        })
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
