//! Receiver profiles: what a kind of receiver (a strict mobile carrier,
//! Gmail's and Yahoo's bulk-sender rules, Outlook.com's high-volume rules)
//! does with a message, from the verdict and the message's signals to a
//! disposition (inbox, inbox with a warning banner, spam, silently
//! dropped, temporary failure, reject) with its reasons and the
//! receiver's real SMTP reply.
//!
//! Profiles are data: TOML files (`receivers/*.toml` at the top of the
//! workspace, compiled in, or a user's own) with rules whose conditions and
//! actions are all in the file; no profile is known to the code by name.
//!
//! - `outcome`: what a receiver does with a message ([`Disposition`],
//!   [`ReceiverOutcome`]).
//! - `profile`: [`Profile`], its [`Rule`]s and their [`Conditions`].
//! - `raw`: the file's shape as serde reads it.
//! - `bundled`: the bundled profiles ([`Bundled`]), compiled in.
//! - `load`: reading and checking a file ([`load_profile`]), resolving a
//!   scenario's reference to a [`ProfileSource`] ([`resolve`]): its own
//!   file, else a bundled profile.
//! - `evaluate`: [`evaluate`] one profile, the [`strictest`] outcome.
//! - `deferral`: [`Deferral`]s that do not depend on the message
//!   (greylisting, deferring a sender for hours), answered at RCPT TO.
//! - `judge`: [`judge`], what the capture does at the end of DATA.
//! - `expect`: [`compare`] outcomes with a scenario's expectations.

mod bundled;
mod deferral;
mod evaluate;
mod judge;
mod load;
mod outcome;
mod profile;
mod raw;

pub use bundled::{BUNDLED_FOLDER, Bundled, bundled_names};
pub use deferral::{DEFER_REPLY, Deferral, DeferralKind, GREYLIST_REPLY, deferred};
pub use evaluate::{Evidence, evaluate, refusal, strictest};
pub use judge::{Judgement, Receivers, judge};
pub use load::{ProfileSource, load_profile, load_profile_str, resolve};
pub use outcome::{Disposition, ReceiverOutcome};
pub use profile::{
    Action, Conditions, Enforcement, Matcher, PLACEHOLDERS, PolicyState, Profile, ReplyTemplate,
    Rule,
};
