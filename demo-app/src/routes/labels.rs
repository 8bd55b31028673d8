//! `/books/{id}/labels`: a sheet of shelf labels to print, one per copy in stock or on
//! order. Teaches resource.out-of-memory.

use std::fmt::Write as _;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{AppError, DbResultExt as _};
use crate::flaw;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LabelQuery {
    /// How many labels to print (the shop prints at most a box of books at a time).
    #[param(example = 12)]
    copies: u64,
}

/// One printed label: the title, padded, and the copy's number.
const LABEL_BYTES: usize = 64;

const TITLE_SQL: &str = "SELECT title FROM books WHERE id = $1";

#[utoipa::path(get, path = "/books/{id}/labels", params(("id" = i64, Path, description = "The book's id", example = 1), LabelQuery),
    responses((status = 200, description = "The label sheet, one line per copy", content_type = "text/plain"),
              (status = 404, description = "No such book", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn labels(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<LabelQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let title: Option<String> = sqlx::query_scalar(TITLE_SQL)
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await
        .or_db_error(TITLE_SQL, "Failed to load the book")?;
    let title = title.ok_or_else(|| AppError::not_found(format!("book {id} does not exist")))?;
    let title: String = title.chars().take(48).collect();
    let copies = query.copies;
    let _flaw = flaw::arm("resource.out-of-memory");
    // DELIBERATE (resource.out-of-memory): the sheet is allocated in one piece, sized by
    // the client's `copies`, with nothing bounding it. A billion copies ask for 64 GB: under
    // the process's memory limit (memory_limit_mb) the allocation fails, and in Rust a
    // failed allocation is not an error but `handle_alloc_error`, which aborts the whole
    // process. No unwinding, no panic hook, no catch_unwind, no 500: every request in
    // flight on the process is dropped with it, and only a supervisor or a proxy in front
    // (502) answers. The fix: bound the size from input (422 beyond what a real order can
    // need), and `try_reserve` where a size is legitimately large, so a failed allocation
    // is an error the handler can answer.
    let bytes = usize::try_from(copies)
        .unwrap_or(usize::MAX)
        .saturating_mul(LABEL_BYTES);
    tracing::info!(copies, bytes, "rendering a label sheet");
    let mut sheet = String::with_capacity(bytes);
    for copy in 1..=copies {
        let _ = writeln!(sheet, "{title:<48} copy {copy:>9}");
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(sheet))
}
