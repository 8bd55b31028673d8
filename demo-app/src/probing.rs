//! Noticing a fuzzer: error answers (4xx and 500) are counted per client in a sliding
//! window, and past a threshold the app logs one `suspected probing` warning per client
//! and window, with the counts and sample correlation ids, and counts the alert for
//! `/metrics`. "Repeated 500s from one source might indicate attacker probing."
//!
//! Overload answers (502/503/504, 429) are not counted: they say the service struggles,
//! not that the client misbehaves. Memory is bounded: a fixed number of shards, each
//! holding at most `CLIENTS_PER_SHARD` clients, stale ones dropped first.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The window errors are counted over.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Correlation ids kept per client and window, for the warning.
const SAMPLES: usize = 5;
const SHARDS: usize = 16;
const CLIENTS_PER_SHARD: usize = 1024;

#[derive(Debug)]
pub struct ProbeWatch {
    threshold: u32,
    shards: Vec<Mutex<HashMap<String, Window>>>,
    alerts: AtomicU64,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    current: u32,
    previous: u32,
    client_errors: u32,
    server_errors: u32,
    warned: bool,
    samples: Vec<String>,
}

/// What the caller should log, once per client and window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspicion {
    pub client: String,
    pub errors_in_window: u32,
    pub client_errors: u32,
    pub server_errors: u32,
    pub sample_correlation_ids: Vec<String>,
}

impl ProbeWatch {
    /// `threshold`: errors per window above which a client is suspected; 0 turns it off.
    pub fn new(threshold: u32) -> ProbeWatch {
        ProbeWatch {
            threshold,
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            alerts: AtomicU64::new(0),
        }
    }

    /// Whether `status` counts as a sign of probing.
    pub fn counts(status: u16) -> bool {
        (400..=500).contains(&status) && status != 429
    }

    /// Records an error answer; returns a suspicion the first time the client crosses the
    /// threshold in a window.
    pub fn record(
        &self,
        client: &str,
        status: u16,
        correlation_id: &str,
        now: Instant,
    ) -> Option<Suspicion> {
        if self.threshold == 0 || !Self::counts(status) {
            return None;
        }
        let mut hasher = DefaultHasher::new();
        client.hash(&mut hasher);
        let shard = &self.shards[(hasher.finish() as usize) % SHARDS];
        let mut clients = crate::lock::lock(shard);
        if !clients.contains_key(client) && clients.len() >= CLIENTS_PER_SHARD {
            clients.retain(|_, w| now.saturating_duration_since(w.start) < WINDOW * 2);
            if clients.len() >= CLIENTS_PER_SHARD
                && let Some(oldest) = clients
                    .iter()
                    .min_by_key(|(_, w)| w.start)
                    .map(|(k, _)| k.clone())
            {
                clients.remove(&oldest);
            }
        }
        let window = clients
            .entry(client.to_string())
            .or_insert_with(|| Window::starting(now, 0));
        let age = now.saturating_duration_since(window.start);
        if age >= WINDOW * 2 {
            *window = Window::starting(now, 0);
        } else if age >= WINDOW {
            *window = Window::starting(window.start + WINDOW, window.current);
        }
        window.current += 1;
        if status >= 500 {
            window.server_errors += 1;
        } else {
            window.client_errors += 1;
        }
        if window.samples.len() < SAMPLES {
            window.samples.push(correlation_id.to_string());
        }
        // The sliding estimate: this window's count plus the share of the previous one
        // that still lies inside the last WINDOW.
        let elapsed =
            now.saturating_duration_since(window.start).as_secs_f64() / WINDOW.as_secs_f64();
        let estimate =
            f64::from(window.current) + f64::from(window.previous) * (1.0 - elapsed.min(1.0));
        if window.warned || estimate <= f64::from(self.threshold) {
            return None;
        }
        window.warned = true;
        self.alerts.fetch_add(1, Ordering::Relaxed);
        Some(Suspicion {
            client: client.to_string(),
            errors_in_window: estimate.round() as u32,
            client_errors: window.client_errors,
            server_errors: window.server_errors,
            sample_correlation_ids: window.samples.clone(),
        })
    }

    /// Suspicions raised so far, for `/metrics`.
    pub fn alerts(&self) -> u64 {
        self.alerts.load(Ordering::Relaxed)
    }
}

impl Window {
    /// A window opening at `start`, after one that counted `previous` errors.
    fn starting(start: Instant, previous: u32) -> Window {
        Window {
            start,
            current: 0,
            previous,
            client_errors: 0,
            server_errors: 0,
            warned: false,
            samples: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_errors_trips_once_per_window_and_ordinary_traffic_never() {
        let watch = ProbeWatch::new(10);
        let start = Instant::now();
        let mut suspicions = Vec::new();
        for i in 0..30 {
            let at = start + Duration::from_millis(i * 100);
            suspicions.extend(watch.record("10.0.0.9", 404, &format!("id-{i}"), at));
        }
        assert_eq!(suspicions.len(), 1, "one warning per client and window");
        let first = &suspicions[0];
        assert_eq!(first.errors_in_window, 11);
        assert_eq!(first.sample_correlation_ids.len(), SAMPLES);
        // Another client, a few mistakes a minute apart, and overload answers: nothing.
        for i in 0..20 {
            let at = start + Duration::from_secs(i * 30);
            assert_eq!(watch.record("10.0.0.7", 404, "x", at), None);
            assert_eq!(watch.record("10.0.0.7", 503, "x", at), None);
        }
        // The burst client is warned again in a later window if it goes on.
        let later = start + WINDOW * 3;
        let again: Vec<_> = (0..12)
            .filter_map(|i| watch.record("10.0.0.9", 500, "y", later + Duration::from_millis(i)))
            .collect();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].server_errors, 11);
        assert_eq!(watch.alerts(), 2);
    }

    #[test]
    fn a_zero_threshold_turns_it_off_and_memory_stays_bounded() {
        let off = ProbeWatch::new(0);
        let now = Instant::now();
        assert!((0..100).all(|_| off.record("c", 400, "i", now).is_none()));
        let watch = ProbeWatch::new(1000);
        for i in 0..(SHARDS * CLIENTS_PER_SHARD + 500) {
            watch.record(&format!("client-{i}"), 400, "i", now);
        }
        let tracked: usize = watch
            .shards
            .iter()
            .map(|s| s.lock().map(|m| m.len()).unwrap_or(0))
            .sum();
        assert!(tracked <= SHARDS * CLIENTS_PER_SHARD, "{tracked}");
    }
}
