//! The effective error-handling configuration, as compliance evidence: what an auditor asks
//! ("is debug off in production, and how do you know? where do the details go?") answered
//! by the running process from the values it really runs with, never from documentation.
//! `GET /ops/config` serves it behind the ops token. It names no secret value: only
//! whether a secret is set.

use serde::Serialize;

use crate::correlation;
use crate::probing;
use crate::settings::{Mode, Settings};

/// The configuration an error answer is produced under.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorPolicy {
    /// `dev`, `prod` or `bare`.
    pub mode: Mode,
    /// What a 5xx body contains in this mode.
    pub error_body: &'static str,
    /// What a browser (`Accept: text/html`) gets for an error.
    pub error_page: &'static str,
    /// Where the details an answer leaves out are written.
    pub details_go_to: &'static str,
    /// The header that carries the correlation id, or null when answers carry none.
    pub correlation_header: Option<&'static str>,
    /// Whether a handler panic becomes an error answer (else the connection is dropped).
    pub catches_panics: bool,
    /// Whether every error captures a backtrace for its answer.
    pub captures_backtraces: bool,
    /// `RUST_LIB_BACKTRACE` as the process sees it (`0` turns library captures off).
    pub library_backtraces: String,
    /// Whether answers carry `Server`/`X-Powered-By` with versions.
    pub version_headers: bool,
    /// Whether a client mistake gets a specific 4xx (else everything unexpected is 500).
    pub specific_status_codes: bool,
    /// Whether a missing or bad required setting stops the start (exit 78).
    pub strict_configuration: bool,
    /// Error answers per client and window before a `suspected probing` warning (0: off).
    pub probing_threshold: u32,
    pub probing_window_seconds: u64,
    /// Which `X-Forwarded-For` hop names the client: `false` (the peer), a number of
    /// trusted proxies, or their addresses (`client_address::ProxyTrust`).
    pub trust_forwarded_for: String,
    /// Whether the ops routes are enabled (a token is configured); the token is not shown.
    pub ops_token_set: bool,
}

impl ErrorPolicy {
    pub fn of(settings: &Settings) -> ErrorPolicy {
        let mode = settings.mode;
        let (error_body, error_page) = match mode {
            Mode::Dev => (
                "everything: the error chain, panic message and location, backtrace, SQL text, database engine and version, crate versions, a settings and environment dump, the request headers",
                "an HTML debug page with the same details",
            ),
            Mode::Prod => (
                "an RFC 9457 application/problem+json: type, title, status, a generic detail, instance, correlation_id; nothing from the error itself",
                "a plain error page with the correlation id",
            ),
            Mode::Bare => (
                "actix-web's defaults: the error's own Display text as text/plain; a panic drops the connection",
                "the same text/plain answer",
            ),
        };
        ErrorPolicy {
            mode,
            error_body,
            error_page,
            details_go_to: "JSON log lines on stderr, one per error with its chain, SQL and panic details, under the request's correlation id",
            correlation_header: mode.answers_correlation_id().then_some(correlation::HEADER),
            catches_panics: mode.catches_panics(),
            captures_backtraces: mode.captures_backtraces(),
            library_backtraces: std::env::var("RUST_LIB_BACKTRACE")
                .unwrap_or_else(|_| "(unset)".to_string()),
            version_headers: matches!(mode, Mode::Dev),
            specific_status_codes: matches!(mode, Mode::Prod),
            strict_configuration: matches!(mode, Mode::Prod),
            probing_threshold: settings.probing_threshold,
            probing_window_seconds: probing::WINDOW.as_secs(),
            trust_forwarded_for: settings.trust_forwarded_for.to_string(),
            ops_token_set: settings.ops_token.is_some(),
        }
    }
}
