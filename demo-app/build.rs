//! Records the versions the dev mode advertises (`Server`, `X-Powered-By`, the debug page):
//! the real ones from Cargo.lock and rustc, exactly what a careless production build leaks.

use std::process::Command;

fn main() {
    // Read when the script runs, not compiled in: checkouts that share a target folder
    // (`.ci/check-solutions`' scratch worktree) share this script's binary too, and a path
    // baked into it would point at a checkout that may be gone (every version "unknown").
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_string());
    let lock_path = format!("{manifest_dir}/../Cargo.lock");
    println!("cargo:rerun-if-changed={lock_path}");
    let lock = std::fs::read_to_string(lock_path).unwrap_or_default();
    for (krate, var) in [
        ("actix-web", "BUILD_ACTIX_WEB_VERSION"),
        ("sqlx", "BUILD_SQLX_VERSION"),
        ("tokio", "BUILD_TOKIO_VERSION"),
    ] {
        let version = locked_version(&lock, krate).unwrap_or_else(|| "unknown".to_string());
        println!("cargo:rustc-env={var}={version}");
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.split_whitespace().nth(1).map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=BUILD_RUSTC_VERSION={rustc_version}");
}

/// The version of `name` in a Cargo.lock, read line by line (no TOML parser in build deps).
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{name}\"") {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_string());
        }
    }
    None
}
