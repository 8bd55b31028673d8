//! Correlation ids on responses, bodies and log lines.

use demo_app::db::Backend;
use demo_app::settings::Mode;

use crate::support::spawn_app;

#[tokio::test]
async fn a_well_formed_request_id_is_reused_and_a_hostile_one_replaced() {
    let app = spawn_app(Mode::Prod, Backend::Sqlite).await;
    let send = |id: &'static str| {
        app.client
            .get(app.url("/books/13"))
            .header("x-request-id", id)
            .send()
    };
    let response = send("checkout-7f3a.retry_2").await.expect("answer");
    assert_eq!(response.headers()["x-request-id"], "checkout-7f3a.retry_2");
    let body: serde_json::Value = response.json().await.expect("problem");
    assert_eq!(body["correlation_id"], "checkout-7f3a.retry_2");
    let lines = app.log_lines_for("checkout-7f3a.retry_2").await;
    assert!(lines.iter().any(|l| l["level"] == "ERROR"), "{lines:?}");

    let hostile = "x\"}{\"level\":\"INFO\"";
    let response = send(hostile).await.expect("answer");
    let id = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_ne!(id, hostile);
    assert_eq!(id.len(), 36, "a fresh UUID: {id}");

    let response = app
        .client
        .get(app.url("/healthz"))
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .send()
        .await
        .expect("answer");
    assert_eq!(
        response.headers()["x-request-id"],
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_an_id_even_a_success() {
    let app = spawn_app(Mode::Dev, Backend::Sqlite).await;
    for path in ["/healthz", "/books", "/metrics", "/nope"] {
        let response = app.get(path).await;
        let id = response.headers()["x-request-id"]
            .to_str()
            .expect("id")
            .to_string();
        assert!(!id.is_empty(), "{path}");
        let lines = app.log_lines_for(&id).await;
        assert!(!lines.is_empty(), "{path}: logged with its id");
    }
    app.stop().await;
}
