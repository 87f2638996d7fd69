//! Every comparison of what happened with what a scenario expects, in one
//! place: the relay's outcome, the verdict's fields, the receivers'
//! dispositions, and the rules every run answers to. The bundled runs,
//! live mode and `diff` read verdicts through the same field table.
//!
//! - `mismatch`: [`Mismatch`], one unmet expectation.
//! - `fields`: the verdict fields by key ([`VERDICT_FIELDS`], [`read`]).
//! - `verdict`: [`compare`] a verdict with the expectations.
//! - `receivers`: [`compare_receivers`] with `[expect.receivers]`.
//! - `outcome`: [`compare_outcome`], [`compare_delivery`] (attempts and
//!   the final disposition), [`delivery_rules`].
//! - `feedback`: [`compare_feedback`] with `[expect.feedback]`, what the
//!   SES mailbox simulator gave back.
//! - `receiving_side`: live mode's check against the receiving side's own
//!   `Authentication-Results` ([`compare_with_receiving_side`]).

mod feedback;
mod fields;
mod mismatch;
mod outcome;
mod receivers;
mod receiving_side;
mod verdict;

pub use feedback::compare_feedback;
pub use fields::{Field, VERDICT_FIELDS, read};
pub use mismatch::Mismatch;
pub use outcome::{compare_delivery, compare_outcome, delivery_rules, expects_verdict};
pub use receivers::compare_receivers;
pub use receiving_side::{ReceivingSide, compare_with_receiving_side};
pub use verdict::compare;
