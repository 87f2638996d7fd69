//! `[[variants]]`: one scenario per variant, the file's with the
//! variant's sections in place of its own (a variant's `[dns]` adds to the
//! file's).

use toml::Spanned;

use super::{
    super::{model::Scenario, raw::RawVariant},
    context::Context,
    receivers::names_of_profiles,
};

impl Context<'_> {
    /// `file_sender`: whether the file has a `[sender]` of its own;
    /// `profiles`: the names the file's `[receivers]` gives (see
    /// [`Context::expect`]).
    pub(super) fn variants(
        &mut self,
        base: &Scenario,
        raw: Vec<RawVariant>,
        file_sender: bool,
        profiles: Option<&[String]>,
    ) -> Option<Vec<Scenario>> {
        let mut out = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let mut ok = true;
        for v in raw {
            match self.variant(base, v, &mut seen, file_sender, profiles) {
                Some(scenario) => out.push(scenario),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn variant(
        &mut self,
        base: &Scenario,
        v: RawVariant,
        seen: &mut Vec<String>,
        file_sender: bool,
        profiles: Option<&[String]>,
    ) -> Option<Scenario> {
        let name = self.variant_name(&v.name, seen)?;
        let mut scenario = base.clone();
        scenario.name = format!("{} [{name}]", base.name);
        scenario.variant = Some(name.clone());
        if let Some(d) = v.description {
            scenario.description = Some(d);
        }
        let mut ok = match v.sender {
            Some(raw) => {
                let sender = self.sender(raw, Some(&scenario.message));
                replace(&mut scenario.sender, sender)
            }
            None => file_sender || self.no_sender(&v.name, &name),
        };
        if let Some(raw) = v.dns {
            let extra = self.dns(raw);
            ok &= extra.is_some();
            if let Some(extra) = extra {
                scenario.dns.records.extend(extra.records);
                scenario.dns.faults.extend(extra.faults);
                scenario.dns.origins.extend(extra.origins);
            }
        }
        if let Some(raw) = v.hops {
            ok &= replace(&mut scenario.hops, self.hops(raw));
        }
        // A variant's [receivers] replaces the file's: the same message
        // judged by other receivers (or by another DMARC specification).
        let mut variant_profiles = profiles.map(<[String]>::to_vec);
        if let Some(raw) = v.receivers {
            variant_profiles = Some(names_of_profiles(&raw));
            ok &= replace(&mut scenario.receivers, self.receivers(raw));
        }
        if let Some(raw) = v.expect {
            let expect = self.expect(raw, variant_profiles.as_deref());
            ok &= replace(&mut scenario.expect, expect);
        }
        ok.then_some(scenario)
    }

    /// A variant without a sender in a file without one: its error, and
    /// `false`.
    fn no_sender(&mut self, at: &Spanned<String>, name: &str) -> bool {
        self.error(
            at.span(),
            format!("variant \"{name}\" has no sender, and the file has no [sender]"),
        );
        false
    }

    /// The variant's name, trimmed, when it is given and not taken yet.
    fn variant_name(&mut self, name: &Spanned<String>, seen: &mut Vec<String>) -> Option<String> {
        let trimmed = name.get_ref().trim().to_string();
        if trimmed.is_empty() || seen.contains(&trimmed) {
            self.error(
                name.span(),
                format!("expected a unique, non-empty variant name, found \"{trimmed}\""),
            );
            return None;
        }
        seen.push(trimmed.clone());
        Some(trimmed)
    }
}

/// Puts `value` in `slot` when there is one; whether there was.
fn replace<T>(slot: &mut T, value: Option<T>) -> bool {
    let given = value.is_some();
    if let Some(value) = value {
        *slot = value;
    }
    given
}
