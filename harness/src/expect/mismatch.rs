use serde::Serialize;

/// One unmet expectation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The expectation's key, e.g. `dmarc.result`.
    pub field: String,
    pub expected: String,
    pub found: String,
}

impl Mismatch {
    pub fn new(field: &str, expected: impl ToString, found: impl ToString) -> Mismatch {
        Mismatch {
            field: field.to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }
}
