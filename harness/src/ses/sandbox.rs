//! Where mailharness starts when nothing says otherwise, and what an SES
//! account in the sandbox allows (SES-FACTS.md, "SESv2 API and sandbox").
//! The command line's defaults and the settings' `Default`s read these.

use std::time::Duration;

/// The region assumed where none is given: `mailharness ses-records`
/// without `--region`, and the SES-like relay of a scenario whose
/// `[sender]` names none.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Messages a sandbox account may send per 24 hours: live mode's default
/// daily budget (`--daily-budget`).
pub const SANDBOX_DAILY_QUOTA: u32 = 200;

/// A sandbox account's send rate, one message per second: live mode's
/// pause between sends.
pub const SANDBOX_SEND_INTERVAL: Duration = Duration::from_secs(1);
