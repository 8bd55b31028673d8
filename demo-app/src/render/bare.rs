//! DELIBERATE (the bare mode's lesson, CWE-209): what actix-web answers when the app adds
//! no rendering of its own. actix's default `ResponseError::error_response` writes the
//! error's `Display` as a text/plain body with the error's `status_code()`. Here that error
//! displays its cause chain, the way an error type that shows its source does (an `anyhow`
//! error with `{:#}`, a `Box<dyn Error>` propagated with `?`): the library's own text
//! (sqlx's, reqwest's with the URL and its API key, serde's) reaches the client verbatim.
//! The status is the error type's, so it is as specific as prod's; no headers are added.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::ErrorReport;

/// The answer actix-web's default rendering gives for the report's error.
pub fn default_answer(report: &ErrorReport<'_>, status: StatusCode) -> HttpResponse {
    DefaultRendered {
        status,
        text: chain_text(&report.error.chain()),
    }
    .error_response()
}

/// The chain joined with ": ", outermost first, leaving out a cause whose text the error
/// before it already ends with (sqlx's "error returned from database: X" has X as its
/// source): each text once, as a reader would write it.
fn chain_text(chain: &[String]) -> String {
    let mut text = String::new();
    for cause in chain {
        if text.ends_with(cause.as_str()) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(cause);
    }
    text
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

#[cfg(test)]
mod tests {
    use super::chain_text;

    #[test]
    fn a_cause_repeated_at_the_end_of_its_error_appears_once() {
        let chain = [
            "Failed to search authors".to_string(),
            "error returned from database: near \"Reilly\": syntax error".to_string(),
            "near \"Reilly\": syntax error".to_string(),
        ];
        assert_eq!(
            chain_text(&chain),
            "Failed to search authors: error returned from database: near \"Reilly\": syntax error"
        );
        assert_eq!(chain_text(&["only".to_string()]), "only");
    }
}
