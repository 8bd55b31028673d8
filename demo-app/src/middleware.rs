//! The one middleware every request passes through. `handle` runs its steps in order:
//! 1. picks the correlation id and opens the request's log span (`request_span`);
//! 2. runs the request (`run_caught`; each resource catches its own panics, see
//!    `panics::catch`; a panic that still gets here becomes a body-less 500 rather than a
//!    dropped connection, `settle`);
//! 3. renders any error with the mode's renderer, replacing actix's text/plain default
//!    (`render_error`; a 5xx log line carries everything prod withheld);
//! 4. counts error answers against their client (`watch_for_probing`);
//! 5. has `render` set the headers of the mode (`render::set_headers`);
//! 6. counts the answer and logs its completion (`record_completion`).
//!
//! Bare mode keeps the logs and metrics (observability is not its lesson) but none of the
//! rest: a panic is logged, counted and re-raised so actix drops the connection; actix's own
//! answers (extractor errors, unrouted paths and methods) stay as actix wrote them; no
//! correlation id or other header reaches the client.

use std::any::Any;
use std::cell::OnceCell;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::ALLOW;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::FutureExt as _;
use tracing::Instrument as _;

use crate::correlation;
use crate::error::PanicDetails;
use crate::error::{AppError, ErrorKind};
use crate::error_groups::{Alert, Occurrence};
use crate::panics;
use crate::render::{self, ErrorReport};
use crate::request_context::{self, RequestScope};
use crate::settings::Mode;
use crate::state::AppState;

/// The middleware, step by step (the module's header says what each is for).
pub async fn handle(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let state = app_state(&req)?;
    let mode = state.settings.mode;
    let correlation_id = correlation::for_request(req.headers());
    let method = req.method().clone();
    let span = request_span(&req, &correlation_id);
    let outcome = run_caught(req, next, &correlation_id, mode, &span).await;
    // Everything below is synchronous: log lines written from here on carry the id.
    let _in_span = span.enter();
    let mut response = settle(outcome, &state)?;
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    // The client's address, worked out once and only for error answers (the error list
    // and the probing watch both count it).
    let client = OnceCell::new();
    let failure = Failure {
        correlation_id: &correlation_id,
        request: response.request(),
        state: &state,
        route: &route,
        client: &client,
    };
    if let Some(rendered) = render_error(&response, &failure, &method) {
        response = response.into_response(rendered);
    }
    let status = response.status();
    watch_for_probing(&state, &response, &client, &correlation_id);
    render::set_headers(response.headers_mut(), mode, status, &correlation_id);
    record_completion(&state, &route, &method, status, started);
    Ok(response)
}

/// The app's state; only a wiring mistake in `startup` could leave it out.
fn app_state(req: &ServiceRequest) -> Result<web::Data<AppState>, actix_web::Error> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| actix_web::error::ErrorInternalServerError("app state missing"))
}

/// The span every log line of the request belongs to, named by its correlation id.
fn request_span(req: &ServiceRequest, correlation_id: &str) -> tracing::Span {
    tracing::info_span!(
        "request",
        correlation_id = %correlation_id,
        method = %req.method(),
        path = %req.path(),
    )
}

/// Runs the rest of the chain inside the request's scope (its correlation id, whether it
/// captures backtraces) and span, catching a panic that escapes it.
async fn run_caught<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
    correlation_id: &str,
    mode: Mode,
    span: &tracing::Span,
) -> Outcome<B> {
    let scope = RequestScope::new(correlation_id.to_string(), mode.captures_backtraces());
    request_context::run(scope, AssertUnwindSafe(next.call(req)).catch_unwind())
        .instrument(span.clone())
        .await
}

/// What running the request left: its response, an error that came before any response,
/// or the payload of a panic that escaped its resource.
type Outcome<B> = Result<Result<ServiceResponse<B>, actix_web::Error>, Box<dyn Any + Send>>;

