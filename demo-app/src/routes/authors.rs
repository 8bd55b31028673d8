//! `/authors?name=`: author search. Teaches db.invalid-sql.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::error::{AppError, DbResultExt as _};
use crate::state::AppState;
use crate::{flaw, input, single_statement};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorQuery {
    /// Part of the author's name.
    #[param(example = "Klabnik")]
    name: String,
}

#[derive(Serialize)]
struct Author {
    id: i64,
    name: String,
}

#[utoipa::path(get, path = "/authors", params(AuthorQuery),
    responses((status = 200, description = "Authors whose name contains the text"),
              (status = 400, description = "A missing or malformed name", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn search(
    state: web::Data<AppState>,
    query: web::Query<AuthorQuery>,
) -> Result<HttpResponse, AppError> {
    // DELIBERATE (db.invalid-sql) (CWE-89): the statement is built with `format!`. A name
    // with a quote such as `O'Reilly` ends the string literal early and the engine answers
    // with a syntax error; a crafted name injects SQL. sqlx 0.9 will not take a runtime
    // string without `AssertSqlSafe`, which here is exactly the false promise. The fix: a
    // constant statement with a bind parameter (`... LIKE $1`), as in search.rs.
    let name = input::plain_text("name", &query.name)?;
    let sql = format!("SELECT id, name FROM authors WHERE name LIKE '%{name}%' ORDER BY id");
    let _flaw = flaw::arm("db.invalid-sql");
    // Containment, not a fix: one statement per query, as PostgreSQL's protocol enforces
    // anyway (see single_statement.rs). The UNION injection still works.
    let checked = single_statement::check(&sql).or_db_error(&sql, "Failed to search authors")?;
    let rows: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(checked.to_string()))
        .fetch_all(&state.db.pool)
        .await
        .or_db_error(&sql, "Failed to search authors")?;
    let authors: Vec<Author> = rows
        .into_iter()
        .map(|(id, name)| Author { id, name })
        .collect();
    Ok(HttpResponse::Ok().json(authors))
}
