use std::time::Duration;

use aws_config::{
    BehaviorVersion, Region,
    ecs::EcsCredentialsProvider,
    environment::{EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider},
    imds::{credentials::ImdsCredentialsProvider, region::ImdsRegionProvider},
    meta::{credentials::CredentialsProviderChain, region::RegionProviderChain},
    profile::{ProfileFileCredentialsProvider, ProfileFileRegionProvider},
    provider_config::ProviderConfig,
    web_identity_token::WebIdentityTokenCredentialsProvider,
};
use aws_sdk_sesv2::config::{Credentials, ProvideCredentials};

/// How long the credential chain may take (SSO, web identity, a container
/// endpoint) before live mode gives up.
const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(20);

/// Where live mode connects: everything else comes from the environment.
#[derive(Clone, Debug, Default)]
pub struct LiveSettings {
    /// `--region`; else `AWS_REGION`/`AWS_DEFAULT_REGION`, then the profile.
    pub region: Option<String>,
    /// `--endpoint-url`: an emulator (moto, LocalStack) instead of AWS.
    pub endpoint_url: Option<String>,
}

/// The SES and S3 clients of one account and region.
#[derive(Clone, Debug)]
pub struct Clients {
    pub ses: aws_sdk_sesv2::Client,
    pub s3: aws_sdk_s3::Client,
    pub region: String,
}

/// Live mode cannot start: what is missing, never a secret.
#[derive(Debug, thiserror::Error)]
#[error("{}", missing.join("; "))]
pub struct ConnectError {
    pub missing: Vec<String>,
}

impl Clients {
    /// Clients for an emulator at `endpoint_url` (path-style S3), with
    /// fixed dummy credentials; for tests against moto.
    pub fn for_emulator(endpoint_url: &str, region: &str) -> Clients {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .endpoint_url(endpoint_url)
            .credentials_provider(aws_sdk_sesv2::config::SharedCredentialsProvider::new(
                Credentials::new("testing", "testing", None, None, "emulator"),
            ))
            .build();
        Clients::from_config(&config, true, region)
    }

    fn from_config(config: &aws_config::SdkConfig, path_style: bool, region: &str) -> Clients {
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(path_style)
            .build();
        Clients {
            ses: aws_sdk_sesv2::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            region: region.to_string(),
        }
    }
}

/// Whether the EC2 instance metadata service may be asked for credentials
/// and region: `AWS_EC2_METADATA_DISABLED` decides when set; otherwise only
/// on an EC2 instance (its DMI board vendor or hypervisor id says so), so
/// that a machine without credentials fails at once instead of probing a
/// link-local address.
fn imds_allowed() -> bool {
    match std::env::var("AWS_EC2_METADATA_DISABLED") {
        Ok(v) => !v.eq_ignore_ascii_case("true"),
        Err(_) => {
            let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
            read("/sys/devices/virtual/dmi/id/board_vendor").trim() == "Amazon EC2"
                || read("/sys/hypervisor/uuid").starts_with("ec2")
        }
    }
}

/// Resolves region and credentials through aws-config's providers (the
/// default chain's order: environment, profile with SSO and
/// credential_process, web identity (OIDC), container, instance metadata
/// when allowed) and builds the clients. Fails, naming everything that is
/// missing, when no region or no credentials are found.
pub async fn connect(settings: &LiveSettings) -> Result<Clients, ConnectError> {
    let imds = imds_allowed();
    let mut region_chain = RegionProviderChain::first_try(settings.region.clone().map(Region::new))
        .or_else(EnvironmentVariableRegionProvider::new())
        .or_else(ProfileFileRegionProvider::builder().build());
    if imds {
        region_chain = region_chain.or_else(ImdsRegionProvider::builder().build());
    }
    let region = region_chain.region().await;
    let provider_config = ProviderConfig::default().with_region(region.clone());
    let mut chain = CredentialsProviderChain::first_try(
        "Environment",
        EnvironmentVariableCredentialsProvider::new(),
    )
    .or_else(
        "Profile",
        ProfileFileCredentialsProvider::builder()
            .configure(&provider_config)
            .build(),
    )
    .or_else(
        "WebIdentityToken",
        WebIdentityTokenCredentialsProvider::builder()
            .configure(&provider_config)
            .build(),
    )
    .or_else(
        "EcsContainer",
        EcsCredentialsProvider::builder()
            .configure(&provider_config)
            .build(),
    );
    if imds {
        chain = chain.or_else(
            "Ec2InstanceMetadata",
            ImdsCredentialsProvider::builder()
                .configure(&provider_config)
                .build(),
        );
    }

    let mut missing = Vec::new();
    if region.is_none() {
        missing.push(
            "no AWS region: pass --region or set AWS_REGION (or a region in the AWS profile)"
                .to_string(),
        );
    }
    let found = tokio::time::timeout(CREDENTIALS_TIMEOUT, chain.provide_credentials()).await;
    let credentials_ok = matches!(found, Ok(Ok(_)));
    if !credentials_ok {
        let why = match found {
            Err(_) => format!(
                "the credential providers did not answer within {}s",
                CREDENTIALS_TIMEOUT.as_secs()
            ),
            // A provider that is configured but fails says why; the text
            // names providers and files, never a credential.
            Ok(Err(aws_credential_types::provider::error::CredentialsError::CredentialsNotLoaded(_))) => {
                "none of the environment, the AWS profile, web identity (OIDC) or a container endpoint provided any".to_string()
            }
            Ok(Err(e)) => error_chain(&e)
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" "),
            Ok(Ok(_)) => String::new(),
        };
        missing.push(format!(
            "no AWS credentials ({why}): set AWS_PROFILE (SSO or keys in ~/.aws), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE (OIDC)"
        ));
    }
    if !missing.is_empty() {
        return Err(ConnectError { missing });
    }
    let region = region.expect("checked above");
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region.clone())
        .credentials_provider(chain);
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    Ok(Clients::from_config(
        &config,
        settings.endpoint_url.is_some(),
        region.as_ref(),
    ))
}

/// An error and its sources, one fragment each.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}
