//! `/ops/*` routes an incident responder mitigates with (beyond the release switch and
//! shedding in `ops`): pause a runaway job, open the FX circuit breaker, rate-limit one
//! client population, serve the sales report from cache, reload the settings. Each is
//! behind the ops bearer token, checked before the body is looked at; a body with an
//! unknown field is refused; a bad value is a 400 that names the field and the values it
//! takes. Each change logs one warn line with `ops_action` and the values before and after
//! (`harness drill` reads a responder's actions from those lines, curl or not).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::ops::{after_token, require_ops_token};
use crate::error::{AppError, ErrorKind};
use crate::fx_breaker::{Fallback, Position};
use crate::jobs::{CATALOGUE_SYNC, JobState};
use crate::rate_limit::{MOST_PER_SECOND, MOST_RULES};
use crate::reload::ReloadError;
use crate::report_cache::Serve;
use crate::state::AppState;

/// The longest `user_agent` a rule takes, in bytes.
pub const MOST_AGENT_BYTES: usize = 512;

#[utoipa::path(get, path = "/ops/jobs",
    security(("ops_token" = [])),
    responses((status = 200, description = "The background jobs, their state and the pooled connections they hold", body = Vec<crate::jobs::JobStatus>),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn list_jobs(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_ops_token(&req, &state)?;
    Ok(HttpResponse::Ok().json(state.jobs.list()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobSwitch {
    /// `running` (what a scheduler does) or `paused` (what the responder does).
    #[schema(example = "paused", pattern = "^(running|paused)$")]
    state: String,
}

/// `POST /ops/jobs/catalogue-sync {"state": "paused"}`: starts or pauses a job. Paused, its
/// tasks stop at their next step: every connection is back within 1.5 s.
#[utoipa::path(post, path = "/ops/jobs/{name}", request_body = JobSwitch,
    params(("name" = String, Path, description = "The job: `catalogue-sync`")),
    security(("ops_token" = [])),
    responses((status = 200, description = "The job's state before and after"),
              (status = 400, description = "A malformed body or a state other than running or paused", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 404, description = "No job of that name", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn switch_job(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    body: Result<web::Json<JobSwitch>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    require_ops_token(&req, &state)?;
    let name = name.into_inner();
    if name != CATALOGUE_SYNC {
        // The name is not echoed: the answer says which jobs exist instead.
        return Err(AppError::client(
            ErrorKind::NotFound,
            format!("There is no such job; the jobs are `{CATALOGUE_SYNC}`."),
        )
        .into());
    }
    // The token was checked above, before the name and the body.
    let body = body?;
    let to = JobState::requested(&body.state)
        .ok_or_else(|| AppError::bad_request("Field `state` must be `running` or `paused`."))?;
    let from = state
        .jobs
        .set(&name, to)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("job {name} vanished")))?;
    tracing::warn!(
        ops_action = "job",
        job = CATALOGUE_SYNC,
        from = from.name(),
        to = to.name(),
        "job state switched"
    );
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "name": CATALOGUE_SYNC,
        "from": from.name(),
        "to": to.name(),
    })))
}

