//! Error rendering cost: prod problem+json vs dev JSON dump vs dev HTML page, and what
//! capturing (and resolving) a backtrace adds. `cargo bench -p demo-app`.

use std::backtrace::Backtrace;
use std::hint::black_box;

use actix_web::test::TestRequest;
use criterion::{Criterion, criterion_group, criterion_main};
use demo_app::db::Database;
use demo_app::error::AppError;
use demo_app::render::{self, ErrorReport};
use demo_app::settings::{Layers, Mode, Recipe, Source};
use demo_app::state::AppState;

/// The app's state on a fresh SQLite file in `dir`.
fn state(dir: &std::path::Path) -> AppState {
    let path = dir.join("bench.sqlite3");
    let mut layers = Layers::with_defaults();
    layers
        .set(
            "database_url",
            format!("sqlite://{}?mode=rwc", path.display()),
            Source::Default,
        )
        .expect("known key");
    let settings = layers.resolve().expect("valid settings");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let db = runtime
        .block_on(Database::connect(&settings))
        .expect("database");
    AppState::new(settings, db, Recipe::default()).expect("state")
}

fn bench_rendering(c: &mut Criterion) {
    // Removed with its database when it drops, at the end of the bench.
    let dir = tempfile::tempdir().expect("a temp dir");
    let state = state(dir.path());
    let request = TestRequest::default()
        .uri("/authors?name=O%27Reilly")
        .insert_header(("accept", "application/json"))
        .insert_header(("user-agent", "bench"))
        .to_http_request();
    let html_request = TestRequest::default()
        .uri("/authors?name=O%27Reilly")
        .insert_header(("accept", "text/html"))
        .to_http_request();
    let mut error = AppError::internal(
        anyhow::anyhow!("near \"Reilly\": syntax error").context("Failed to search authors"),
    );
    error.sql =
        Some("SELECT id, name FROM authors WHERE name LIKE '%O'Reilly%' ORDER BY id".into());
    let mut with_backtrace = AppError::internal(anyhow::anyhow!("near \"Reilly\": syntax error"));
    with_backtrace.backtrace = Some(Box::new(Backtrace::force_capture()));
    let report = |error, request| ErrorReport {
        error,
        correlation_id: "0f8c7d1e-0000-4000-8000-000000000000",
        request,
        state: &state,
    };

    let mut group = c.benchmark_group("render an error");
    group.bench_function("prod problem+json", |b| {
        b.iter(|| render::render(Mode::Prod, black_box(&report(&error, &request))))
    });
    group.bench_function("dev JSON dump, no backtrace", |b| {
        b.iter(|| render::render(Mode::Dev, black_box(&report(&error, &request))))
    });
    group.bench_function("dev JSON dump with a backtrace", |b| {
        b.iter(|| render::render(Mode::Dev, black_box(&report(&with_backtrace, &request))))
    });
    group.bench_function("dev HTML page with a backtrace", |b| {
        b.iter(|| {
            render::render(
                Mode::Dev,
                black_box(&report(&with_backtrace, &html_request)),
            )
        })
    });
    group.finish();

    let mut group = c.benchmark_group("backtrace");
    group.bench_function("capture (unresolved)", |b| b.iter(Backtrace::force_capture));
    group.bench_function("capture and resolve to text", |b| {
        b.iter(|| Backtrace::force_capture().to_string())
    });
    group.finish();
    // The pool closes before its folder goes.
    drop(state);
    drop(dir);
}

criterion_group!(benches, bench_rendering);
criterion_main!(benches);
