//! The fields of a verdict as expectations, reports and `diff` name them,
//! each with how to read it: one table, so that an expectation's `found`
//! and a diff's `before`/`after` always say the same thing.

use crate::verify::Verdict;

/// One field of a verdict.
pub struct Field {
    /// Its key, as the scenario language and the JSON report spell it.
    pub key: &'static str,
    /// Its value in a verdict, in words.
    pub read: fn(&Verdict) -> String,
}

/// Every field `diff` compares, in the order the receiver decides them.
pub const VERDICT_FIELDS: &[Field] = &[
    Field {
        key: "return_path_domain",
        read: |v| v.return_path_domain.clone(),
    },
    Field {
        key: "spf.result",
        read: |v| v.spf.result.to_string(),
    },
    Field {
        key: "spf.domain",
        read: |v| v.spf.domain.clone(),
    },
    Field {
        key: "spf.helo_result",
        read: |v| v.spf.helo_result.to_string(),
    },
    Field {
        key: "dkim",
        read: dkim_set,
    },
    Field {
        key: "dmarc.policy",
        read: |v| {
            v.dmarc
                .policy
                .map_or_else(|| "no record".to_string(), |p| p.to_string())
        },
    },
    Field {
        key: "dmarc.spf_aligned",
        read: |v| v.dmarc.spf_aligned.to_string(),
    },
    Field {
        key: "dmarc.dkim_aligned",
        read: |v| v.dmarc.dkim_aligned.to_string(),
    },
    Field {
        key: "dmarc.result",
        read: |v| v.dmarc.result.to_string(),
    },
    Field {
        key: "dmarc.disposition",
        read: |v| v.dmarc.disposition.to_string(),
    },
    Field {
        key: "arc.result",
        read: |v| v.arc.result.to_string(),
    },
];

/// The value of the field `key` in `verdict`.
pub fn read(key: &str, verdict: &Verdict) -> String {
    VERDICT_FIELDS
        .iter()
        .find(|f| f.key == key)
        .map_or_else(String::new, |f| (f.read)(verdict))
}

/// The DKIM signatures as a set: `{example.com: pass, amazonses.com: pass}`.
fn dkim_set(v: &Verdict) -> String {
    let list: Vec<String> = v
        .dkim
        .iter()
        .map(|d| format!("{}: {}", d.domain, d.result))
        .collect();
    format!("{{{}}}", list.join(", "))
}
