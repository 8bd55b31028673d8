//! The adapter: everything the harness knows of demo-app in particular, in one place. The
//! pipeline (`scenario`, `runner`, `leaks`, `report`) speaks of modes, backends, settings
//! and a 5xx rate; this module says what those are for the lab's own service: the
//! settings it accepts, the counter its /metrics exposes, the engine behind a backend,
//! and the `serve-app` entry that runs it inside the harness's own executable.

use std::ffi::OsString;
use std::process::ExitCode;

use crate::scenario::BackendName;

/// The settings demo-app accepts (a scenario's `[app]` keys are checked against them).
pub fn setting_names() -> Vec<String> {
    demo_app::settings::KEYS
        .iter()
        .map(|key| key.name.to_string())
        .collect()
}

/// The scenarios folder at `root`, its `[app]` keys checked against demo-app's settings.
pub fn load_scenarios(root: &std::path::Path) -> std::io::Result<crate::scenario::Folder> {
    crate::scenario::load_all(root, setting_names(), Some(TRACKER_DSN_SETTING.to_string()))
}

/// What a lab scenario may name: the classes of the folder at `root` and demo-app's settings.
pub fn vocabulary(
    root: &std::path::Path,
) -> Result<crate::scenario::Vocabulary, Vec<crate::scenario::ScenarioError>> {
    Ok(crate::scenario::Vocabulary {
        classes: crate::scenario::Classes::load(root)?,
        app_settings: setting_names(),
        tracker_setting: Some(TRACKER_DSN_SETTING.to_string()),
    })
}

/// demo-app's setting for the error tracker's DSN: a scenario's `[tracker]` sets it to the
/// run's own project (demo-app reports each 5xx it answers there, tagged with the
/// response's correlation id, except in bare).
pub const TRACKER_DSN_SETTING: &str = "sentry_dsn";

/// The lab's error tracker: `demo-app/tracker/bugsink.sh`, built in, so a run that needs a
/// Bugsink starts one wherever the harness runs (`tracker::lab`).
pub const TRACKER_SCRIPT: &str = include_str!("../../demo-app/tracker/bugsink.sh");

/// demo-app's setting for the address-space limit it sets itself (resource.out-of-memory).
pub const MEMORY_LIMIT_SETTING: &str = "memory_limit_mb";

/// The limit every app the harness starts runs under unless its scenario says otherwise:
/// far above what demo-app reserves (about 650 MiB with 2 workers, 1050 MiB with 16,
/// measured), far below what an allocation sized by a client asks for.
pub const HARNESS_MEMORY_LIMIT_MB: u64 = 4096;

/// The failure class a dead process's last words name, when they name one: Rust's
/// allocation-failure message is resource.out-of-memory wherever it strikes (the abort
/// leaves no log line that could carry the class).
pub fn class_of_last_words(words: &str) -> Option<&'static str> {
    (words.starts_with("memory allocation of") && words.ends_with("failed"))
        .then_some("resource.out-of-memory")
}

/// The Prometheus counter of answered requests, labelled by route, method and status
/// class (`2xx`, `5xx`).
pub const REQUESTS_METRIC: &str = "demo_app_http_requests_total";

/// Routes that observe the app rather than use it: left out of a 5xx rate.
pub const OBSERVER_ROUTES: [&str; 2] = ["route=\"/ops", "route=\"/metrics\""];

/// Requests the app counted in its `/metrics`, the observers' left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestCounts {
    pub requests: u64,
    /// Of those, answered with a 5xx.
    pub server_errors: u64,
}

/// The request counts from the app's /metrics text, leaving out the ops and metrics
/// routes, which are the observer, not the traffic.
pub fn request_counts(metrics: &str) -> RequestCounts {
    let prefix = format!("{REQUESTS_METRIC}{{");
    let mut requests = 0;
    let mut errors = 0;
    for line in metrics.lines() {
        let Some(rest) = line.strip_prefix(prefix.as_str()) else {
            continue;
        };
        let Some((labels, value)) = rest.split_once("} ") else {
            continue;
        };
        if OBSERVER_ROUTES.iter().any(|route| labels.contains(route)) {
            continue;
        }
        let count: u64 = value.trim().parse().unwrap_or(0);
        requests += count;
        if labels.contains("status=\"5xx\"") {
            errors += count;
        }
    }
    RequestCounts {
        requests,
        server_errors: errors,
    }
}

pub mod drill;

/// The storm's knowledge of demo-app (`harness storm`): the order its clients place, the
/// settings that size the pool and point the app at the storm's FX fake, the FX answer, and
/// the SQL that stocks the book and counts the orders placed.
pub mod storm {
    /// Where orders go, and the book every one is for.
    pub const ORDERS_PATH: &str = "/orders";
    const BOOK_ID: i64 = 8;
    /// Enough stock that the storm's orders never run it out.
    const STOCK: i64 = 1_000_000_000;

    /// One copy of the book, priced in dollars: the price needs an FX call, made while the
    /// order holds its pooled connection (the db.pool-exhausted flaw).
    pub fn order_body() -> serde_json::Value {
        serde_json::json!({ "customer_id": 1, "book_id": BOOK_ID, "quantity": 1, "currency": "USD" })
    }

