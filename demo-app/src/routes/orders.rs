//! `/orders`: placing an order reserves stock and prices it in the customer's currency.
//! Teaches db.pool-exhausted.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, DbResultExt as _, ErrorKind};
use crate::fx_rates::Rate;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct OrderRequest {
    #[schema(example = 1)]
    customer_id: i64,
    #[schema(example = 1)]
    book_id: i64,
    #[schema(minimum = 1, maximum = 10, example = 1)]
    quantity: i64,
    /// ISO 4217 code; EUR when absent.
    #[serde(default = "euro")]
    #[schema(
        example = "EUR",
        pattern = "^(EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK|PLN|CZK|CAD|AUD)$"
    )]
    currency: String,
}

fn euro() -> String {
    "EUR".to_string()
}

#[derive(Serialize)]
struct Order {
    id: i64,
    book_id: i64,
    quantity: i64,
    total_cents: i64,
    currency: String,
    total_in_currency_cents: i64,
    /// Present (and true) only when the rate is a remembered one, the FX breaker being
    /// open: the answer of every ordinary order stays as it was.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    rate_stale: bool,
}

/// The currencies the shop prices in; anything else never reaches the FX upstream.
pub const CURRENCIES: &[&str] = &[
    "EUR", "USD", "GBP", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "CAD", "AUD",
];

const CUSTOMER_SQL: &str = "SELECT id FROM customers WHERE id = $1";
const RESERVE_SQL: &str = "UPDATE books SET stock = stock - $1 WHERE id = $2 AND stock >= $1";
const PRICE_SQL: &str = "SELECT price_cents FROM books WHERE id = $1";
const INSERT_SQL: &str = "INSERT INTO orders (customer_id, book_id, quantity, total_cents, placed_on) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id";

#[utoipa::path(post, path = "/orders", request_body = OrderRequest,
    responses((status = 201, description = "Placed"),
              (status = 400, description = "A malformed body", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 422, description = "The customer or the book does not exist", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 409, description = "Not enough copies in stock", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 502, description = "The currency-rate service answered something unusable", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 503, description = "The FX circuit breaker is open and no usable remembered rate exists (or its fallback is fail-fast), or no pooled connection came in time", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 504, description = "The currency-rate service did not answer in time", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn place(
    state: web::Data<AppState>,
    body: web::Json<OrderRequest>,
) -> Result<HttpResponse, AppError> {
    let OrderRequest {
        customer_id,
        book_id,
        quantity,
        currency,
    } = body.into_inner();
    if !(1..=10).contains(&quantity) {
        return Err(AppError::bad_request(
            "Field `quantity` must be from 1 to 10.",
        ));
    }
    if !CURRENCIES.contains(&currency.as_str()) {
        return Err(AppError::bad_request(format!(
            "Field `currency` must be one of {}.",
            CURRENCIES.join(", ")
        )));
    }
    let mut tx = state
        .db
        .pool
        .begin()
        .await
        .or_db_error("BEGIN", "Failed to begin the order")?;
    let reserved = sqlx::query(RESERVE_SQL)
        .bind(quantity)
        .bind(book_id)
        .execute(&mut *tx)
        .await
        .or_db_error(RESERVE_SQL, "Failed to reserve stock")?;
    // Read only after the write above: on SQLite a read first would make this deferred
    // transaction upgrade its lock later, which concurrent orders turn into SQLITE_BUSY.
    let customer: Option<i64> = sqlx::query_scalar(CUSTOMER_SQL)
        .bind(customer_id)
        .fetch_optional(&mut *tx)
        .await
        .or_db_error(CUSTOMER_SQL, "Failed to find the customer")?;
    if customer.is_none() {
        return Err(AppError::client(
            ErrorKind::Unprocessable,
            format!("Customer {customer_id} does not exist."),
        ));
    }
    let price: Option<i64> = sqlx::query_scalar(PRICE_SQL)
        .bind(book_id)
        .fetch_optional(&mut *tx)
        .await
        .or_db_error(PRICE_SQL, "Failed to read the price")?;
    let price = price.ok_or_else(|| {
        AppError::client(
            ErrorKind::Unprocessable,
            format!("Book {book_id} does not exist."),
        )
    })?;
    if reserved.rows_affected() == 0 {
        return Err(AppError::new(
            ErrorKind::Conflict,
            anyhow::anyhow!("book {book_id} has fewer than {quantity} in stock"),
        )
        .with_public_detail("Not enough copies in stock."));
    }
    // DELIBERATE (db.pool-exhausted): the currency conversion calls the FX upstream while
    // the transaction (and so a pooled connection, plus its row or database locks) is
    // held. When the upstream is slow, a handful of concurrent orders hold every pooled
    // connection and everyone else waits for `pool_acquire_timeout_ms`, then fails with
    // sqlx's PoolTimedOut. The fix: fetch the rate before `begin()` (never hold a
    // connection across network I/O), and bound the upstream call.
    let rate = if currency == "EUR" {
        Rate::EURO
    } else {
        state.fx.rate(&currency).await?
    };
    let total_cents = price * quantity;
    let id: i64 = sqlx::query_scalar(INSERT_SQL)
        .bind(customer_id)
        .bind(book_id)
        .bind(quantity)
        .bind(total_cents)
        .bind(crate::calendar::today_iso())
        .fetch_one(&mut *tx)
        .await
        .or_db_error(INSERT_SQL, "Failed to record the order")?;
    tx.commit()
        .await
        .or_db_error("COMMIT", "Failed to commit the order")?;
    Ok(HttpResponse::Created().json(Order {
        id,
        book_id,
        quantity,
        total_cents,
        total_in_currency_cents: (total_cents as f64 * rate.per_euro).round() as i64,
        currency,
        rate_stale: rate.stale,
    }))
}
