//! `mailharness ses-records`: the records an SES identity needs. Easy
//! DKIM's tokens are SES's to draw: without real ones (`--dkim-tokens`,
//! or `--from-ses` reading them with `GetEmailIdentity`) the CNAMEs are
//! printed commented out and marked as placeholders, so that the output
//! cannot be published as it is.

use std::io::Write;

use crate::{
    exit, scenario,
    ses::{self, user_records},
};

/// Where the Easy DKIM tokens come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DkimTokens {
    /// None given: the emulated relay's (derived from identity and
    /// region), printed as placeholders.
    Placeholders,
    /// `--dkim-tokens T1,T2,T3`.
    Given(Vec<String>),
    /// `--from-ses`: `GetEmailIdentity` (feature `live`).
    FromSes,
}

/// What `ses-records` prints records for.
#[derive(Clone, Debug)]
pub struct SesRecordsSettings {
    pub identity: String,
    pub mail_from: Option<String>,
    pub region: String,
    pub tokens: DkimTokens,
}

/// How the DKIM part of the output is introduced, by where its tokens
/// came from.
#[cfg_attr(not(feature = "live"), allow(dead_code))]
enum TokenOrigin {
    Placeholders,
    Given,
    FromSes,
    /// The identity signs with a key of its own (BYODKIM): no CNAMEs.
    Byodkim(String),
}

/// `mailharness ses-records IDENTITY`: the records to publish, in BIND
/// syntax, as the SES console lists them. A trailing dot on a domain is
/// taken as written (`example.com.` is `example.com`).
pub async fn ses_records(
    settings: &SesRecordsSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let identity = settings
        .identity
        .strip_suffix('.')
        .unwrap_or(&settings.identity);
    let mail_from = settings
        .mail_from
        .as_deref()
        .map(|m| m.strip_suffix('.').unwrap_or(m).to_string());
    let region = settings.region.as_str();
    let mut problems = usage_problems(identity, mail_from.as_deref(), region);
    if let DkimTokens::Given(tokens) = &settings.tokens {
        problems.extend(token_problems(tokens));
    }
    if !problems.is_empty() {
        for p in problems {
            let _ = writeln!(err, "error: {p}");
        }
        return exit::USAGE;
    }
    let text = match &settings.tokens {
        DkimTokens::Placeholders => render(
            identity,
            region,
            mail_from.as_deref(),
            &ses::easy_dkim_tokens(identity, region),
            &TokenOrigin::Placeholders,
        ),
        DkimTokens::Given(tokens) => {
            let tokens: Vec<String> = tokens.iter().map(|t| t.to_ascii_lowercase()).collect();
            render(
                identity,
                region,
                mail_from.as_deref(),
                &tokens,
                &TokenOrigin::Given,
            )
        }
        DkimTokens::FromSes => match from_ses(identity, region, mail_from.as_deref(), err).await {
            Ok(text) => text,
            Err(code) => return code,
        },
    };
    let _ = write!(out, "{text}");
    exit::SUCCESS
}

/// The records for `identity`, with the comments that say what each group
/// is and where its tokens came from.
fn render(
    identity: &str,
    region: &str,
    mail_from: Option<&str>,
    tokens: &[String],
    origin: &TokenOrigin,
) -> String {
    let mut text = format!("; Records for the SES identity {identity} in {region}\n");
    match origin {
        TokenOrigin::Placeholders => text.push_str(
            "; Easy DKIM: three CNAMEs whose tokens SES draws for your identity.\n\
             ; The three below are PLACEHOLDERS, commented out: their tokens are the\n\
             ; emulated relay's (derived from identity and region, for scenario zone\n\
             ; files), and published as they are, Easy DKIM never verifies. Print\n\
             ; your identity's records with --dkim-tokens T1,T2,T3 (GetEmailIdentity's\n\
             ; DkimAttributes.Tokens, or the SES console) or --from-ses.\n",
        ),
        TokenOrigin::Given => text
            .push_str("; Easy DKIM: three CNAMEs to keys that SES publishes (the tokens given)\n"),
        TokenOrigin::FromSes => text.push_str(
            "; Easy DKIM: three CNAMEs to keys that SES publishes (tokens from GetEmailIdentity)\n",
        ),
        TokenOrigin::Byodkim(selector) => text.push_str(&format!(
            "; DKIM: BYODKIM (GetEmailIdentity): your own key, as a TXT record at\n\
             ; {selector}._domainkey.{identity} that only you can write (no CNAMEs)\n"
        )),
    }
    let records = user_records(identity, region, mail_from, tokens);
    for r in &records {
        if r.name.starts_with("_dmarc.") {
            text.push_str("; DMARC: start with p=none, add rua= to receive reports\n");
        } else if mail_from.is_some_and(|m| r.name.trim_end_matches('.') == m) && r.rtype() == "MX"
        {
            text.push_str(&format!(
                "; Custom MAIL FROM: exactly one MX to {}, and SPF\n",
                ses::feedback_mx(region)
            ));
        }
        if r.rtype() == "CNAME" && matches!(origin, TokenOrigin::Placeholders) {
            text.push_str(&format!("; PLACEHOLDER {r}\n"));
        } else {
            text.push_str(&format!("{r}\n"));
        }
    }
    text
}

