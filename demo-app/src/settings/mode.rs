//! The error-handling policies and what each one does at the edge. The bugs are the same in
//! every mode; these answers are the only place a mode's behaviour is decided.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// The error-handling policies. The bugs are the same in all of them; only handling differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Debug defaults: every error body leaks everything.
    Dev,
    /// Hardened: RFC 9457 problems, specific status codes, strict configuration.
    Prod,
    /// actix-web's own defaults, nothing added: a panic drops the connection, extractor
    /// errors and the error type's `Display` answer as text/plain, no correlation id.
    Bare,
}

/// What `--mode` accepts, for error messages and hints.
pub const MODE_HINT: &str = "Use `dev`, `prod` or `bare`.";

impl Mode {
    /// Whether a handler panic becomes an error response. Bare lets actix-web drop the
    /// connection, as it does when nobody catches the panic.
    pub fn catches_panics(self) -> bool {
        !matches!(self, Mode::Bare)
    }

    /// Whether the app replaces the answers actix-web writes itself (extractor errors, an
    /// unrouted path or method) with its own rendering. Bare keeps actix's defaults.
    pub fn renders_framework_errors(self) -> bool {
        !matches!(self, Mode::Bare)
    }

    /// Whether responses carry the `x-request-id` that names their log lines.
    pub fn answers_correlation_id(self) -> bool {
        !matches!(self, Mode::Bare)
    }

    /// Whether every error captures a backtrace (the dev debug page shows it).
    pub fn captures_backtraces(self) -> bool {
        matches!(self, Mode::Dev)
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dev" => Ok(Mode::Dev),
            "prod" => Ok(Mode::Prod),
            "bare" => Ok(Mode::Bare),
            other => Err(format!(
                "`{other}` is not a mode; valid modes are `dev`, `prod` and `bare`"
            )),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Dev => "dev",
            Mode::Prod => "prod",
            Mode::Bare => "bare",
        })
    }
}
