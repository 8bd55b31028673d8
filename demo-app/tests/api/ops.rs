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
        let groups = error_groups(&app).await;
        assert_eq!(groups[0]["route"], "/books/{id}", "{groups:?}");
        assert_eq!(groups[0]["count"], 1, "{groups:?}");

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

/// GET /ops/errors with the token: 200 and the groups as JSON.
pub async fn error_groups(app: &crate::support::TestApp) -> Vec<serde_json::Value> {
    let response = app
        .client
        .get(app.url("/ops/errors"))
        .bearer_auth(OPS_TOKEN)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

#[tokio::test]
async fn three_defects_hit_with_many_inputs_make_three_groups_and_a_cleared_one_regresses() {
    for backend in crate::support::backends().await {
        let app = spawn_app(Mode::Prod, backend).await;
        // Three defects, each reached with different inputs.
        for name in ["O'Hara", "D'Arcy", "O'Brien", "L'Engle"] {
            let url = reqwest::Url::parse_with_params(&app.url("/authors"), &[("name", name)])
                .expect("url");
            assert_eq!(
                app.client.get(url).send().await.expect("answer").status(),
                500
            );
        }
        for date in ["2026-11-22", "2026-11-23", "2027-01-05"] {
            app.get(&format!("/reports/daily-average?date={date}"))
                .await;
        }
        // Byte 24 falls inside the last character of each.
        for query in [
            format!("{}🦀", "a".repeat(23)),
            format!("{}é", "b".repeat(23)),
        ] {
            let url = reqwest::Url::parse_with_params(&app.url("/search"), &[("q", &query)])
                .expect("url");
            assert_eq!(
                app.client.get(url).send().await.expect("answer").status(),
                500
            );
        }
        let groups = error_groups(&app).await;
        assert_eq!(groups.len(), 3, "{backend:?}: {groups:#?}");
        let authors = groups
            .iter()
            .find(|g| g["route"] == "/authors")
            .expect("an /authors group");
        assert_eq!(authors["count"], 4, "{backend:?}: {authors}");
        assert_eq!(authors["new"], true);
        assert_eq!(authors["clients"], 1);
        assert!(
            authors["fingerprint"]
                .as_str()
                .is_some_and(|f| f.starts_with("v2 "))
        );

        // Resolve everything; the /search defect comes back: a regression, alone.
        let cleared = app
            .client
            .delete(app.url("/ops/errors"))
            .bearer_auth(OPS_TOKEN)
            .send()
            .await
            .expect("answer");
        assert_eq!(cleared.status(), 204);
        assert!(error_groups(&app).await.is_empty());
        let url = reqwest::Url::parse_with_params(
            &app.url("/search"),
            &[("q", format!("{}€", "c".repeat(22)))],
        )
        .expect("url");
        let again = app.client.get(url).send().await.expect("answer");
        let id = again.headers()["x-request-id"]
            .to_str()
            .expect("id")
            .to_string();
        let groups = error_groups(&app).await;
        assert_eq!(groups.len(), 1, "{groups:#?}");
        assert_eq!(groups[0]["regressed"], true);
        assert_eq!(groups[0]["new"], false);
        assert_eq!(groups[0]["count"], 1);
        let lines = app.log_lines_for(&id).await;
        assert!(
            lines
                .iter()
                .any(|l| l["fields"]["message"] == "error group regressed"),
            "{lines:#?}"
        );
        app.stop().await;
    }
}

/// The audit's configuration evidence: the effective error-handling configuration, per
/// mode, behind the token, naming no secret value.
#[tokio::test]
async fn the_error_handling_configuration_is_served_behind_the_token_without_secrets() {
    for mode in [Mode::Dev, Mode::Prod, Mode::Bare] {
        let app = spawn_app(mode, Backend::Sqlite).await;
        let refused = app.get("/ops/config").await;
        assert_eq!(refused.status(), 401, "{mode}");
        let response = app
            .client
            .get(app.url("/ops/config"))
            .bearer_auth(OPS_TOKEN)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 200, "{mode}");
        let text = response.text().await.expect("body");
        assert!(
            !text.contains(OPS_TOKEN),
            "{mode}: the token itself is not evidence"
        );
        assert!(
            !text.contains(demo_app::settings::LAB_FX_API_KEY),
            "{mode}: {text}"
        );
        let config: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(config["mode"], mode.to_string());
        assert_eq!(config["catches_panics"], mode != Mode::Bare, "{config}");
        assert_eq!(config["captures_backtraces"], mode == Mode::Dev, "{config}");
        assert_eq!(config["version_headers"], mode == Mode::Dev, "{config}");
        assert_eq!(config["ops_token_set"], true);
        match mode {
            Mode::Bare => assert!(config["correlation_header"].is_null(), "{config}"),
            _ => assert_eq!(config["correlation_header"], "x-request-id"),
        }
        app.stop().await;
    }
}
