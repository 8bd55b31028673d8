//! `/books/{id}/recommendations`: "readers who bought this also bought". A correct route
//! whose query is the shop's most expensive read: the route resource.overload's spike
//! lands on (see `shedding`). Nothing in it is broken; its cost is what it is.

use std::time::{Duration, Instant};

use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::error::{AppError, DbResultExt as _};
use crate::flaw;
use crate::state::AppState;

#[derive(Serialize)]
struct Recommendation {
    id: i64,
    title: String,
    /// Customers who bought both.
    readers: i64,
}

#[derive(Serialize)]
struct Recommendations {
    book_id: i64,
    recommendations: Vec<Recommendation>,
}

const BOOK_SQL: &str = "SELECT id FROM books WHERE id = $1";
const ALSO_BOUGHT_SQL: &str = "SELECT b.id, b.title, CAST(COUNT(DISTINCT theirs.customer_id) AS BIGINT) \
     FROM orders mine \
     JOIN orders theirs ON theirs.customer_id = mine.customer_id AND theirs.book_id <> mine.book_id \
     JOIN books b ON b.id = theirs.book_id \
     WHERE mine.book_id = $1 \
     GROUP BY b.id, b.title ORDER BY 3 DESC, b.id LIMIT 5";

#[utoipa::path(get, path = "/books/{id}/recommendations", params(("id" = i64, Path, description = "The book's id", example = 1)),
    responses((status = 200, description = "Up to five books bought by the same customers"),
              (status = 404, description = "No such book", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 503, description = "Too many requests in flight (load shed), or no pooled connection in time", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn recommendations(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut connection = {
        // Waiting here is what a spike without admission control looks like: a pool
        // timeout in this route is the overload's symptom, not pool exhaustion's flaw.
        let _flaw = flaw::arm("resource.overload");
        state.db.pool.acquire().await.or_db_error(
            "(acquire a pooled connection)",
            "Failed to get a connection",
        )?
    };
    let started = Instant::now();
    let book: Option<i64> = sqlx::query_scalar(BOOK_SQL)
        .bind(id)
        .fetch_optional(&mut *connection)
        .await
        .or_db_error(BOOK_SQL, "Failed to find the book")?;
    if book.is_none() {
        return Err(AppError::not_found(format!("book {id} does not exist")));
    }
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(ALSO_BOUGHT_SQL)
        .bind(id)
        .fetch_all(&mut *connection)
        .await
        .or_db_error(ALSO_BOUGHT_SQL, "Failed to compute recommendations")?;
    // The seed data is tiny: over a real order history this query holds its connection for
    // `recommendations_query_ms`, and the pause stands for that cost (a lab timing, like
    // `pdf_render_ms`), with the connection held as the real query holds it. It makes the
    // route's capacity pool_max_connections / recommendations_query_ms, the same on 2
    // cores or 16.
    let cost = Duration::from_millis(state.settings.recommendations_query_ms);
    tokio::time::sleep(cost.saturating_sub(started.elapsed())).await;
    drop(connection);
    let recommendations = rows
        .into_iter()
        .map(|(id, title, readers)| Recommendation { id, title, readers })
        .collect();
    Ok(HttpResponse::Ok().json(Recommendations {
        book_id: id,
        recommendations,
    }))
}
