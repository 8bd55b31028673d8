//! Reliability under real concurrency: a deadlock storm, a pool-exhausting burst, a lost
//! connection. Counts and recovery times are printed (run with `--nocapture` to see them);
//! the assertions are about outcomes, never about speed.

use std::time::{Duration, Instant};

use demo_app::db::Backend;
use demo_app::settings::Mode;
use futures_util::future::join_all;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, Connection as _};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TestApp, backends, spawn_app_with};

const STORM_SIZE: usize = 200;
const WALLETS: i64 = 4;
const INITIAL_TOTAL: i64 = 200_000;

/// (from, to, amount) of the i-th transfer: neighbouring wallets on a ring, the direction
/// flipping every lap, so every pair sees transfers both ways at the same time.
fn transfer(i: usize) -> (i64, i64, i64) {
    let a = (i as i64) % WALLETS + 1;
    let b = (i as i64 + 1) % WALLETS + 1;
    let amount = 100 + (i as i64 % 7) * 50;
    if (i / WALLETS as usize).is_multiple_of(2) {
        (a, b, amount)
    } else {
        (b, a, amount)
    }
}

#[tokio::test]
async fn a_deadlock_storm_loses_no_money_and_every_transfer_has_one_outcome() {
    let mut storms = Vec::new();
    for backend in backends().await {
        for mode in [Mode::Dev, Mode::Prod] {
            storms.push(storm(mode, backend));
        }
    }
    for line in join_all(storms).await {
        println!("{line}");
    }
}

async fn storm(mode: Mode, backend: Backend) -> String {
    let settings = [
        ("transfer_lock_pause_ms", "20"),
        ("pool_max_connections", "10"),
        ("pool_acquire_timeout_ms", "20000"),
    ];
    let app = spawn_app_with(mode, backend, &settings).await;
    let context = format!("{mode} on {}", backend.name());
    demo_app::tls::install_provider();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(STORM_SIZE)
        .build()
        .expect("client");
    let started = Instant::now();
    let responses = join_all((0..STORM_SIZE).map(|i| {
        let (from, to, amount) = transfer(i);
        let request = client
            .post(app.url("/transfers"))
            .json(&serde_json::json!({ "from_wallet": from, "to_wallet": to, "amount_cents": amount }))
            .send();
        async move {
            let response = request.await.unwrap_or_else(|e| panic!("transfer {i} hung or failed: {e}"));
            let status = response.status().as_u16();
            let id = response.headers().get("x-request-id").map(|v| v.to_str().unwrap_or("").to_string());
            let body = response.text().await.unwrap_or_default();
            (i, status, id, body)
        }
    }))
    .await;
    let elapsed = started.elapsed();

    let mut expected_balance = [50_000i64; WALLETS as usize];
    let mut committed = 0;
    let mut failed = 0;
    for (i, status, id, body) in &responses {
        let (from, to, amount) = transfer(*i);
        match status {
            201 => {
                committed += 1;
                expected_balance[(from - 1) as usize] -= amount;
                expected_balance[(to - 1) as usize] += amount;
            }
            409 | 500..=599 => {
                failed += 1;
                let id = id
                    .as_deref()
                    .unwrap_or_else(|| panic!("{context}: transfer {i} failed without an id"));
                assert!(!id.is_empty(), "{context}");
                if mode == Mode::Prod {
                    let problem: serde_json::Value =
                        serde_json::from_str(body).expect("problem json");
                    assert_eq!(problem["correlation_id"], id, "{context}");
                }
            }
            other => panic!("{context}: transfer {i} answered {other}: {body}"),
        }
    }
    if mode == Mode::Prod {
        assert!(
            responses
                .iter()
                .all(|(_, s, _, _)| matches!(s, 201 | 409 | 503)),
            "{context}: prod answers deadlock victims and pool waits with 503"
        );
    }

    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&app.db.admin_url)
        .await
        .expect("db");
    let mut total = 0;
    for wallet in 1..=WALLETS {
        let balance: i64 = sqlx::query_scalar("SELECT balance_cents FROM wallets WHERE id = $1")
            .bind(wallet)
            .fetch_one(&pool)
            .await
            .expect("balance");
        assert_eq!(
            balance,
            expected_balance[(wallet - 1) as usize],
            "{context}: wallet {wallet} reflects exactly the committed transfers"
        );
        total += balance;
    }
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transfers")
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    assert_eq!(total, INITIAL_TOTAL, "{context}: no money lost or created");
    assert_eq!(
        recorded, committed as i64,
        "{context}: each 201 recorded exactly once"
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "{context}: still serving"
    );

    // What the engine reported, from the error log lines: PostgreSQL's deadlock detector
    // (40P01); on SQLite every lock conflict is SQLITE_BUSY (code 5 or 517), whether a
    // real cycle or a writer that found the lock taken.
    let engine_code = match backend {
        Backend::Postgres => "40P01",
        Backend::Sqlite => "SqliteError { code: 5",
    };
    let engine_reports = app
        .app
        .log_lines()
        .iter()
        .filter(|l| l.contains("request failed") && l.contains(engine_code))
        .count();
    let what = match backend {
        Backend::Postgres => "deadlocks detected (40P01)",
        Backend::Sqlite => "lock conflicts (SQLITE_BUSY)",
    };
    app.stop().await;
    format!(
        "deadlock storm, {context}: {STORM_SIZE} transfers in {:.1} s: {committed} committed, \
         {failed} failed, {engine_reports} {what}",
        elapsed.as_secs_f64()
    )
}

