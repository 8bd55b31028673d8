//! `/reports/*`: sales reports. `daily-average` teaches crash.divide-by-zero, `sales`
//! teaches db.statement-timeout.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use std::time::Duration;

use crate::db::Backend;
use crate::error::{AppError, DbResultExt as _};
use crate::flaw;
use crate::state::AppState;
use crate::{input, sqlite_deadline};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// The day, as YYYY-MM-DD.
    #[param(format = Date, example = "2026-11-20")]
    date: String,
}

#[derive(Serialize)]
struct DailyAverage {
    date: String,
    orders: i64,
    average_cents: i64,
}

const DAY_TOTALS_SQL: &str = "SELECT CAST(COALESCE(SUM(total_cents), 0) AS BIGINT), COUNT(*) \
     FROM orders WHERE placed_on = $1";

#[utoipa::path(get, path = "/reports/daily-average", params(DayQuery),
    responses((status = 200, description = "The day's order count and average order value"),
              (status = 400, description = "A malformed date", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn daily_average(
    state: web::Data<AppState>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, AppError> {
    let date = query.date.trim();
    if !input::is_calendar_date(date) {
        return Err(AppError::bad_request(
            "Query parameter `date` must be a calendar date such as 2026-11-20.",
        ));
    }
    let (total, count): (i64, i64) = sqlx::query_as(DAY_TOTALS_SQL)
        .bind(date)
        .fetch_one(&state.db.pool)
        .await
        .or_db_error(DAY_TOTALS_SQL, "Failed to total the day's orders")?;
    // DELIBERATE (crash.divide-by-zero): integer division by the order count panics
    // ("attempt to divide by zero") on a day without orders, e.g. 2026-11-22. The fix:
    // `total.checked_div(count)`, answering `average_cents: null` for an empty day.
    let flaw = flaw::arm("crash.divide-by-zero");
    let average_cents = total / count;
    drop(flaw);
    Ok(HttpResponse::Ok().json(DailyAverage {
        date: date.to_string(),
        orders: count,
        average_cents,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day, as YYYY-MM-DD.
    #[param(format = Date, example = "2026-11-01")]
    from: String,
    /// Last day, as YYYY-MM-DD, not before `from`.
    #[param(format = Date, example = "2026-11-30")]
    to: String,
}

#[derive(Serialize)]
struct SalesReport {
    from: String,
    to: String,
    days: i64,
    revenue_to_date_cents: i64,
}

// DELIBERATE (db.statement-timeout): the running total is a correlated subquery that
// re-reads every order for every day of the range: O(days x orders). Over a short range it
// is instant; over decades with a big order table it runs for seconds. PostgreSQL cancels
// it at `statement_timeout` (SQLSTATE 57014); on SQLite the app interrupts it at the same
// deadline (see sqlite_deadline.rs; SQLITE_INTERRUPT).
// The fix: `SUM(...) OVER (ORDER BY day)` over a GROUP BY, an index on placed_on, and a
// bounded range.
const SALES_SQL_SQLITE: &str = "WITH RECURSIVE days(day) AS ( \
         SELECT $1 UNION ALL SELECT date(day, '+1 day') FROM days WHERE day < $2) \
     SELECT COUNT(*), CAST(COALESCE(MAX(running), 0) AS BIGINT) FROM ( \
         SELECT (SELECT COALESCE(SUM(o.total_cents), 0) FROM orders o \
                 WHERE o.placed_on <= days.day) AS running \
         FROM days) AS per_day";
const SALES_SQL_POSTGRES: &str = "WITH RECURSIVE days(day) AS ( \
         SELECT CAST($1 AS DATE) UNION ALL SELECT day + 1 FROM days WHERE day < CAST($2 AS DATE)) \
     SELECT COUNT(*), CAST(COALESCE(MAX(running), 0) AS BIGINT) FROM ( \
         SELECT (SELECT COALESCE(SUM(o.total_cents), 0) FROM orders o \
                 WHERE o.placed_on <= CAST(days.day AS TEXT)) AS running \
         FROM days) AS per_day";

#[utoipa::path(get, path = "/reports/sales", params(RangeQuery),
    responses((status = 200, description = "Days in the range and the revenue to date"),
              (status = 400, description = "Malformed dates or a reversed range", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 503, description = "The report took longer than the statement timeout, or it is served from cache (`POST /ops/reports`) and no answer is kept for the range", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn sales(
    state: web::Data<AppState>,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, AppError> {
    let (from, to) = (query.from.trim(), query.to.trim());
    if !input::is_calendar_date(from) || !input::is_calendar_date(to) || from > to {
        return Err(AppError::bad_request(
            "Query parameters `from` and `to` must be calendar dates such as 2026-11-20, `from` first.",
        ));
    }
    if state.reports.serve() == crate::report_cache::Serve::Cached {
        // Graceful degradation (`POST /ops/reports`): no query at all.
        return cached_sales(&state, from, to);
    }
    let sql = match state.db.backend {
        Backend::Sqlite => SALES_SQL_SQLITE,
        Backend::Postgres => SALES_SQL_POSTGRES,
    };
    let (days, revenue_to_date_cents) = match state.db.backend {
        // PostgreSQL enforces statement_timeout itself (set on every pooled connection).
        Backend::Postgres => {
            sqlx::query_as::<_, (i64, i64)>(sql)
                .bind(from)
                .bind(to)
                .fetch_one(&state.db.pool)
                .await
        }
        // SQLite has none: the report runs on a connection of its own whose statements
        // the app interrupts at its deadline, so the pool never waits on it.
        Backend::Sqlite => sqlite_report(&state, sql, from, to).await,
    }
    .or_db_error(sql, "Failed to compute the sales report")?;
    let report = SalesReport {
        from: from.to_string(),
        to: to.to_string(),
        days,
        revenue_to_date_cents,
    };
    // Serialising two strings and two numbers cannot fail.
    let body = serde_json::to_string(&report).unwrap_or_default();
    state.reports.keep(from, to, &body);
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}

/// The kept answer for the range, with its age; 503 (prod: + Retry-After) without one.
fn cached_sales(state: &AppState, from: &str, to: &str) -> Result<HttpResponse, AppError> {
    let Some(kept) = state.reports.kept(from, to) else {
        return Err(AppError::new(
            crate::error::ErrorKind::Unavailable,
            anyhow::anyhow!(
                "sales report served from cache (POST /ops/reports), and no answer is kept \
                 for {from}..{to}"
            ),
        ));
    };
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .insert_header((actix_web::http::header::AGE, kept.age.as_secs()))
        .insert_header(("x-report-source", "cache"))
        .body(kept.body))
}

/// The report on SQLite, interrupted at `statement_timeout_ms`.
async fn sqlite_report(
    state: &AppState,
    sql: &'static str,
    from: &str,
    to: &str,
) -> Result<(i64, i64), sqlx::Error> {
    let mut connection = sqlite_deadline::connect(
        &state.settings.database_url,
        Duration::from_millis(state.settings.sqlite_busy_timeout_ms),
        Duration::from_millis(state.settings.statement_timeout_ms),
    )
    .await?;
    let result = sqlx::query_as::<_, (i64, i64)>(sql)
        .bind(from)
        .bind(to)
        .fetch_one(&mut connection)
        .await;
    sqlite_deadline::close(connection).await;
    result
}
