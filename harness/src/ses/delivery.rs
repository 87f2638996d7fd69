//! How SES delivers: for how long it retries a deferred (4xx) message
//! and how long it waits between attempts.
//!
//! Documented: SES retries a soft bounce "for an extended period of time"
//! and, if it still cannot deliver, sends a bounce notification
//! (`Transient`) and stops (SES developer guide, "Amazon SES email sending
//! process" and "Contents of notifications"). A configuration set's
//! `DeliveryOptions.MaxDeliverySeconds` bounds that time: 300 to 50,400
//! seconds (SESv2 API reference, `DeliveryOptions`); 50,400 s (14 hours)
//! is the maximum and what the harness takes when nothing sets it.
//! A hard bounce (5xx) is not retried.
//!
//! Not documented: the waits between attempts. The defaults below are
//! an assumption in the style of common MTAs (Postfix waits at least
//! `minimal_backoff_time` = 300 s and doubles the wait); a scenario sets
//! its own with `[sender] retry_intervals`.

use std::time::Duration;

/// The least `MaxDeliverySeconds` SES accepts.
pub const MIN_MAX_DELIVERY_SECONDS: u64 = 300;

/// The most `MaxDeliverySeconds` SES accepts (14 hours), and the retry
/// period the relay uses when the scenario sets none.
pub const MAX_DELIVERY_SECONDS: u64 = 50_400;

/// The waits between delivery attempts, the last one repeated until
/// `MaxDeliverySeconds` have passed since the first: 5, 10, 20 and
/// 40 minutes, then hourly.
pub const RETRY_INTERVALS: [Duration; 5] = [
    Duration::from_secs(300),
    Duration::from_secs(600),
    Duration::from_secs(1200),
    Duration::from_secs(2400),
    Duration::from_secs(3600),
];