#[tokio::test]
async fn after_a_burst_that_exhausts_the_pool_the_app_recovers_by_itself() {
    for backend in backends().await {
        let upstream = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({ "base": "EUR", "rates": { "USD": 1.08 } }))
                    .set_delay(Duration::from_millis(1000)),
            )
            .mount(&upstream)
            .await;
        let uri = upstream.uri();
        let settings = [
            ("pool_max_connections", "2"),
            ("pool_acquire_timeout_ms", "300"),
            ("fx_api_url", uri.as_str()),
        ];
        let app = spawn_app_with(Mode::Prod, backend, &settings).await;
        let baseline = timed_get(&app, "/healthz").await;
        let burst = join_all((0..8).map(|book| {
            app.client
                .post(app.url("/orders"))
                .json(&serde_json::json!({ "customer_id": 1, "book_id": book % 4 + 1, "quantity": 1, "currency": "USD" }))
                .send()
        }))
        .await;
        let burst_done = Instant::now();
        let statuses: Vec<u16> = burst
            .into_iter()
            .map(|r| r.expect("answer").status().as_u16())
            .collect();
        assert!(statuses.contains(&201), "{statuses:?}");
        assert!(statuses.contains(&503), "the pool ran dry: {statuses:?}");
        assert!(
            statuses.iter().all(|s| matches!(s, 201 | 503)),
            "{statuses:?}"
        );
        let after = timed_get(&app, "/healthz").await;
        let recovery = burst_done.elapsed();
        assert_eq!(app.get("/books/1").await.status(), 200);
        let mut idle = false;
        for _ in 0..50 {
            let metrics = app.get("/metrics").await.text().await.expect("metrics");
            if metrics.contains("demo_app_db_pool_connections{state=\"in_use\"} 0\n") {
                idle = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(idle, "the pool went back to idle");
        println!(
            "pool burst on {}: statuses {statuses:?}; /healthz {baseline:?} before, {after:?} after; \
             recovered {recovery:?} after the burst",
            backend.name()
        );
        app.stop().await;
    }
}

async fn timed_get(app: &TestApp, path: &str) -> Duration {
    let started = Instant::now();
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    started.elapsed()
}

#[tokio::test]
async fn after_its_connections_are_killed_the_app_serves_again_without_a_restart() {
    if !backends().await.contains(&Backend::Postgres) {
        return;
    }
    let app = spawn_app_with(
        Mode::Prod,
        Backend::Postgres,
        &[("pool_max_connections", "3")],
    )
    .await;
    join_all((0..3).map(|_| app.get("/books/1"))).await;
    let admin = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&app.db.admin_url)
        .await
        .expect("db");
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&admin)
    .await
    .expect("terminate");
    admin.close().await;
    assert!(!killed.is_empty(), "the app had sessions to kill");
    let mut failures = 0;
    let mut recovered_after = None;
    for attempt in 0..10 {
        match app.get("/books/1").await.status().as_u16() {
            200 => {
                recovered_after = Some(attempt);
                break;
            }
            503 => failures += 1,
            other => panic!("a lost connection is answered {other}, not 503"),
        }
    }
    let recovered_after = recovered_after.expect("the app recovered");
    assert!(
        failures <= 3,
        "at most one failure per dead pooled connection"
    );
    for _ in 0..10 {
        assert_eq!(app.get("/books/1").await.status(), 200, "stays recovered");
    }
    println!(
        "connection loss: killed {} sessions; {failures} requests failed; recovered on request {}",
        killed.len(),
        recovered_after + 1
    );
    app.stop().await;
}

/// SQLite's way of losing its database: another process holds the file exclusively.
#[tokio::test]
async fn after_another_process_lets_go_of_the_sqlite_file_the_app_serves_again() {
    let app = spawn_app_with(
        Mode::Prod,
        Backend::Sqlite,
        &[("sqlite_busy_timeout_ms", "200")],
    )
    .await;
    assert_eq!(app.get("/books/1").await.status(), 200);
    sqlx::any::install_default_drivers();
    let mut job = AnyConnection::connect(&app.db.admin_url).await.expect("db");
    sqlx::raw_sql("BEGIN EXCLUSIVE")
        .execute(&mut job)
        .await
        .expect("the job takes the file");
    let during = app.get("/books/1").await;
    assert_eq!(during.status(), 503, "a locked database is transient: 503");
    assert_eq!(during.headers()["retry-after"], "2");
    job.close().await.expect("the job lets go");
    for _ in 0..10 {
        assert_eq!(
            app.get("/books/1").await.status(),
            200,
            "served again at once, without a restart"
        );
    }
    app.stop().await;
}
