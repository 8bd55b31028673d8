//! The drill's knowledge of demo-app (`harness drill`): the shop traffic a steady day looks
//! like, the settings the drill's app runs with, the ops routes a responder uses, and the
//! SQL of the data growth. The drill's engine speaks of requests, mitigations and signals;
//! what those are for this service is said here.

use reqwest::Method;

/// One kind of request in the shop's traffic, with its share.
#[derive(Debug, Clone)]
pub struct Visit {
    pub weight: u32,
    pub method: Method,
    /// Candidates: one is drawn per request.
    pub paths: &'static [&'static str],
    /// A JSON body for a POST; `None` for a GET.
    pub bodies: &'static [&'static str],
}

/// A day at the bookshop: mostly browsing and book pages, some searches and customer
/// pages, orders (half of them priced in another currency: an FX call each) and a few
/// sales reports. Every path here is one the seed data serves without a lesson's flaw
/// (no book 13, no customer 4, no emoji search, no empty day's average).
pub fn shop_traffic() -> Vec<Visit> {
    vec![
        Visit {
            weight: 10,
            method: Method::GET,
            paths: &["/books"],
            bodies: &[],
        },
        Visit {
            weight: 36,
            method: Method::GET,
            paths: &[
                "/books/1",
                "/books/2",
                "/books/3",
                "/books/5",
                "/books/7",
                "/books/8",
                "/books/9",
                "/books/10",
                "/books/11",
                "/books/12",
            ],
            bodies: &[],
        },
        Visit {
            weight: 8,
            method: Method::GET,
            // Not book 8: every order of the day is for it, and its recommendations are
            // a self-join over those orders that grows with the square of the day's
            // sales (a drill would slow down by itself within minutes).
            paths: &[
                "/books/1/recommendations",
                "/books/10/recommendations",
                "/books/11/recommendations",
            ],
            bodies: &[],
        },
        Visit {
            weight: 10,
            method: Method::GET,
            paths: &[
                "/search?q=rust",
                "/search?q=planet",
                "/search?q=programming",
                "/search?q=mathematics",
            ],
            bodies: &[],
        },
        Visit {
            weight: 12,
            method: Method::GET,
            paths: &["/customers/1", "/customers/2", "/customers/3"],
            bodies: &[],
        },
        Visit {
            weight: 16,
            method: Method::POST,
            paths: &["/orders"],
            bodies: &[
                r#"{"customer_id":1,"book_id":8,"quantity":1,"currency":"EUR"}"#,
                r#"{"customer_id":2,"book_id":8,"quantity":1,"currency":"USD"}"#,
                r#"{"customer_id":3,"book_id":8,"quantity":2,"currency":"EUR"}"#,
                r#"{"customer_id":1,"book_id":8,"quantity":1,"currency":"GBP"}"#,
            ],
        },
        Visit {
            weight: 4,
            method: Method::GET,
            paths: &[
                "/reports/sales?from=2026-11-01&to=2026-11-30",
                "/reports/sales?from=2026-10-01&to=2026-11-30",
                "/reports/sales?from=2026-11-15&to=2026-11-30",
            ],
            bodies: &[],
        },
    ]
}

/// The User-Agents the shop's customers arrive with (browsers and the shop's own app).
pub const CUSTOMER_AGENTS: [&str; 4] = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
    "CrashCourseBooks-iOS/4.2 (iPhone; iOS 18.1)",
];

/// The route a new client population hammers in the traffic spike: it holds a pooled
/// connection for `RECOMMENDATIONS_QUERY_MS` (resource.overload), so it saturates first.
pub const SPIKE_PATHS: [&str; 3] = [
    "/books/2/recommendations",
    "/books/9/recommendations",
    "/books/12/recommendations",
];

/// What the spike's population requests: the recommendations, nothing else.
pub fn spike_traffic() -> Vec<Visit> {
    vec![Visit {
        weight: 1,
        method: Method::GET,
        paths: &SPIKE_PATHS,
        bodies: &[],
    }]
}

/// The new population's User-Agent: a partner's catalogue mirror, switched on today.
pub const SPIKE_AGENT: &str = "catalogue-mirror/2.3 (+https://partner.example/mirror)";

