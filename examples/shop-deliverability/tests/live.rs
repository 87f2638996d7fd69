//! `cargo test --features live`: shop.example's custom setup through real
//! Amazon SES, captured by an SES receipt rule into S3. Without an
//! account the test is ignored, and `cargo test` lists it with what it
//! needs; `cargo test --features live -- --ignored` runs it, and then a
//! missing variable fails it, naming every one.
#![cfg(feature = "live")]

use mailharness::{LiveRunSettings, Suite};

/// What the live test reads from the environment (plus AWS credentials
/// by any of the SDK's means, e.g. `AWS_PROFILE`).
const VARIABLES: &[&str] = &[
    "AWS_REGION",
    "MAILHARNESS_FROM",
    "MAILHARNESS_TO",
    "MAILHARNESS_S3_BUCKET",
];

#[test]
#[ignore = "needs an SES account: set AWS_REGION, MAILHARNESS_FROM, MAILHARNESS_TO, MAILHARNESS_S3_BUCKET and credentials, then cargo test --features live -- --ignored"]
fn the_custom_setup_through_ses() {
    let missing: Vec<&str> = VARIABLES
        .iter()
        .copied()
        .filter(|v| std::env::var(v).is_err())
        .collect();
    assert!(
        missing.is_empty(),
        "the live test needs {}; see README.md",
        missing.join(", ")
    );
    let var = |name: &str| std::env::var(name).expect("checked above");
    let to = var("MAILHARNESS_TO");
    let settings = LiveRunSettings {
        region: Some(var("AWS_REGION")),
        from: Some(var("MAILHARNESS_FROM")),
        to: vec![to.clone()],
        allowed_recipients: vec![to],
        s3_bucket: Some(var("MAILHARNESS_S3_BUCKET")),
        s3_prefix: std::env::var("MAILHARNESS_S3_PREFIX").unwrap_or_default(),
        ..LiveRunSettings::default()
    };
    let report = Suite::load("live").unwrap().live(settings).run().unwrap();
    report.assert_all_passed();
}