/// The response to carry on with. A panic that got past its resource's catcher is counted
/// and becomes a body-less 500, except in bare, which drops the connection.
fn settle<B: MessageBody + 'static>(
    outcome: Outcome<B>,
    state: &AppState,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    match outcome {
        Ok(Ok(response)) => Ok(response.map_into_boxed_body()),
        Ok(Err(error)) => {
            tracing::error!(error = %error, "request failed before a response existed");
            Err(error)
        }
        Err(payload) => {
            state.metrics.record_panic();
            let (details, _) = panics::take_last(&*payload);
            if !state.settings.mode.catches_panics() {
                // DELIBERATE (the bare mode's lesson, CWE-248): nobody catches the panic, so
                // actix-web drops the connection without an answer (curl: "Empty reply from
                // server"; a proxy shows 502). Only this log line knows what happened.
                tracing::error!(
                    panic_message = %details.message,
                    panic_location = details.location.as_deref().unwrap_or(""),
                    failure_class = details.class.unwrap_or(""),
                    "handler panicked; the connection is dropped without a response"
                );
                std::panic::resume_unwind(payload);
            }
            tracing::error!(panic_message = %details.message, "panic outside a resource");
            Err(AppError::from_panic(details, None).into())
        }
    }
}

/// The mode's rendering of the error `response` carries, if it carries one the app renders.
fn render_error(
    response: &ServiceResponse<BoxBody>,
    failure: &Failure<'_>,
    method: &Method,
) -> Option<HttpResponse> {
    let mode = failure.state.settings.mode;
    match response.response().error() {
        Some(error) => match error.as_error::<AppError>() {
            Some(app_error) => Some(failure.respond(app_error)),
            // Bare: actix's own answer (e.g. `Json deserialize error: ...`) stays; the
            // error is only logged.
            None if !mode.renders_framework_errors() => {
                let error = foreign_error(error);
                log_error(&error, &error.chain(), response.status());
                None
            }
            None => Some(failure.respond(&foreign_error(error))),
        },
        // A known path with a method it does not route: actix answers by itself, with an
        // empty body and no error attached. Render it like every other error, keeping the
        // `Allow` header actix computed.
        None if response.status() == StatusCode::METHOD_NOT_ALLOWED
            && mode.renders_framework_errors() =>
        {
            let error = AppError::new(
                ErrorKind::MethodNotAllowed,
                anyhow::anyhow!("{method} is not routed for {}", failure.route),
            );
            let mut rendered = failure.respond(&error);
            if let Some(allow) = response.headers().get(ALLOW) {
                rendered.headers_mut().insert(ALLOW, allow.clone());
            }
            Some(rendered)
        }
        None => None,
    }
}

/// Counts the answer and writes the request's last log line.
fn record_completion(
    state: &AppState,
    route: &str,
    method: &Method,
    status: StatusCode,
    started: Instant,
) {
    state
        .metrics
        .record_response(route, method.as_str(), status.as_u16());
    tracing::info!(
        status = status.as_u16(),
        route = %route,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request completed"
    );
}

/// What an error response needs besides the error itself.
struct Failure<'a> {
    correlation_id: &'a str,
    request: &'a HttpRequest,
    state: &'a AppState,
    route: &'a str,
    client: &'a OnceCell<String>,
}

