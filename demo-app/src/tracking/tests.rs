//! Each mode's SDK setup, and prod's events end to end through the SDK's own pipeline
//! (`sentry::test`: the real client with a transport that keeps the envelopes).

use sentry::protocol::{Event, Request};

use super::{Captured, event, fingerprint_id, options};
use crate::error::{AppError, ErrorKind};
use crate::settings::{LAB_FX_API_KEY, Layers, Settings, Source};

const DSN: &str = "http://0123456789abcdef0123456789abcdef@127.0.0.1:8000/1";

fn settings(mode: &str, dsn: Option<&str>) -> Settings {
    let mut layers = Layers::with_defaults();
    let flag = |name: &str| Source::Flag(format!("--{name}"));
    layers
        .set("mode", mode.into(), flag("mode"))
        .and_then(|()| layers.set("ops_token", "0123456789abcdef0123".into(), flag("ops")))
        .and_then(|()| match dsn {
            Some(dsn) => layers.set("sentry_dsn", dsn.into(), flag("dsn")),
            None => Ok(()),
        })
        .and_then(|()| layers.resolve())
        .unwrap_or_else(|e| panic!("test settings: {e}"))
}

fn database_error() -> AppError {
    AppError::new(
        ErrorKind::Internal,
        anyhow::anyhow!(
            "error returned from database: (code: 1) near \"Hara\": syntax error for ada@example.com"
        )
        .context("Failed to search authors"),
    )
}

fn captured<'a>(error: &'a AppError, settings: &'a Settings) -> Captured<'a> {
    Captured {
        error,
        status: 500,
        correlation_id: "4bf92f3577b34da6a3ce929d0e0e4736",
        method: "GET",
        route: "/authors",
        fingerprint: "v2 internal-error /authors Failed to search authors: near \"<str>\": syntax error",
        release_switch: "v1",
        settings,
    }
}

/// Sends one event through a real client with the mode's options, the way a request's hub
/// would, with a request attached as sentry-actix attaches it.
fn sent(settings: &Settings, event: Event<'static>) -> Vec<Event<'static>> {
    let mut options = options(settings).unwrap_or_default();
    options.dsn = None; // the test transport's own
    sentry::test::with_captured_events_options(
        || {
            sentry::configure_scope(|scope| {
                scope.add_event_processor(|mut event| {
                    let mut request = Request {
                        url: "http://127.0.0.1:8080/authors?name=O%27Hara&token=t0k3n"
                            .parse()
                            .ok(),
                        method: Some("GET".into()),
                        cookies: Some("session=abc".into()),
                        data: Some(r#"{"email":"ada@example.com","password":"hunter2"}"#.into()),
                        ..Request::default()
                    };
                    request
                        .headers
                        .insert("authorization".into(), "Bearer s3cr3t".into());
                    request
                        .env
                        .insert("REMOTE_ADDR".into(), "203.0.113.9".into());
                    event.request = Some(request);
                    Some(event)
                })
            });
            sentry::capture_event(event);
        },
        options,
    )
}

#[test]
fn no_dsn_or_bare_mode_means_no_tracker() {
    assert!(options(&settings("prod", None)).is_none());
    assert!(options(&settings("dev", None)).is_none());
    assert!(options(&settings("bare", Some(DSN))).is_none());
}

#[test]
fn prod_sends_no_pii_and_scrubs_dev_sends_everything() {
    let prod = options(&settings("prod", Some(DSN))).unwrap_or_default();
    assert!(!prod.send_default_pii);
    assert!(prod.before_send.is_some());
    assert_eq!(prod.environment.as_deref(), Some("prod"));
    assert!(
        prod.release
            .as_deref()
            .is_some_and(|r| r.starts_with("demo-app@"))
    );
    let dev = options(&settings("dev", Some(DSN))).unwrap_or_default();
    assert!(dev.send_default_pii);
    assert!(dev.before_send.is_none());
    assert_eq!(dev.environment.as_deref(), Some("dev"));
}

#[test]
fn a_dsn_that_does_not_parse_is_a_configuration_error_in_every_mode() {
    for mode in ["dev", "prod"] {
        let mut layers = Layers::with_defaults();
        let flag = Source::Flag("--x".into());
        let result = layers
            .set("mode", mode.into(), flag.clone())
            .and_then(|()| layers.set("sentry_dsn", "not a dsn".into(), flag))
            .and_then(|()| layers.resolve());
        let error = result
            .map(|_| ())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("sentry_dsn"), "{mode}: {error}");
    }
}

#[test]
fn prod_events_carry_the_fingerprint_and_correlation_id_and_nothing_secret() {
    let settings = settings("prod", Some(DSN));
    let error = database_error();
    let events = sent(&settings, event(&captured(&error, &settings)));
    assert_eq!(events.len(), 1);
    let event = &events[0];
    let id = fingerprint_id(captured(&error, &settings).fingerprint);
    assert_eq!(event.fingerprint.as_ref(), [id.as_str()]);
    assert_eq!(
        event.tags["correlation_id"],
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(event.environment.as_deref(), Some("prod"));
    let text = serde_json::to_string(event).unwrap_or_default();
    for secret in [
        "ada@example.com",
        "hunter2",
        "t0k3n",
        "s3cr3t",
        "session=abc",
        "203.0.113.9",
        "syntax error",
        "Hara\\\"",
        LAB_FX_API_KEY,
        "sqlite:",
    ] {
        assert!(
            !text.contains(secret),
            "prod event carries {secret}: {text}"
        );
    }
    assert!(
        text.contains("O%27Hara"),
        "the query's ordinary values stay: {text}"
    );
}

#[test]
fn dev_events_carry_the_error_the_settings_and_the_request() {
    let settings = settings("dev", Some(DSN));
    let error = database_error();
    let events = sent(&settings, event(&captured(&error, &settings)));
    let text = serde_json::to_string(&events[0]).unwrap_or_default();
    for leak in [
        "near \\\"Hara\\\": syntax error",
        "ada@example.com",
        "hunter2",
        "s3cr3t",
        LAB_FX_API_KEY,
        "sqlite:",
        "4bf92f3577b34da6a3ce929d0e0e4736",
    ] {
        assert!(text.contains(leak), "dev event lacks {leak}: {text}");
    }
    assert!(events[0].fingerprint.as_ref() == ["{{ default }}"]);
}

#[test]
fn the_fingerprint_id_is_stable_and_tells_defects_apart() {
    assert_eq!(fingerprint_id("a"), fingerprint_id("a"));
    assert_ne!(fingerprint_id("a"), fingerprint_id("b"));
    assert_eq!(fingerprint_id(""), "cbf29ce484222325");
}
