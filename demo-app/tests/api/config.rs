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

#[test]
fn dev_bound_beyond_loopback_warns_naming_what_it_exposes() {
    // --check-config resolves the settings without binding anything.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .args(["--mode", "dev", "--bind", "0.0.0.0:8080", "--check-config"])
        .env_remove("DEMO_APP_OPS_TOKEN")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let warning = stdout
        .lines()
        .find(|l| l.contains("beyond loopback"))
        .unwrap_or_else(|| panic!("no warning: {stdout}"));
    for exposed in [
        "0.0.0.0:8080",
        "database_url",
        "ops_token",
        "fx_api_key",
        demo_app::settings::DEV_OPS_TOKEN,
        "--mode prod",
    ] {
        assert!(warning.contains(exposed), "{exposed}: {warning}");
    }
    let loopback = std::process::Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .args(["--mode", "dev", "--check-config"])
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&loopback.stdout).contains("beyond loopback"));
}
