//! Every failure class of the backbone, in both modes, on every available backend: the
//! status, the content type, what dev leaks, that prod leaks none of it, and that the
//! correlation id on the response finds the log line holding the withheld detail.

use demo_app::db::Backend;
use demo_app::settings::Mode;
use reqwest::Method;
use serde_json::Value;

use crate::support::{TestApp, backends, spawn_app};

struct Case {
    class: &'static str,
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    prod_status: u16,
    /// Text the dev body must contain (the leak), per backend where engines differ.
    dev_leaks: fn(Backend) -> Vec<&'static str>,
    /// Text the prod error log line must contain (the detail prod withheld).
    logged: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            class: "crash.unwrap-none",
            method: Method::GET,
            path: "/books/13",
            body: None,
            prod_status: 500,
            dev_leaks: |_| {
                vec![
                    "called `Option::unwrap()` on a `None` value",
                    "src/routes/books.rs:",
                ]
            },
            logged: "called `Option::unwrap()` on a `None` value",
        },
        Case {
            class: "crash.divide-by-zero",
            method: Method::GET,
            path: "/reports/daily-average?date=2026-11-22",
            body: None,
            prod_status: 500,
            dev_leaks: |_| vec!["attempt to divide by zero", "src/routes/reports.rs:"],
            logged: "attempt to divide by zero",
        },
        Case {
            class: "crash.char-boundary",
            method: Method::GET,
            path: "/search?q=crab%20%F0%9F%A6%80%F0%9F%A6%80%F0%9F%A6%80%F0%9F%A6%80%F0%9F%A6%80",
            body: None,
            prod_status: 500,
            dev_leaks: |_| vec!["is not a char boundary", "src/routes/search.rs:"],
            logged: "is not a char boundary",
        },
        Case {
            class: "crash.unhandled-error",
            method: Method::GET,
            path: "/customers/4",
            body: None,
            prod_status: 500,
            dev_leaks: |_| vec!["unknown loyalty tier `platinum-plus`"],
            logged: "unknown loyalty tier `platinum-plus`",
        },
        Case {
            class: "db.invalid-sql",
            method: Method::GET,
            path: "/authors?name=O'Reilly",
            body: None,
            prod_status: 500,
            dev_leaks: |backend| {
                let engine = match backend {
                    Backend::Sqlite => "near \\\"Reilly\\\": syntax error",
                    Backend::Postgres => "syntax error at or near \\\"Reilly\\\"",
                };
                vec![
                    "SELECT id, name FROM authors WHERE name LIKE '%O'Reilly%'",
                    "error returned from database",
                    engine,
                ]
            },
            logged: "SELECT id, name FROM authors WHERE name LIKE",
        },
        Case {
            class: "db.constraint",
            method: Method::POST,
            path: "/customers",
            body: Some(r#"{"email": "ada@example.com", "name": "Ada again"}"#),
            prod_status: 409,
            dev_leaks: |backend| match backend {
                Backend::Sqlite => vec!["UNIQUE constraint failed: customers.email"],
                Backend::Postgres => vec!["customers_email_key", "23505"],
            },
            logged: "INSERT INTO customers",
        },
        Case {
            class: "antipattern.catch-all",
            method: Method::POST,
            path: "/customers",
            body: Some(r#"{"email": "new@example.com", "name": "#),
            prod_status: 400,
            dev_leaks: |_| vec!["Json deserialize error"],
            logged: "Json deserialize error",
        },
    ]
}

/// Strings no prod response may contain, whatever the failure.
///
/// A vocabulary of its own, beside the harness's leak rules (`harness::leaks`), on purpose:
/// those rules live in the harness crate, which depends on demo-app, so demo-app's tests
/// could reach them only through a dependency cycle (a dev-dependency on the harness,
/// which would also build the whole harness for every `cargo test -p demo-app`). The rules
/// do check every prod answer of every scenario: `harness/tests/snapshots.rs` asserts that
/// none of them fires in prod. This list adds what those generic rules cannot know: the
/// words of this lab's own flaws (`platinum`, `divide`, `unwrap`).
const NEVER_IN_PROD: &[&str] = &[
    "panicked",
    "src/",
    ".rs:",
    "SELECT",
    "INSERT",
    "sqlx",
    "SQLite",
    "PostgreSQL",
    "SQLSTATE",
    "constraint",
    "fxk_live",
    "backtrace",
    "platinum",
    "divide",
    "unwrap",
    "actix",
    "Json deserialize",
];

async fn send(app: &TestApp, case: &Case) -> reqwest::Response {
    let mut request = app.client.request(case.method.clone(), app.url(case.path));
    if let Some(body) = case.body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    request.send().await.expect("the app answers")
}

