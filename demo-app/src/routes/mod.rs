//! The bookshop's routes and the extractor settings that turn malformed input into
//! `AppError`s (so the response middleware renders them, never actix's text/plain default).

mod authors;
mod books;
mod customers;
mod documents;
mod health;
mod ops;
mod orders;
mod problems;
mod reports;
mod search;
mod wallets;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, web};

use crate::error::AppError;
use crate::panics;

/// Largest JSON body accepted.
pub const JSON_LIMIT_BYTES: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT_BYTES)
            .error_handler(|err, _req| json_error(err).into()),
    )
    .app_data(web::PathConfig::default().error_handler(|err, req| path_error(err, req).into()))
    .app_data(web::QueryConfig::default().error_handler(|err, _req| query_error(err).into()))
    .service(resource("/healthz").get(health::healthz))
    .service(resource("/metrics").get(health::metrics))
    .service(resource("/books").get(books::list))
    .service(resource("/books/{id}").get(books::show))
    .service(resource("/books/{id}/cover").get(books::cover))
    .service(resource("/search").get(search::search))
    .service(resource("/authors").get(authors::search))
    .service(resource("/customers").post(customers::register))
    .service(resource("/customers/{id}").get(customers::show))
    .service(resource("/customers/{id}/summary").get(customers::order_summary))
    .service(resource("/reports/daily-average").get(reports::daily_average))
    .service(resource("/reports/sales").get(reports::sales))
    .service(resource("/wallets/{id}").get(wallets::show))
    .service(resource("/transfers").post(wallets::transfer))
    .service(resource("/orders").post(orders::place))
    .service(resource("/orders/{id}/invoice").get(documents::invoice))
    .service(resource("/orders/{id}/invoice.pdf").get(documents::invoice_pdf))
    .service(resource("/orders/{id}/receipt").post(documents::receipt))
    .service(
        resource("/ops/errors")
            .get(ops::list_errors)
            .delete(ops::clear_errors),
    )
    .service(resource("/ops/reset").post(ops::reset))
    .service(
        resource("/ops/release")
            .get(ops::current_release)
            .post(ops::switch_release),
    )
    .service(resource("/problems/{slug}").get(problems::describe))
    .default_service(web::to(not_found));
}

/// A resource whose handler panics are caught and turned into error responses.
fn resource(
    path: &str,
) -> actix_web::Resource<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(path).wrap(from_fn(panics::catch))
}

async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::not_found("no route matches this path"))
}

/// Malformed bodies are the client's mistake: 400 in prod (dev's catch-all makes it 500).
/// The public detail is written from the error's structure (line, column, category),
/// never copied from its text.
fn json_error(err: JsonPayloadError) -> AppError {
    let public = match &err {
        JsonPayloadError::ContentType => {
            "The request body must be sent with Content-Type: application/json.".to_string()
        }
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            format!("The request body is larger than {JSON_LIMIT_BYTES} bytes.")
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => format!(
            "The JSON body does not have the expected fields or types (line {}, column {}).",
            e.line(),
            e.column()
        ),
        JsonPayloadError::Deserialize(e) => format!(
            "The request body is not valid JSON (line {}, column {}).",
            e.line(),
            e.column()
        ),
        _ => "The request body could not be read.".to_string(),
    };
    AppError::bad_request(public).with_cause(err)
}

fn path_error(err: PathError, req: &HttpRequest) -> AppError {
    let pattern = req.match_pattern().unwrap_or_default();
    AppError::bad_request(format!(
        "A path segment of {pattern} has the wrong type; ids are whole numbers."
    ))
    .with_cause(err)
}

fn query_error(err: QueryPayloadError) -> AppError {
    AppError::bad_request(
        "The query string is missing a parameter or one has the wrong type; see the API docs.",
    )
    .with_cause(err)
}
