//! Turning an `AppError` into a response. The mode picks the renderer: `dev` shows
//! everything (the lesson in what leaks), `prod` answers an RFC 9457 problem and keeps the
//! details for the log, `bare` is actix-web's default rendering (the error's text, as
//! text/plain).

mod bare;
mod dev;
mod html;
mod prod;

use actix_web::http::StatusCode;
use actix_web::http::header::ACCEPT;
use actix_web::{HttpRequest, HttpResponse};

pub use dev::DebugReport;
pub use html::escape as escape_html;
pub use prod::Problem;

use crate::error::{AppError, ErrorKind};
use crate::settings::Mode;
use crate::state::AppState;

/// Everything a renderer may use about one failed request.
pub struct ErrorReport<'a> {
    pub error: &'a AppError,
    pub correlation_id: &'a str,
    pub request: &'a HttpRequest,
    pub state: &'a AppState,
}

/// The status the mode answers with.
pub fn status_for(mode: Mode, kind: ErrorKind) -> StatusCode {
    match (mode, kind) {
        // Bare answers what the error type's `status_code()` says, as actix's default
        // rendering does: the app's error kinds are specific, so this is prod's status.
        (Mode::Prod | Mode::Bare, kind) => kind.status(),
        // Routing answers are ordinary even in careless setups.
        (
            Mode::Dev,
            ErrorKind::NotFound
            | ErrorKind::MethodNotAllowed
            | ErrorKind::Unauthorized
            | ErrorKind::Forbidden,
        ) => kind.status(),
        // DELIBERATE (antipattern.catch-all): dev maps every other error to 500, client
        // mistakes included, so a malformed JSON body looks like a server bug.
        (Mode::Dev, _) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Renders the error for the mode and the client's `Accept` header (bare ignores it, as
/// actix's default does).
pub fn render(mode: Mode, report: &ErrorReport<'_>) -> HttpResponse {
    let status = status_for(mode, report.error.kind);
    let html = wants_html(report.request);
    match mode {
        Mode::Bare => bare::default_answer(report, status),
        Mode::Dev => {
            let debug = DebugReport::new(report, status);
            if html {
                dev::html_page(&debug)
            } else {
                dev::json_body(&debug)
            }
        }
        Mode::Prod => {
            let problem = Problem::new(report, status);
            if html {
                prod::html_page(&problem)
            } else {
                prod::json_body(&problem)
            }
        }
    }
}

/// Browsers ask for `text/html` before anything JSON; API clients do not.
fn wants_html(request: &HttpRequest) -> bool {
    let Some(accept) = request.headers().get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let position = |needle: &str| accept.find(needle);
    match (position("text/html"), position("json")) {
        (Some(html), Some(json)) => html < json,
        (Some(_), None) => true,
        _ => false,
    }
}
