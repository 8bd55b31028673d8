//! Versions of the app and the stack it runs on, recorded at build time by build.rs.

pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");
pub const ACTIX_WEB_VERSION: &str = env!("BUILD_ACTIX_WEB_VERSION");
pub const SQLX_VERSION: &str = env!("BUILD_SQLX_VERSION");
pub const TOKIO_VERSION: &str = env!("BUILD_TOKIO_VERSION");
pub const RUSTC_VERSION: &str = env!("BUILD_RUSTC_VERSION");

/// `(component, version)` pairs, for the dev debug page.
pub fn versions() -> [(&'static str, &'static str); 5] {
    [
        ("demo-app", APP_VERSION),
        ("actix-web", ACTIX_WEB_VERSION),
        ("sqlx", SQLX_VERSION),
        ("tokio", TOKIO_VERSION),
        ("rustc", RUSTC_VERSION),
    ]
}
