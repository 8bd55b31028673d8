//! Turning an `AppError` into a response. The mode picks the renderer: `dev` shows
//! everything (the lesson in what leaks), `prod` answers an RFC 9457 problem and keeps the
//! details for the log, `bare` is actix-web's default rendering (the error's text, as
//! text/plain).

mod bare;
mod dev;
mod headers;
mod html;
mod prod;

use actix_web::http::StatusCode;
use actix_web::http::header::ACCEPT;
use actix_web::{HttpRequest, HttpResponse};

pub use dev::DebugReport;
pub use headers::{RETRY_AFTER_SECONDS, set_headers};
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
            let problem = Problem::new(report);
            if html {
                prod::html_page(&problem)
            } else {
                prod::json_body(&problem)
            }
        }
    }
}

/// Browsers rank `text/html` above anything JSON; API clients do not. Only the two
/// matter: whichever the client ranks first (q-values, then the order it listed them in)
/// wins, and a type it refuses (`q=0`) is never picked.
fn wants_html(request: &HttpRequest) -> bool {
    use actix_web::http::header::{Accept, Header as _, Quality};

    if !request.headers().contains_key(ACCEPT) {
        return false;
    }
    let Ok(Accept(items)) = Accept::parse(request) else {
        return false;
    };
    let acceptable = Accept(
        items
            .into_iter()
            .filter(|item| item.quality > Quality::ZERO)
            .collect(),
    );
    acceptable
        .ranked()
        .iter()
        .find_map(|mime| {
            let json = mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json");
            let html = mime.type_() == "text" && mime.subtype() == "html";
            (html || json).then_some(html)
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::wants_html;

    fn html_for(accept: &str) -> bool {
        wants_html(
            &TestRequest::default()
                .insert_header(("accept", accept))
                .to_http_request(),
        )
    }

    #[test]
    fn browsers_get_html_and_api_clients_json() {
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(html_for(firefox));
        assert!(html_for("text/html"));
        assert!(!html_for("application/json"));
        assert!(!html_for("application/problem+json, text/html"));
        assert!(!html_for("*/*"));
        assert!(!wants_html(&TestRequest::default().to_http_request()));
    }

    #[test]
    fn q_values_decide_over_the_listed_order() {
        assert!(!html_for("text/html;q=0.5, application/json"));
        assert!(html_for("application/json;q=0.4, text/html;q=0.9"));
        assert!(!html_for("text/html;q=0"));
        assert!(!html_for("text/html;q=0, application/json;q=0.1"));
    }
}
