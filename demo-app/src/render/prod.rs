//! The hardened renderer: RFC 9457 problem details with a correlation id. Nothing in the
//! body comes from the error's text; client mistakes (4xx) may carry a detail the code
//! wrote on purpose for the client (`AppError::public_detail`).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use serde::Serialize;

use super::ErrorReport;
use super::html::escape;

/// An RFC 9457 problem document plus the `correlation_id` extension member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    pub instance: String,
    pub correlation_id: String,
}

impl Problem {
    pub fn new(report: &ErrorReport<'_>, status: StatusCode) -> Problem {
        let slug = report.error.kind.slug();
        let detail = match (&report.error.public_detail, status.is_client_error()) {
            (Some(detail), true) => detail.clone(),
            _ => generic_detail(status).to_string(),
        };
        Problem {
            type_uri: format!("/problems/{slug}"),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail,
            instance: report.request.path().to_string(),
            correlation_id: report.correlation_id.to_string(),
        }
    }
}

/// What prod says for each status, written once and never derived from the error.
pub fn generic_detail(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => {
            "The request could not be understood. Check its syntax against the API documentation."
        }
        401 => "This route needs a valid bearer token.",
        404 => "There is nothing at this address.",
        405 => "This address does not accept this method; the Allow header lists the ones it does.",
        409 => "The request conflicts with the current state of the resource.",
        413 => "The request body is too large.",
        415 => "The request body is not in a media type this route reads.",
        422 => "The request refers to something that does not exist.",
        502 => "An upstream service answered with something unusable. Try again later.",
        503 => {
            "The service is temporarily unable to handle the request. Retry after the time given in Retry-After."
        }
        504 => "An upstream service did not answer in time. Try again later.",
        _ => {
            "The server could not complete the request. Quote the correlation id when you report it."
        }
    }
}

pub fn json_body(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .json(problem)
}

pub fn html_page(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{status} {title}</title></head>\n<body>\n<h1>{title}</h1>\n<p>{detail}</p>\n\
         <p>Reference: <code>{id}</code></p>\n</body></html>\n",
        status = problem.status,
        title = escape(problem.title),
        detail = escape(&problem.detail),
        id = escape(&problem.correlation_id),
    );
    HttpResponse::build(status)
        .content_type(ContentType::html())
        .body(page)
}
