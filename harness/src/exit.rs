//! The process exit codes, in one place.

/// Every scenario met its expectations.
pub const SUCCESS: i32 = 0;
/// At least one expectation was not met.
pub const EXPECTATION_FAILED: i32 = 1;
/// Bad usage or a scenario file with errors.
pub const USAGE: i32 = 2;
/// The environment failed: a port, a missing tool, missing credentials.
pub const ENVIRONMENT: i32 = 3;
