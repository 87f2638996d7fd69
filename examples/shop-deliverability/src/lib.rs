//! shop.example's deliverability tests: the scenarios in `scenarios/`
//! (written by `mailharness init`), asserted in `tests/deliverability.rs`
//! with mailharness's test API. This library holds nothing; the crate
//! exists for its tests.
