//! shop.example's deliverability, asserted: both SES setups meet the
//! expectations in `scenarios/`, the custom one passes DMARC aligned, and
//! a wrong expectation fails with a message that says what was expected,
//! where it is written and what the receiver saw.

use mailharness::{DkimResult, DmarcResult, SpfResult, Suite};

#[test]
fn both_setups_meet_their_expectations() {
    let report = Suite::load("scenarios").unwrap().run().unwrap();
    report.assert_all_passed();
    assert_eq!(report.to_string(), "2 scenarios: 2 passed, 0 failed");
}

#[test]
fn the_custom_setup_passes_dmarc_aligned() {
    let report = Suite::load("scenarios/custom.toml").unwrap().run().unwrap();
    let verdict = report.verdict("shop.example: custom MAIL FROM");
    assert_eq!(verdict.return_path_domain, "mail.shop.example");
    assert_eq!(verdict.spf.result, SpfResult::Pass);
    let signers: Vec<(&str, DkimResult)> = verdict
        .dkim
        .iter()
        .map(|d| (d.domain.as_str(), d.result))
        .collect();
    assert_eq!(
        signers,
        [
            ("shop.example", DkimResult::Pass),
            ("amazonses.com", DkimResult::Pass)
        ]
    );
    assert_eq!(verdict.dmarc.result, DmarcResult::Pass);
    assert!(verdict.dmarc.spf_aligned && verdict.dmarc.dkim_aligned);
}

#[test]
fn a_wrong_expectation_says_what_and_where() {
    let report = Suite::load("failing/expects-dmarc-to-pass.toml")
        .unwrap()
        .run()
        .unwrap();
    assert!(!report.passed());
    let panic = std::panic::catch_unwind(|| report.assert_all_passed())
        .expect_err("assert_all_passed panics on an unmet expectation");
    let message = panic
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert_eq!(Some(message), report.failure_message().as_ref());
    insta::assert_snapshot!(message);
}
