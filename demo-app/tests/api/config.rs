//! Strict configuration in prod, lenient in dev, clear errors for bad values in both.

use demo_app::settings::Mode;

use crate::support::start_expecting_failure;

#[tokio::test]
async fn prod_refuses_a_weak_ops_token() {
    let failure = start_expecting_failure(Mode::Prod, &[("ops_token", "short")]).await;
    assert_eq!(failure.exit_code, Some(78), "{failure:?}");
    assert!(failure.stderr.contains("too weak"), "{}", failure.stderr);
}

#[tokio::test]
async fn a_malformed_value_stops_either_mode_with_the_setting_named() {
    for mode in [Mode::Dev, Mode::Prod] {
        let failure = start_expecting_failure(mode, &[("workers", "two")]).await;
        assert_eq!(failure.exit_code, Some(78), "{mode}: {failure:?}");
        assert!(failure.stderr.contains("`workers`"), "{}", failure.stderr);
        assert!(!failure.stderr.contains("panicked"), "{}", failure.stderr);
    }
}

#[tokio::test]
async fn an_unknown_setting_gets_a_suggestion() {
    let failure = start_expecting_failure(Mode::Dev, &[("ops_tokn", "x")]).await;
    assert_eq!(failure.exit_code, Some(78), "{failure:?}");
    assert!(
        failure.stderr.contains("Did you mean `ops_token`?"),
        "{}",
        failure.stderr
    );
}

#[test]
fn bad_flags_exit_with_usage_errors_not_panics() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .args(["--mode", "staging", "--check-config"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("valid modes are `dev`, `prod` and `bare`"),
        "{stderr}"
    );

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .arg("--no-such-flag")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
}
