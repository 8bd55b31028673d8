//! Error tracking through the Sentry SDK (`sentry_dsn`): a team's real aggregator, beside
//! the lab's own `/ops/errors`. Off when the DSN is unset (the default). Each mode sets the
//! SDK up the way that mode would:
//! - prod: `send_default_pii` off, `before_send` scrubbing (`scrub`), release and
//!   environment, the correlation id as a tag, and the app's fingerprint as the event's, so
//!   the tracker groups one defect as one issue, as `/ops/errors` does. The event names the
//!   defect (kind, route, failure class) and leaves its detail to the log line the
//!   correlation id finds: a tracker is read by more people than the logs are.
//! - dev: the careless setup (DELIBERATE): PII on, every request body, the error's whole
//!   chain, SQL and backtrace, and the settings dump as context; default grouping, so a
//!   message that quotes input makes one issue per input.
//! - bare: no tracker, whatever the settings say (the "no aggregation" mistake).
//!
//! The SDK's actix-web middleware (`middleware`) gives each request its own hub with the
//! request attached; the app's own middleware captures every 5xx it renders (`capture`),
//! panics included (they become 500s there). 4xx answers are the client's mistakes: an
//! aggregator that pages for them pages for every scanner on the internet.

use std::borrow::Cow;
use std::sync::Arc;

use sentry::protocol::{Event, Exception, Level, Value};
use sentry::{ClientOptions, MaxRequestBodySize};

use crate::error::AppError;
use crate::settings::{Mode, Settings};

pub mod scrub;

/// The SDK's middleware, wrapped outside the app's own: one hub per request, with the
/// request (and, in dev, its body) attached to whatever the request captures. The app's
/// middleware captures the errors itself (`capture`), so this one captures none: it would
/// only see errors actix still carries, not the responses the app renders.
pub fn middleware() -> sentry::integrations::actix::Sentry {
    sentry::integrations::actix::Sentry::builder()
        .capture_server_errors(false)
        .finish()
}

/// The SDK's options for a mode, or `None` when nothing is to be reported.
pub fn options(settings: &Settings) -> Option<ClientOptions> {
    let dsn = settings.sentry_dsn.as_deref()?;
    if settings.mode == Mode::Bare {
        return None;
    }
    let dsn = dsn.parse().ok()?;
    let mut options = ClientOptions::default();
    options.dsn = Some(dsn);
    options.release = Some(Cow::Owned(release()));
    options.environment = Some(Cow::Borrowed(environment(settings.mode)));
    // The app's middleware already turns panics into 500s it captures; no stack walking
    // for events that carry the app's own fingerprint.
    options.attach_stacktrace = false;
    options.shutdown_timeout = std::time::Duration::from_secs(2);
    match settings.mode {
        Mode::Prod => {
            options.send_default_pii = false;
            // JSON and form bodies up to 1 kB, through the scrubber.
            options.max_request_body_size = MaxRequestBodySize::Small;
            options.before_send = Some(Arc::new(|event| Some(scrub::scrub(event))));
        }
        Mode::Dev | Mode::Bare => {
            // DELIBERATE (the dev mode's tracker lesson, CWE-359 / CWE-532):
            // PII on (cookies, Authorization, the client's address) and every request body
            // whatever its type, with no before_send: whatever the user sent goes to the
            // tracker. The fix is prod's options above.
            options.send_default_pii = true;
            options.max_request_body_size = MaxRequestBodySize::Always;
        }
    }
    Some(options)
}

/// Starts the SDK when the settings ask for it. Keep the guard for the process's life:
/// dropping it flushes what is queued (up to `shutdown_timeout`).
#[must_use = "dropping the guard stops the tracker"]
pub fn init(settings: &Settings) -> Option<sentry::ClientInitGuard> {
    if settings.mode == Mode::Bare && settings.sentry_dsn.is_some() {
        tracing::warn!("bare mode reports to no error tracker; sentry_dsn is ignored");
    }
    let options = options(settings)?;
    // The transport is reqwest on rustls, which needs the process's crypto provider.
    crate::tls::install_provider();
    let guard = sentry::init(options);
    tracing::info!(
        environment = environment(settings.mode),
        "errors are reported to the tracker"
    );
    Some(guard)
}

/// The tracker's environment: the mode's name, so dev's and prod's events stay apart.
fn environment(mode: Mode) -> &'static str {
    match mode {
        Mode::Dev => "dev",
        Mode::Prod => "prod",
        Mode::Bare => "bare",
    }
}

/// `demo-app@0.1.0`: what a tracker shows as the release.
pub fn release() -> String {
    format!("demo-app@{}", env!("CARGO_PKG_VERSION"))
}

/// One server error on its way to the tracker.
pub struct Captured<'a> {
    pub error: &'a AppError,
    pub status: u16,
    pub correlation_id: &'a str,
    pub method: &'a str,
    pub route: &'a str,
    /// The `/ops/errors` fingerprint (`grouping::fingerprint`'s key).
    pub fingerprint: &'a str,
    /// The app's release switch (v1/v2).
    pub release_switch: &'a str,
    pub settings: &'a Settings,
}

