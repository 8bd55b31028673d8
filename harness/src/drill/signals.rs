//! What the autopilot reads, as an on-call engineer would: `/metrics` once a second, the
//! error groups and the other ops routes with the token, and the tail of the JSON log. No
//! judgement here; `responder` decides.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::responder::Pager;
use crate::app::drill as shop;
use crate::app::drill::ops;

/// One reading of /metrics.
#[derive(Debug, Clone, Default)]
pub(super) struct Reading {
    pub(super) requests: u64,
    pub(super) server_errors: u64,
    pub(super) by_agent: BTreeMap<String, u64>,
}

pub(super) fn parse_metrics(text: &str) -> Reading {
    let counts = crate::app::request_counts(text);
    let prefix = format!("{}{{agent=\"", shop::AGENT_METRIC);
    let mut by_agent = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(prefix.as_str()) else {
            continue;
        };
        let Some((agent, value)) = rest.split_once("\"} ") else {
            continue;
        };
        by_agent.insert(agent.to_string(), value.trim().parse().unwrap_or(0));
    }
    Reading {
        requests: counts.requests,
        server_errors: counts.server_errors,
        by_agent,
    }
}

/// An error group as /ops/errors lists it (the fields the runbook reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Group {
    pub kind: String,
    pub status: u16,
    pub route: String,
    #[serde(default)]
    pub message: String,
    pub count: u64,
    #[serde(default)]
    pub first_release: String,
}

/// One "request failed" line of the log.
pub(super) struct LoggedFailure {
    /// The cause chain, and the panic message if any.
    pub(super) chain: String,
    /// Its statement was a read (SELECT or WITH).
    pub(super) read: bool,
}

/// The last "request failed" lines in the log (its tail), as `grep` and `tail` would show
/// them.
pub(super) fn recent_failures(log_file: &std::path::Path) -> Vec<LoggedFailure> {
    // Enough lines that a route with a small share of the traffic still shows among the
    // failures of the busiest ones.
    const TAIL_BYTES: u64 = 2 * 1024 * 1024;
    let Ok(mut file) = std::fs::File::open(log_file) else {
        return Vec::new();
    };
    use std::io::{Read as _, Seek as _};
    let length = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(std::io::SeekFrom::Start(length.saturating_sub(TAIL_BYTES)));
    let mut tail = Vec::new();
    if file.take(TAIL_BYTES).read_to_end(&mut tail).is_err() {
        return Vec::new();
    }
    String::from_utf8_lossy(&tail)
        .lines()
        .filter(|line| line.contains("\"request failed\""))
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|entry| {
            let fields = entry.get("fields")?;
            let chain = fields.get("chain")?.as_str()?;
            let panic = fields
                .get("panic_message")
                .and_then(|p| p.as_str())
                .unwrap_or("");
            let sql = fields.get("sql").and_then(|s| s.as_str()).unwrap_or("");
            let verb = sql.trim_start().get(..6).unwrap_or("").to_ascii_uppercase();
            Some(LoggedFailure {
                chain: format!("{chain} {panic}"),
                read: verb.starts_with("SELECT") || verb.starts_with("WITH"),
            })
        })
        .rev()
        .take(5000)
        .collect()
}

pub(super) async fn get_groups(client: &reqwest::Client, pager: &Pager) -> Vec<Group> {
    get_json(client, pager, ops::ERRORS)
        .await
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default()
}

pub(super) async fn get_json(
    client: &reqwest::Client,
    pager: &Pager,
    path: &str,
) -> Option<serde_json::Value> {
    let text = get_text(client, pager, path).await?;
    serde_json::from_str(&text).ok()
}

pub(super) async fn get_text(
    client: &reqwest::Client,
    pager: &Pager,
    path: &str,
) -> Option<String> {
    let response = client
        .get(format!("{}{path}", pager.base_url))
        .bearer_auth(&pager.ops_token)
        .timeout(Duration::from_millis(900))
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.text().await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_read_by_agent() {
        let text = "demo_app_http_requests_total{route=\"/books/{id}\",method=\"GET\",status=\"2xx\"} 90\n\
            demo_app_http_requests_total{route=\"/books/{id}\",method=\"GET\",status=\"5xx\"} 10\n\
            demo_app_http_requests_by_agent_total{agent=\"bot/1\"} 70\n\
            demo_app_http_requests_by_agent_total{agent=\"\"} 30\n";
        let reading = parse_metrics(text);
        assert_eq!((reading.requests, reading.server_errors), (100, 10));
        assert_eq!(reading.by_agent.get("bot/1"), Some(&70));
        assert_eq!(reading.by_agent.get(""), Some(&30));
    }
}
