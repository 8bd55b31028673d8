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
    /// The problem for the error's kind (prod answers the kind's own status): its row of
    /// the `ErrorKind` table, and a detail the code wrote for the client on a 4xx.
    pub fn new(report: &ErrorReport<'_>) -> Problem {
        let kind = report.error.kind;
        let info = kind.info();
        let detail = match (&report.error.public_detail, info.status.is_client_error()) {
            (Some(detail), true) => detail.clone(),
            _ => info.detail.to_string(),
        };
        Problem {
            type_uri: kind.doc_link(),
            title: info.title,
            status: info.status.as_u16(),
            detail,
            instance: report.request.path().to_string(),
            correlation_id: report.correlation_id.to_string(),
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
