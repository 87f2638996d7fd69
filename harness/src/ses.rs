//! What Amazon SES does that can be observed from outside, as data: the
//! envelope and Message-ID formats per region, its selectors, Easy DKIM
//! tokens, its SPF ranges, the headers it adds (`conventions`), the
//! records it asks a user to publish for an identity (`records`), the
//! sandbox's limits and the default region (`sandbox`), how long it
//! retries a deferred message (`delivery`). The
//! SES-like relay, live mode's audit and `mailharness ses-records` all read
//! SES from here.
//!
//! The mailbox simulator's addresses and what SES documents for each, with
//! the account and ARNs a simulated notification names (`simulator`).

mod conventions;
mod delivery;
mod records;
mod sandbox;
mod simulator;

pub use conventions::*;
pub use delivery::{MAX_DELIVERY_SECONDS, MIN_MAX_DELIVERY_SECONDS, RETRY_INTERVALS};
pub use records::{dmarc_record, easy_dkim_record, mail_from_mx, mail_from_spf, user_records};
pub use sandbox::{DEFAULT_REGION, SANDBOX_DAILY_QUOTA, SANDBOX_SEND_INTERVAL};
pub use simulator::{
    SIMULATED_ACCOUNT_ID, SIMULATED_TOPIC, SIMULATOR_DOMAIN, SimulatorMailbox, identity_arn,
    simulator_mailbox, topic_arn,
};
