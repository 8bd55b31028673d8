//! Per-client rate limits: the answer to a traffic spike from one new client population,
//! where shedding (a limit for everyone) would fail every client alike. The shop's only
//! client identity is the `User-Agent` header (`agent_traffic` shows the populations), so
//! a rule names an exact agent and the requests it may send a second
//! (`POST /ops/rate-limit`). Beyond that, its requests are answered 429 at once (prod:
//! a problem and `Retry-After: 1`); every other client is served as before.
//!
//! Each rule is a token bucket kept as one atomic, the generic cell rate algorithm: the
//! theoretical arrival time of the next request. A request is admitted when that time is
//! less than a second ahead, which allows a burst of N and N a second after it. Admission is
//! a compare-and-swap, no lock; the rule list itself sits behind a read lock taken only
//! when there are rules (the common case, none, is one atomic load) and held for the
//! comparison alone. Nothing is allocated per request.
//!
//! The same routes as shedding are never limited: ops, health and metrics.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::USER_AGENT;
use actix_web::middleware::Next;
use actix_web::web;
use serde::Serialize;

use crate::error::{AppError, ErrorKind};
use crate::state::AppState;

/// At most this many rules.
pub const MOST_RULES: usize = 32;
/// The largest `per_second` a rule takes.
pub const MOST_PER_SECOND: u32 = 10_000;

const SECOND_NS: u64 = 1_000_000_000;

#[derive(Debug)]
pub struct RateLimits {
    rules: RwLock<Vec<Arc<Rule>>>,
    /// `rules.len()`, read without the lock.
    count: AtomicUsize,
    /// The clock's zero: times are nanoseconds since.
    epoch: Instant,
}

#[derive(Debug)]
struct Rule {
    user_agent: String,
    per_second: AtomicU32,
    /// When the bucket would be empty again, in nanoseconds since `epoch`.
    theoretical_arrival_ns: AtomicU64,
    limited: AtomicU64,
}

/// A rule as `GET /ops/rate-limit` lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleStatus {
    #[schema(example = "shop-app/2.0")]
    pub user_agent: String,
    pub per_second: u32,
    /// Requests answered 429 under this rule so far.
    pub limited: u64,
}

/// A new rule beyond `MOST_RULES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyRules;

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            rules: RwLock::new(Vec::new()),
            count: AtomicUsize::new(0),
            epoch: Instant::now(),
        }
    }
}

impl Rule {
    /// Takes a token at `now_ns`, or counts a rejection.
    fn admit(&self, now_ns: u64) -> bool {
        let per_second = u64::from(self.per_second.load(Ordering::Relaxed).max(1));
        let interval = SECOND_NS / per_second;
        // A burst of `per_second` fits: the last of them finds the arrival time one
        // interval short of a second ahead.
        let tolerance = SECOND_NS - interval;
        let mut arrival = self.theoretical_arrival_ns.load(Ordering::Acquire);
        loop {
            let base = arrival.max(now_ns);
            if base - now_ns > tolerance {
                self.limited.fetch_add(1, Ordering::Relaxed);
                return false;
            }
            match self.theoretical_arrival_ns.compare_exchange_weak(
                arrival,
                base + interval,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(current) => arrival = current,
            }
        }
    }
}

