use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};

/// What `GetEmailIdentity` says about an identity, in SES's own words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdentityAttributes {
    pub identity: String,
    /// `DOMAIN`, `EMAIL_ADDRESS` or `MANAGED_DOMAIN`.
    pub identity_type: String,
    pub verified_for_sending: bool,
    pub verification_status: Option<String>,
    pub dkim: Option<DkimAttributes>,
    /// Absent when no custom MAIL FROM domain is configured.
    pub mail_from: Option<MailFromAttributes>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DkimAttributes {
    pub signing_enabled: bool,
    /// `PENDING`, `SUCCESS`, `FAILED`, `TEMPORARY_FAILURE`, `NOT_STARTED`.
    pub status: String,
    /// Easy DKIM: the three CNAME tokens; BYODKIM: the selector.
    pub tokens: Vec<String>,
    /// `AWS_SES` (Easy DKIM) or `EXTERNAL` (BYODKIM).
    pub origin: String,
    pub current_key_length: Option<String>,
    pub next_key_length: Option<String>,
}

impl DkimAttributes {
    /// Whether SES signs: `enabled` or `disabled`.
    pub fn signing(&self) -> &'static str {
        if self.signing_enabled {
            "enabled"
        } else {
            "disabled"
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailFromAttributes {
    pub domain: String,
    /// `PENDING`, `SUCCESS`, `FAILED`, `TEMPORARY_FAILURE`.
    pub status: String,
    /// `USE_DEFAULT_VALUE` or `REJECT_MESSAGE`.
    pub behavior_on_mx_failure: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("GetEmailIdentity {identity}: {code}: {message}")]
    Service {
        identity: String,
        code: String,
        message: String,
    },
    #[error("GetEmailIdentity {identity} failed before SES answered: {reason}")]
    Transport { identity: String, reason: String },
}

impl IdentityError {
    /// Whether the identity does not exist in the account and region.
    pub fn is_not_found(&self) -> bool {
        matches!(self, IdentityError::Service { code, .. } if code == "NotFoundException")
    }
}

/// Calls SESv2 `GetEmailIdentity`.
pub async fn get_identity(
    ses: &aws_sdk_sesv2::Client,
    identity: &str,
) -> Result<IdentityAttributes, IdentityError> {
    let out = match ses
        .get_email_identity()
        .email_identity(identity)
        .send()
        .await
    {
        Ok(out) => out,
        Err(SdkError::ServiceError(e)) => {
            let err = e.err();
            return Err(IdentityError::Service {
                identity: identity.to_string(),
                code: err.code().unwrap_or("Unknown").to_string(),
                message: err.message().unwrap_or_default().to_string(),
            });
        }
        Err(e) => {
            return Err(IdentityError::Transport {
                identity: identity.to_string(),
                reason: super::aws::error_chain(&e),
            });
        }
    };
    let dkim = out.dkim_attributes().map(|d| DkimAttributes {
        signing_enabled: d.signing_enabled(),
        status: d
            .status()
            .map_or_else(|| "NOT_STARTED".into(), |s| s.as_str().to_string()),
        tokens: d.tokens().to_vec(),
        origin: d
            .signing_attributes_origin()
            .map_or_else(|| "AWS_SES".into(), |o| o.as_str().to_string()),
        current_key_length: d
            .current_signing_key_length()
            .map(|k| k.as_str().to_string()),
        next_key_length: d.next_signing_key_length().map(|k| k.as_str().to_string()),
    });
    let mail_from = out
        .mail_from_attributes()
        .filter(|m| !m.mail_from_domain().is_empty())
        .map(|m| MailFromAttributes {
            domain: m
                .mail_from_domain()
                .trim_end_matches('.')
                .to_ascii_lowercase(),
            status: m.mail_from_domain_status().as_str().to_string(),
            behavior_on_mx_failure: m.behavior_on_mx_failure().as_str().to_string(),
        });
    Ok(IdentityAttributes {
        identity: identity.trim_end_matches('.').to_ascii_lowercase(),
        identity_type: out
            .identity_type()
            .map_or_else(String::new, |t| t.as_str().to_string()),
        verified_for_sending: out.verified_for_sending_status(),
        verification_status: out.verification_status().map(|s| s.as_str().to_string()),
        dkim,
        mail_from,
    })
}
