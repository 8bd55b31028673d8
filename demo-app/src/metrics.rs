//! Request and panic counters, exposed in the Prometheus text format by `prometheus-client`.
//!
//! Each `AppState` owns its counters (no global recorder), so several apps in one process
//! (tests, benches) never mix their numbers. Requests are kept in a sorted map rather than a
//! `Family` (a hash map), so the exposition lists them in a stable order.

use std::collections::BTreeMap;
use std::sync::Mutex;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric as _, prometheus_text};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use sqlx::AnyPool;

use crate::agent_traffic::AgentTraffic;

/// (route pattern, method, status class) -> count.
type Requests = BTreeMap<(String, String, &'static str), u64>;

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<Requests>,
    panics: Counter,
    /// The shop's requests by `User-Agent` (bounded; `agent_traffic`).
    agents: AgentTraffic,
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
        let mut requests = crate::lock::lock(&self.requests);
        *requests
            .entry((route.to_string(), method.to_string(), class))
            .or_default() += 1;
    }

    /// Counts one of the shop's requests against its `User-Agent` (raw header bytes).
    pub fn record_agent(&self, agent: Option<&[u8]>) {
        self.agents.record(agent);
    }

    pub fn record_panic(&self) {
        self.panics.inc();
    }

    /// The Prometheus text exposition (version 0.0.4), including the pool's current state.
    pub fn render(
        &self,
        pool: &AnyPool,
        pool_max: u32,
        release: &str,
        probing_alerts: u64,
    ) -> String {
        let requests = crate::lock::lock(&self.requests).clone();
        let idle = pool.num_idle() as u64;
        let scrape = Scrape {
            requests,
            agents: self.agents.snapshot(),
            panics: self.panics.get(),
            pool_idle: idle,
            pool_in_use: u64::from(pool.size()).saturating_sub(idle),
            pool_max,
            release: release.to_string(),
            probing_alerts,
        };
        let mut registry = Registry::default();
        registry.register_collector(Box::new(scrape));
        let mut out = String::new();
        // Writing to a `String` cannot fail.
        let _ = prometheus_text::encode(&mut out, &registry);
        out
    }
}

/// One scrape's values, in the order the exposition lists them. Read at scrape time from
/// the pool, the release switch and the probing watch, so a collector rather than metrics
/// registered once.
#[derive(Debug)]
struct Scrape {
    requests: Requests,
    /// (agent label, count), sorted by label.
    agents: Vec<(String, u64)>,
    panics: u64,
    pool_idle: u64,
    pool_in_use: u64,
    pool_max: u32,
    release: String,
    probing_alerts: u64,
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut metric = encoder.encode_descriptor(
            "demo_app_http_requests",
            "HTTP responses by route, method and status class.",
            None,
            MetricType::Counter,
        )?;
        for ((route, method, class), count) in &self.requests {
            let labels = [
                ("route", route.as_str()),
                ("method", method.as_str()),
                ("status", class),
            ];
            ConstCounter::new(*count).encode(metric.encode_family(&labels)?)?;
        }
        let mut metric = encoder.encode_descriptor(
            "demo_app_http_requests_by_agent",
            "The shop's requests (not ops, health or metrics) by User-Agent: the first 16 agents, then other; an empty agent when the header is missing.",
            None,
            MetricType::Counter,
        )?;
        for (agent, count) in &self.agents {
            ConstCounter::new(*count)
                .encode(metric.encode_family(&[("agent", agent.as_str())])?)?;
        }
        counter(
            &mut encoder,
            "demo_app_panics",
            "Handler panics caught by the middleware.",
            self.panics,
        )?;
        let mut metric = encoder.encode_descriptor(
            "demo_app_db_pool_connections",
            "Pooled database connections by state.",
            None,
            MetricType::Gauge,
        )?;
        for (state, value) in [("idle", self.pool_idle), ("in_use", self.pool_in_use)] {
            ConstGauge::new(value).encode(metric.encode_family(&[("state", state)])?)?;
        }
        ConstGauge::new(self.pool_max).encode(encoder.encode_descriptor(
            "demo_app_db_pool_max_connections",
            "The pool's configured maximum.",
            None,
            MetricType::Gauge,
        )?)?;
        Info::new([("release", self.release.as_str())]).encode(encoder.encode_descriptor(
            "demo_app_release",
            "The release serving traffic.",
            None,
            MetricType::Info,
        )?)?;
        counter(
            &mut encoder,
            "demo_app_suspected_probing",
            "Clients that crossed the probing threshold (one per client and window).",
            self.probing_alerts,
        )
    }
}

/// A counter without labels; the encoder adds the `_total` suffix.
fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), std::fmt::Error> {
    ConstCounter::new(value).encode(encoder.encode_descriptor(
        name,
        help,
        None,
        MetricType::Counter,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposition(scrape: Scrape) -> String {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(scrape));
        let mut out = String::new();
        prometheus_text::encode(&mut out, &registry).expect("a String takes any text");
        out
    }

    #[test]
    fn the_exposition_keeps_its_names_labels_order_and_escapes() {
        let mut requests = Requests::new();
        requests.insert(("/books/{id}".into(), "GET".into(), "5xx"), 3);
        requests.insert(("/a\"b\\c\nd".into(), "GET".into(), "2xx"), 1);
        let text = exposition(Scrape {
            requests,
            agents: vec![("".into(), 1), ("curl/8.5.0".into(), 4)],
            panics: 2,
            pool_idle: 4,
            pool_in_use: 1,
            pool_max: 5,
            release: "v2".into(),
            probing_alerts: 0,
        });
        assert_eq!(
            text,
            "# HELP demo_app_http_requests_total HTTP responses by route, method and status class.\n\
             # TYPE demo_app_http_requests_total counter\n\
             demo_app_http_requests_total{route=\"/a\\\"b\\\\c\\nd\",method=\"GET\",status=\"2xx\"} 1\n\
             demo_app_http_requests_total{route=\"/books/{id}\",method=\"GET\",status=\"5xx\"} 3\n\
             # HELP demo_app_http_requests_by_agent_total The shop's requests (not ops, health or metrics) by User-Agent: the first 16 agents, then other; an empty agent when the header is missing.\n\
             # TYPE demo_app_http_requests_by_agent_total counter\n\
             demo_app_http_requests_by_agent_total{agent=\"\"} 1\n\
             demo_app_http_requests_by_agent_total{agent=\"curl/8.5.0\"} 4\n\
             # HELP demo_app_panics_total Handler panics caught by the middleware.\n\
             # TYPE demo_app_panics_total counter\n\
             demo_app_panics_total 2\n\
             # HELP demo_app_db_pool_connections Pooled database connections by state.\n\
             # TYPE demo_app_db_pool_connections gauge\n\
             demo_app_db_pool_connections{state=\"idle\"} 4\n\
             demo_app_db_pool_connections{state=\"in_use\"} 1\n\
             # HELP demo_app_db_pool_max_connections The pool's configured maximum.\n\
             # TYPE demo_app_db_pool_max_connections gauge\n\
             demo_app_db_pool_max_connections 5\n\
             # HELP demo_app_release_info The release serving traffic.\n\
             # TYPE demo_app_release_info gauge\n\
             demo_app_release_info{release=\"v2\"} 1\n\
             # HELP demo_app_suspected_probing_total Clients that crossed the probing threshold (one per client and window).\n\
             # TYPE demo_app_suspected_probing_total counter\n\
             demo_app_suspected_probing_total 0\n"
        );
    }
}
