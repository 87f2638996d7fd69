//! Delivery with retries, as SES does it: a 4xx reply (or a connection
//! that fails) is tried again after the next wait of the schedule until
//! `MaxDeliverySeconds` have passed since the first attempt; a 2xx ends
//! it delivered, a 5xx refused. The waits are simulated: the relay moves
//! the scenario's clock to the next attempt and goes on at once.

use std::{future::Future, time::Duration};

use serde::Serialize;

use super::DeliveryOptions;
use crate::{
    clock::{SimClock, format_duration},
    smtp::{DeliveryError, Reply},
};

/// One attempt to deliver a message to the next hop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// When, in simulated time since the first attempt.
    #[serde(rename = "at_seconds", serialize_with = "seconds")]
    pub at: Duration,
    /// The next hop's reply (`451 4.4.0 …` when it could not be reached).
    #[serde(serialize_with = "reply_text")]
    pub reply: Reply,
}

/// How a delivery ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryEnd {
    /// The next hop accepted it (2xx).
    Delivered,
    /// The next hop refused it for good (5xx): a hard bounce.
    Refused,
    /// Every attempt was deferred until `MaxDeliverySeconds` ran out: SES
    /// gives up (a `Transient` bounce).
    Expired,
}

/// One message's delivery: every attempt and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// SES's message id.
    pub ses_id: String,
    pub attempts: Vec<Attempt>,
    pub end: DeliveryEnd,
    /// How long SES would have kept trying, from the first attempt.
    #[serde(skip)]
    pub max_delivery: Duration,
}

impl Delivery {
    /// The reply the relay gives the sender: the next hop's last reply,
    /// or, when SES gave up, a `554 5.4.7` (RFC 3463: delivery time
    /// expired) naming the attempts and the last deferral.
    pub fn reply(&self) -> Reply {
        let last = self.attempts.last().map(|a| a.reply.clone());
        match (self.end, last) {
            (DeliveryEnd::Expired, last) => Reply::new(
                554,
                format!(
                    "5.4.7 Delivery expired: {} attempt{} over {} did not deliver the message (MaxDeliverySeconds {}); last reply: {}",
                    self.attempts.len(),
                    if self.attempts.len() == 1 { "" } else { "s" },
                    format_duration(self.attempts.last().map_or(Duration::ZERO, |a| a.at)),
                    self.max_delivery.as_secs(),
                    last.map_or_else(String::new, |r| r.to_string())
                ),
            ),
            (_, Some(reply)) => reply,
            (_, None) => Reply::new(451, "4.4.0 no delivery attempt was made"),
        }
    }
}

/// Delivers with `attempt` (one SMTP transaction to the next hop) until it
/// succeeds, is refused, or `options.max_delivery` runs out, moving
/// `clock` to each retry instead of waiting for it.
pub async fn deliver_with_retries<F, Fut>(
    ses_id: &str,
    options: &DeliveryOptions,
    clock: &SimClock,
    mut attempt: F,
) -> Delivery
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Reply, DeliveryError>>,
{
    let start = clock.now();
    let mut attempts = Vec::new();
    let end = loop {
        let result = attempt().await;
        let at = clock.now().saturating_sub(start);
        let (reply, end) = match result {
            Ok(reply) if reply.is_positive() => (reply, Some(DeliveryEnd::Delivered)),
            Ok(reply) if reply.is_permanent() => (reply, Some(DeliveryEnd::Refused)),
            Ok(reply) => (reply, None),
            Err(e) if e.is_permanent() => (e.reply(), Some(DeliveryEnd::Refused)),
            Err(e) => (e.reply(), None),
        };
        attempts.push(Attempt { at, reply });
        if let Some(end) = end {
            break end;
        }
        let next = at + options.wait_after(attempts.len());
        if next >= options.max_delivery {
            break DeliveryEnd::Expired;
        }
        clock.advance_to(start + next);
    };
    Delivery {
        ses_id: ses_id.to_string(),
        attempts,
        end,
        max_delivery: options.max_delivery,
    }
}

