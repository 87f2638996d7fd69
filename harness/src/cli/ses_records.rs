//! `mailharness ses-records`: the records an SES identity needs.

use std::io::Write;

use crate::{
    exit, scenario,
    ses::{self, user_records},
};

/// `mailharness ses-records IDENTITY`: the records to publish, in BIND
/// syntax, as the SES console lists them. A trailing dot on a domain is
/// taken as written (`example.com.` is `example.com`).
pub fn ses_records(
    identity: &str,
    mail_from: Option<&str>,
    region: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let identity = identity.strip_suffix('.').unwrap_or(identity);
    let mail_from = mail_from.map(|m| m.strip_suffix('.').unwrap_or(m));
    let mut problems = Vec::new();
    if !scenario_name_ok(identity) {
        problems.push(format!(
            "IDENTITY: expected a domain name such as example.com, found {identity:?}"
        ));
    }
    if let Some(m) = mail_from {
        if !scenario_name_ok(m) {
            problems.push(format!(
                "--mail-from: expected a domain name such as bounce.example.com, found {m:?}"
            ));
        } else if !m
            .to_ascii_lowercase()
            .ends_with(&format!(".{}", identity.to_ascii_lowercase()))
        {
            problems.push(format!(
                "--mail-from: expected a subdomain of {identity}, found {m:?}"
            ));
        }
    }
    if !scenario::is_region(region) {
        problems.push(format!(
            "--region: expected an AWS region such as us-east-1, found {region:?}"
        ));
    }
    if !problems.is_empty() {
        for p in problems {
            let _ = writeln!(err, "error: {p}");
        }
        return exit::USAGE;
    }
    let records = user_records(identity, region, mail_from);
    let _ = writeln!(out, "; Records for the SES identity {identity} in {region}");
    let _ = writeln!(out, "; Easy DKIM: three CNAMEs to keys that SES publishes");
    for (i, r) in records.iter().enumerate() {
        if i == 3 && mail_from.is_some() {
            let _ = writeln!(
                out,
                "; Custom MAIL FROM: exactly one MX to {}, and SPF",
                ses::feedback_mx(region)
            );
        }
        if r.name.starts_with("_dmarc.") {
            let _ = writeln!(
                out,
                "; DMARC: start with p=none, add rua= to receive reports"
            );
        }
        let _ = writeln!(out, "{r}");
    }
    exit::SUCCESS
}

fn scenario_name_ok(name: &str) -> bool {
    crate::scenario::is_domain_name(name)
}
