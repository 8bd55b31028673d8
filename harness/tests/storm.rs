//! `harness storm` for real: a prod demo-app, a slow upstream for five seconds, and two
//! client populations. The lesson must hold on any machine (the offered load is a share of
//! the capacity measured first): naive retries amplify the load far beyond the budget's
//! and keep the service down longer than the trigger lasted; the budget stays near 1×.

use std::process::Command;

#[test]
fn naive_retries_amplify_and_outlast_the_trigger_while_a_retry_budget_recovers() {
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "storm",
            "--policy",
            "budget,naive",
            "--seconds",
            "12",
            "--format",
            "json",
        ])
        .output()
        .expect("harness runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "harness storm failed:\n{stderr}");
    let storm: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("storm --format json prints JSON");
    let policies = storm["policies"].as_array().expect("policies[]");
    let names: Vec<&str> = policies
        .iter()
        .filter_map(|p| p["policy"].as_str())
        .collect();
    assert_eq!(
        names,
        ["naive", "budget"],
        "in the table's order, each once"
    );
    let (naive, budget) = (&policies[0], &policies[1]);
    let number = |p: &serde_json::Value, key: &str| {
        p[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{key} is a number in {p}"))
    };
    for key in [
        "first_attempts",
        "attempts",
        "amplification",
        "server_5xx",
        "goodput",
        "p99_ms",
        "recovery_ms",
    ] {
        number(naive, key);
    }
    assert!(number(budget, "amplification") <= 1.25, "budget: {budget}");
    assert!(
        number(naive, "amplification") >= 2.0 * number(budget, "amplification"),
        "naive {naive}\nbudget {budget}"
    );
    assert_eq!(budget["recovered"], true, "budget: {budget}");
    assert!(
        number(naive, "recovery_ms") > number(budget, "recovery_ms"),
        "naive {naive}\nbudget {budget}"
    );
    assert_eq!(
        policies[0]["timeline"].as_array().map(Vec::len),
        Some(12),
        "one timeline entry a second"
    );
}

#[test]
fn a_policy_that_does_not_exist_is_a_usage_error_naming_the_choices() {
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["storm", "--policy", "polite"])
        .output()
        .expect("harness runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("full-jitter"), "{stderr}");
}