impl Failure<'_> {
    /// Renders the error for the mode, logs it, and files a 5xx in the ops error list.
    fn respond(&self, error: &AppError) -> HttpResponse {
        let report = ErrorReport {
            error,
            correlation_id: self.correlation_id,
            request: self.request,
            state: self.state,
        };
        if error.panic.is_some() {
            self.state.metrics.record_panic();
        }
        let response = render::render(self.state.settings.mode, &report);
        let status = response.status();
        // Worked out once: the log line and the error group's fingerprint both read it.
        let chain = error.chain();
        log_error(error, &chain, status);
        if status.is_server_error() {
            let client = self
                .client
                .get_or_init(|| client_address(self.request, &self.state.settings));
            let (fingerprint, alert) = self.state.errors.record(&Occurrence {
                error,
                chain: &chain,
                status: status.as_u16(),
                route: self.route,
                correlation_id: self.correlation_id,
                client,
                release: self.state.release.name(),
            });
            crate::tracking::capture(&crate::tracking::Captured {
                error,
                status: status.as_u16(),
                correlation_id: self.correlation_id,
                method: self.request.method().as_str(),
                route: self.route,
                fingerprint: &fingerprint,
                release_switch: self.state.release.name(),
                settings: &self.state.settings,
            });
            // The alerts an aggregator sends: a defect never seen before, or one that
            // was resolved and is back.
            match alert {
                Some(Alert::NewGroup) => {
                    tracing::warn!(fingerprint, route = self.route, "new error group")
                }
                Some(Alert::Regression) => {
                    tracing::warn!(fingerprint, route = self.route, "error group regressed")
                }
                None => {}
            }
        }
        response
    }
}

/// An `AppError` standing in for an error actix produced itself (an unknown
/// method, an oversized payload...), classified by the status actix chose.
fn foreign_error(error: &actix_web::Error) -> AppError {
    let kind = ErrorKind::from_status(error.as_response_error().status_code());
    let message = error.to_string();
    AppError::new(kind, anyhow::anyhow!("{message}"))
}

/// One log line with the whole story: what prod withheld from the client is here.
fn log_error(error: &AppError, chain: &[String], status: StatusCode) {
    let chain = chain.join(" -> ");
    let sql = error.sql.as_deref().unwrap_or("");
    let driver = error.driver_debug.as_deref().unwrap_or("");
    let (panic_message, panic_location) = match &error.panic {
        Some(panic) => {
            let PanicDetails {
                message, location, ..
            } = panic.as_ref();
            (message.as_str(), location.as_deref().unwrap_or(""))
        }
        None => ("", ""),
    };
    let backtrace = error.backtrace_lines().join("\n");
    let failure_class = failure_class(error, status).unwrap_or("");
    if status.is_server_error() {
        tracing::error!(
            status = status.as_u16(),
            kind = error.kind.slug(),
            failure_class,
            error = %error,
            chain = chain.as_str(),
            sql,
            driver_error = driver,
            panic_message,
            panic_location,
            backtrace = backtrace.as_str(),
            "request failed"
        );
    } else {
        tracing::warn!(
            status = status.as_u16(),
            kind = error.kind.slug(),
            error = %error,
            chain = chain.as_str(),
            sql,
            "request rejected"
        );
    }
}

/// Counts an error answer against its client and logs a suspected prober once per window.
fn watch_for_probing(
    state: &AppState,
    response: &ServiceResponse<BoxBody>,
    client: &OnceCell<String>,
    correlation_id: &str,
) {
    let status = response.status().as_u16();
    if !crate::probing::ProbeWatch::counts(status) {
        return;
    }
    let client = client.get_or_init(|| client_address(response.request(), &state.settings));
    let now = std::time::Instant::now();
    if let Some(suspicion) = state.probing.record(client, status, correlation_id, now) {
        tracing::warn!(
            client = %suspicion.client,
            errors_in_window = suspicion.errors_in_window,
            client_errors = suspicion.client_errors,
            server_errors = suspicion.server_errors,
            window_s = crate::probing::WINDOW.as_secs(),
            sample_correlation_ids = %suspicion.sample_correlation_ids.join(","),
            "suspected probing"
        );
    }
}

/// The client's address as the settings say to read it (`client_address`).
fn client_address(request: &HttpRequest, settings: &crate::settings::Settings) -> String {
    crate::client_address::of_request(request, &settings.trust_forwarded_for)
}

/// The failure class a response teaches: the planted flaw's, or the catch-all lesson when
/// a client mistake was answered as a server error (dev's renderer does that on purpose).
fn failure_class(error: &AppError, status: StatusCode) -> Option<&'static str> {
    let client_mistake = error.kind.status().is_client_error();
    if status.is_server_error() && client_mistake {
        return Some("antipattern.catch-all");
    }
    error.class
}
