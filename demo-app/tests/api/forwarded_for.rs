//! The client behind a trusted proxy is the hop the proxy appended, not the first hop the
//! client wrote itself: a spoofed first hop changes neither the probing watch's client nor
//! the error groups' distinct-client counts.

use demo_app::db::Backend;
use demo_app::settings::Mode;
use serde_json::Value;

use crate::ops::error_groups;
use crate::support::{TestApp, spawn_app_with};

/// `path` as relayed by one proxy: the client's own header, then the address the proxy saw.
async fn via_proxy(app: &TestApp, path: &str, client_wrote: &str, proxy_saw: &str) -> String {
    let response = app
        .client
        .get(app.url(path))
        .header("x-forwarded-for", format!("{client_wrote}, {proxy_saw}"))
        .send()
        .await
        .expect("answer");
    response.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_string()
}

#[tokio::test]
async fn a_spoofed_first_hop_changes_neither_the_prober_nor_the_distinct_clients() {
    let app = spawn_app_with(
        Mode::Prod,
        Backend::Sqlite,
        &[("trust_forwarded_for", "1"), ("probing_threshold", "10")],
    )
    .await;
    // One real client behind the proxy, a new invented first hop on every request.
    let mut last_id = String::new();
    for i in 0..12 {
        last_id = via_proxy(&app, "/books/abc", &format!("6.6.6.{i}"), "203.0.113.9").await;
    }
    for i in 0..3 {
        via_proxy(&app, "/books/13", &format!("7.7.7.{i}"), "203.0.113.9").await;
    }
    app.log_lines_for(&last_id).await;
    let groups = error_groups(&app).await;
    let panics = groups
        .iter()
        .find(|g| g["route"] == "/books/{id}")
        .expect("a /books/{id} group");
    assert_eq!(panics["count"], 3, "{panics}");
    assert_eq!(panics["clients"], 1, "{panics}");
    // A second real client is counted as one more.
    via_proxy(&app, "/books/13", "7.7.7.7", "198.51.100.4").await;
    let groups = error_groups(&app).await;
    let panics = groups
        .iter()
        .find(|g| g["route"] == "/books/{id}")
        .expect("a /books/{id} group");
    assert_eq!(panics["clients"], 2, "{panics}");

    let warnings: Vec<Value> = app
        .app
        .log_lines()
        .iter()
        .filter(|l| l.contains("suspected probing"))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(warnings.len(), 1, "one prober, warned once: {warnings:?}");
    assert_eq!(warnings[0]["fields"]["client"], "203.0.113.9");
    app.stop().await;
}

#[tokio::test]
async fn without_trust_or_with_a_malformed_header_the_peer_is_the_client() {
    for (trust, header) in [
        ("false", "203.0.113.9"),
        ("1", "203.0.113.9, not-an-address"),
        ("2", "203.0.113.9"),
    ] {
        let app = spawn_app_with(
            Mode::Prod,
            Backend::Sqlite,
            &[("trust_forwarded_for", trust), ("probing_threshold", "3")],
        )
        .await;
        let mut last_id = String::new();
        for _ in 0..5 {
            let response = app
                .client
                .get(app.url("/books/abc"))
                .header("x-forwarded-for", header)
                .send()
                .await
                .expect("answer");
            last_id = response.headers()["x-request-id"]
                .to_str()
                .expect("id")
                .to_string();
        }
        app.log_lines_for(&last_id).await;
        let warning = app
            .app
            .find_log_line(|l| l.contains("suspected probing"))
            .expect("a probing warning");
        let warning: Value = serde_json::from_str(&warning).expect("json");
        assert_eq!(warning["fields"]["client"], "127.0.0.1", "{trust} {header}");
        app.stop().await;
    }
}
