use std::collections::BTreeMap;

use super::audit::Audit;

/// The audit as a stable, diff-friendly file: one `key = value` line per
/// identity attribute, DNS record and predicted result, sorted by key.
pub fn render(audit: &Audit) -> String {
    let a = &audit.attributes;
    let p = &audit.prediction;
    let mut lines: BTreeMap<String, String> = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        lines.insert(k.to_string(), v);
    };
    put("identity.name", a.identity.clone());
    put("identity.region", audit.region.clone());
    put(
        "identity.verified_for_sending",
        a.verified_for_sending.to_string(),
    );
    if let Some(d) = &a.dkim {
        put("dkim.signing_enabled", d.signing_enabled.to_string());
        put("dkim.status", d.status.clone());
        put("dkim.origin", d.origin.clone());
        put("dkim.tokens", d.tokens.join(" "));
        put(
            "dkim.current_key_length",
            d.current_key_length.clone().unwrap_or_default(),
        );
    }
    match &a.mail_from {
        Some(m) => {
            put("mail_from.domain", m.domain.clone());
            put("mail_from.status", m.status.clone());
            put(
                "mail_from.behavior_on_mx_failure",
                m.behavior_on_mx_failure.clone(),
            );
        }
        None => put("mail_from.domain", String::new()),
    }
    for c in &audit.checks {
        put(
            &format!("dns.{} {}", c.rtype, c.name),
            if c.found.is_empty() {
                "(none)".into()
            } else {
                c.found.join(" | ")
            },
        );
    }
    put("predict.return_path_domain", p.return_path_domain.clone());
    put("predict.dkim_domains", p.dkim_domains.join(" "));
    put("predict.spf_aligned", p.spf_aligned.to_string());
    put("predict.dkim_aligned", p.dkim_aligned.to_string());
    put("predict.dmarc", p.dmarc.clone());
    put("predict.refused", p.refused.clone().unwrap_or_default());
    let mut out = format!(
        "# mailharness audit snapshot of {} in {}; compare with `mailharness audit --check`\n",
        a.identity, audit.region
    );
    for (k, v) in lines {
        out.push_str(&format!("{k} = {v}\n"));
    }
    out
}

fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| match l.split_once(" = ") {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

/// The drift from `old` to `new` snapshot text: `- key = old` / `+ key =
/// new` per changed key, in key order; `None` when nothing changed.
pub fn diff(old: &str, new: &str) -> Option<String> {
    let (old, new) = (parse(old), parse(new));
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = String::new();
    for k in keys {
        match (old.get(k), new.get(k)) {
            (Some(a), Some(b)) if a == b => {}
            (a, b) => {
                if let Some(a) = a {
                    out.push_str(&format!("- {k} = {a}\n"));
                }
                if let Some(b) = b {
                    out.push_str(&format!("+ {k} = {b}\n"));
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_changed_added_and_removed_keys() {
        let old = "# x\na = 1\nb = 2\nc = 3\n";
        let new = "# y\na = 1\nb = 20\nd = 4\n";
        assert_eq!(
            diff(old, new).unwrap(),
            "- b = 2\n+ b = 20\n- c = 3\n+ d = 4\n"
        );
        assert_eq!(diff(old, old), None);
    }
}
