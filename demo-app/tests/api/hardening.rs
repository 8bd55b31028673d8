//! prod against inputs nobody scripted: client mistakes get 4xx problems, personal data
//! stays behind, and a burst of wide reports does not take SQLite's pool down.

use std::time::{Duration, Instant};

use demo_app::db::Backend;
use demo_app::settings::Mode;
use serde_json::{Value, json};

use crate::support::{OPS_TOKEN, backends, spawn_app, spawn_app_with};

#[tokio::test]
async fn client_mistakes_are_4xx_problems_in_prod_on_every_backend() {
    for backend in backends().await {
        let app = spawn_app(Mode::Prod, backend).await;
        for (path, status) in [
            ("/reports/daily-average?date=2026-02-30", 400),
            ("/reports/daily-average?date=2025-02-29", 400),
            ("/reports/daily-average?date=0000-01-01", 400),
            ("/reports/sales?from=2026-11-31&to=2026-12-01", 400),
            ("/authors?name=a%00b", 400),
            ("/search?q=line%0Abreak", 400),
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status().as_u16(), status, "{backend:?} {path}");
            assert_problem(response, backend, path).await;
        }
        let post = |body: Value| app.client.post(app.url("/orders")).json(&body).send();
        for (body, status) in [
            (
                json!({"customer_id": 999, "book_id": 1, "quantity": 1}),
                422,
            ),
            (
                json!({"customer_id": 1, "book_id": 999, "quantity": 1}),
                422,
            ),
            (
                json!({"customer_id": 1, "book_id": 1, "quantity": 1, "currency": "ZZZ"}),
                400,
            ),
        ] {
            let response = post(body.clone()).await.expect("request reaches the app");
            assert_eq!(response.status().as_u16(), status, "{backend:?} {body}");
            assert_problem(response, backend, "/orders").await;
        }
        let wrong_type = app
            .client
            .post(app.url("/customers"))
            .header("content-type", "text/plain")
            .body(r#"{"email":"a@example.com","name":"A"}"#)
            .send()
            .await
            .expect("request reaches the app");
        assert_eq!(wrong_type.status(), 415);
        let huge = app
            .client
            .post(app.url("/customers"))
            .json(&json!({"email": "a@example.com", "name": "a".repeat(200_000)}))
            .send()
            .await
            .expect("request reaches the app");
        assert_eq!(huge.status(), 413);
        let head = app
            .client
            .head(app.url("/books/1"))
            .send()
            .await
            .expect("request reaches the app");
        assert_eq!(head.status(), 200);
        // No credentials: 401 whatever the body, so the body's shape is not disclosed.
        let no_token = app
            .client
            .post(app.url("/ops/release"))
            .body("not json")
            .send()
            .await
            .expect("request reaches the app");
        assert_eq!(no_token.status(), 401);
        app.stop().await;
    }
}

/// `/authors?name=...` with the name percent-encoded.
fn authors_url(app: &crate::support::TestApp, name: &str) -> reqwest::Url {
    reqwest::Url::parse_with_params(&app.url("/authors"), &[("name", name)]).expect("url")
}

async fn assert_problem(response: reqwest::Response, backend: Backend, what: &str) {
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{backend:?} {what}"
    );
    let problem: Value = response.json().await.expect("json");
    assert!(
        problem["correlation_id"].is_string(),
        "{backend:?} {what}: {problem}"
    );
}

#[tokio::test]
async fn the_sqlite_injection_can_neither_attach_a_file_nor_stack_a_statement() {
    let app = spawn_app(Mode::Prod, Backend::Sqlite).await;
    let target = std::env::temp_dir().join(format!("attached-{}.db", std::process::id()));
    let attach = format!("'; ATTACH DATABASE '{}' AS x; --", target.display());
    let stacked = "zz'; DELETE FROM wallets; --";
    for name in [attach.as_str(), stacked] {
        let response = app
            .client
            .get(authors_url(&app, name))
            .send()
            .await
            .expect("request reaches the app");
        assert_eq!(response.status(), 500, "{name}");
    }
    assert!(!target.exists(), "ATTACH created {}", target.display());
    assert_eq!(
        app.get("/wallets/1").await.status(),
        200,
        "the stacked DELETE ran"
    );
    // The UNION, one statement, still reads what the app may read: the lesson stays.
    let union = app
        .client
        .get(authors_url(
            &app,
            "' UNION SELECT 1, sql FROM sqlite_master WHERE sql IS NOT NULL --",
        ))
        .send()
        .await
        .expect("request reaches the app");
    assert_eq!(union.status(), 200);
    assert!(
        union
            .text()
            .await
            .expect("body")
            .contains("CREATE TABLE customers")
    );
    app.stop().await;
}