    /// What the FX fake answers.
    pub fn fx_rates_body() -> serde_json::Value {
        serde_json::json!({ "base": "EUR", "rates": { "USD": 1.08 } })
    }

    /// The app's settings: its pool, and the FX upstream at `fx_url`.
    pub fn settings(
        pool_max_connections: u32,
        pool_acquire_timeout_ms: u64,
        fx_url: &str,
    ) -> Vec<(String, String)> {
        vec![
            (
                "pool_max_connections".to_string(),
                pool_max_connections.to_string(),
            ),
            (
                "pool_acquire_timeout_ms".to_string(),
                pool_acquire_timeout_ms.to_string(),
            ),
            ("fx_api_url".to_string(), fx_url.to_string()),
        ]
    }

    /// Stocks the book the orders are for, as the database's owner.
    pub async fn stock_the_book(admin: &sqlx::AnyPool) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE books SET stock = $1 WHERE id = $2")
            .bind(STOCK)
            .bind(BOOK_ID)
            .execute(admin)
            .await
            .map(|_| ())
    }

    /// Orders placed so far.
    pub async fn count_orders(admin: &sqlx::AnyPool) -> Result<u64, sqlx::Error> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
            .fetch_one(admin)
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}

/// The audit's knowledge of demo-app (`harness audit` without `--target`).
pub mod audit {
    /// The setting that points demo-app at its FX upstream (the dependency the audit
    /// makes fail for ASVS 16.5.2).
    pub const DEPENDENCY_SETTING: &str = "fx_api_url";

    /// A request that calls the FX upstream: an order priced in another currency.
    pub const DEPENDENCY_REQUEST: (&str, &str, &str) = (
        "POST",
        "/orders",
        r#"{"customer_id":1,"book_id":2,"quantity":1,"currency":"USD"}"#,
    );

    /// The effective error-handling configuration, behind the ops token.
    pub const CONFIG_ROUTE: &str = "/ops/config";

    /// Endpoints demo-app serves to the public on purpose: health, metrics, its API
    /// description (docs/operations.md). They are allow-listed, not probed as exposures.
    pub const INTENDED_PUBLIC_PATHS: [&str; 3] = ["/healthz", "/metrics", "/openapi.json"];

    /// A route whose query value reaches the error log decoded (the author search's SQL
    /// error): where a hostile value could forge a log line. `{payload}` is filled in.
    pub const LOG_INJECTION_TARGET: &str = "/authors?name={payload}";

    /// The route that answers while the app is alive.
    pub const LIVENESS_PATH: &str = "/healthz";

    /// Routes whose requests change the running app: scenario requests to them are not
    /// replayed by the audit.
    pub const SWITCH_PREFIX: &str = "/ops/";
}

/// The engine a scenario's backend names.
pub fn engine(backend: BackendName) -> lab_support::Backend {
    match backend {
        BackendName::Sqlite => lab_support::Backend::Sqlite,
        BackendName::Postgres => lab_support::Backend::Postgres,
    }
}

/// `harness serve-app ARGS`: runs demo-app in this process, as its own binary would. The
/// harness starts its apps this way, so one executable is all a workshop needs.
pub fn serve(args: Vec<OsString>) -> ExitCode {
    let mut argv = vec![OsString::from("demo-app")];
    argv.extend(args);
    demo_app::cli::main_with_args(argv)
}

/// Turns off library backtraces unless the operator chose otherwise (the served app pays
/// for every capture on its error path; see demo-app's `library_backtraces`).
///
/// # Safety
/// Writes the process environment: call it as the first statement of `main`, before any
/// other thread exists.
#[allow(unsafe_code)]
pub unsafe fn turn_off_library_backtraces() {
    // SAFETY: forwarded from the caller.
    unsafe { demo_app::library_backtraces::turn_off_unless_chosen() };
}

/// Where demo-app listens when someone starts it by hand (its `--bind` default): the base
/// URL of the `curl` lines `fuzz` prints for the apps it started and has stopped since.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

/// How to start demo-app by hand in `mode` on `backend`, listening on `DEFAULT_BASE_URL`.
pub fn start_line(mode: crate::scenario::ModeName, backend: BackendName) -> String {
    let database = match backend {
        BackendName::Sqlite => "",
        BackendName::Postgres => " --database-url postgres://postgres@127.0.0.1/DBNAME",
    };
    format!(
        "harness serve-app --mode {}{database} (or: cargo run -p demo-app -- --mode {}{database})",
        mode.as_str(),
        mode.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::request_counts;

    #[test]
    fn the_error_rate_counts_traffic_and_leaves_out_the_observers() {
        let metrics = "# HELP x\n\
            demo_app_http_requests_total{route=\"/books/{id}\",method=\"GET\",status=\"2xx\"} 95\n\
            demo_app_http_requests_total{route=\"/books/{id}\",method=\"GET\",status=\"5xx\"} 5\n\
            demo_app_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"2xx\"} 3\n\
            demo_app_http_requests_total{route=\"/ops/release\",method=\"POST\",status=\"2xx\"} 1\n\
            demo_app_panics_total 5\n";
        let counts = request_counts(metrics);
        assert_eq!((counts.requests, counts.server_errors), (100, 5));
    }
}