#[utoipa::path(get, path = "/ops/fx-breaker",
    security(("ops_token" = [])),
    responses((status = 200, description = "The breaker's position, since when it is open, and the remembered rates with their age", body = crate::fx_breaker::BreakerStatus),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn current_fx_breaker(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_ops_token(&req, &state)?;
    Ok(HttpResponse::Ok().json(state.fx.breaker.status()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakerSwitch {
    /// `true`: orders in a non-EUR currency make no upstream call.
    open: bool,
    /// What an open breaker answers: `last-known` (the default: the last rate fetched, at
    /// most `fx_stale_max_s` old) or `fail-fast` (503 + Retry-After).
    #[schema(example = "last-known", pattern = "^(last-known|fail-fast)$")]
    #[serde(default)]
    fallback: Option<String>,
}

/// `POST /ops/fx-breaker {"open": true, "fallback": "last-known"}`.
#[utoipa::path(post, path = "/ops/fx-breaker", request_body = BreakerSwitch,
    security(("ops_token" = [])),
    responses((status = 200, description = "The breaker's position before and after"),
              (status = 400, description = "A malformed body or an unknown fallback", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn switch_fx_breaker(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Json<BreakerSwitch>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let body = after_token(&req, &state, body)?;
    let fallback = match body.fallback.as_deref() {
        None => Fallback::LastKnown,
        Some(text) => Fallback::parse(text).ok_or_else(|| {
            AppError::bad_request(format!("Field `fallback` must be {}.", Fallback::NAMES))
        })?,
    };
    let (from, to) = state.fx.breaker.set(Position {
        open: body.open,
        fallback,
    });
    tracing::warn!(
        ops_action = "fx-breaker",
        from = %describe(from),
        to = %describe(to),
        "FX breaker switched"
    );
    Ok(HttpResponse::Ok().json(serde_json::json!({ "from": from, "to": to })))
}

/// A position in a log line: `closed`, `open, last-known` or `open, fail-fast`.
fn describe(position: Position) -> &'static str {
    match (position.open, position.fallback) {
        (false, _) => "closed",
        (true, Fallback::LastKnown) => "open, last-known",
        (true, Fallback::FailFast) => "open, fail-fast",
    }
}

#[utoipa::path(get, path = "/ops/rate-limit",
    security(("ops_token" = [])),
    responses((status = 200, description = "The rules, each with the requests it answered 429 so far", body = Vec<crate::rate_limit::RuleStatus>),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn current_rate_limits(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_ops_token(&req, &state)?;
    Ok(HttpResponse::Ok().json(state.rate_limits.list()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitRule {
    /// The exact `User-Agent` of the population to limit (`/metrics` lists them by agent).
    #[schema(example = "shop-app/2.0", min_length = 1, max_length = 512)]
    user_agent: String,
    /// Requests a second it may send (a burst of as many); 0 removes the rule.
    #[schema(example = 20, minimum = 0, maximum = 10000)]
    per_second: u64,
}

/// `POST /ops/rate-limit {"user_agent": "shop-app/2.0", "per_second": 20}`.
#[utoipa::path(post, path = "/ops/rate-limit", request_body = RateLimitRule,
    security(("ops_token" = [])),
    responses((status = 200, description = "The agent's limit before and after (null: none)"),
              (status = 400, description = "A malformed body, a limit above 10000, an empty or overlong agent, or a 33rd rule", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn set_rate_limit(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Json<RateLimitRule>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let RateLimitRule {
        user_agent,
        per_second,
    } = after_token(&req, &state, body)?;
    if user_agent.is_empty()
        || user_agent.len() > MOST_AGENT_BYTES
        || user_agent.chars().any(char::is_control)
    {
        return Err(AppError::bad_request(format!(
            "Field `user_agent` must be the exact User-Agent, 1 to {MOST_AGENT_BYTES} bytes \
             without control characters."
        ))
        .into());
    }
    let per_second = u32::try_from(per_second)
        .ok()
        .filter(|n| *n <= MOST_PER_SECOND)
        .ok_or_else(|| {
            AppError::bad_request(format!(
                "Field `per_second` must be from 1 to {MOST_PER_SECOND}, or 0 to remove the rule."
            ))
        })?;
    let (from, to) = state
        .rate_limits
        .set(&user_agent, per_second)
        .map_err(|_| {
            AppError::bad_request(format!(
                "At most {MOST_RULES} rules: remove one (`per_second`: 0) before adding another."
            ))
        })?;
    tracing::warn!(
        ops_action = "rate-limit",
        user_agent = %user_agent,
        from = from.map_or("none".to_string(), |n| n.to_string()),
        to = to.map_or("none".to_string(), |n| n.to_string()),
        "rate limit switched"
    );
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "user_agent": user_agent,
        "from": from,
        "to": to,
    })))
}

#[utoipa::path(get, path = "/ops/reports",
    security(("ops_token" = [])),
    responses((status = 200, description = "Where sales reports come from (live or cached) and how many answers are kept"),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn current_reports(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_ops_token(&req, &state)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "serve": state.reports.serve(),
        "cached_answers": state.reports.len(),
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportsSwitch {
    /// `live` runs the query (and keeps each answer); `cached` runs none and answers the
    /// kept answer for the range, or 503.
    #[schema(example = "cached", pattern = "^(live|cached)$")]
    serve: String,
}

/// `POST /ops/reports {"serve": "cached"}`: the sales report's graceful degradation.
#[utoipa::path(post, path = "/ops/reports", request_body = ReportsSwitch,
    security(("ops_token" = [])),
    responses((status = 200, description = "The mode before and after"),
              (status = 400, description = "A malformed body or a mode other than live or cached", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn switch_reports(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Json<ReportsSwitch>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let body = after_token(&req, &state, body)?;
    let to = Serve::parse(&body.serve)
        .ok_or_else(|| AppError::bad_request(format!("Field `serve` must be {}.", Serve::NAMES)))?;
    let from = state.reports.set_serve(to);
    tracing::warn!(
        ops_action = "reports",
        from = from.name(),
        to = to.name(),
        "sales report source switched"
    );
    Ok(HttpResponse::Ok().json(serde_json::json!({ "from": from, "to": to })))
}

/// `POST /ops/reload`: the settings read again as start-up read them; `fx_api_key` and
/// `fx_timeout_ms` applied, the other changes named as needing a restart.
#[utoipa::path(post, path = "/ops/reload",
    security(("ops_token" = [])),
    responses((status = 200, description = "The settings applied, unchanged and needing a restart, by name", body = crate::reload::Reloaded),
              (status = 401, description = "A missing or wrong bearer token", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 403, description = "The ops routes are disabled on this server", content_type = "application/problem+json", body = crate::render::Problem),
              (status = 422, description = "The settings do not read (the file does not parse, a value is bad): nothing was applied", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn reload(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_ops_token(&req, &state)?;
    // The file is read off the async workers, as every blocking read should be.
    let recipe = state.reloader.recipe().clone();
    let read = web::block(move || recipe.read_now()).await.map_err(|e| {
        AppError::internal(anyhow::Error::new(e).context("Failed to re-read the settings"))
    })?;
    let reloaded = match state.reloader.apply(read, &state.fx) {
        Ok(reloaded) => reloaded,
        Err(ReloadError::Settings { detail, .. }) => {
            return Err(AppError::client(ErrorKind::Unprocessable, detail));
        }
        Err(ReloadError::Unexpected(e)) => return Err(AppError::internal(e)),
    };
    tracing::warn!(
        ops_action = "reload",
        applied = %reloaded.applied.join(","),
        needs_restart = %reloaded.needs_restart.join(","),
        "settings reloaded"
    );
    Ok(HttpResponse::Ok().json(reloaded))
}
