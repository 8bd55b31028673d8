//! Load shedding (resource.overload): a limit on the shop's requests in flight, checked
//! before any handler runs. Beyond the limit a request is answered at once with 503 (and,
//! in prod, `Retry-After`), so the requests that are admitted still finish in time.
//!
//! A small `from_fn` middleware with one atomic counter, not a crate: actix-governor is a
//! rate limiter (requests per client per second, not work in flight) and GPL-licensed;
//! tower's `load_shed`/`concurrency_limit` are tower Services, not actix Transforms; and
//! actix-web's own `max_connections` stops accepting connections (clients then wait in the
//! kernel's backlog) instead of answering.
//!
//! The ops, health and metrics routes are never shed: an operator must reach
//! `POST /ops/shedding` during the spike, and a health check that fails because the shop
//! is busy gets a busy service restarted, which is a worse outage.

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::{AppError, ErrorKind};
use crate::state::AppState;

/// The largest limit `max_in_flight` and `POST /ops/shedding` accept: above it a "limit"
/// no longer limits anything a pool of at most 100 connections serves.
pub const MOST_IN_FLIGHT: usize = 10_000;

/// The limit and the count of requests in flight under it.
#[derive(Debug, Default)]
pub struct Shedding {
    /// 0: no limit.
    limit: AtomicUsize,
    in_flight: AtomicUsize,
}

/// One admitted request; dropping it (the response is built, or the client went away and
/// actix dropped the handler) frees its place.
#[must_use = "the place is held only while the guard lives"]
pub struct Admitted<'a> {
    in_flight: &'a AtomicUsize,
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Shedding {
    pub fn new(limit: usize) -> Shedding {
        Shedding {
            limit: AtomicUsize::new(limit),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// The limit (0: none).
    pub fn limit(&self) -> usize {
        self.limit.load(Ordering::Acquire)
    }

    /// Sets the limit (0 turns shedding off) and returns the previous one. Requests already
    /// admitted finish; the new limit applies to the next ones.
    pub fn set_limit(&self, limit: usize) -> usize {
        self.limit.swap(limit, Ordering::AcqRel)
    }

    /// Requests admitted and not finished.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Admits one request, or `Err(limit)` when `limit` requests are already in flight.
    pub fn admit(&self) -> Result<Admitted<'_>, usize> {
        let limit = self.limit();
        let before = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let admitted = Admitted {
            in_flight: &self.in_flight,
        };
        // DELIBERATE (resource.overload): with `max_in_flight = 0`, the default, there is
        // no admission control: every request is admitted and waits for a pooled
        // connection, up to `pool_acquire_timeout_ms` (3 s), long after its client gave up
        // (1 s). Under a spike several times capacity the queue grows until every answer
        // comes too late, and the app still does the work: goodput collapses though
        // nothing is broken. The fix: a limit by default (requests in flight = capacity x
        // the latency clients accept), answering 503 + Retry-After at once beyond it.
        if limit != 0 && before >= limit {
            // Dropping the guard gives the place back.
            drop(admitted);
            return Err(limit);
        }
        Ok(admitted)
    }
}

/// Whether a path is never shed (see the module's comment), nor rate-limited.
pub(crate) fn exempt(path: &str) -> bool {
    path == "/healthz" || path == "/metrics" || path.starts_with("/ops/")
}

/// The middleware: registered inside `middleware::handle`, whose renderer turns the
/// rejection into the mode's answer (prod: a 503 problem with `Retry-After`; dev: its
/// catch-all 500 with the debug dump; bare: 503 with the error's text).
pub async fn admit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let Some(state) = state.filter(|_| !exempt(req.path())) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    match state.shedding.admit() {
        Ok(_admitted) => Ok(next.call(req).await?.map_into_boxed_body()),
        Err(limit) => {
            let mut error = AppError::new(
                ErrorKind::Unavailable,
                anyhow::anyhow!(
                    "load shed: {limit} requests are already in flight (max_in_flight = \
                     {limit}); answered at once instead of queueing for the pool"
                ),
            )
            .in_class("resource.overload");
            // No handler ran, so there is no stack worth showing, and resolving one per
            // shed request (dev) would make the rejection cost more than the work it saves.
            error.backtrace = None;
            Ok(req.error_response(error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_the_limit_and_frees_places_when_guards_drop() {
        let shedding = Shedding::new(2);
        let first = shedding.admit().expect("first");
        let second = shedding.admit().expect("second");
        assert_eq!(shedding.admit().err(), Some(2), "a third is shed");
        assert_eq!(shedding.in_flight(), 2, "a shed request holds no place");
        drop(first);
        let third = shedding.admit().expect("a place was freed");
        drop((second, third));
        assert_eq!(shedding.in_flight(), 0);
    }

    #[test]
    fn zero_admits_everything_and_the_limit_changes_at_run_time() {
        let shedding = Shedding::new(0);
        let many: Vec<_> = (0..100)
            .map(|_| shedding.admit().expect("no limit"))
            .collect();
        assert_eq!(shedding.set_limit(50), 0);
        assert!(shedding.admit().is_err(), "100 in flight, limit 50");
        drop(many);
        assert!(shedding.admit().is_ok());
        assert_eq!(shedding.limit(), 50);
    }

    #[test]
    fn concurrent_admissions_never_exceed_the_limit() {
        let shedding = std::sync::Arc::new(Shedding::new(3));
        // Counted only while a guard lives (`in_flight` also counts, for an instant, the
        // requests about to be shed).
        let holders = std::sync::Arc::new(AtomicUsize::new(0));
        let peak = std::sync::Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (shedding, holders, peak) = (shedding.clone(), holders.clone(), peak.clone());
                std::thread::spawn(move || {
                    for _ in 0..2000 {
                        if let Ok(admitted) = shedding.admit() {
                            let now = holders.fetch_add(1, Ordering::AcqRel) + 1;
                            peak.fetch_max(now, Ordering::AcqRel);
                            holders.fetch_sub(1, Ordering::AcqRel);
                            drop(admitted);
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("no panic");
        }
        assert!(peak.load(Ordering::Acquire) <= 3, "peak {peak:?}");
        assert_eq!(shedding.in_flight(), 0);
    }

    #[test]
    fn operator_routes_are_never_shed() {
        assert!(exempt("/healthz") && exempt("/metrics") && exempt("/ops/shedding"));
        assert!(!exempt("/books/1/recommendations") && !exempt("/opsx"));
    }
}
