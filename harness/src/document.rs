//! TOML files read with diagnostics: the engine under the scenario files
//! and the receiver profiles. A file's text is parsed with spans,
//! deserialized with every error collected (the key at fault pruned and
//! deserialization tried again), and each problem reported as a
//! [`Diagnostic`] at its line and column; a file's problems together are
//! its [`FileErrors`]. What the files mean is the callers' business: this
//! module imports nothing else of the crate.
//!
//! - `diagnostic`: [`Diagnostic`], [`FileErrors`], [`line_column`].
//! - `parse`: [`read_text`], [`parse_table`], [`parse_document`],
//!   [`deserialize_pruning`].
//! - `prune`: taking the part an error points at out of a document.
//! - `message`: serde's and toml's messages in this project's words,
//!   [`quoted_list`].
//! - `quote`: which files' text a message may quote ([`may_quote`],
//!   [`guard`]).

mod diagnostic;
mod message;
mod parse;
mod prune;
mod quote;

pub use diagnostic::{Diagnostic, FileErrors, line_column};
pub use message::quoted_list;
pub use parse::{deserialize_pruning, parse_document, parse_table, read_text};
pub use quote::{guard, may_quote};
