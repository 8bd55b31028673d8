//! `/ops/*`: operator routes, behind a bearer token in both modes. A prod server started
//! without a token has them disabled (403) rather than open.

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use subtle::ConstantTimeEq as _;

use crate::error::AppError;
use crate::error_policy::ErrorPolicy;
use crate::state::AppState;

/// Checks `Authorization: Bearer <ops_token>` in constant time.
pub fn require_ops_token(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    // How to enable them is the operator's business: start-up logged it (with the
    // variable to set); the client only learns that they are off.
    let Some(expected) = state.settings.ops_token.as_deref() else {
        return Err(AppError::forbidden(
            "The ops routes are disabled on this server.",
        ));
    };
    let presented = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if token_matches(presented, expected) {
        Ok(())
    } else {
        Err(AppError::unauthorized(
            "missing or wrong bearer token for an ops route",
        ))
    }
}

/// The body of a mutating ops route, looked at only once the token is right: without
/// credentials a caller learns nothing, not even what the body should be. Handlers take it
/// as a `Result` for that reason.
pub fn after_token<T>(
    req: &HttpRequest,
    state: &AppState,
    body: Result<web::Json<T>, actix_web::Error>,
) -> Result<T, actix_web::Error> {
    require_ops_token(req, state)?;
    Ok(body?.into_inner())
}

/// Compares without an early exit (`subtle`), so the time taken does not reveal how much
/// of a guess matched (only whether its length did).
fn token_matches(presented: &str, expected: &str) -> bool {
    presented.as_bytes().ct_eq(expected.as_bytes()).into()
}

#[utoipa::path(get, path = "/ops/errors",
    security(("ops_token" = [])),
    responses((status = 200, description = "Errors grouped by fingerprint"),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn list_errors(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_ops_token(&req, &state)?;
    Ok(HttpResponse::Ok().json(state.errors.groups()))
}

#[utoipa::path(delete, path = "/ops/errors",
    security(("ops_token" = [])),
    responses((status = 204, description = "The error list is emptied"),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn clear_errors(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_ops_token(&req, &state)?;
    state.errors.clear();
    Ok(HttpResponse::NoContent().finish())
}

/// Closes the kept cover files and empties the error list: the operator's "fix it now".
#[utoipa::path(post, path = "/ops/reset",
    security(("ops_token" = [])),
    responses((status = 200, description = "Kept files closed, error list emptied"),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn reset(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    require_ops_token(&req, &state)?;
    let closed = {
        let mut covers = crate::lock::lock(&state.open_covers);
        let count = covers.len();
        covers.clear();
        count
    };
    state.errors.clear();
    tracing::warn!(closed_files = closed, "ops reset");
    Ok(HttpResponse::Ok().json(serde_json::json!({ "closed_files": closed })))
}

/// The effective error-handling configuration (mode, what error bodies contain, where the
/// details go, the correlation header, backtraces, the probing threshold): the audit's
/// configuration evidence. No secret values.
#[utoipa::path(get, path = "/ops/config",
    security(("ops_token" = [])),
    responses((status = 200, description = "The error-handling configuration in effect"),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn error_config(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_ops_token(&req, &state)?;
    Ok(HttpResponse::Ok().json(ErrorPolicy::of(&state.settings)))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ReleaseSwitch {
    #[schema(example = "v2", pattern = "^v[12]$")]
    version: String,
}

/// `POST /ops/release {"version": "v2"}`: the deploy (or the rollback).
#[utoipa::path(post, path = "/ops/release", request_body = ReleaseSwitch,
    security(("ops_token" = [])),
    responses((status = 200, description = "The release switched"),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn switch_release(
    req: HttpRequest,
    state: web::Data<AppState>,
    // Extracted as a `Result` so a malformed body is looked at only after the token:
    // without credentials a caller learns nothing, not even what the body should be.
    body: Result<web::Json<ReleaseSwitch>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let body = after_token(&req, &state, body)?;
    let Some(switched) = state.release.switch(&body.version) else {
        return Err(AppError::bad_request("Field `version` must be `v1` or `v2`.").into());
    };
    let (from, to) = (switched.from, switched.to);
    tracing::warn!(ops_action = "release", from, to, "release switched");
    Ok(HttpResponse::Ok().json(serde_json::json!({ "from": from, "to": to })))
}

/// `GET /ops/release`: the release serving, and every change since start-up.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ReleaseStatus {
    #[schema(example = "v1")]
    release: &'static str,
    /// Oldest first, the last 50 kept; a switch to the release already serving adds none.
    history: Vec<crate::release::Deployed>,
}

#[utoipa::path(get, path = "/ops/release",
    security(("ops_token" = [])),
    responses((status = 200, description = "The release serving traffic and the release history", body = ReleaseStatus),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn current_release(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_ops_token(&req, &state)?;
    Ok(HttpResponse::Ok().json(ReleaseStatus {
        release: state.release.name(),
        history: state.release.history(),
    }))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SheddingSwitch {
    /// Requests the shop serves at once; beyond it, 503 + Retry-After at once. 0 turns
    /// shedding off.
    #[schema(example = 8, minimum = 0, maximum = 10000)]
    max_in_flight: usize,
}

/// `POST /ops/shedding {"max_in_flight": 8}`: load shedding on (or off with 0), or a new
/// limit, at run time (resource.overload).
#[utoipa::path(post, path = "/ops/shedding", request_body = SheddingSwitch,
    security(("ops_token" = [])),
    responses((status = 200, description = "The limit changed"),
              (status = 400, description = "A malformed body or a limit above 10000", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn switch_shedding(
    req: HttpRequest,
    state: web::Data<AppState>,
    // A `Result`, as for the release switch: the token is checked before the body.
    body: Result<web::Json<SheddingSwitch>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let limit = after_token(&req, &state, body)?.max_in_flight;
    if limit > crate::shedding::MOST_IN_FLIGHT {
        return Err(AppError::bad_request(format!(
            "Field `max_in_flight` must be from 0 (no limit) to {}.",
            crate::shedding::MOST_IN_FLIGHT
        ))
        .into());
    }
    let from = state.shedding.set_limit(limit);
    tracing::warn!(
        ops_action = "shedding",
        from,
        to = limit,
        "load shedding limit switched"
    );
    Ok(HttpResponse::Ok().json(serde_json::json!({ "from": from, "to": limit })))
}

/// `GET /ops/shedding`: the limit and the requests in flight now.
#[utoipa::path(get, path = "/ops/shedding",
    security(("ops_token" = [])),
    responses((status = 200, description = "The in-flight limit (0: none) and the requests in flight"),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn current_shedding(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_ops_token(&req, &state)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "max_in_flight": state.shedding.limit(),
        "in_flight": state.shedding.in_flight(),
    })))
}

#[cfg(test)]
mod tests {
    use super::token_matches;

    #[test]
    fn tokens_match_only_when_equal() {
        assert!(token_matches("secret-token", "secret-token"));
        assert!(!token_matches("secret-tokeN", "secret-token"));
        assert!(!token_matches("secret", "secret-token"));
        assert!(!token_matches("secret-token-and-more", "secret-token"));
        assert!(!token_matches("", "secret-token"));
    }
}
