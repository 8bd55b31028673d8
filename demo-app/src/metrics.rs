//! Request and panic counters in the Prometheus text format.
//!
//! Hand-rolled rather than the `metrics` crate's global recorder: each `AppState` owns its
//! counters, so several apps in one process (tests, benches) never mix their numbers, and
//! the whole exposition is a few dozen lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::AnyPool;

#[derive(Debug, Default)]
pub struct Metrics {
    /// (route pattern, method, status class) -> count.
    requests: Mutex<BTreeMap<(String, String, &'static str), u64>>,
    panics: AtomicU64,
}

impl Metrics {
    pub fn record_response(&self, route: &str, method: &str, status: u16) {
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        // A poisoned lock only means another thread panicked mid-increment; the map is
        // still a valid map, so counting goes on.
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *requests
            .entry((route.to_string(), method.to_string(), class))
            .or_default() += 1;
    }

    pub fn record_panic(&self) {
        self.panics.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition, including the pool's current state.
    pub fn render(
        &self,
        pool: &AnyPool,
        pool_max: u32,
        release: &str,
        probing_alerts: u64,
    ) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP demo_app_http_requests_total HTTP responses by route, method and status class.\n\
             # TYPE demo_app_http_requests_total counter\n",
        );
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        for ((route, method, class), count) in requests.iter() {
            let _ = writeln!(
                out,
                "demo_app_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{class}\"}} {count}",
                escape_label(route),
                escape_label(method),
            );
        }
        drop(requests);
        let idle = pool.num_idle() as u64;
        let size = u64::from(pool.size());
        let _ = write!(
            out,
            "# HELP demo_app_panics_total Handler panics caught by the middleware.\n\
             # TYPE demo_app_panics_total counter\n\
             demo_app_panics_total {}\n\
             # HELP demo_app_db_pool_connections Pooled database connections by state.\n\
             # TYPE demo_app_db_pool_connections gauge\n\
             demo_app_db_pool_connections{{state=\"idle\"}} {idle}\n\
             demo_app_db_pool_connections{{state=\"in_use\"}} {}\n\
             # HELP demo_app_db_pool_max_connections The pool's configured maximum.\n\
             # TYPE demo_app_db_pool_max_connections gauge\n\
             demo_app_db_pool_max_connections {pool_max}\n\
             # HELP demo_app_release_info The release serving traffic.\n\
             # TYPE demo_app_release_info gauge\n\
             demo_app_release_info{{release=\"{release}\"}} 1\n\
             # HELP demo_app_suspected_probing_total Clients that crossed the probing threshold (one per client and window).\n\
             # TYPE demo_app_suspected_probing_total counter\n\
             demo_app_suspected_probing_total {probing_alerts}\n",
            self.panics.load(Ordering::Relaxed),
            size.saturating_sub(idle),
        );
        out
    }
}

/// Escapes a label value as the exposition format requires.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::escape_label;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