fn usage_problems(identity: &str, mail_from: Option<&str>, region: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if !scenario::is_domain_name(identity) {
        problems.push(format!(
            "IDENTITY: expected a domain name such as example.com, found {identity:?}"
        ));
    }
    if let Some(m) = mail_from {
        if !scenario::is_domain_name(m) {
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
    problems
}

/// `--dkim-tokens`: three distinct tokens, each a DNS label.
fn token_problems(tokens: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    if tokens.len() != 3 {
        problems.push(format!(
            "--dkim-tokens: expected the three Easy DKIM tokens SES gives an identity, separated by commas, found {}",
            tokens.len()
        ));
    }
    for (i, t) in tokens.iter().enumerate() {
        if !ses::is_dkim_token(t) {
            problems.push(format!(
                "--dkim-tokens: expected an Easy DKIM token of 1 to 63 letters and digits, found {t:?}"
            ));
        } else if tokens[..i].iter().any(|o| o.eq_ignore_ascii_case(t)) {
            problems.push(format!("--dkim-tokens: the token {t:?} is given twice"));
        }
    }
    problems
}

/// The records for an identity as `GetEmailIdentity` describes it in
/// `region`: its Easy DKIM tokens (or, with BYODKIM, no CNAMEs) and its
/// custom MAIL FROM domain unless `mail_from` names one.
#[cfg(feature = "live")]
pub fn records_from_identity(
    attributes: &crate::live::IdentityAttributes,
    region: &str,
    mail_from: Option<&str>,
) -> Result<String, String> {
    let identity = attributes.identity.as_str();
    let (tokens, origin) = match &attributes.dkim {
        Some(d) if d.origin == "EXTERNAL" => (
            Vec::new(),
            TokenOrigin::Byodkim(d.tokens.first().cloned().unwrap_or_default()),
        ),
        Some(d) if d.tokens.len() == 3 && d.tokens.iter().all(|t| ses::is_dkim_token(t)) => {
            (d.tokens.clone(), TokenOrigin::FromSes)
        }
        _ => {
            return Err(format!(
                "GetEmailIdentity lists no Easy DKIM tokens for {identity} in {region}: set up Easy DKIM for it (PutEmailIdentityDkimSigningAttributes with AWS_SES), or give the tokens with --dkim-tokens"
            ));
        }
    };
    let mail_from = mail_from
        .map(str::to_string)
        .or_else(|| attributes.mail_from.as_ref().map(|m| m.domain.clone()));
    Ok(render(
        identity,
        region,
        mail_from.as_deref(),
        &tokens,
        &origin,
    ))
}

/// `--from-ses`: `GetEmailIdentity` in `region`, then
/// [`records_from_identity`]. Exit 3 without credentials or when SES
/// cannot be reached, 1 when the identity does not exist there or has no
/// Easy DKIM tokens.
#[cfg(feature = "live")]
async fn from_ses(
    identity: &str,
    region: &str,
    mail_from: Option<&str>,
    err: &mut dyn Write,
) -> Result<String, i32> {
    use crate::live::{LiveSettings, connect, get_identity};
    let clients = connect(&LiveSettings {
        region: Some(region.to_string()),
        endpoint_url: None,
    })
    .await
    .map_err(|e| {
        let _ = writeln!(err, "error: ses-records --from-ses cannot reach SES: {e}");
        exit::ENVIRONMENT
    })?;
    let attributes = get_identity(&clients.ses, identity).await.map_err(|e| {
        let _ = writeln!(err, "error: {e}");
        if e.is_not_found() {
            exit::EXPECTATION_FAILED
        } else {
            exit::ENVIRONMENT
        }
    })?;
    records_from_identity(&attributes, region, mail_from).map_err(|e| {
        let _ = writeln!(err, "error: {e}");
        exit::EXPECTATION_FAILED
    })
}

#[cfg(not(feature = "live"))]
async fn from_ses(
    _identity: &str,
    _region: &str,
    _mail_from: Option<&str>,
    err: &mut dyn Write,
) -> Result<String, i32> {
    let _ = writeln!(
        err,
        "error: --from-ses needs live mode, and this mailharness was built without it; build with `cargo build -p mailharness --features live`, or give the tokens with --dkim-tokens"
    );
    Err(exit::ENVIRONMENT)
}
