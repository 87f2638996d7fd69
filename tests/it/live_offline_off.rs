//! Without the `live-offline` feature the tests of live mode's code paths
//! (`live_offline.rs`: moto, the SDK's replay client, `mailharness audit`)
//! are not compiled, so that plain `cargo test --workspace` builds no AWS
//! SDK crate. This stands in for them, as a test that needs a peer does:
//! ignored by plain `cargo test`, with how to run them; a failure under
//! `--include-ignored` without the feature, so that they are never left
//! out there without a word (`.ci/run` turns the feature on).

use crate::support::require_peer;

#[test]
#[ignore = "needs the live-offline feature: cargo test --workspace --features mailharness-tests/live-offline"]
fn live_mode_code_paths_need_the_live_offline_feature() {
    require_peer(
        "the tests crate's live-offline feature (the tests of live mode's code paths)",
        cfg!(feature = "live-offline"),
        "cargo test --workspace --features mailharness-tests/live-offline -- --include-ignored",
    );
}
