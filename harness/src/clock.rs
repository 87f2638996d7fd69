//! Simulated time: the clock a scenario's parties share for everything
//! that takes hours in the real world (SES retrying a deferred message, a
//! receiver greylisting or deferring a sender), so that a run covers them
//! in milliseconds and never sleeps.
//!
//! A [`SimClock`] starts at zero when the scenario starts and moves only
//! when a party waits: the SES-like relay advances it to its next retry;
//! the capture reads it to decide whether a deferral window has passed.
//! Timestamps inside messages (Date, DKIM `t=`) stay real time.
//!
//! Durations in scenario files are written as [`parse_duration`] reads
//! them (`"90s"`, `"5m"`, `"2h"`, `"1h30m"`) and shown as
//! [`format_duration`] writes them.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

/// The simulated time of one scenario: how long since it started. Clones
/// share the same time.
#[derive(Clone, Debug, Default)]
pub struct SimClock {
    millis: Arc<AtomicU64>,
}

impl SimClock {
    /// A clock at zero.
    pub fn new() -> SimClock {
        SimClock::default()
    }

    /// The simulated time since the scenario started.
    pub fn now(&self) -> Duration {
        Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }

    /// Moves the clock to `at`, when that is later than now (the clock
    /// never goes back, whoever else moved it meanwhile).
    pub fn advance_to(&self, at: Duration) {
        let at = u64::try_from(at.as_millis()).unwrap_or(u64::MAX);
        self.millis.fetch_max(at, Ordering::SeqCst);
    }
}

/// Reads a duration: one or more numbers each followed by a unit, `s`,
/// `m`, `h` or `d`, largest first (`"90s"`, `"5m"`, `"2h"`, `"1h30m"`,
/// `"1d"`). The error says what was expected.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let expected = || {
        format!(
            "expected a duration such as \"90s\", \"5m\", \"2h\" or \"1h30m\", found \"{text}\""
        )
    };
    let mut total: u64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(expected());
    }
    let mut last_unit = u64::MAX;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(expected());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| expected())?;
        let unit = match rest[digits..].chars().next() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3600,
            Some('d') => 86_400,
            _ => return Err(expected()),
        };
        if unit >= last_unit {
            return Err(expected());
        }
        last_unit = unit;
        total = number
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(expected)?;
        rest = &rest[digits + 1..];
    }
    Ok(Duration::from_secs(total))
}

/// A duration as scenario files and reports write it: `"0s"`, `"5m"`,
/// `"2h15m"`, `"1m30s"` (whole seconds).
pub fn format_duration(duration: Duration) -> String {
    let mut secs = duration.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, name) in [(86_400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
        if secs >= unit {
            out.push_str(&format!("{}{name}", secs / unit));
            secs %= unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_forward_only_and_clones_share_it() {
        let clock = SimClock::new();
        let other = clock.clone();
        assert_eq!(clock.now(), Duration::ZERO);
        other.advance_to(Duration::from_secs(300));
        assert_eq!(clock.now(), Duration::from_secs(300));
        clock.advance_to(Duration::from_secs(60));
        assert_eq!(other.now(), Duration::from_secs(300));
    }

    #[test]
    fn durations_read_and_written() {
        for (text, secs) in [
            ("90s", 90),
            ("5m", 300),
            ("2h", 7200),
            ("1h30m", 5400),
            ("1d2h", 93_600),
            ("0s", 0),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs(secs)),
                "{text}"
            );
        }
        for bad in [
            "",
            "5",
            "m",
            "5x",
            "30m1h",
            "5m5m",
            "-5m",
            "1.5h",
            "99999999999999999d",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.starts_with("expected a duration such as"), "{bad}: {e}");
        }
        for (secs, text) in [(0, "0s"), (300, "5m"), (8100, "2h15m"), (90, "1m30s")] {
            assert_eq!(format_duration(Duration::from_secs(secs)), text);
        }
    }
}
