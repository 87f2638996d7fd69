use aws_sdk_sesv2::{
    error::{ProvideErrorMetadata, SdkError},
    primitives::Blob,
    types::{Destination, EmailContent, MessageTag, RawMessage},
};
use rand::Rng;

/// The header that carries a run's token, so the capture can find the
/// message among others.
pub const RUN_TOKEN_HEADER: &str = "X-Mailharness-Run";

/// What SES answered to `SendEmail`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    Accepted {
        message_id: String,
    },
    /// Refused by the service, with its error code (`MessageRejected`,
    /// `MailFromDomainNotVerifiedException`, `TooManyRequestsException`, …).
    Refused {
        code: String,
        message: String,
    },
}

impl std::fmt::Display for SendOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendOutcome::Accepted { message_id } => write!(f, "SES MessageId {message_id}"),
            SendOutcome::Refused { code, message } if message.is_empty() => f.write_str(code),
            SendOutcome::Refused { code, message } => write!(f, "{code}: {message}"),
        }
    }
}

/// The request never got an answer from the service.
#[derive(Debug, thiserror::Error)]
#[error("SendEmail failed before SES answered: {0}")]
pub struct SendError(pub String);

/// A fresh run token: `mh-` and 24 hex digits.
pub fn new_run_token() -> String {
    let bytes: [u8; 12] = rand::thread_rng().r#gen();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("mh-{hex}")
}

/// `message` with the run token header on top.
pub fn with_run_token(message: &[u8], token: &str) -> Vec<u8> {
    let mut out = format!("{RUN_TOKEN_HEADER}: {token}\r\n").into_bytes();
    out.extend_from_slice(message);
    out
}

/// Sends `raw` as it is through SESv2 `SendEmail` (raw content) to the
/// envelope `recipients`, with an optional configuration set and tags. A
/// refusal by the service is an outcome, not an error.
pub async fn send_raw(
    ses: &aws_sdk_sesv2::Client,
    from: &str,
    recipients: &[String],
    raw: &[u8],
    configuration_set: Option<&str>,
    tags: &[(String, String)],
) -> Result<SendOutcome, SendError> {
    let raw_message = RawMessage::builder()
        .data(Blob::new(raw.to_vec()))
        .build()
        .map_err(|e| SendError(e.to_string()))?;
    let mut request = ses
        .send_email()
        .from_email_address(from)
        .destination(
            Destination::builder()
                .set_to_addresses(Some(recipients.to_vec()))
                .build(),
        )
        .content(EmailContent::builder().raw(raw_message).build())
        .set_configuration_set_name(configuration_set.map(str::to_string));
    for (name, value) in tags {
        request = request.email_tags(
            MessageTag::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(|e| SendError(e.to_string()))?,
        );
    }
    match request.send().await {
        Ok(out) => Ok(SendOutcome::Accepted {
            message_id: out.message_id().unwrap_or_default().to_string(),
        }),
        Err(SdkError::ServiceError(e)) => {
            let err = e.err();
            Ok(SendOutcome::Refused {
                code: err.code().unwrap_or("Unknown").to_string(),
                message: err.message().unwrap_or_default().to_string(),
            })
        }
        Err(e) => Err(SendError(super::aws::error_chain(&e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_and_go_on_top() {
        let a = new_run_token();
        assert_ne!(a, new_run_token());
        assert_eq!(a.len(), 27);
        let m = with_run_token(b"From: a@b.test\r\n\r\nx\r\n", &a);
        assert!(m.starts_with(format!("X-Mailharness-Run: {a}\r\nFrom:").as_bytes()));
    }
}
