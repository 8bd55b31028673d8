//! `/wallets` and `/transfers`: customer wallets and transfers between them. Teaches
//! db.deadlock.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::Backend;
use crate::error::{AppError, DbResultExt as _, ErrorKind};
use crate::flaw;
use crate::state::AppState;

/// Largest single transfer accepted (100,000.00).
const MAX_TRANSFER_CENTS: i64 = 10_000_000;

#[derive(Deserialize, ToSchema)]
pub struct TransferRequest {
    from_wallet: i64,
    to_wallet: i64,
    #[schema(minimum = 1, maximum = 10_000_000, example = 500)]
    amount_cents: i64,
}

#[derive(Serialize)]
struct Transfer {
    id: i64,
    from_wallet: i64,
    to_wallet: i64,
    amount_cents: i64,
}

#[derive(Serialize)]
struct Wallet {
    id: i64,
    customer_id: i64,
    balance_cents: i64,
}

const WALLET_SQL: &str = "SELECT id, customer_id, balance_cents FROM wallets WHERE id = $1";

#[utoipa::path(get, path = "/wallets/{id}", params(("id" = i64, Path, description = "The wallet's id", example = 1)),
    responses((status = 200, description = "The wallet and its balance"),
              (status = 404, description = "No such wallet", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn show(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let row: Option<(i64, i64, i64)> = sqlx::query_as(WALLET_SQL)
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await
        .or_db_error(WALLET_SQL, "Failed to load the wallet")?;
    let (id, customer_id, balance_cents) =
        row.ok_or_else(|| AppError::not_found(format!("wallet {id} does not exist")))?;
    Ok(HttpResponse::Ok().json(Wallet {
        id,
        customer_id,
        balance_cents,
    }))
}

/// Reads a wallet's balance inside the transaction; on PostgreSQL it also locks the row.
const LOCK_WALLET_POSTGRES: &str = "SELECT balance_cents FROM wallets WHERE id = $1 FOR UPDATE";
/// SQLite has no row locks: the read takes the transaction's read snapshot instead, and
/// the first UPDATE below asks to upgrade it to the database's single write lock.
const LOCK_WALLET_SQLITE: &str = "SELECT balance_cents FROM wallets WHERE id = $1";
const DEBIT_SQL: &str = "UPDATE wallets SET balance_cents = balance_cents - $1 WHERE id = $2";
const CREDIT_SQL: &str = "UPDATE wallets SET balance_cents = balance_cents + $1 WHERE id = $2";
const RECORD_SQL: &str = "INSERT INTO transfers (from_wallet, to_wallet, amount_cents) \
     VALUES ($1, $2, $3) RETURNING id";

#[utoipa::path(post, path = "/transfers", request_body = TransferRequest,
    responses((status = 201, description = "Transferred"),
              (status = 400, description = "A malformed body or amount", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 404, description = "No such wallet", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 409, description = "Not enough money in the source wallet", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 503, description = "A concurrent transfer holds the wallets; retry", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn transfer(
    state: web::Data<AppState>,
    body: web::Json<TransferRequest>,
) -> Result<HttpResponse, AppError> {
    let TransferRequest {
        from_wallet,
        to_wallet,
        amount_cents,
    } = body.into_inner();
    if !(1..=MAX_TRANSFER_CENTS).contains(&amount_cents) {
        return Err(AppError::bad_request(format!(
            "Field `amount_cents` must be from 1 to {MAX_TRANSFER_CENTS}."
        )));
    }
    if from_wallet == to_wallet {
        return Err(AppError::bad_request(
            "Fields `from_wallet` and `to_wallet` must differ.",
        ));
    }
    let lock_sql = match state.db.backend {
        Backend::Postgres => LOCK_WALLET_POSTGRES,
        Backend::Sqlite => LOCK_WALLET_SQLITE,
    };
    let mut tx = state
        .db
        .pool
        .begin()
        .await
        .or_db_error("BEGIN", "Failed to begin the transfer")?;
    // DELIBERATE (db.deadlock): the two wallets are locked in *request* order, with a
    // pause between the locks (`transfer_lock_pause_ms`, so the race is reproducible in a
    // classroom). Two opposite transfers (1 -> 2 and 2 -> 1) each hold one lock and wait
    // for the other: PostgreSQL detects the cycle after deadlock_timeout and aborts one
    // (40P01); SQLite answers SQLITE_BUSY at once to the one that would have to wait for
    // the lock upgrade. The fix: lock in a global order (`ORDER BY id` / min id first) and
    // retry a transaction aborted as a deadlock victim, with backoff.
    let flaw = flaw::arm("db.deadlock");
    let balance: Option<i64> = sqlx::query_scalar(lock_sql)
        .bind(from_wallet)
        .fetch_optional(&mut *tx)
        .await
        .or_db_error(lock_sql, "Failed to lock the source wallet")?;
    let balance = balance
        .ok_or_else(|| AppError::not_found(format!("wallet {from_wallet} does not exist")))?;
    if balance < amount_cents {
        return Err(AppError::new(
            ErrorKind::Conflict,
            anyhow::anyhow!("wallet {from_wallet} holds {balance}, less than {amount_cents}"),
        )
        .with_public_detail("The source wallet does not hold enough money."));
    }
    let pause_ms = state.settings.transfer_lock_pause_ms;
    // What the deadlock scenario waits for before it sends the opposite transfer (its
    // `after_log`): the race then starts with this lock held on any machine, however slow.
    // A fix keeps this line, or the scenario cannot stage its race.
    tracing::info!(
        from_wallet,
        to_wallet,
        pause_ms,
        "transfer pausing with the source wallet locked"
    );
    tokio::time::sleep(Duration::from_millis(pause_ms)).await;
    let target: Option<i64> = sqlx::query_scalar(lock_sql)
        .bind(to_wallet)
        .fetch_optional(&mut *tx)
        .await
        .or_db_error(lock_sql, "Failed to lock the target wallet")?;
    if target.is_none() {
        return Err(AppError::not_found(format!(
            "wallet {to_wallet} does not exist"
        )));
    }
    sqlx::query(DEBIT_SQL)
        .bind(amount_cents)
        .bind(from_wallet)
        .execute(&mut *tx)
        .await
        .or_db_error(DEBIT_SQL, "Failed to debit the source wallet")?;
    sqlx::query(CREDIT_SQL)
        .bind(amount_cents)
        .bind(to_wallet)
        .execute(&mut *tx)
        .await
        .or_db_error(CREDIT_SQL, "Failed to credit the target wallet")?;
    drop(flaw);
    let id: i64 = sqlx::query_scalar(RECORD_SQL)
        .bind(from_wallet)
        .bind(to_wallet)
        .bind(amount_cents)
        .fetch_one(&mut *tx)
        .await
        .or_db_error(RECORD_SQL, "Failed to record the transfer")?;
    tx.commit()
        .await
        .or_db_error("COMMIT", "Failed to commit the transfer")?;
    Ok(HttpResponse::Created().json(Transfer {
        id,
        from_wallet,
        to_wallet,
        amount_cents,
    }))
}
