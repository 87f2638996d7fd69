//! Without the `live-offline` feature the tests of live mode's code paths
//! (`live_offline.rs`: moto, the SDK's replay client, `mailharness audit`)
//! are not compiled, so that plain `cargo test --workspace` builds no AWS
//! crate. This stands in for them: ignored by plain `cargo test`, with
//! how to run them; a failure under `--include-ignored` (what `.ci/run`
//! runs), so that they are never skipped there without a word.

#[test]
#[ignore = "needs the live-offline feature: cargo test --workspace --features mailharness-tests/live-offline"]
fn live_mode_code_paths_need_the_live_offline_feature() {
    panic!(
        "the tests of live mode's code paths were not compiled: run cargo test --workspace \
         --features mailharness-tests/live-offline -- --include-ignored"
    );
}
