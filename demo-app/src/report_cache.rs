//! The sales report's graceful degradation: the answer to slow report queries after data
//! growth, until the query is fixed (db.statement-timeout). In `live` mode the report runs
//! its query, and every successful answer is kept (by range, at most `KEPT` of them, the
//! oldest evicted). In `cached` mode (`POST /ops/reports {"serve": "cached"}`) the report
//! runs no query at all: it answers the kept answer for the same range, with its `Age`, or
//! 503 + Retry-After when none is kept. The database gets its connections back; the report
//! readers get an answer that is as old as it says.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Answers kept at most.
pub const KEPT: usize = 64;

/// Where `/reports/sales` answers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Serve {
    /// The query runs; answers are kept.
    Live,
    /// No query: the kept answer, or 503.
    Cached,
}

impl Serve {
    pub const NAMES: &str = "`live` or `cached`";

    pub fn name(self) -> &'static str {
        match self {
            Serve::Live => "live",
            Serve::Cached => "cached",
        }
    }

    pub fn parse(text: &str) -> Option<Serve> {
        match text {
            "live" => Some(Serve::Live),
            "cached" => Some(Serve::Cached),
            _ => None,
        }
    }
}

/// A kept answer: its JSON body and how old it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAnswer {
    pub body: String,
    pub age: Duration,
}

#[derive(Debug, Default)]
pub struct ReportCache {
    cached: AtomicBool,
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    /// (from, to) -> (body, kept at, order kept in).
    answers: HashMap<(String, String), (String, Instant, u64)>,
    /// Counts every keep: the smallest order is the oldest (instants can tie).
    kept_so_far: u64,
}

impl ReportCache {
    pub fn serve(&self) -> Serve {
        if self.cached.load(Ordering::Acquire) {
            Serve::Cached
        } else {
            Serve::Live
        }
    }

    /// Switches the mode; returns the one before.
    pub fn set_serve(&self, to: Serve) -> Serve {
        if self.cached.swap(to == Serve::Cached, Ordering::AcqRel) {
            Serve::Cached
        } else {
            Serve::Live
        }
    }

    pub fn len(&self) -> usize {
        crate::lock::lock(&self.kept).answers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps a live answer for the range, evicting the oldest beyond `KEPT`.
    pub fn keep(&self, from: &str, to: &str, body: &str) {
        let mut kept = crate::lock::lock(&self.kept);
        let key = (from.to_string(), to.to_string());
        if !kept.answers.contains_key(&key) && kept.answers.len() >= KEPT {
            let oldest = kept
                .answers
                .iter()
                .min_by_key(|(_, (_, _, order))| *order)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                kept.answers.remove(&oldest);
            }
        }
        kept.kept_so_far += 1;
        let order = kept.kept_so_far;
        kept.answers
            .insert(key, (body.to_string(), Instant::now(), order));
    }

    /// The kept answer for the range, if any.
    pub fn kept(&self, from: &str, to: &str) -> Option<KeptAnswer> {
        let kept = crate::lock::lock(&self.kept);
        // Looked up without building a key: the map is small, a scan costs less than two
        // allocations.
        kept.answers
            .iter()
            .find(|((f, t), _)| f == from && t == to)
            .map(|(_, (body, at, _))| KeptAnswer {
                body: body.clone(),
                age: at.elapsed(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_by_range_and_the_oldest_goes_first() {
        let cache = ReportCache::default();
        assert_eq!(cache.serve(), Serve::Live);
        cache.keep("2026-01-01", "2026-01-31", "{\"days\":31}");
        assert_eq!(
            cache.kept("2026-01-01", "2026-01-31").map(|k| k.body),
            Some("{\"days\":31}".to_string())
        );
        assert_eq!(cache.kept("2026-01-01", "2026-01-30"), None);
        for day in 0..KEPT + 5 {
            cache.keep("2025-01-01", &format!("day-{day}"), "{}");
        }
        assert_eq!(cache.len(), KEPT);
        assert_eq!(
            cache.kept("2026-01-01", "2026-01-31"),
            None,
            "evicted first"
        );
        assert!(
            cache
                .kept("2025-01-01", &format!("day-{}", KEPT + 4))
                .is_some()
        );
        assert_eq!(cache.set_serve(Serve::Cached), Serve::Live);
        assert_eq!(cache.serve(), Serve::Cached);
        assert_eq!(Serve::parse("cached"), Some(Serve::Cached));
        assert_eq!(Serve::parse("stale"), None);
    }
}
