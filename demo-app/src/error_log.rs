//! The ops error list: errors grouped by fingerprint with counts, first and last seen, and
//! sample correlation ids, the way an error aggregator (Sentry and friends) shows them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::error::AppError;

/// How many correlation ids each group keeps (the newest ones).
const SAMPLES: usize = 5;

#[derive(Debug, Default)]
pub struct ErrorLog {
    groups: Mutex<HashMap<String, ErrorGroup>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorGroup {
    pub fingerprint: String,
    pub kind: &'static str,
    pub status: u16,
    pub route: String,
    pub count: u64,
    pub first_seen_unix_ms: u128,
    pub last_seen_unix_ms: u128,
    pub sample_correlation_ids: Vec<String>,
}

impl ErrorLog {
    pub fn record(&self, error: &AppError, status: u16, route: &str, correlation_id: &str) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        let fingerprint = format!("{route} {}", error.fingerprint());
        let mut groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        let group = groups
            .entry(fingerprint.clone())
            .or_insert_with(|| ErrorGroup {
                fingerprint,
                kind: error.kind.slug(),
                status,
                route: route.to_string(),
                count: 0,
                first_seen_unix_ms: now,
                last_seen_unix_ms: now,
                sample_correlation_ids: Vec::new(),
            });
        group.count += 1;
        group.last_seen_unix_ms = now;
        if group.sample_correlation_ids.len() == SAMPLES {
            group.sample_correlation_ids.remove(0);
        }
        group
            .sample_correlation_ids
            .push(correlation_id.to_string());
    }

    /// Every group, most frequent first.
    pub fn groups(&self) -> Vec<ErrorGroup> {
        let groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        let mut list: Vec<ErrorGroup> = groups.values().cloned().collect();
        list.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.fingerprint.cmp(&b.fingerprint))
        });
        list
    }

    pub fn clear(&self) {
        self.groups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
