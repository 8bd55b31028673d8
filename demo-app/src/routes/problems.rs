//! `/problems/{slug}`: the documentation behind each problem `type` URI, so a client that
//! follows the link learns what the problem means (RFC 9457, section 3.1.1).

use actix_web::{HttpResponse, web};

use crate::error::AppError;

const PROBLEMS: &[(&str, &str, &str)] = &[
    (
        "bad-request",
        "Bad Request",
        "The request was malformed; fix it before retrying.",
    ),
    (
        "unauthorized",
        "Unauthorized",
        "The route needs a valid bearer token.",
    ),
    (
        "forbidden",
        "Forbidden",
        "The route is refused to every caller, e.g. ops routes on a server started without an ops token.",
    ),
    ("not-found", "Not Found", "Nothing exists at this address."),
    (
        "method-not-allowed",
        "Method Not Allowed",
        "The address exists but not with this method; the Allow header lists the methods it takes.",
    ),
    (
        "conflict",
        "Conflict",
        "The request conflicts with existing data, e.g. a duplicate e-mail.",
    ),
    (
        "payload-too-large",
        "Payload Too Large",
        "The request body is larger than the service accepts.",
    ),
    (
        "unsupported-media-type",
        "Unsupported Media Type",
        "The request body is not in a media type the route reads (JSON routes need application/json).",
    ),
    (
        "unprocessable",
        "Unprocessable Content",
        "The request is well-formed but refers to something that does not exist, e.g. an unknown customer.",
    ),
    (
        "service-unavailable",
        "Service Unavailable",
        "A transient condition; retry after the Retry-After delay.",
    ),
    (
        "bad-gateway",
        "Bad Gateway",
        "An upstream service answered with something unusable.",
    ),
    (
        "gateway-timeout",
        "Gateway Timeout",
        "An upstream service did not answer in time.",
    ),
    (
        "internal-error",
        "Internal Server Error",
        "A fault in the service. Quote the correlation id when reporting it.",
    ),
];

#[utoipa::path(get, path = "/problems/{slug}",
    params(("slug" = String, Path, description = "A problem type, e.g. not-found", example = "not-found")),
    responses((status = 200, description = "What the problem type means", content_type = "text/plain"),
              (status = 404, description = "No such problem type", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn describe(slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (_, title, text) = PROBLEMS
        .iter()
        .find(|(s, _, _)| *s == slug.as_str())
        .ok_or_else(|| AppError::not_found("no such problem type"))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(format!("{title}\n\n{text}\n")))
}