/// The page whose errors the bad release (v2) brings (release.bad-deploy).
pub const BAD_RELEASE: &str = "v2";
pub const GOOD_RELEASE: &str = "v1";

/// The drill's app: a small pool (4 connections, so one runaway job or one slow upstream
/// takes it), recommendations that cost what they would on a real order history, and the
/// FX upstream at `fx_url` with its key. All of it goes to the app's `--config` file, where
/// a secret rotation rewrites the key (`FX_KEY_SETTING`).
pub fn settings(fx_url: &str, ops_token: &str) -> Vec<(String, String)> {
    [
        ("pool_max_connections", "4"),
        ("recommendations_query_ms", RECOMMENDATIONS_QUERY_MS),
        ("fx_api_url", fx_url),
        ("ops_token", ops_token),
        (FX_KEY_SETTING, FX_KEY),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .collect()
}

const RECOMMENDATIONS_QUERY_MS: &str = "25";

/// The FX key the drill's app starts with, and the one the provider rotates to.
pub const FX_KEY: &str = "fxk-live-2026q4-7d1e";
pub const ROTATED_FX_KEY: &str = "fxk-live-2027q1-c93b";

/// The setting that holds the FX key.
pub const FX_KEY_SETTING: &str = "fx_api_key";

/// Where demo-app's FX client puts its key (the upstream checks it).
pub const FX_KEY_PARAMETER: &str = "api_key";

/// What the FX fake answers for a rate.
pub fn fx_rates_body() -> serde_json::Value {
    serde_json::json!({ "base": "EUR", "rates": { "USD": 1.08, "GBP": 0.84 } })
}

/// The data growth: a year-old order history (ROWS rows) imported at once, as the
/// database's owner, in one statement. It belongs to the archived account (customer 4) and
/// one book nobody browses now, as an old history would: the other pages only scan it. The sales report's running total re-reads every
/// order for every day of its range (db.statement-timeout), so this many rows take it past
/// the statement timeout.
pub fn growth_sql(postgres: bool) -> &'static str {
    if postgres {
        "INSERT INTO orders (customer_id, book_id, quantity, total_cents, placed_on) \
         SELECT 4, 6, 1, 999, '2025-06-01' \
         FROM generate_series(1, 500000) AS n"
    } else {
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500000) \
         INSERT INTO orders (customer_id, book_id, quantity, total_cents, placed_on) \
         SELECT 4, 6, 1, 999, '2025-06-01' FROM n"
    }
}

/// The ops routes of the drill (docs/operations.md).
pub mod ops {
    pub const ERRORS: &str = "/ops/errors";
    pub const RELEASE: &str = "/ops/release";
    pub const JOBS: &str = "/ops/jobs";
    /// The job a scheduler starts and that can run away with the pool.
    pub const JOB: &str = "catalogue-sync";
    pub const FX_BREAKER: &str = "/ops/fx-breaker";
    pub const RATE_LIMIT: &str = "/ops/rate-limit";
    pub const SHEDDING: &str = "/ops/shedding";
    pub const RELOAD: &str = "/ops/reload";
    pub const REPORTS: &str = "/ops/reports";
    /// The field every mutating ops route logs, naming what it did.
    pub const ACTION_FIELD: &str = "ops_action";
}

/// The metric of requests per User-Agent (bounded: 16 agents, then `other`).
pub const AGENT_METRIC: &str = "demo_app_http_requests_by_agent_total";
/// The pool gauges.
pub const POOL_METRIC: &str = "demo_app_db_pool_connections";
pub const POOL_MAX_METRIC: &str = "demo_app_db_pool_max_connections";

/// The lab's Prometheus rules (demo-app/monitoring), built in so a drill evaluates them
/// wherever the harness runs: the recording rules, then the alerts (a plain 1 % threshold
/// and the multiwindow burn-rate alerts).
pub const PROMETHEUS_RULES: [(&str, &str); 2] = [
    (
        "recording.rules.yml",
        include_str!("../../../demo-app/monitoring/recording.rules.yml"),
    ),
    (
        "alerts.rules.yml",
        include_str!("../../../demo-app/monitoring/alerts.rules.yml"),
    ),
];

/// The scrape job's name the rules aggregate by.
pub const PROMETHEUS_JOB: &str = "demo-app";
