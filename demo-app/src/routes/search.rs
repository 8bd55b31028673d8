//! `/search?q=`: title search with a preview of the query. Teaches crash.char-boundary.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::error::{AppError, DbResultExt as _};
use crate::state::AppState;
use crate::{flaw, input};

/// The preview of a long query is cut after this many bytes.
const PREVIEW_BYTES: usize = 24;
/// Longest query accepted.
const MAX_QUERY_BYTES: usize = 200;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words of the title, 1 to 200 bytes.
    #[param(example = "rust", min_length = 1, max_length = 200)]
    q: String,
}

#[derive(Serialize)]
struct SearchResults {
    query_preview: String,
    results: Vec<Hit>,
}

#[derive(Serialize)]
struct Hit {
    id: i64,
    title: String,
}

const SEARCH_SQL: &str =
    "SELECT id, title FROM books WHERE lower(title) LIKE $1 ESCAPE '\\' ORDER BY id";

#[utoipa::path(get, path = "/search", params(SearchQuery),
    responses((status = 200, description = "Matching titles and a preview of the query"),
              (status = 400, description = "An empty or too long query", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn search(
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let q = input::plain_text("q", query.q.trim())?;
    if q.is_empty() || q.len() > MAX_QUERY_BYTES {
        return Err(AppError::bad_request(format!(
            "Query parameter `q` must hold 1 to {MAX_QUERY_BYTES} bytes."
        )));
    }
    // DELIBERATE (crash.char-boundary): the preview slices the string by bytes. When byte
    // 24 falls inside a multi-byte character (an emoji, an accented letter) the slice
    // panics: "byte index 24 is not a char boundary". The fix: cut at a char boundary,
    // e.g. `q.char_indices().nth(N)` or `str::floor_char_boundary`.
    let flaw = flaw::arm("crash.char-boundary");
    let query_preview = if q.len() > PREVIEW_BYTES {
        format!("{}…", &q[..PREVIEW_BYTES])
    } else {
        q.to_string()
    };
    drop(flaw);
    let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
    let rows: Vec<(i64, String)> = sqlx::query_as(SEARCH_SQL)
        .bind(pattern)
        .fetch_all(&state.db.pool)
        .await
        .or_db_error(SEARCH_SQL, "Failed to search books")?;
    let results = rows
        .into_iter()
        .map(|(id, title)| Hit { id, title })
        .collect();
    Ok(HttpResponse::Ok().json(SearchResults {
        query_preview,
        results,
    }))
}

/// Escapes LIKE wildcards so the user's `%` and `_` match literally.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
