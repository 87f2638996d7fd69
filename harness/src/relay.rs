//! The built-in SES-like relay: an SMTP server that does to a message what
//! Amazon SES does (envelope rewrite to the SES default or the custom MAIL
//! FROM, SES headers, DKIM signatures `d=<identity>` and `d=amazonses.com`,
//! the MAIL FROM MX-failure fallback) and delivers it onward over SMTP.
//!
//! - `config`: the identity configuration the relay emulates.
//! - `keys`: the keys it signs with ([`PublishedKeys`]), whose public
//!   halves [`crate::publish::ses_side`] puts in DNS beforehand.
//! - `process`: the rewrite and signing of one message.
//! - `delivery`: onward delivery with SES's retries ([`Delivery`], its
//!   [`Attempt`]s), on the scenario's simulated clock.
//! - `server`: the SMTP handler and the running relay.
//! - `simulator`: the SES mailbox simulator ([`MailboxSimulator`]): what
//!   `success@`, `bounce@`, `ooto@`, `complaint@` and `suppressionlist@`
//!   `simulator.amazonses.com` do, with `feedback` (the DSN, automatic
//!   response and complaint sent to the MAIL FROM domain's MX) and
//!   `notify` (SES's notifications and their SNS envelope).

mod config;
mod delivery;
mod keys;
mod process;
mod server;

mod feedback;
mod notify;
mod simulator;

pub use config::{DeliveryOptions, MxFailure, RelayConfig, SesIdentity};
pub use delivery::{Attempt, Delivery, DeliveryEnd, deliver_with_retries};
pub use keys::PublishedKeys;
pub use server::{RelayHandle, RelayHandler, RelayStartError};

pub use feedback::{FeedbackDelivery, FeedbackKind, MxPort};
pub use notify::{
    BounceObject, BouncedRecipient, CommonHeaders, ComplaintObject, DeliveryObject, EmailAddress,
    Header, MailObject, Notification, NotificationType, SesEvent,
};
pub use simulator::{MailboxSimulator, Simulated, SimulatedRecipient};
