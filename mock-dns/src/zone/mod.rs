//! Master files (zone files): lexing and parsing into [`Record`](crate::Record)s.

mod lexer;
mod parse;

pub use parse::{ZoneError, parse_zone};