#[tokio::test]
async fn on_postgres_the_injection_cannot_read_a_host_file() {
    if !backends().await.contains(&Backend::Postgres) {
        return;
    }
    let app = spawn_app(Mode::Dev, Backend::Postgres).await;
    let response = app
        .client
        .get(authors_url(
            &app,
            "' UNION SELECT 1, pg_read_file('/etc/passwd') --",
        ))
        .send()
        .await
        .expect("request reaches the app");
    assert_eq!(response.status(), 500);
    let body = response.text().await.expect("body");
    assert!(
        body.contains("permission denied for function pg_read_file"),
        "{body}"
    );
    assert!(!body.contains("root:x:0:0"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_receipt_names_no_e_mail_address_and_no_relay() {
    let app = spawn_app(Mode::Prod, Backend::Sqlite).await;
    let response = app
        .client
        .post(app.url("/orders/1/receipt"))
        .send()
        .await
        .expect("request reaches the app");
    assert_eq!(response.status(), 202);
    let body = response.text().await.expect("body");
    assert!(!body.contains('@'), "{body}");
    assert!(!body.contains("relay"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn five_wide_reports_at_once_leave_the_sqlite_pool_free_within_a_second() {
    let app = spawn_app_with(
        Mode::Prod,
        Backend::Sqlite,
        &[("statement_timeout_ms", "500"), ("ops_token", OPS_TOKEN)],
    )
    .await;
    // Enough orders that a multi-decade report runs far past the deadline.
    let seed = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
                INSERT INTO orders (customer_id, book_id, quantity, total_cents, placed_on) \
                SELECT 1, 1, 1, 1499, '2020-01-01' FROM n";
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&app.db.admin_url)
        .await
        .expect("test pool");
    sqlx::raw_sql(seed)
        .execute(&pool)
        .await
        .expect("seed orders");
    pool.close().await;
    let wide = "/reports/sales?from=1900-01-01&to=2030-12-31";
    let started = Instant::now();
    let answers = futures_util::future::join_all((0..5).map(|_| app.get(wide))).await;
    let deadline_passed = started.elapsed();
    for answer in answers {
        assert_eq!(answer.status(), 503);
    }
    // The pool is free again at once: /healthz needs a pooled connection.
    let probe = Instant::now();
    let health = app.get("/healthz").await;
    let recovery = probe.elapsed();
    assert_eq!(health.status(), 200);
    eprintln!(
        "five wide reports answered 503 after {} ms; /healthz then answered in {} ms",
        deadline_passed.as_millis(),
        recovery.as_millis()
    );
    assert!(recovery < Duration::from_secs(1), "{recovery:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_burst_of_hostile_requests_is_noticed_once_and_ordinary_traffic_is_not() {
    let app = spawn_app_with(Mode::Prod, Backend::Sqlite, &[("probing_threshold", "20")]).await;
    // Ordinary traffic, a few honest mistakes among it: no warning.
    for path in [
        "/books",
        "/books/1",
        "/books/999",
        "/search?q=rust",
        "/authors?name=Knuth",
    ] {
        app.get(path).await;
    }
    assert!(
        !app.app
            .log_lines()
            .iter()
            .any(|l| l.contains("suspected probing"))
    );
    // A fuzzer's burst: forty hostile requests in a row.
    let hostile = [
        "/books/abc",
        "/books/-1",
        "/authors?name=%27",
        "/search?q=%00",
        "/nope",
    ];
    let mut last_id = String::new();
    for i in 0..40 {
        let response = app.get(hostile[i % hostile.len()]).await;
        last_id = response.headers()["x-request-id"]
            .to_str()
            .expect("id")
            .to_string();
    }
    app.log_lines_for(&last_id).await;
    let warnings: Vec<String> = app
        .app
        .log_lines()
        .into_iter()
        .filter(|l| l.contains("suspected probing"))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning per client and window: {warnings:?}"
    );
    let warning: Value = serde_json::from_str(&warnings[0]).expect("json");
    assert_eq!(warning["fields"]["client"], "127.0.0.1");
    assert!(
        warning["fields"]["sample_correlation_ids"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(
        metrics.contains("demo_app_suspected_probing_total 1"),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn every_problem_type_prod_links_to_is_documented_from_the_same_table() {
    use demo_app::error::ErrorKind;

    let app = spawn_app(Mode::Prod, Backend::Sqlite).await;
    let problem: Value = app.get("/nope").await.json().await.expect("json");
    let not_found = ErrorKind::NotFound.info();
    assert_eq!(problem["type"], ErrorKind::NotFound.doc_link());
    assert_eq!(problem["title"], not_found.title);
    assert_eq!(problem["detail"], not_found.detail);
    for kind in ErrorKind::ALL {
        let info = kind.info();
        let page = app.get(&kind.doc_link()).await;
        assert_eq!(page.status(), 200, "{kind:?}");
        let text = page.text().await.expect("text");
        assert_eq!(text, format!("{}\n\n{}\n", info.title, info.explanation));
    }
    assert_eq!(app.get("/problems/no-such-type").await.status(), 404);
}

#[tokio::test]
async fn prod_answers_the_media_type_the_client_ranks_first() {
    let app = spawn_app(Mode::Prod, Backend::Sqlite).await;
    for (accept, expected) in [
        (
            "text/html,application/xhtml+xml,*/*;q=0.8",
            "text/html; charset=utf-8",
        ),
        ("application/json, text/html", "application/problem+json"),
        (
            "text/html;q=0.5, application/json",
            "application/problem+json",
        ),
        (
            "application/json;q=0.1, text/html",
            "text/html; charset=utf-8",
        ),
        ("*/*", "application/problem+json"),
    ] {
        let response = app
            .client
            .get(app.url("/nope"))
            .header("accept", accept)
            .send()
            .await
            .expect("request reaches the app");
        assert_eq!(response.status(), 404, "{accept}");
        assert_eq!(response.headers()["content-type"], expected, "{accept}");
    }
}
