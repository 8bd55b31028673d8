//! Ops routes require the bearer token in both modes.

use demo_app::db::Backend;
use demo_app::settings::Mode;

use crate::support::{OPS_TOKEN, spawn_app, spawn_app_with};

#[tokio::test]
async fn ops_routes_refuse_requests_without_the_token_in_both_modes() {
    for mode in [Mode::Dev, Mode::Prod] {
        let app = spawn_app(mode, Backend::Sqlite).await;
        app.get("/books/13").await;
        for token in [None, Some("wrong-token-0123456789"), Some("")] {
            let mut request = app.client.get(app.url("/ops/errors"));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.expect("answer");
            assert_eq!(response.status(), 401, "{mode}, token {token:?}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
        }
        let response = app
            .client
            .get(app.url("/ops/errors"))
            .bearer_auth(OPS_TOKEN)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 200, "{mode}");
        let groups: serde_json::Value = response.json().await.expect("json");
        assert_eq!(groups[0]["route"], "/books/{id}", "{groups}");
        assert_eq!(groups[0]["count"], 1, "{groups}");

        // The switches that change the running app refuse without the token, too.
        for (path, body) in [
            ("/ops/release", serde_json::json!({ "version": "v2" })),
            ("/ops/reset", serde_json::json!({})),
        ] {
            let refused = app
                .client
                .post(app.url(path))
                .json(&body)
                .send()
                .await
                .expect("answer");
            assert_eq!(refused.status(), 401, "{mode} {path}");
            let wrong = app
                .client
                .post(app.url(path))
                .bearer_auth("not-the-token-0123456789")
                .json(&body)
                .send()
                .await
                .expect("answer");
            assert_eq!(wrong.status(), 401, "{mode} {path}");
        }
        let release = app
            .client
            .get(app.url("/ops/release"))
            .bearer_auth(OPS_TOKEN)
            .send()
            .await
            .expect("answer");
        let release: serde_json::Value = release.json().await.expect("json");
        assert_eq!(
            release["release"], "v1",
            "{mode}: a refused switch changed nothing"
        );
        app.stop().await;
    }
}

/// A fresh clone's `--mode prod`: no token configured, so the shop serves and the ops
/// switches stay closed to everyone, whatever token is presented.
#[tokio::test]
async fn prod_without_an_ops_token_serves_the_shop_and_closes_the_ops_routes() {
    let app = spawn_app_with(Mode::Prod, Backend::Sqlite, &[("ops_token", "")]).await;
    assert_eq!(app.get("/books/1").await.status(), 200);
    for token in [None, Some(OPS_TOKEN), Some("")] {
        for (method, path) in [("GET", "/ops/errors"), ("POST", "/ops/reset")] {
            let mut request = app
                .client
                .request(method.parse().expect("method"), app.url(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.expect("answer");
            assert_eq!(response.status(), 403, "{method} {path}, token {token:?}");
            let problem: serde_json::Value = response.json().await.expect("problem json");
            assert_eq!(problem["type"], "/problems/forbidden", "{problem}");
            assert_eq!(
                problem["detail"], "The ops routes are disabled on this server.",
                "{problem}"
            );
        }
    }
    let warned = app.app.log_lines().iter().any(|line| {
        line.contains("the /ops routes are disabled") && line.contains("DEMO_APP_OPS_TOKEN")
    });
    assert!(
        warned,
        "start-up tells the operator why and how to open them"
    );
    app.stop().await;
}
