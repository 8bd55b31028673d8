//! The hardened renderer: RFC 9457 problem details with a correlation id. Nothing in the
//! body comes from the error's text; client mistakes (4xx) may carry a detail the code
//! wrote on purpose for the client (`AppError::public_detail`).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use serde::Serialize;

use super::ErrorReport;
use super::html::escape;
use crate::json_text;

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

    /// The document as serde_json writes the derive (its members in field order), written
    /// without serde: this is the body of every error prod answers, on the request thread.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(
            112 + self.type_uri.len()
                + self.title.len()
                + self.detail.len()
                + self.instance.len()
                + self.correlation_id.len(),
        );
        // A String takes every write: the results say nothing.
        let _ = self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) -> std::fmt::Result {
        out.push_str("{\"type\":");
        json_text::write_str(out, &self.type_uri)?;
        out.push_str(",\"title\":");
        json_text::write_str(out, self.title)?;
        out.push_str(",\"status\":");
        json_text::write_u64(out, u64::from(self.status))?;
        out.push_str(",\"detail\":");
        json_text::write_str(out, &self.detail)?;
        out.push_str(",\"instance\":");
        json_text::write_str(out, &self.instance)?;
        out.push_str(",\"correlation_id\":");
        json_text::write_str(out, &self.correlation_id)?;
        out.push('}');
        Ok(())
    }
}

pub fn json_body(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .body(problem.to_json())
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

#[cfg(test)]
mod tests {
    use super::Problem;

    #[test]
    fn the_body_is_what_serde_json_writes_for_the_document() {
        let texts = [
            "",
            "plain",
            "The server could not complete the request.",
            "quote \" backslash \\ newline \n tab \t bell \u{7} DEL \u{7f}",
            "unicode: é € 🦀 \u{2028}",
            "/books/%22%3Cscript%3E?q=\"><img src=x>",
        ];
        for (n, text) in texts.iter().enumerate() {
            let problem = Problem {
                type_uri: format!("/problems/{text}"),
                title: "Unprocessable Content",
                status: 400 + n as u16,
                detail: text.to_string(),
                instance: format!("/customers/{text}"),
                correlation_id: text.chars().rev().collect(),
            };
            let serde = serde_json::to_string(&problem).expect("a problem serialises");
            assert_eq!(problem.to_json(), serde);
        }
    }
}
