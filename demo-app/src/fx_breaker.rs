//! The FX circuit breaker, opened by hand (`POST /ops/fx-breaker`): while it is open an
//! order in a non-EUR currency makes no upstream call. That stops an upstream outage (or a
//! slow upstream) from holding the shop's pooled connections, and it degrades gracefully:
//! with the `last-known` fallback an order is priced with the last rate fetched for its
//! currency, if that is at most `fx_stale_max_s` old; otherwise (or with `fail-fast`) it
//! fails at once with 503 + Retry-After. Closing the breaker restores normal calls.
//!
//! The memory of last rates is kept whether the breaker is open or not: the moment the
//! responder needs it, the upstream is already failing.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

/// What an open breaker answers instead of calling the upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Fallback {
    /// The last rate fetched for the currency, while it is fresh enough.
    LastKnown,
    /// 503 + Retry-After at once.
    FailFast,
}

impl Fallback {
    pub const NAMES: &str = "`last-known` or `fail-fast`";

    pub fn parse(text: &str) -> Option<Fallback> {
        match text {
            "last-known" => Some(Fallback::LastKnown),
            "fail-fast" => Some(Fallback::FailFast),
            _ => None,
        }
    }
}

/// The breaker's position, as `POST /ops/fx-breaker` sets it and answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Position {
    pub open: bool,
    pub fallback: Fallback,
}

/// A remembered rate, as `GET /ops/fx-breaker` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LastKnown {
    pub rate: f64,
    /// Seconds since it was fetched.
    pub age_s: u64,
}

/// `GET /ops/fx-breaker`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BreakerStatus {
    pub open: bool,
    pub fallback: Fallback,
    /// When it was opened; `null` while closed.
    pub opened_at_unix_ms: Option<u64>,
    /// By currency.
    pub last_known: BTreeMap<String, LastKnown>,
}

/// Why an open breaker gave no rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The fallback is `fail-fast`.
    FailFast,
    /// `last-known`, but no rate was fetched for the currency since start-up.
    NoneKnown,
    /// `last-known`, but the rate is older than `fx_stale_max_s`.
    TooOld { age_s: u64, max_s: u64 },
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::FailFast => f.write_str("the FX breaker is open with fallback fail-fast"),
            Refused::NoneKnown => f.write_str(
                "the FX breaker is open and no rate for this currency was fetched since start-up",
            ),
            Refused::TooOld { age_s, max_s } => write!(
                f,
                "the FX breaker is open and the last rate for this currency is {age_s} s old \
                 (fx_stale_max_s = {max_s})"
            ),
        }
    }
}

#[derive(Debug)]
pub struct FxBreaker {
    switch: Mutex<Switch>,
    last_known: Mutex<BTreeMap<String, (f64, Instant)>>,
    stale_max: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Switch {
    position: Position,
    opened_at_unix_ms: Option<u64>,
}

impl FxBreaker {
    /// A closed breaker whose `last-known` fallback accepts rates up to `stale_max` old.
    pub fn new(stale_max: Duration) -> FxBreaker {
        FxBreaker {
            switch: Mutex::new(Switch {
                position: Position {
                    open: false,
                    fallback: Fallback::LastKnown,
                },
                opened_at_unix_ms: None,
            }),
            last_known: Mutex::new(BTreeMap::new()),
            stale_max,
        }
    }

    /// Moves the breaker; returns its position before and after. Opening an open breaker
    /// (to change its fallback) keeps the time it was opened.
    pub fn set(&self, to: Position) -> (Position, Position) {
        let mut switch = crate::lock::lock(&self.switch);
        let from = switch.position;
        switch.opened_at_unix_ms = match (from.open, to.open) {
            (_, false) => None,
            (false, true) => Some(crate::calendar::now_unix_ms()),
            (true, true) => switch.opened_at_unix_ms,
        };
        switch.position = to;
        (from, to)
    }

