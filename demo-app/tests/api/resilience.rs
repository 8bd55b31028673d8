//! A panic never takes the process or a worker down.

use demo_app::db::Backend;
use demo_app::settings::Mode;

use crate::support::spawn_app;

#[tokio::test]
async fn the_app_keeps_serving_after_a_hundred_panics_in_a_row() {
    for mode in [Mode::Dev, Mode::Prod] {
        let app = spawn_app(mode, Backend::Sqlite).await;
        for i in 0..100 {
            let response = app.get("/books/13").await;
            assert_eq!(response.status(), 500, "{mode}: panic {i} answered");
        }
        assert!(app.app.is_alive(), "{mode}: the process survived");
        assert_eq!(app.get("/healthz").await.status(), 200);
        assert_eq!(app.get("/books/1").await.status(), 200);
        let metrics = app.get("/metrics").await.text().await.expect("metrics");
        assert!(metrics.contains("demo_app_panics_total 100\n"), "{metrics}");
        assert!(
            metrics.contains(
                "demo_app_http_requests_total{route=\"/books/{id}\",method=\"GET\",status=\"5xx\"} 100\n"
            ),
            "{metrics}"
        );
        app.stop().await;
    }
}
