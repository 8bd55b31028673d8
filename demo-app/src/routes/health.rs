//! `/healthz` and `/metrics`.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::{AppError, DbResultExt as _};
use crate::state::AppState;

const PING_SQL: &str = "SELECT 1";

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz",
    responses((status = 200, description = "The service and its database answer"),
              (status = 503, description = "The database does not answer", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let _: i32 = sqlx::query_scalar(PING_SQL)
        .fetch_one(&state.db.pool)
        .await
        .or_db_error(PING_SQL, "Failed to ping the database")?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ok", "database": "ok" })))
}

#[utoipa::path(get, path = "/metrics",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let body = state.metrics.render(
        &state.db.pool,
        state.settings.pool_max_connections,
        state.release.name(),
        state.probing.alerts(),
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}