    pub fn status(&self) -> BreakerStatus {
        let switch = *crate::lock::lock(&self.switch);
        let now = Instant::now();
        let last_known = crate::lock::lock(&self.last_known)
            .iter()
            .map(|(currency, (rate, fetched))| {
                let age_s = now.saturating_duration_since(*fetched).as_secs();
                (currency.clone(), LastKnown { rate: *rate, age_s })
            })
            .collect();
        BreakerStatus {
            open: switch.position.open,
            fallback: switch.position.fallback,
            opened_at_unix_ms: switch.opened_at_unix_ms,
            last_known,
        }
    }

    /// Keeps a rate the upstream just gave.
    pub fn remember(&self, currency: &str, rate: f64) {
        let mut known = crate::lock::lock(&self.last_known);
        match known.get_mut(currency) {
            Some(entry) => *entry = (rate, Instant::now()),
            None => {
                known.insert(currency.to_string(), (rate, Instant::now()));
            }
        }
    }

    /// `None` while closed (call the upstream); while open, the remembered rate to use or
    /// why there is none.
    pub fn when_open(&self, currency: &str) -> Option<Result<f64, Refused>> {
        let position = crate::lock::lock(&self.switch).position;
        if !position.open {
            return None;
        }
        if position.fallback == Fallback::FailFast {
            return Some(Err(Refused::FailFast));
        }
        let known = crate::lock::lock(&self.last_known).get(currency).copied();
        Some(match known {
            None => Err(Refused::NoneKnown),
            Some((rate, fetched)) => {
                let age = fetched.elapsed();
                if age <= self.stale_max {
                    Ok(rate)
                } else {
                    Err(Refused::TooOld {
                        age_s: age.as_secs(),
                        max_s: self.stale_max.as_secs(),
                    })
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(fallback: Fallback) -> Position {
        Position {
            open: true,
            fallback,
        }
    }

    #[test]
    fn a_closed_breaker_calls_the_upstream_and_an_open_one_uses_fresh_rates_only() {
        let breaker = FxBreaker::new(Duration::from_secs(900));
        breaker.remember("USD", 1.08);
        assert_eq!(breaker.when_open("USD"), None);
        let (from, to) = breaker.set(open(Fallback::LastKnown));
        assert!(!from.open && to.open);
        assert_eq!(breaker.when_open("USD"), Some(Ok(1.08)));
        assert_eq!(breaker.when_open("GBP"), Some(Err(Refused::NoneKnown)));
        breaker.set(open(Fallback::FailFast));
        assert_eq!(breaker.when_open("USD"), Some(Err(Refused::FailFast)));
        let status = breaker.status();
        assert!(status.open && status.opened_at_unix_ms.is_some());
        assert_eq!(status.last_known["USD"].rate, 1.08);
        breaker.set(Position {
            open: false,
            fallback: Fallback::LastKnown,
        });
        assert_eq!(breaker.status().opened_at_unix_ms, None);
        assert_eq!(breaker.when_open("USD"), None);
    }

    #[test]
    fn a_rate_older_than_the_limit_is_refused() {
        let breaker = FxBreaker::new(Duration::ZERO);
        breaker.remember("USD", 1.08);
        breaker.set(open(Fallback::LastKnown));
        std::thread::sleep(Duration::from_millis(5));
        assert!(matches!(
            breaker.when_open("USD"),
            Some(Err(Refused::TooOld { max_s: 0, .. }))
        ));
    }

    #[test]
    fn reopening_keeps_the_time_it_was_opened() {
        let breaker = FxBreaker::new(Duration::from_secs(1));
        breaker.set(open(Fallback::LastKnown));
        let opened = breaker.status().opened_at_unix_ms;
        std::thread::sleep(Duration::from_millis(3));
        breaker.set(open(Fallback::FailFast));
        assert_eq!(breaker.status().opened_at_unix_ms, opened);
        assert_eq!(Fallback::parse("fail-fast"), Some(Fallback::FailFast));
        assert_eq!(Fallback::parse("open"), None);
    }
}
