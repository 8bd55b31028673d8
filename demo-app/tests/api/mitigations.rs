//! The incident mitigations `harness drill` applies through ops routes: each behind the
//! token, strict about its body, logged with `ops_action`, and each changing the running
//! app for real (a job that drains the pool, a breaker that makes no upstream call, a rate
//! limit, a reload that picks up a rotated key, reports that run no query).

use std::time::{Duration, Instant};

use demo_app::db::Backend;
use demo_app::settings::Mode;
use sqlx::{AnyConnection, Connection as _, Executor as _};
use wiremock::matchers::{any, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{OPS_TOKEN, TestApp, backends, spawn_app, spawn_app_with};

/// An ops request with the token and, for a POST, a JSON body.
async fn ops(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method.parse().expect("method"), app.url(path))
        .bearer_auth(OPS_TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("answer")
}

async fn ops_json(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    let response = ops(app, method, path, body).await;
    assert_eq!(response.status(), 200, "{method} {path}");
    response.json().await.expect("json")
}

/// The app's warn line for `ops_action`, parsed, waiting a moment for the pipe.
async fn action_line(app: &TestApp, action: &str) -> serde_json::Value {
    action_line_with(app, action, "").await
}

/// The newest `ops_action` line for `action` that also contains `also`: stderr is read as
/// it comes, so an earlier line of the same action may be the newest for a moment.
async fn action_line_with(app: &TestApp, action: &str, also: &str) -> serde_json::Value {
    let needle = format!("\"ops_action\":\"{action}\"");
    for _ in 0..50 {
        if let Some(line) = app
            .app
            .find_log_line(|line| line.contains(&needle) && line.contains(also))
        {
            let line: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
            assert_eq!(line["level"], "WARN", "{line}");
            return line;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no log line with ops_action {action}");
}

async fn order(app: &TestApp, currency: &str) -> reqwest::Response {
    app.client
        .post(app.url("/orders"))
        .json(&serde_json::json!({ "customer_id": 1, "book_id": 3, "quantity": 1, "currency": currency }))
        .send()
        .await
        .expect("answer")
}

fn rates(rate: f64) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(serde_json::json!({ "base": "EUR", "rates": { "USD": rate } }))
}

const POSTS: [(&str, &str); 6] = [
    ("/ops/jobs/catalogue-sync", r#"{"state": "running"}"#),
    ("/ops/fx-breaker", r#"{"open": true}"#),
    ("/ops/rate-limit", r#"{"user_agent": "x", "per_second": 1}"#),
    ("/ops/reports", r#"{"serve": "cached"}"#),
    ("/ops/reload", ""),
    ("/ops/shedding", r#"{"max_in_flight": 4}"#),
];

#[tokio::test]
async fn every_mitigation_refuses_a_caller_without_the_token_before_reading_the_body() {
    let app = spawn_app(Mode::Prod, Backend::Sqlite).await;
    for (path, body) in POSTS {
        for token in [None, Some("wrong-token-0123456789")] {
            // A malformed body too: without the token it must not matter.
            for body in [body, "{not json"] {
                let mut request = app
                    .client
                    .post(app.url(path))
                    .header("content-type", "application/json")
                    .body(body);
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let response = request.send().await.expect("answer");
                assert_eq!(response.status(), 401, "{path} {body} {token:?}");
            }
        }
    }
    for path in [
        "/ops/jobs",
        "/ops/fx-breaker",
        "/ops/rate-limit",
        "/ops/reports",
    ] {
        assert_eq!(app.get(path).await.status(), 401, "{path}");
    }
    // Nothing changed.
    let jobs = ops_json(&app, "GET", "/ops/jobs", None).await;
    assert_eq!(jobs[0]["state"], "idle", "{jobs}");
    let breaker = ops_json(&app, "GET", "/ops/fx-breaker", None).await;
    assert_eq!(breaker["open"], false, "{breaker}");
    assert!(
        app.app
            .find_log_line(|l| l.contains("ops_action"))
            .is_none()
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_mitigation_bodies_are_400_problems_that_name_the_field_and_its_values() {
    let app = spawn_app(Mode::Prod, Backend::Sqlite).await;
    let cases = [
        (
            "/ops/jobs/catalogue-sync",
            serde_json::json!({ "state": "stopped" }),
            "Field `state` must be `running` or `paused`.",
        ),
        (
            "/ops/fx-breaker",
            serde_json::json!({ "open": true, "fallback": "guess" }),
            "Field `fallback` must be `last-known` or `fail-fast`.",
        ),
        (
            "/ops/rate-limit",
            serde_json::json!({ "user_agent": "bot", "per_second": 10001 }),
            "Field `per_second` must be from 1 to 10000, or 0 to remove the rule.",
        ),
        (
            "/ops/rate-limit",
            serde_json::json!({ "user_agent": "", "per_second": 5 }),
            "Field `user_agent` must be the exact User-Agent, 1 to 512 bytes without control characters.",
        ),
        (
            "/ops/reports",
            serde_json::json!({ "serve": "stale" }),
            "Field `serve` must be `live` or `cached`.",
        ),
    ];
    for (path, body, detail) in cases {
        let response = ops(&app, "POST", path, Some(body.clone())).await;
        assert_eq!(response.status(), 400, "{path} {body}");
        let problem: serde_json::Value = response.json().await.expect("problem");
        assert_eq!(problem["detail"], detail, "{path} {body}");
    }
    // Unknown fields are refused, not ignored.
    for (path, body) in [
        (
            "/ops/jobs/catalogue-sync",
            serde_json::json!({ "state": "paused", "force": true }),
        ),
        (
            "/ops/fx-breaker",
            serde_json::json!({ "open": true, "for_s": 60 }),
        ),
        (
            "/ops/rate-limit",
            serde_json::json!({ "user_agent": "bot", "per_second": 1, "burst": 9 }),
        ),
        (
            "/ops/reports",
            serde_json::json!({ "serve": "cached", "ttl": 5 }),
        ),
    ] {
        let response = ops(&app, "POST", path, Some(body.clone())).await;
        assert_eq!(response.status(), 400, "{path} {body}");
    }
    let unknown = ops(
        &app,
        "POST",
        "/ops/jobs/nightly-export",
        Some(serde_json::json!({ "state": "paused" })),
    )
    .await;
    assert_eq!(unknown.status(), 404);
    let problem: serde_json::Value = unknown.json().await.expect("problem");
    assert_eq!(
        problem["detail"],
        "There is no such job; the jobs are `catalogue-sync`."
    );
    // A 33rd rule is refused; changing an existing one is not.
    for i in 0..32 {
        let body = serde_json::json!({ "user_agent": format!("agent-{i}"), "per_second": 1 });
        assert_eq!(
            ops(&app, "POST", "/ops/rate-limit", Some(body))
                .await
                .status(),
            200
        );
    }
    let one_more = serde_json::json!({ "user_agent": "agent-32", "per_second": 1 });
    assert_eq!(
        ops(&app, "POST", "/ops/rate-limit", Some(one_more))
            .await
            .status(),
        400
    );
    let change = serde_json::json!({ "user_agent": "agent-0", "per_second": 2 });
    let changed = ops_json(&app, "POST", "/ops/rate-limit", Some(change)).await;
    assert_eq!(
        changed,
        serde_json::json!({ "user_agent": "agent-0", "from": 1, "to": 2 })
    );
    app.stop().await;
}

#[tokio::test]
async fn the_release_history_records_each_real_switch_and_its_log_line() {
    let app = spawn_app(Mode::Prod, Backend::Sqlite).await;
    let status = ops_json(&app, "GET", "/ops/release", None).await;
    assert_eq!(status["release"], "v1");
    assert_eq!(
        status["history"].as_array().map(Vec::len),
        Some(1),
        "{status}"
    );
    assert_eq!(status["history"][0]["by"], "start-up");
    assert!(
        status["history"][0]["since_unix_ms"]
            .as_u64()
            .is_some_and(|ms| ms > 1_700_000_000_000)
    );
    let deploy = ops_json(
        &app,
        "POST",
        "/ops/release",
        Some(serde_json::json!({ "version": "v2" })),
    )
    .await;
    assert_eq!(deploy, serde_json::json!({ "from": "v1", "to": "v2" }));
    let line = action_line(&app, "release").await;
    assert_eq!(
        (
            line["fields"]["from"].as_str(),
            line["fields"]["to"].as_str()
        ),
        (Some("v1"), Some("v2"))
    );
    // The same release again: answered, but nothing new in the history.
    ops_json(
        &app,
        "POST",
        "/ops/release",
        Some(serde_json::json!({ "version": "v2" })),
    )
    .await;
    let status = ops_json(&app, "GET", "/ops/release", None).await;
    let history = status["history"].as_array().expect("history");
    assert_eq!(history.len(), 2, "{status}");
    assert_eq!(
        (history[1]["release"].as_str(), history[1]["by"].as_str()),
        (Some("v2"), Some("ops"))
    );
    assert!(history[1]["since_unix_ms"].as_u64() >= history[0]["since_unix_ms"].as_u64());
    app.stop().await;
}

/// Polls `GET /ops/jobs` until the job holds `held` connections.
async fn wait_for_held(app: &TestApp, held: u64, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let jobs = ops_json(app, "GET", "/ops/jobs", None).await;
        if jobs[0]["connections_held"] == held {
            return started.elapsed();
        }
        assert!(started.elapsed() < within, "still {jobs} after {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_catalogue_sync_job_exhausts_the_request_pool_and_pausing_it_frees_the_pool() {
    for backend in backends().await {
        let settings = [
            ("pool_max_connections", "2"),
            ("pool_acquire_timeout_ms", "500"),
        ];
        let app = spawn_app_with(Mode::Prod, backend, &settings).await;
        assert_eq!(app.get("/books/1").await.status(), 200, "{backend:?}");
        let jobs = ops_json(&app, "GET", "/ops/jobs", None).await;
        assert_eq!(jobs[0]["name"], "catalogue-sync");
        assert_eq!(jobs[0]["state"], "idle");
        assert_eq!(jobs[0]["connections_held"], 0);
        let start = serde_json::json!({ "state": "running" });
        let started = ops_json(
            &app,
            "POST",
            "/ops/jobs/catalogue-sync",
            Some(start.clone()),
        )
        .await;
        assert_eq!(
            started,
            serde_json::json!({ "name": "catalogue-sync", "from": "idle", "to": "running" })
        );
        // A second start is harmless: still one set of tasks.
        let again = ops_json(&app, "POST", "/ops/jobs/catalogue-sync", Some(start)).await;
        assert_eq!(again["from"], "running");
        wait_for_held(&app, 2, Duration::from_secs(5)).await;

        // Every pooled connection is the job's: the shop's requests time out on the pool.
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let response = app.get("/books/1").await;
            statuses.push(response.status().as_u16());
            if response.status() == 503 {
                assert!(response.headers().contains_key("retry-after"));
                let id = response.headers()["x-request-id"]
                    .to_str()
                    .expect("id")
                    .to_string();
                let lines = app.log_lines_for(&id).await;
                assert!(
                    lines.iter().any(|l| l["fields"]["chain"]
                        .as_str()
                        .is_some_and(|c| c.contains("pool timed out"))),
                    "{lines:#?}"
                );
            }
        }
        assert!(
            statuses.iter().filter(|s| **s == 503).count() >= 3,
            "{backend:?}: {statuses:?}"
        );
        let jobs = ops_json(&app, "GET", "/ops/jobs", None).await;
        assert_eq!(jobs[0]["connections_held"], 2, "{jobs}");

        let pause = serde_json::json!({ "state": "paused" });
        let paused = ops_json(&app, "POST", "/ops/jobs/catalogue-sync", Some(pause)).await;
        assert_eq!(paused["from"], "running");
        assert_eq!(paused["to"], "paused");
        let line = action_line(&app, "job").await;
        assert_eq!(line["fields"]["job"], "catalogue-sync");
        let freed_in = wait_for_held(&app, 0, Duration::from_secs(4)).await;
        // The next iteration of each task sees the pause: every connection back within
        // one hold (1.5 s), plus the polling.
        assert!(freed_in < Duration::from_millis(2500), "{freed_in:?}");
        for _ in 0..5 {
            assert_eq!(
                app.get("/books/1").await.status(),
                200,
                "{backend:?} after the pause"
            );
        }
        let jobs = ops_json(&app, "GET", "/ops/jobs", None).await;
        assert_eq!(jobs[0]["state"], "paused");
        println!("{backend:?}: pool freed {freed_in:?} after the pause");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_open_breaker_prices_with_the_last_known_rate_and_makes_no_upstream_call() {
    let upstream = MockServer::start().await;
    let uri = upstream.uri();
    let app = spawn_app_with(Mode::Prod, Backend::Sqlite, &[("fx_api_url", uri.as_str())]).await;
    let normal = {
        let _one_call = Mock::given(any())
            .respond_with(rates(1.25))
            .expect(1)
            .mount_as_scoped(&upstream)
            .await;
        let response = order(&app, "USD").await;
        assert_eq!(response.status(), 201);
        let order: serde_json::Value = response.json().await.expect("order");
        assert!(
            order.get("rate_stale").is_none(),
            "an ordinary order is unchanged: {order}"
        );
        order
    };
    let opened = ops_json(
        &app,
        "POST",
        "/ops/fx-breaker",
        Some(serde_json::json!({ "open": true })),
    )
    .await;
    assert_eq!(
        opened,
        serde_json::json!({ "from": { "open": false, "fallback": "last-known" }, "to": { "open": true, "fallback": "last-known" } })
    );
    let line = action_line(&app, "fx-breaker").await;
    assert_eq!(line["fields"]["to"], "open, last-known");
    let status = ops_json(&app, "GET", "/ops/fx-breaker", None).await;
    assert_eq!(status["open"], true);
    assert!(status["opened_at_unix_ms"].as_u64().is_some(), "{status}");
    assert_eq!(status["last_known"]["USD"]["rate"], 1.25, "{status}");
    assert!(
        status["last_known"]["USD"]["age_s"]
            .as_u64()
            .is_some_and(|age| age < 60)
    );
    {
        let _no_call = Mock::given(any())
            .respond_with(rates(9.0))
            .expect(0)
            .mount_as_scoped(&upstream)
            .await;
        let response = order(&app, "USD").await;
        assert_eq!(response.status(), 201);
        let stale: serde_json::Value = response.json().await.expect("order");
        assert_eq!(stale["rate_stale"], true, "{stale}");
        assert_eq!(
            stale["total_in_currency_cents"],
            normal["total_in_currency_cents"]
        );
        // No remembered rate for GBP: 503 at once, no call either.
        let refused = order(&app, "GBP").await;
        assert_eq!(refused.status(), 503);
        assert_eq!(refused.headers()["retry-after"], "2");
        // fail-fast: even USD is refused.
        let fail_fast = serde_json::json!({ "open": true, "fallback": "fail-fast" });
        let switched = ops_json(&app, "POST", "/ops/fx-breaker", Some(fail_fast)).await;
        assert_eq!(switched["to"]["fallback"], "fail-fast");
        let refused = order(&app, "USD").await;
        assert_eq!(refused.status(), 503);
        assert!(refused.headers().contains_key("retry-after"));
        // EUR needs no rate: orders still go through.
        assert_eq!(order(&app, "EUR").await.status(), 201);
    }
    let closed = ops_json(
        &app,
        "POST",
        "/ops/fx-breaker",
        Some(serde_json::json!({ "open": false })),
    )
    .await;
    assert_eq!(closed["to"]["open"], false);
    let status = ops_json(&app, "GET", "/ops/fx-breaker", None).await;
    assert!(status["opened_at_unix_ms"].is_null(), "{status}");
    let _calls_again = Mock::given(any())
        .respond_with(rates(1.5))
        .expect(1)
        .mount_as_scoped(&upstream)
        .await;
    let response = order(&app, "USD").await;
    assert_eq!(response.status(), 201);
    let fresh: serde_json::Value = response.json().await.expect("order");
    assert!(fresh.get("rate_stale").is_none(), "{fresh}");
    app.stop().await;
}

#[tokio::test]
async fn a_rate_limit_answers_429_beyond_its_rate_and_leaves_other_agents_alone() {
    const SPIKE: &str = "spike-client/1.0";
    let app = spawn_app(Mode::Prod, Backend::Sqlite).await;
    let rule = serde_json::json!({ "user_agent": SPIKE, "per_second": 5 });
    let set = ops_json(&app, "POST", "/ops/rate-limit", Some(rule)).await;
    assert_eq!(
        set,
        serde_json::json!({ "user_agent": SPIKE, "from": null, "to": 5 })
    );
    let line = action_line(&app, "rate-limit").await;
    assert_eq!(line["fields"]["user_agent"], SPIKE);
    let get = |agent: &'static str| {
        app.client
            .get(app.url("/books/1"))
            .header("user-agent", agent)
            .send()
    };
    let started = Instant::now();
    let (mut admitted, mut limited) = (0u64, 0u64);
    for _ in 0..30 {
        let response = get(SPIKE).await.expect("answer");
        match response.status().as_u16() {
            200 => admitted += 1,
            429 => {
                limited += 1;
                assert_eq!(response.headers()["retry-after"], "1");
                let problem: serde_json::Value = response.json().await.expect("problem");
                assert_eq!(problem["type"], "/problems/too-many-requests", "{problem}");
            }
            other => panic!("unexpected {other}"),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // A burst of 5, then 5 a second.
    assert!(admitted >= 5, "{admitted}");
    assert!(
        (admitted as f64) <= 5.0 + elapsed * 5.0 + 1.0,
        "{admitted} in {elapsed:.2} s"
    );
    assert!(limited > 0);
    for _ in 0..20 {
        assert_eq!(
            get("shop-web/3.1").await.expect("answer").status(),
            200,
            "another agent"
        );
    }
    // Ops and health are never limited.
    let health = app
        .client
        .get(app.url("/healthz"))
        .header("user-agent", SPIKE)
        .send()
        .await
        .expect("answer");
    assert_eq!(health.status(), 200);
    let rules = ops_json(&app, "GET", "/ops/rate-limit", None).await;
    assert_eq!(
        rules,
        serde_json::json!([{ "user_agent": SPIKE, "per_second": 5, "limited": limited }])
    );
    // The signal that names the population: requests by agent, limited ones included.
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(
        metrics.contains(&format!(
            "demo_app_http_requests_by_agent_total{{agent=\"{SPIKE}\"}} 30\n"
        )),
        "{metrics}"
    );
    assert!(metrics.contains("demo_app_http_requests_by_agent_total{agent=\"shop-web/3.1\"} 20\n"));
    let removed = ops_json(
        &app,
        "POST",
        "/ops/rate-limit",
        Some(serde_json::json!({ "user_agent": SPIKE, "per_second": 0 })),
    )
    .await;
    assert_eq!(
        removed,
        serde_json::json!({ "user_agent": SPIKE, "from": 5, "to": null })
    );
    for _ in 0..10 {
        assert_eq!(get(SPIKE).await.expect("answer").status(), 200);
    }
    app.stop().await;
}

/// Replaces (or adds) `key = "value"` in the run's config file.
fn rewrite_config(app: &TestApp, key: &str, value: &str) {
    let path = app.app.config_file();
    let text = std::fs::read_to_string(path).expect("config file");
    let mut lines: Vec<String> = text
        .lines()
        .filter(|line| !line.starts_with(&format!("{key} =")))
        .map(str::to_string)
        .collect();
    lines.push(format!(
        "{key} = {}",
        toml::Value::String(value.to_string())
    ));
    std::fs::write(path, lines.join("\n") + "\n").expect("config written");
}

#[tokio::test]
async fn a_reload_applies_a_rotated_key_from_the_rewritten_config_file() {
    const OLD_KEY: &str = "fxk_old_0123456789abcdef";
    const NEW_KEY: &str = "fxk_new_fedcba9876543210";
    let upstream = MockServer::start().await;
    Mock::given(query_param("api_key", NEW_KEY))
        .respond_with(rates(1.1))
        .with_priority(1)
        .mount(&upstream)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_string("invalid API key"))
        .with_priority(2)
        .mount(&upstream)
        .await;
    let uri = upstream.uri();
    let settings = [("fx_api_url", uri.as_str()), ("fx_api_key", OLD_KEY)];
    let app = spawn_app_with(Mode::Prod, Backend::Sqlite, &settings).await;

    // The provider rotated the key: every priced order fails, and the log says 401.
    let failed = order(&app, "USD").await;
    assert_eq!(failed.status(), 502);
    let id = failed.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_string();
    let lines = app.log_lines_for(&id).await;
    assert!(
        lines.iter().any(|l| l["fields"]["chain"]
            .as_str()
            .is_some_and(|c| c.contains("401"))),
        "{lines:#?}"
    );
    // Nothing changed yet: a reload applies nothing.
    let nothing = ops_json(&app, "POST", "/ops/reload", None).await;
    assert_eq!(nothing["applied"], serde_json::json!([]), "{nothing}");

    rewrite_config(&app, "fx_api_key", NEW_KEY);
    rewrite_config(&app, "pool_max_connections", "7");
    let reloaded = ops(&app, "POST", "/ops/reload", None).await;
    assert_eq!(reloaded.status(), 200);
    let text = reloaded.text().await.expect("body");
    assert!(
        !text.contains(NEW_KEY) && !text.contains(OLD_KEY),
        "names only: {text}"
    );
    let reloaded: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        reloaded["applied"],
        serde_json::json!(["fx_api_key"]),
        "{reloaded}"
    );
    assert_eq!(
        reloaded["needs_restart"],
        serde_json::json!(["pool_max_connections"]),
        "{reloaded}"
    );
    let unchanged = reloaded["unchanged"].as_array().expect("unchanged");
    assert!(unchanged.iter().any(|k| k == "fx_timeout_ms"), "{reloaded}");
    // The first reload (nothing applied) logged a line too: wait for this one's.
    let line = action_line_with(&app, "reload", "\"applied\":\"fx_api_key\"").await;
    assert_eq!(line["fields"]["applied"], "fx_api_key");
    assert!(!line.to_string().contains(NEW_KEY));
    assert_eq!(
        order(&app, "USD").await.status(),
        201,
        "the next call uses the new key"
    );

    // A file that no longer parses: 422, nothing applied, the key still works.
    let path = app.app.config_file().to_path_buf();
    let good = std::fs::read_to_string(&path).expect("config");
    std::fs::write(&path, format!("{good}fx_timeout_ms = \n")).expect("written");
    let refused = ops(&app, "POST", "/ops/reload", None).await;
    assert_eq!(refused.status(), 422);
    let problem: serde_json::Value = refused.json().await.expect("problem");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("`config`") && d.contains("Nothing was reloaded")),
        "{problem}"
    );
    // A bad value: 422 naming the setting.
    std::fs::write(&path, format!("{good}fx_timeout_ms = \"soon\"\n")).expect("written");
    let refused = ops(&app, "POST", "/ops/reload", None).await;
    assert_eq!(refused.status(), 422);
    let problem: serde_json::Value = refused.json().await.expect("problem");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("`fx_timeout_ms`")),
        "{problem}"
    );
    assert!(!problem.to_string().contains(NEW_KEY), "{problem}");
    assert_eq!(
        order(&app, "USD").await.status(),
        201,
        "nothing was applied"
    );
    app.stop().await;
}

#[tokio::test]
async fn cached_sales_reports_run_no_query() {
    for backend in backends().await {
        let app = spawn_app(Mode::Prod, backend).await;
        let range = "/reports/sales?from=2026-11-01&to=2026-11-30";
        let live = app.get(range).await;
        assert_eq!(live.status(), 200);
        assert!(live.headers().get("x-report-source").is_none());
        let live_body = live.text().await.expect("body");
        let switched = ops_json(
            &app,
            "POST",
            "/ops/reports",
            Some(serde_json::json!({ "serve": "cached" })),
        )
        .await;
        assert_eq!(
            switched,
            serde_json::json!({ "from": "live", "to": "cached" })
        );
        action_line(&app, "reports").await;
        let status = ops_json(&app, "GET", "/ops/reports", None).await;
        assert_eq!(
            status,
            serde_json::json!({ "serve": "cached", "cached_answers": 1 })
        );

        // Hide the table the report reads: any query would now fail.
        let mut admin = AnyConnection::connect(&app.db.admin_url)
            .await
            .expect("admin connection");
        admin
            .execute("ALTER TABLE orders RENAME TO orders_hidden")
            .await
            .expect("renamed");
        let cached = app.get(range).await;
        assert_eq!(cached.status(), 200, "{backend:?}");
        assert_eq!(cached.headers()["x-report-source"], "cache");
        let age: u64 = cached.headers()["age"]
            .to_str()
            .expect("age")
            .parse()
            .expect("seconds");
        assert!(age < 60);
        assert_eq!(cached.text().await.expect("body"), live_body);
        let none_kept = app
            .get("/reports/sales?from=2026-10-01&to=2026-10-31")
            .await;
        assert_eq!(none_kept.status(), 503);
        assert!(none_kept.headers().contains_key("retry-after"));
        admin
            .execute("ALTER TABLE orders_hidden RENAME TO orders")
            .await
            .expect("renamed back");
        admin.close().await.ok();

        ops_json(
            &app,
            "POST",
            "/ops/reports",
            Some(serde_json::json!({ "serve": "live" })),
        )
        .await;
        let again = app
            .get("/reports/sales?from=2026-10-01&to=2026-10-31")
            .await;
        assert_eq!(again.status(), 200, "live again");
        app.stop().await;
    }
}
