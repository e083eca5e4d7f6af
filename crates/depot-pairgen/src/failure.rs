//! Failures that print the pair: a panic in a property's check becomes a proptest failure
//! showing both packages, so a shrunk failure can be replayed by hand.

use std::panic::AssertUnwindSafe;

use proptest::test_runner::TestCaseError;
use serde_json::Value;

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("JSON prints")
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(a panic without a message)".to_string())
}

/// Runs `f`, turning a panic into a test failure that prints both packages.
pub fn with_packages<T>(
    old: &Value,
    new: &Value,
    f: impl FnOnce() -> T,
) -> Result<T, TestCaseError> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        TestCaseError::fail(format!(
            "{}\n--- old package:\n{}\n--- new package:\n{}",
            panic_message(&*panic),
            pretty(old),
            pretty(new)
        ))
    })
}