#[tokio::test]
async fn every_backbone_class_leaks_in_dev_and_answers_a_safe_problem_in_prod() {
    for backend in backends().await {
        for mode in [Mode::Dev, Mode::Prod] {
            let app = spawn_app(mode, backend).await;
            for case in cases() {
                let context = format!("{} in {mode} on {}", case.class, backend.name());
                let response = send(&app, &case).await;
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let id = headers["x-request-id"]
                    .to_str()
                    .expect("ascii id")
                    .to_string();
                let content_type = headers["content-type"].to_str().unwrap_or("").to_string();
                let body = response.text().await.expect("body");
                match mode {
                    Mode::Bare => unreachable!("bare has its own tests (bare.rs)"),
                    Mode::Dev => {
                        assert_eq!(status, 500, "{context}: dev answers 500\n{body:.400}");
                        assert_eq!(content_type, "application/json", "{context}");
                        for leak in (case.dev_leaks)(backend) {
                            assert!(
                                body.contains(leak),
                                "{context}: dev leaks {leak:?}\n{body:.2000}"
                            );
                        }
                        for leak in [
                            "fxk_live_LAB_FAKE",
                            "\"backtrace\":[",
                            crate::support::OPS_TOKEN,
                        ] {
                            assert!(body.contains(leak), "{context}: dev leaks {leak:?}");
                        }
                        assert!(body.contains(&id), "{context}: the id is in the dev body");
                        let server = headers["server"].to_str().unwrap_or("");
                        assert!(server.starts_with("actix-web/4."), "{context}: {server}");
                        assert!(headers.contains_key("x-powered-by"), "{context}");
                    }
                    Mode::Prod => {
                        assert_eq!(status, case.prod_status, "{context}\n{body}");
                        assert_eq!(content_type, "application/problem+json", "{context}");
                        let problem: Value = serde_json::from_str(&body).expect("problem JSON");
                        assert_eq!(problem["status"], case.prod_status, "{context}");
                        assert_eq!(problem["correlation_id"], id.as_str(), "{context}");
                        for member in ["type", "title", "detail", "instance"] {
                            assert!(problem[member].is_string(), "{context}: {member}");
                        }
                        for secret in NEVER_IN_PROD {
                            assert!(
                                !body.contains(secret),
                                "{context}: prod leaked {secret:?}: {body}"
                            );
                        }
                        assert_eq!(headers["cache-control"], "no-store", "{context}");
                        assert!(!headers.contains_key("server"), "{context}");
                        assert!(!headers.contains_key("x-powered-by"), "{context}");
                    }
                }
                let lines = app.log_lines_for(&id).await;
                let failure = lines
                    .iter()
                    .find(|l| matches!(l["level"].as_str(), Some("ERROR" | "WARN")))
                    .unwrap_or_else(|| panic!("{context}: an error line for {id}: {lines:?}"));
                assert!(
                    failure.to_string().contains(case.logged),
                    "{context}: the log keeps {:?}: {failure}",
                    case.logged
                );
                assert_eq!(failure["span"]["correlation_id"], id.as_str(), "{context}");
            }
            app.stop().await;
        }
    }
}

#[tokio::test]
async fn browsers_get_an_html_debug_page_in_dev_and_a_plain_page_in_prod() {
    for mode in [Mode::Dev, Mode::Prod] {
        let app = spawn_app(mode, Backend::Sqlite).await;
        let response = app
            .client
            .get(app.url("/authors?name=%3Cscript%3Ealert(1)%3C/script%3E'"))
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 500);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("text/html")
        );
        let id = response.headers()["x-request-id"]
            .to_str()
            .expect("id")
            .to_string();
        let page = response.text().await.expect("page");
        assert!(page.contains(&id), "{mode}: the page shows the id");
        assert!(
            !page.contains("<script>alert(1)"),
            "{mode}: hostile input is escaped"
        );
        match mode {
            Mode::Bare => unreachable!("bare has its own tests (bare.rs)"),
            Mode::Dev => {
                assert!(
                    page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
                    "dev shows the SQL, escaped"
                );
                assert!(page.contains("<h2>Settings</h2>") && page.contains("fxk_live_LAB_FAKE"));
            }
            Mode::Prod => {
                assert!(
                    !page.contains("SELECT") && !page.contains("script"),
                    "{page}"
                );
            }
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn client_mistakes_get_specific_codes_in_prod() {
    let app = spawn_app(Mode::Prod, Backend::Sqlite).await;
    for (path, status) in [
        ("/books/abc", 400),
        ("/reports/daily-average?date=2026-02-30x", 400),
        ("/reports/daily-average", 400),
        ("/search?q=", 400),
        ("/books/999", 404),
        ("/no/such/route", 404),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
    // A known path with a method it does not take: a problem too, with actix's Allow.
    let response = app
        .client
        .delete(app.url("/books/1"))
        .send()
        .await
        .expect("request reaches the app");
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, HEAD");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/method-not-allowed");
    let response = app.get("/books/1").await;
    assert_eq!(response.status(), 200);
    let book: Value = response.json().await.expect("json");
    assert_eq!(book["author"], "Ursula K. Le Guin");
    app.stop().await;
}
