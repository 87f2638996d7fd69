//! Deferrals that do not depend on the message: a greylisting receiver,
//! and one that defers a sender for hours (throttling, a rate limit). Both
//! answer a recipient with a 4xx until a window after the first attempt
//! of the same delivery has passed; the sender's retries decide whether
//! the message ever gets through. Time is the scenario's simulated clock
//! ([`crate::clock::SimClock`]).

use std::time::Duration;

use crate::smtp::Reply;

/// The reply a greylisting receiver gives (`450 4.2.0`, as Postfix
/// greylisting policy servers such as postgrey answer at RCPT TO).
pub const GREYLIST_REPLY: (u16, &str) = (450, "4.2.0 Greylisted, try again later");

/// The reply of `defer = { for = … }` when the scenario gives none.
pub const DEFER_REPLY: (u16, &str) = (421, "4.7.0 Try again later");

/// Which kind of deferral, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeferralKind {
    /// `greylist = "5m"`: the first attempt and retries sooner than the
    /// window are deferred.
    Greylist,
    /// `defer = { for = "2h" }`: every attempt in the window is deferred.
    Defer,
}

/// One deferral the receiver applies at RCPT TO to every delivery (client
/// IP, envelope from, recipient): attempts less than `window` after the
/// first attempt of that delivery get `reply`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deferral {
    pub kind: DeferralKind,
    pub window: Duration,
    pub reply: Reply,
}

impl Deferral {
    /// Greylisting with a retry delay of `window`.
    pub fn greylist(window: Duration) -> Deferral {
        Deferral {
            kind: DeferralKind::Greylist,
            window,
            reply: Reply::new(GREYLIST_REPLY.0, GREYLIST_REPLY.1),
        }
    }

    /// Deferring every attempt for `window`, with `reply` (a 4xx), or
    /// [`DEFER_REPLY`].
    pub fn defer(window: Duration, reply: Option<Reply>) -> Deferral {
        Deferral {
            kind: DeferralKind::Defer,
            window,
            reply: reply.unwrap_or_else(|| Reply::new(DEFER_REPLY.0, DEFER_REPLY.1)),
        }
    }

    /// Whether an attempt at `now` of a delivery first attempted at
    /// `first_seen` is deferred.
    pub fn defers(&self, first_seen: Duration, now: Duration) -> bool {
        now.saturating_sub(first_seen) < self.window
    }
}

/// The reply of the first of `deferrals` that defers an attempt at `now`
/// of a delivery first attempted at `first_seen`; `None`: the attempt
/// goes on to DATA.
pub fn deferred(deferrals: &[Deferral], first_seen: Duration, now: Duration) -> Option<Reply> {
    deferrals
        .iter()
        .find(|d| d.defers(first_seen, now))
        .map(|d| d.reply.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn greylisting_defers_the_first_attempt_and_early_retries() {
        let greylist = [Deferral::greylist(5 * MIN)];
        let first = 10 * MIN;
        assert_eq!(
            deferred(&greylist, first, first),
            Some(Reply::new(450, "4.2.0 Greylisted, try again later"))
        );
        assert!(deferred(&greylist, first, first + 4 * MIN).is_some());
        assert_eq!(deferred(&greylist, first, first + 5 * MIN), None);
    }

    #[test]
    fn a_deferral_window_with_its_reply() {
        let reply = Reply::new(421, "4.7.28 rate limited");
        let defer = [Deferral::defer(120 * MIN, Some(reply.clone()))];
        assert_eq!(deferred(&defer, Duration::ZERO, 75 * MIN), Some(reply));
        assert_eq!(deferred(&defer, Duration::ZERO, 135 * MIN), None);
        let default = Deferral::defer(MIN, None);
        assert_eq!(default.reply, Reply::new(421, "4.7.0 Try again later"));
        assert_eq!(deferred(&[], Duration::ZERO, Duration::ZERO), None);
    }
}