fn seconds<S: serde::Serializer>(at: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(at.as_secs())
}

fn reply_text<S: serde::Serializer>(reply: &Reply, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(reply)
}

#[cfg(test)]
mod tests {
    use std::{cell::RefCell, collections::VecDeque};

    use super::*;

    const MIN: u64 = 60;

    /// Runs a delivery whose attempts get `replies` in turn (the last one
    /// again when they run out).
    fn run(replies: &[(u16, &str)], options: &DeliveryOptions) -> (Delivery, Duration) {
        let clock = SimClock::new();
        let queue = RefCell::new(replies.iter().copied().collect::<VecDeque<_>>());
        let next = || {
            let mut queue = queue.borrow_mut();
            let (code, text) = if queue.len() > 1 {
                queue.pop_front().unwrap()
            } else {
                queue[0]
            };
            let result = if code < 400 {
                Ok(Reply::new(code, text))
            } else {
                Err(DeliveryError::Refused {
                    code,
                    text: text.to_string(),
                })
            };
            std::future::ready(result)
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let delivery = runtime.block_on(deliver_with_retries("id", options, &clock, next));
        (delivery, clock.now())
    }

    fn at(delivery: &Delivery) -> Vec<u64> {
        delivery.attempts.iter().map(|a| a.at.as_secs()).collect()
    }

    #[test]
    fn a_greylisted_first_attempt_is_delivered_on_the_first_retry() {
        let (d, now) = run(
            &[(450, "4.2.0 Greylisted"), (250, "2.0.0 Ok")],
            &DeliveryOptions::default(),
        );
        assert_eq!(d.end, DeliveryEnd::Delivered);
        assert_eq!(at(&d), [0, 5 * MIN]);
        assert_eq!(now, Duration::from_secs(5 * MIN));
        assert_eq!(d.reply(), Reply::new(250, "2.0.0 Ok"));
    }

    #[test]
    fn a_permanent_refusal_is_not_retried() {
        let (d, now) = run(&[(550, "5.7.26 no")], &DeliveryOptions::default());
        assert_eq!(d.end, DeliveryEnd::Refused);
        assert_eq!(at(&d), [0]);
        assert_eq!(now, Duration::ZERO);
        assert_eq!(d.reply(), Reply::new(550, "5.7.26 no"));
    }

    /// 5, 10, 20, 40 minutes, then hourly: attempts at 0, 5m, 15m, 35m,
    /// 1h15m, 2h15m, …, 13h15m; the next would be at 14h15m, past the 14
    /// hours of the default MaxDeliverySeconds.
    #[test]
    fn a_deferral_that_never_ends_expires_after_max_delivery_seconds() {
        let (d, _) = run(&[(421, "4.7.32 not aligned")], &DeliveryOptions::default());
        assert_eq!(d.end, DeliveryEnd::Expired);
        let mut expected = vec![0, 5 * MIN, 15 * MIN, 35 * MIN];
        expected.extend((0..13).map(|h| 75 * MIN + h * 60 * MIN));
        assert_eq!(at(&d), expected);
        assert_eq!(
            d.reply().to_string(),
            "554 5.4.7 Delivery expired: 17 attempts over 13h15m did not deliver the message (MaxDeliverySeconds 50400); last reply: 421 4.7.32 not aligned"
        );
    }

    #[test]
    fn a_shorter_max_delivery_and_schedule() {
        let options = DeliveryOptions {
            max_delivery: Duration::from_secs(300),
            retry_intervals: vec![Duration::from_secs(60)],
        };
        let (d, _) = run(&[(451, "4.7.26 temporary DNS failure")], &options);
        assert_eq!(d.end, DeliveryEnd::Expired);
        assert_eq!(at(&d), [0, 60, 120, 180, 240]);
    }
}