/// Sends the error to the current hub's tracker (the request's, from `middleware`); does
/// nothing when no tracker is configured.
pub fn capture(captured: &Captured<'_>) {
    let hub = sentry::Hub::current();
    if hub.client().is_none() {
        return;
    }
    hub.capture_event(event(captured));
}

/// The event as the mode builds it (before prod's `before_send`).
pub fn event(captured: &Captured<'_>) -> Event<'static> {
    let mut event = match captured.settings.mode {
        Mode::Prod => prod_event(captured),
        Mode::Dev | Mode::Bare => dev_event(captured),
    };
    event.level = Level::Error;
    for (name, value) in [
        ("correlation_id", captured.correlation_id),
        ("route", captured.route),
        ("kind", captured.error.kind.slug()),
        ("release_switch", captured.release_switch),
    ] {
        event.tags.insert(name.to_string(), value.to_string());
    }
    event
        .tags
        .insert("status".to_string(), captured.status.to_string());
    if let Some(class) = captured.error.class {
        event
            .tags
            .insert("failure_class".to_string(), class.to_string());
    }
    event
}

/// The defect's identity and nothing from the error's text: the kind, where, and the
/// app's fingerprint (hashed, since its message part is the engine's own words).
fn prod_event(captured: &Captured<'_>) -> Event<'static> {
    let kind = captured.error.kind;
    let fingerprint = fingerprint_id(captured.fingerprint);
    let mut event = Event {
        exception: vec![Exception {
            ty: kind.slug().to_string(),
            value: Some(format!(
                "{} {}: {} ({})",
                captured.method,
                captured.route,
                kind.info().title,
                captured.error.class.unwrap_or("unclassified"),
            )),
            ..Exception::default()
        }]
        .into(),
        fingerprint: Cow::Owned(vec![Cow::Owned(fingerprint.clone())]),
        ..Event::default()
    };
    event.tags.insert("fingerprint".to_string(), fingerprint);
    event
}

/// Everything the error knows, the way `sentry::capture_error` plus a helpful developer
/// would send it.
fn dev_event(captured: &Captured<'_>) -> Event<'static> {
    let error = captured.error;
    let mut event = match &error.panic {
        Some(panic) => Event {
            exception: vec![Exception {
                ty: "panic".to_string(),
                value: Some(panic.message.clone()),
                ..Exception::default()
            }]
            .into(),
            ..Event::default()
        },
        // DELIBERATE (the dev mode's tracker lesson: default grouping): one exception whose
        // value is the whole chain, root cause included, as `capture_message(&format!("{e:#}"))`
        // or a log-line integration sends it. Grouped by type and message, an error that
        // quotes input (`near "Hara": syntax error`) is one issue per input. The fix is
        // prod's: the app's own fingerprint on the event.
        None => Event {
            exception: vec![Exception {
                ty: root_cause_type(error),
                value: Some(error.chain().join(": ")),
                ..Exception::default()
            }]
            .into(),
            ..Event::default()
        },
    };
    let mut extra = vec![("chain", Value::from(error.chain().join(" -> ")))];
    if let Some(sql) = &error.sql {
        extra.push(("sql", Value::from(sql.clone())));
    }
    if let Some(driver) = &error.driver_debug {
        extra.push(("driver_error", Value::from(driver.clone())));
    }
    if let Some(location) = error.panic.as_ref().and_then(|p| p.location.clone()) {
        extra.push(("panic_location", Value::from(location)));
    }
    let backtrace = error.backtrace_lines();
    if !backtrace.is_empty() {
        extra.push(("backtrace", Value::from(backtrace.join("\n"))));
    }
    // DELIBERATE (the dev mode's tracker lesson, CWE-532): the settings
    // dump, secrets included (the FX API key, the database URL), attached "to help
    // debugging". The fix: attach nothing the log line does not need, or `redacted()`.
    let settings: serde_json::Map<String, Value> = captured
        .settings
        .dump()
        .into_iter()
        .map(|(name, value)| (name.to_string(), Value::from(value)))
        .collect();
    extra.push(("settings", Value::Object(settings)));
    event.extra = extra
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    event
}

/// The root cause's type as the SDK names it (`SqliteError`, `PgDatabaseError`, `Error`).
fn root_cause_type(error: &AppError) -> String {
    let event = sentry::event_from_error(AsRef::<dyn std::error::Error>::as_ref(&error.error));
    event
        .exception
        .values
        .first()
        .map_or_else(|| "Error".to_string(), |root| root.ty.clone())
}

/// A stable, short id of the app's fingerprint (FNV-1a, 64 bits): the same defect is the
/// same id in every process and release of the app.
pub fn fingerprint_id(fingerprint: &str) -> String {
    let hash = fingerprint
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests;
