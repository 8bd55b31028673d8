//! `/problems/{slug}`: the documentation behind each problem `type` URI, so a client that
//! follows the link learns what the problem means (RFC 9457, section 3.1.1). The text is the
//! kind's row of the `ErrorKind` table.

use actix_web::{HttpResponse, web};

use crate::error::{AppError, ErrorKind};

#[utoipa::path(get, path = "/problems/{slug}",
    params(("slug" = String, Path, description = "A problem type, e.g. not-found", example = "not-found")),
    responses((status = 200, description = "What the problem type means", content_type = "text/plain"),
              (status = 404, description = "No such problem type", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn describe(slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let info = ErrorKind::from_slug(&slug)
        .ok_or_else(|| AppError::not_found("no such problem type"))?
        .info();
    let (title, text) = (info.title, info.explanation);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(format!("{title}\n\n{text}\n")))
}
