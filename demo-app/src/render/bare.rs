//! DELIBERATE (the bare mode's lesson, CWE-209): what actix-web answers when the app adds
//! no rendering of its own. actix's default `ResponseError::error_response` writes the
//! error's `Display` as a text/plain body with the error's `status_code()`. Here that error
//! displays its whole cause chain, as a `Box<dyn Error>` propagated with `?` (or an
//! `anyhow` error shown with `{:#}`) does: the library's own text (sqlx's, reqwest's with
//! the URL and its API key, serde's) reaches the client verbatim. The status is the error
//! type's, so it is as specific as prod's; no headers are added.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::ErrorReport;

/// The answer actix-web's default rendering gives for the report's error.
pub fn default_answer(report: &ErrorReport<'_>, status: StatusCode) -> HttpResponse {
    DefaultRendered {
        status,
        text: format!("{:#}", report.error.error),
    }
    .error_response()
}

/// An error as actix-web's defaults see it: a status and a `Display`.
#[derive(Debug)]
struct DefaultRendered {
    status: StatusCode,
    text: String,
}

impl fmt::Display for DefaultRendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Only `status_code` is written: `error_response` stays actix-web's default, which is the
/// point of the mode.
impl ResponseError for DefaultRendered {
    fn status_code(&self) -> StatusCode {
        self.status
    }
}
