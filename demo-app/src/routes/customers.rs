//! `/customers`: registration and profiles. Teaches db.constraint, crash.unhandled-error
//! and (with dev's catch-all renderer) antipattern.catch-all.

use std::str::FromStr;

use actix_web::{HttpResponse, web};
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, DbResultExt as _, ErrorKind};
use crate::state::AppState;
use crate::{flaw, input};

#[derive(Deserialize, ToSchema)]
pub struct Registration {
    #[schema(format = Email, example = "reader@example.com")]
    email: String,
    #[schema(example = "Ada Reader", min_length = 1, max_length = 100)]
    name: String,
}

#[derive(Serialize)]
struct Customer {
    id: i64,
    email: String,
    name: String,
    loyalty_tier: &'static str,
    discount_percent: u8,
}

/// The tiers this service knows.
#[derive(Debug, Clone, Copy)]
enum LoyaltyTier {
    Bronze,
    Silver,
    Gold,
}

#[derive(Debug, thiserror::Error)]
#[error("unknown loyalty tier `{0}`")]
struct UnknownTier(String);

impl FromStr for LoyaltyTier {
    type Err = UnknownTier;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bronze" => Ok(LoyaltyTier::Bronze),
            "silver" => Ok(LoyaltyTier::Silver),
            "gold" => Ok(LoyaltyTier::Gold),
            other => Err(UnknownTier(other.to_string())),
        }
    }
}

impl LoyaltyTier {
    fn name(self) -> &'static str {
        match self {
            LoyaltyTier::Bronze => "bronze",
            LoyaltyTier::Silver => "silver",
            LoyaltyTier::Gold => "gold",
        }
    }

    fn discount_percent(self) -> u8 {
        match self {
            LoyaltyTier::Bronze => 0,
            LoyaltyTier::Silver => 5,
            LoyaltyTier::Gold => 10,
        }
    }
}

const CUSTOMER_SQL: &str = "SELECT id, email, name, loyalty_tier FROM customers WHERE id = $1";

#[utoipa::path(get, path = "/customers/{id}", params(("id" = i64, Path, description = "The customer's id", example = 1)),
    responses((status = 200, description = "The customer and their loyalty tier"),
              (status = 404, description = "No such customer", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn show(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let row: Option<(i64, String, String, String)> = sqlx::query_as(CUSTOMER_SQL)
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await
        .or_db_error(CUSTOMER_SQL, "Failed to load the customer")?;
    let (id, email, name, tier) =
        row.ok_or_else(|| AppError::not_found(format!("customer {id} does not exist")))?;
    // DELIBERATE (crash.unhandled-error): a stored value that no longer parses (another
    // service introduced the tier `platinum-plus`) is propagated with `?` straight to the
    // top, where it becomes a 500 for a customer who did nothing wrong. The fix: decide
    // what an unknown tier means here (treat it as bronze and log a warning, or store
    // tiers as a checked enum) instead of letting an `Err` escape.
    let flaw = flaw::arm("crash.unhandled-error");
    let tier: LoyaltyTier = tier
        .parse()
        .with_context(|| format!("Failed to read the loyalty tier of customer {id}"))?;
    drop(flaw);
    Ok(HttpResponse::Ok().json(Customer {
        id,
        email,
        name,
        loyalty_tier: tier.name(),
        discount_percent: tier.discount_percent(),
    }))
}

const REGISTER_SQL: &str = "INSERT INTO customers (email, name) VALUES ($1, $2) RETURNING id";

#[utoipa::path(post, path = "/customers", request_body = Registration,
    responses((status = 201, description = "Registered"),
              (status = 400, description = "A malformed body", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 409, description = "The e-mail address is taken", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<Registration>,
) -> Result<HttpResponse, AppError> {
    let Registration { email, name } = body.into_inner();
    input::plain_text("email", &email)?;
    input::plain_text("name", &name)?;
    let email = email.trim().to_lowercase();
    let name = name.trim().to_string();
    if !is_plausible_email(&email) {
        return Err(AppError::bad_request(
            "Field `email` must be an e-mail address such as reader@example.com.",
        ));
    }
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::bad_request(
            "Field `name` must hold 1 to 100 characters.",
        ));
    }
    // DELIBERATE (db.constraint): the unique constraint is the source of truth for
    // duplicates (a check-then-insert would race, so that part is right). Prod answers
    // its violation with 409; dev's catch-all makes it a 500 that names the constraint,
    // the table and the e-mail address. The fix: map the unique violation to 409 with a
    // sentence for the client, as prod does, in every configuration.
    let id: i64 = sqlx::query_scalar(REGISTER_SQL)
        .bind(&email)
        .bind(&name)
        .fetch_one(&state.db.pool)
        .await
        .or_db_error(REGISTER_SQL, "Failed to register the customer")
        .map_err(|err| match err.kind {
            ErrorKind::Conflict => {
                err.with_public_detail("A customer with this e-mail address already exists.")
            }
            _ => err,
        })?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("/customers/{id}")))
        .json(Customer {
            id,
            email,
            name,
            loyalty_tier: LoyaltyTier::Bronze.name(),
            discount_percent: LoyaltyTier::Bronze.discount_percent(),
        }))
}

/// One `@` with something on both sides and a dot in the domain; at most 254 bytes.
fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

#[derive(Serialize)]
struct OrderSummary {
    customer_id: i64,
    orders: i64,
    total_cents: i64,
}

const ORDER_COUNT_SQL: &str = "SELECT COUNT(*) FROM orders WHERE customer_id = $1";
/// Reads the nightly reporting job's table, which this deployment never created.
const ORDER_TOTAL_SQL: &str = "SELECT total_cents FROM order_totals WHERE customer_id = $1";

#[utoipa::path(get, path = "/customers/{id}/summary", params(("id" = i64, Path, description = "The customer's id", example = 1)),
    responses((status = 200, description = "How many orders, and their total")))]
pub async fn order_summary(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let orders: i64 = sqlx::query_scalar(ORDER_COUNT_SQL)
        .bind(id)
        .fetch_one(&state.db.pool)
        .await
        .or_db_error(ORDER_COUNT_SQL, "Failed to count the customer's orders")?;
    // DELIBERATE (antipattern.swallowed): the total comes from a reporting table that does
    // not exist here; the error is logged and swallowed, and the customer is told they
    // spent 0 with a cheerful 200. No status code, no alert, wrong data. The fix: propagate
    // the error (a 500/503 is honest), or mark the field unavailable (`null` plus a flag)
    // and count the failure where someone looks.
    let total_cents: i64 = match sqlx::query_scalar(ORDER_TOTAL_SQL)
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await
    {
        Ok(total) => total.unwrap_or(0),
        Err(error) => {
            tracing::error!(error = %error, sql = ORDER_TOTAL_SQL, "order total unavailable, using 0");
            0
        }
    };
    Ok(HttpResponse::Ok().json(OrderSummary {
        customer_id: id,
        orders,
        total_cents,
    }))
}
