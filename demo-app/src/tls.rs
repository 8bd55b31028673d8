//! In a workspace build reqwest comes with rustls (the harness reaches https:// targets),
//! and a rustls-enabled reqwest refuses to build any client, even one that only ever talks
//! plain HTTP, until a process-wide crypto provider exists. ring is the one compiled in.
//! Call `install_provider` before building a `reqwest::Client`.

/// Installs ring as the process's rustls provider, once.
pub fn install_provider() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        // Err: another provider is already installed, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
