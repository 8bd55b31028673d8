//! Bare mode: the same bugs with actix-web's own defaults. A panic drops the connection,
//! extractor errors answer serde's text as text/plain, the error type's Display is the body,
//! and the app adds no header of its own.

use demo_app::settings::Mode;

use crate::support::{backends, spawn_app};

#[tokio::test]
async fn a_panicking_handler_drops_the_connection_in_bare_mode() {
    for backend in backends().await {
        let app = spawn_app(Mode::Bare, backend).await;
        let outcome = app.client.get(app.url("/books/13")).send().await;
        let error = outcome.expect_err("bare must not answer a panicking request");
        assert!(
            !error.is_timeout() && !error.is_connect(),
            "{backend:?}: the connection was accepted, then closed without a response: {error:?}"
        );
        // The worker lives on: the next request (a new connection) is served.
        let response = app.get("/books/1").await;
        assert_eq!(response.status(), 200, "{backend:?}");
        // Only the log knows what happened (its lines are read from the app's stderr
        // asynchronously: give the reader a moment).
        let mut logged = false;
        for _ in 0..50 {
            logged = app.app.log_lines().iter().any(|line| {
                line.contains("the connection is dropped without a response")
                    && line.contains("called `Option::unwrap()` on a `None` value")
            });
            if logged {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(logged, "{backend:?}: the panic is not in the log");
        app.stop().await;
    }
}

#[tokio::test]
async fn malformed_json_answers_actix_default_text_in_bare_mode() {
    for backend in backends().await {
        let app = spawn_app(Mode::Bare, backend).await;
        let response = app
            .client
            .post(app.url("/customers"))
            .header("content-type", "application/json")
            .body(r#"{"email": 5, "name": "Ada"}"#)
            .send()
            .await
            .expect("a response");
        assert_eq!(response.status(), 400, "{backend:?}");
        let content_type = response.headers()["content-type"].to_str().unwrap_or("");
        assert_eq!(content_type, "text/plain; charset=utf-8", "{backend:?}");
        for absent in ["x-request-id", "server", "x-powered-by", "cache-control"] {
            assert!(
                !response.headers().contains_key(absent),
                "{backend:?}: bare adds no `{absent}` header"
            );
        }
        let body = response.text().await.unwrap_or_default();
        assert!(
            body.starts_with(
                "Json deserialize error: invalid type: integer `5`, expected a string"
            ),
            "{backend:?}: {body}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_database_error_answers_its_own_text_in_bare_mode() {
    for backend in backends().await {
        let app = spawn_app(Mode::Bare, backend).await;
        let response = app.get("/authors?name=O'Reilly").await;
        assert_eq!(response.status(), 500, "{backend:?}");
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap_or(""),
            "text/plain; charset=utf-8",
            "{backend:?}"
        );
        let body = response.text().await.unwrap_or_default();
        assert!(
            body.contains("error returned from database"),
            "{backend:?}: sqlx's own text is the body: {body}"
        );
        app.stop().await;
    }
}
