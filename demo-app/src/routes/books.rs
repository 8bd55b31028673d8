//! `/books`: the catalogue. Teaches crash.unwrap-none (and, in release v2's list,
//! release.migration-drift).

use actix_web::{HttpResponse, web};
use serde::Serialize;

use anyhow::Context as _;

use crate::error::{AppError, DbResultExt as _};
use crate::flaw;
use crate::state::AppState;

#[derive(Serialize)]
struct BookSummary {
    id: i64,
    title: String,
    price_cents: i64,
    /// Release v2 lists it, `null` for a book without one (release.migration-drift);
    /// v1's answer has no such member.
    #[serde(skip_serializing_if = "Option::is_none")]
    isbn: Option<Option<String>>,
}

#[derive(Serialize)]
struct Book {
    id: i64,
    title: String,
    author: String,
    price_cents: i64,
    stock: i64,
    description: String,
}

const LIST_SQL: &str = "SELECT id, title, price_cents FROM books ORDER BY id";
/// Release v2's catalogue: the same list with each book's ISBN (migration 0004's column).
const LIST_V2_SQL: &str = "SELECT id, title, price_cents, isbn FROM books ORDER BY id";

#[utoipa::path(get, path = "/books",
    responses((status = 200, description = "Every book, with id, title and price (and its ISBN from release v2 on)")))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let books: Vec<BookSummary> = if state.release.name() == "v2" {
        // release.migration-drift: the column this reads comes from a migration the
        // environment has not run (see `db::migrator`).
        let _flaw = flaw::arm("release.migration-drift");
        let rows: Vec<(i64, String, i64, Option<String>)> = sqlx::query_as(LIST_V2_SQL)
            .fetch_all(&state.db.pool)
            .await
            .or_db_error(LIST_V2_SQL, "Failed to list books")?;
        rows.into_iter()
            .map(|(id, title, price_cents, isbn)| BookSummary {
                id,
                title,
                price_cents,
                isbn: Some(isbn),
            })
            .collect()
    } else {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(LIST_SQL)
            .fetch_all(&state.db.pool)
            .await
            .or_db_error(LIST_SQL, "Failed to list books")?;
        rows.into_iter()
            .map(|(id, title, price_cents)| BookSummary {
                id,
                title,
                price_cents,
                isbn: None,
            })
            .collect()
    };
    Ok(HttpResponse::Ok().json(books))
}

const BOOK_SQL: &str =
    "SELECT id, title, author_id, price_cents, stock, description FROM books WHERE id = $1";
const AUTHOR_SQL: &str = "SELECT name FROM authors WHERE id = $1";

#[utoipa::path(get, path = "/books/{id}", params(("id" = i64, Path, description = "The book's id", example = 1)),
    responses((status = 200, description = "The book with its author"),
              (status = 404, description = "No such book", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn show(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let row: Option<(i64, String, i64, i64, i64, String)> = sqlx::query_as(BOOK_SQL)
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await
        .or_db_error(BOOK_SQL, "Failed to load the book")?;
    let (id, title, author_id, price_cents, stock, description) =
        row.ok_or_else(|| AppError::not_found(format!("book {id} does not exist")))?;
    let author: Option<String> = sqlx::query_scalar(AUTHOR_SQL)
        .bind(author_id)
        .fetch_optional(&state.db.pool)
        .await
        .or_db_error(AUTHOR_SQL, "Failed to load the book's author")?;
    // DELIBERATE (crash.unwrap-none): "every book has an author", so the Option is
    // unwrapped. Book 13 points at author 99, which does not exist: the unwrap panics,
    // Rust's null dereference. The fix: treat `None` as a case (an "unknown author"
    // placeholder, or a 404/409 that says the catalogue entry is broken).
    let flaw = flaw::arm("crash.unwrap-none");
    #[expect(clippy::unwrap_used, reason = "deliberate flaw: crash.unwrap-none")]
    let author = author.unwrap();
    drop(flaw);
    if state.release.in_experiment() {
        let _flaw = flaw::arm("release.bad-deploy");
        // DELIBERATE (release.bad-deploy): release v2 shows 5% of book views a "readers
        // also bought" box. Its lookup table was never loaded in this environment, and the
        // code indexes it anyway: those views panic (index out of bounds). Nothing else
        // changed, so the 5xx rate jumps from 0 to ~5% the moment v2 goes live, and falls
        // back after a rollback. The fix: ship behind a flag with a ramp, watch the 5xx
        // rate per release, roll back automatically past a threshold.
        let also_bought: Vec<i64> = Vec::new();
        let first = also_bought[(id as usize) % 3];
        tracing::info!(first, "readers also bought");
    }
    Ok(HttpResponse::Ok().json(Book {
        id,
        title,
        author,
        price_cents,
        stock,
        description,
    }))
}

#[utoipa::path(get, path = "/books/{id}/cover", params(("id" = i64, Path, description = "The book's id", example = 1)),
    responses((status = 200, description = "The cover image", content_type = "image/svg+xml"),
              (status = 404, description = "No such book", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn cover(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM books WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await
        .or_db_error(
            "SELECT id FROM books WHERE id = $1",
            "Failed to find the book",
        )?;
    exists.ok_or_else(|| AppError::not_found(format!("book {id} does not exist")))?;
    let flaw = flaw::arm("resource.file-handles");
    // Every book shows the default cover until its own is uploaded.
    let cover = state.default_cover.display();
    let mut file = std::fs::File::open(&state.default_cover)
        .with_context(|| format!("Failed to open the cover {cover}"))?;
    let mut svg = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut svg)
        .with_context(|| format!("Failed to read the cover {cover}"))?;
    drop(flaw);
    // DELIBERATE (resource.file-handles): the open file is kept "to serve the next request
    // faster" in a list that nothing ever empties. Each request leaks one descriptor until
    // the process hits its open-files limit: then every open fails with "Too many open
    // files (os error 24)", and so does accepting new connections. `/ops/reset` (or a
    // restart) closes them. The fix: let the file drop at the end of the handler (RAII),
    // or cache the bytes, never the handle.
    crate::lock::lock(&state.open_covers).push(file);
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}