impl RateLimits {
    fn now_ns(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Sets the rule for `user_agent` to `per_second` (0 removes it); returns the limit
    /// before and after (`None`: no rule). A changed limit starts with a full bucket.
    pub fn set(
        &self,
        user_agent: &str,
        per_second: u32,
    ) -> Result<(Option<u32>, Option<u32>), TooManyRules> {
        let mut rules = self.rules.write().unwrap_or_else(PoisonError::into_inner);
        let index = rules.iter().position(|rule| rule.user_agent == user_agent);
        let from = index.map(|i| rules[i].per_second.load(Ordering::Relaxed));
        match (index, per_second) {
            (Some(i), 0) => {
                rules.remove(i);
            }
            (None, 0) => {}
            (Some(i), n) => {
                rules[i].per_second.store(n, Ordering::Relaxed);
                rules[i].theoretical_arrival_ns.store(0, Ordering::Release);
            }
            (None, _) if rules.len() >= MOST_RULES => return Err(TooManyRules),
            (None, n) => rules.push(Arc::new(Rule {
                user_agent: user_agent.to_string(),
                per_second: AtomicU32::new(n),
                theoretical_arrival_ns: AtomicU64::new(0),
                limited: AtomicU64::new(0),
            })),
        }
        self.count.store(rules.len(), Ordering::Release);
        Ok((from, (per_second > 0).then_some(per_second)))
    }

    /// Every rule, in the order they were made.
    pub fn list(&self) -> Vec<RuleStatus> {
        self.rules
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|rule| RuleStatus {
                user_agent: rule.user_agent.clone(),
                per_second: rule.per_second.load(Ordering::Relaxed),
                limited: rule.limited.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Whether a request from `agent` may go on; `Err(per_second)` when its rule is spent.
    pub fn admit(&self, agent: Option<&[u8]>) -> Result<(), u32> {
        let Some(agent) = agent else { return Ok(()) };
        if self.count.load(Ordering::Acquire) == 0 {
            return Ok(());
        }
        let rules = self.rules.read().unwrap_or_else(PoisonError::into_inner);
        let Some(rule) = rules
            .iter()
            .find(|rule| rule.user_agent.as_bytes() == agent)
        else {
            return Ok(());
        };
        if rule.admit(self.now_ns()) {
            Ok(())
        } else {
            Err(rule.per_second.load(Ordering::Relaxed))
        }
    }
}

/// The middleware: counts the shop's requests by agent (`agent_traffic`), then applies the
/// rules. Registered between `middleware::handle` (which renders the 429) and shedding, so
/// a limited request never takes an in-flight place.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let Some(state) = state.filter(|_| !crate::shedding::exempt(req.path())) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let verdict = {
        let agent = req.headers().get(USER_AGENT).map(|value| value.as_bytes());
        state.metrics.record_agent(agent);
        state.rate_limits.admit(agent)
    };
    match verdict {
        Ok(()) => Ok(next.call(req).await?.map_into_boxed_body()),
        Err(per_second) => {
            let mut error = AppError::client(
                ErrorKind::TooManyRequests,
                format!(
                    "This client (by its User-Agent) may send {per_second} requests a second; \
                     retry after the time given in Retry-After."
                ),
            );
            // No handler ran: nothing worth a stack (dev would resolve one per request).
            error.backtrace = None;
            Ok(req.error_response(error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_admits_a_burst_of_n_then_n_a_second() {
        let rule = Rule {
            user_agent: "bot".into(),
            per_second: AtomicU32::new(5),
            theoretical_arrival_ns: AtomicU64::new(0),
            limited: AtomicU64::new(0),
        };
        let start = 10 * SECOND_NS;
        let admitted = (0..20).filter(|_| rule.admit(start)).count();
        assert_eq!(admitted, 5);
        assert_eq!(rule.limited.load(Ordering::Relaxed), 15);
        // One interval (200 ms) later there is room for exactly one more.
        assert!(rule.admit(start + SECOND_NS / 5));
        assert!(!rule.admit(start + SECOND_NS / 5));
        // A quiet second refills the bucket, never beyond N.
        let later = start + 3 * SECOND_NS;
        assert_eq!((0..20).filter(|_| rule.admit(later)).count(), 5);
    }

    #[test]
    fn rules_are_set_changed_removed_and_bounded() {
        let limits = RateLimits::default();
        assert_eq!(limits.admit(Some(b"bot")), Ok(()), "no rules");
        assert_eq!(limits.set("bot", 2), Ok((None, Some(2))));
        assert_eq!(limits.set("bot", 3), Ok((Some(2), Some(3))));
        assert!((0..3).all(|_| limits.admit(Some(b"bot")).is_ok()));
        assert_eq!(limits.admit(Some(b"bot")), Err(3));
        assert_eq!(limits.admit(Some(b"bot/2")), Ok(()), "exact agents only");
        assert_eq!(limits.admit(None), Ok(()));
        assert_eq!(limits.list()[0].limited, 1);
        assert_eq!(limits.set("bot", 0), Ok((Some(3), None)));
        assert_eq!(limits.set("nobody", 0), Ok((None, None)));
        assert!(limits.list().is_empty());
        for i in 0..MOST_RULES {
            limits.set(&format!("agent-{i}"), 1).expect("room");
        }
        assert_eq!(limits.set("one-more", 1), Err(TooManyRules));
        assert_eq!(
            limits.set("agent-0", 9),
            Ok((Some(1), Some(9))),
            "a change fits"
        );
    }

    #[test]
    fn concurrent_requests_never_get_more_than_the_burst() {
        let rule = Arc::new(Rule {
            user_agent: "bot".into(),
            per_second: AtomicU32::new(50),
            theoretical_arrival_ns: AtomicU64::new(0),
            limited: AtomicU64::new(0),
        });
        let now = 5 * SECOND_NS;
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let rule = Arc::clone(&rule);
                std::thread::spawn(move || (0..100).filter(|_| rule.admit(now)).count())
            })
            .collect();
        let admitted: usize = threads
            .into_iter()
            .map(|t| t.join().expect("no panic"))
            .sum();
        assert_eq!(admitted, 50);
    }
}
