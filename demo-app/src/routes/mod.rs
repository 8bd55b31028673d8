//! The bookshop's routes and the extractor settings that turn malformed input into
//! `AppError`s (so the response middleware renders them, never actix's text/plain default).
//! Bare mode registers the same routes with actix-web's own defaults instead: no extractor
//! error handlers, no panic catcher, no fallback route.

mod authors;
mod books;
mod customers;
mod documents;
mod health;
mod labels;
mod mitigations;
pub mod openapi;
mod ops;
mod orders;
mod problems;
mod recommendations;
mod reports;
mod search;
mod table;
mod wallets;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, web};

use crate::error::{AppError, ErrorKind};
use crate::panics;
use crate::settings::Mode;
use table::RouteTable;

/// Largest JSON body accepted.
pub const JSON_LIMIT_BYTES: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig, mode: Mode) {
    if !mode.renders_framework_errors() {
        // DELIBERATE (the bare mode's lesson, CWE-209): actix-web's default extractor
        // configs answer a malformed body, path or query with serde's own text as
        // text/plain (`Json deserialize error: ...`), and an unknown path with an empty 404.
        table().register(cfg, mode.catches_panics());
        return;
    }
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT_BYTES)
            .error_handler(|err, _req| json_error(err).into()),
    )
    .app_data(web::PathConfig::default().error_handler(|err, req| path_error(err, req).into()))
    .app_data(web::QueryConfig::default().error_handler(|err, _req| query_error(err).into()));
    table().register(cfg, mode.catches_panics());
    cfg.default_service(web::to(not_found));
}

/// Every route, once: its path and method come from the handler's `#[utoipa::path]`.
fn table() -> RouteTable {
    RouteTable::default()
        .add::<health::__path_healthz, _, _>(health::healthz)
        .add::<health::__path_metrics, _, _>(health::metrics)
        .add::<openapi::__path_serve, _, _>(openapi::serve)
        .add::<books::__path_list, _, _>(books::list)
        .add::<books::__path_show, _, _>(books::show)
        .add::<books::__path_cover, _, _>(books::cover)
        .add::<labels::__path_labels, _, _>(labels::labels)
        .add::<recommendations::__path_recommendations, _, _>(recommendations::recommendations)
        .add::<search::__path_search, _, _>(search::search)
        .add::<authors::__path_search, _, _>(authors::search)
        .add::<customers::__path_register, _, _>(customers::register)
        .add::<customers::__path_show, _, _>(customers::show)
        .add::<customers::__path_order_summary, _, _>(customers::order_summary)
        .add::<reports::__path_daily_average, _, _>(reports::daily_average)
        .add::<reports::__path_sales, _, _>(reports::sales)
        .add::<wallets::__path_show, _, _>(wallets::show)
        .add::<wallets::__path_transfer, _, _>(wallets::transfer)
        .add::<orders::__path_place, _, _>(orders::place)
        .add::<documents::__path_invoice, _, _>(documents::invoice)
        .add::<documents::__path_invoice_pdf, _, _>(documents::invoice_pdf)
        .add::<documents::__path_invoice_print, _, _>(documents::invoice_print)
        .add::<documents::__path_receipt, _, _>(documents::receipt)
        .add::<ops::__path_list_errors, _, _>(ops::list_errors)
        .add::<ops::__path_clear_errors, _, _>(ops::clear_errors)
        .add::<ops::__path_reset, _, _>(ops::reset)
        .add::<ops::__path_current_release, _, _>(ops::current_release)
        .add::<ops::__path_switch_release, _, _>(ops::switch_release)
        .add::<ops::__path_error_config, _, _>(ops::error_config)
        .add::<ops::__path_current_shedding, _, _>(ops::current_shedding)
        .add::<ops::__path_switch_shedding, _, _>(ops::switch_shedding)
        .add::<mitigations::__path_list_jobs, _, _>(mitigations::list_jobs)
        .add::<mitigations::__path_switch_job, _, _>(mitigations::switch_job)
        .add::<mitigations::__path_current_fx_breaker, _, _>(mitigations::current_fx_breaker)
        .add::<mitigations::__path_switch_fx_breaker, _, _>(mitigations::switch_fx_breaker)
        .add::<mitigations::__path_current_rate_limits, _, _>(mitigations::current_rate_limits)
        .add::<mitigations::__path_set_rate_limit, _, _>(mitigations::set_rate_limit)
        .add::<mitigations::__path_current_reports, _, _>(mitigations::current_reports)
        .add::<mitigations::__path_switch_reports, _, _>(mitigations::switch_reports)
        .add::<mitigations::__path_reload, _, _>(mitigations::reload)
        .add::<problems::__path_describe, _, _>(problems::describe)
}

/// A resource whose handler panics are caught and turned into error responses.
pub(crate) fn catching_panics(
    resource: actix_web::Resource,
) -> actix_web::Resource<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    resource.wrap(from_fn(panics::catch))
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
            return AppError::client(
                ErrorKind::UnsupportedMediaType,
                "The request body must be sent with Content-Type: application/json.",
            )
            .with_cause(err);
        }
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            return AppError::client(
                ErrorKind::PayloadTooLarge,
                format!("The request body is larger than {JSON_LIMIT_BYTES} bytes."),
            )
            .with_cause(err);
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
