//! How a client retries: the five policies `harness storm` compares, and the two parts a
//! good client is made of.
//!
//! - Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): wait a uniform
//!   time in `[0, min(cap, base·2^n)]`. Written here rather than taken from `backon`,
//!   whose jitter is *added* to the exponential delay: that keeps every client at least
//!   `base·2^n` apart but still synchronised, which is the herd full jitter breaks up.
//! - A retry budget (Google SRE book, "Handling Overload"): retries only while they stay
//!   under 10 % of requests, as a token bucket shared by the population: every first
//!   attempt deposits 0.1 token, every retry spends one.

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

/// Named once, in [`Policy::name`]: the flag's values, the JSON and the reports all read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Policy {
    /// Retry at once, until success or the end of the run.
    Naive,
    /// Three immediate retries.
    Capped,
    /// Three retries after 1, 2 and 4 × the base delay.
    Exponential,
    /// Three retries, each after a uniform delay in [0, min(cap, base·2^n)].
    FullJitter,
    /// Full jitter, while retries stay under 10 % of requests; `Retry-After` is honoured.
    Budget,
}

impl Policy {
    pub const ALL: [Policy; 5] = [
        Policy::Naive,
        Policy::Capped,
        Policy::Exponential,
        Policy::FullJitter,
        Policy::Budget,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Policy::Naive => "naive",
            Policy::Capped => "capped",
            Policy::Exponential => "exponential",
            Policy::FullJitter => "full-jitter",
            Policy::Budget => "budget",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Policy::Naive => "retry at once until success",
            Policy::Capped => "3 immediate retries",
            Policy::Exponential => "3 retries after 1, 2, 4 x base",
            Policy::FullJitter => "3 retries after uniform [0, min(cap, base*2^n)]",
            Policy::Budget => "full jitter while retries < 10% of requests, honours Retry-After",
        }
    }

    /// Retries after the first attempt; `None`: no limit but the run's end.
    fn max_retries(self) -> Option<u32> {
        match self {
            Policy::Naive => None,
            _ => Some(3),
        }
    }
}

impl Serialize for Policy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl clap::ValueEnum for Policy {
    fn value_variants<'a>() -> &'a [Self] {
        &Policy::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()).help(self.describe()))
    }
}

/// The delays of the backing-off policies.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Backoff {
    /// `min(cap, base·2^retry)`, `retry` counting from 0 for the first retry.
    pub fn exponential(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// Full jitter: uniform in `[0, exponential(retry)]`.
    pub fn full_jitter(&self, retry: u32, rng: &mut fastrand::Rng) -> Duration {
        self.exponential(retry).mul_f64(rng.f64())
    }
}

/// What became of one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Succeeded,
    /// 5xx or 429, with the server's `Retry-After` when it sent one.
    Overloaded {
        retry_after: Option<Duration>,
    },
    /// No answer within the client's timeout, or no connection.
    TimedOut,
    /// Any other answer (a 4xx): retrying would not change it.
    Refused,
}

/// The population's shared retry budget: a token bucket, counted in tenths of a token so
/// that ten deposits make exactly one retry.
#[derive(Debug, Default)]
pub struct RetryBudget {
    tenths: Mutex<u32>,
}

/// One retry costs ten tenths; one first attempt deposits one: retries < 10 % of requests.
const RETRY_COST: u32 = 10;
/// The bucket's size: a burst of at most ten retries after a calm spell.
const MAX_TENTHS: u32 = 10 * RETRY_COST;

impl RetryBudget {
    /// A first attempt was sent.
    pub fn deposit(&self) {
        let mut tenths = self.tenths.lock().unwrap_or_else(|e| e.into_inner());
        *tenths = (*tenths + 1).min(MAX_TENTHS);
    }

    /// Takes one retry's worth; `false` when the budget is spent.
    pub fn withdraw(&self) -> bool {
        let mut tenths = self.tenths.lock().unwrap_or_else(|e| e.into_inner());
        match tenths.checked_sub(RETRY_COST) {
            Some(left) => {
                *tenths = left;
                true
            }
            None => false,
        }
    }
}

/// Whether to retry after `attempt`, and after how long. `retry` is the number of retries
/// already made (0 after the first attempt).
pub fn next_delay(
    policy: Policy,
    backoff: &Backoff,
    budget: &RetryBudget,
    retry: u32,
    attempt: Attempt,
    rng: &mut fastrand::Rng,
) -> Option<Duration> {
    let retry_after = match attempt {
        Attempt::Succeeded | Attempt::Refused => return None,
        Attempt::Overloaded { retry_after } => retry_after,
        Attempt::TimedOut => None,
    };
    if policy.max_retries().is_some_and(|max| retry >= max) {
        return None;
    }
    match policy {
        Policy::Naive | Policy::Capped => Some(Duration::ZERO),
        Policy::Exponential => Some(backoff.exponential(retry)),
        Policy::FullJitter => Some(backoff.full_jitter(retry, rng)),
        Policy::Budget => {
            if !budget.withdraw() {
                return None;
            }
            let jitter = backoff.full_jitter(retry, rng);
            Some(retry_after.map_or(jitter, |wait| wait.max(jitter)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKOFF: Backoff = Backoff {
        base: Duration::from_millis(100),
        cap: Duration::from_millis(1000),
    };

    #[test]
    fn exponential_doubles_from_the_base_up_to_the_cap() {
        let delays: Vec<u128> = (0..6).map(|n| BACKOFF.exponential(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(BACKOFF.exponential(u32::MAX), BACKOFF.cap);
    }

    /// Full jitter is uniform on [0, ceiling]: its mean is half the ceiling and every tenth
    /// of the range gets a tenth of the samples. Additive jitter (`backon`'s) or a bare
    /// exponential delay would fail both.
    #[test]
    fn full_jitter_is_uniform_between_zero_and_the_exponential_delay() {
        let mut rng = fastrand::Rng::with_seed(42);
        for retry in 0..5 {
            let ceiling = BACKOFF.exponential(retry).as_secs_f64();
            let samples: Vec<f64> = (0..20_000)
                .map(|_| BACKOFF.full_jitter(retry, &mut rng).as_secs_f64() / ceiling)
                .collect();
            assert!(samples.iter().all(|s| (0.0..=1.0).contains(s)));
            let mean = samples.iter().sum::<f64>() / samples.len() as f64;
            assert!((mean - 0.5).abs() < 0.01, "retry {retry}: mean {mean}");
            let mut deciles = [0usize; 10];
            for s in &samples {
                deciles[((s * 10.0) as usize).min(9)] += 1;
            }
            for (i, count) in deciles.iter().enumerate() {
                assert!(
                    (1800..2200).contains(count),
                    "retry {retry}: decile {i} holds {count} of 20000"
                );
            }
        }
    }

    #[test]
    fn bounded_policies_stop_after_three_retries_and_naive_never_does() {
        let budget = RetryBudget::default();
        let mut rng = fastrand::Rng::with_seed(1);
        for policy in [Policy::Capped, Policy::Exponential, Policy::FullJitter] {
            let retries = (0..10)
                .take_while(|&n| {
                    next_delay(policy, &BACKOFF, &budget, n, Attempt::TimedOut, &mut rng).is_some()
                })
                .count();
            assert_eq!(retries, 3, "{policy:?}");
        }
        assert!(
            next_delay(
                Policy::Naive,
                &BACKOFF,
                &budget,
                10_000,
                Attempt::TimedOut,
                &mut rng
            ) == Some(Duration::ZERO)
        );
        assert!(
            next_delay(
                Policy::Naive,
                &BACKOFF,
                &budget,
                0,
                Attempt::Refused,
                &mut rng
            )
            .is_none()
        );
    }

    #[test]
    fn the_budget_allows_one_retry_per_ten_first_attempts_and_honours_retry_after() {
        let budget = RetryBudget::default();
        let mut rng = fastrand::Rng::with_seed(1);
        let overloaded = Attempt::Overloaded {
            retry_after: Some(Duration::from_secs(2)),
        };
        assert!(next_delay(Policy::Budget, &BACKOFF, &budget, 0, overloaded, &mut rng).is_none());
        for _ in 0..30 {
            budget.deposit();
        }
        let granted: Vec<Duration> = (0..10)
            .filter_map(|_| next_delay(Policy::Budget, &BACKOFF, &budget, 0, overloaded, &mut rng))
            .collect();
        assert_eq!(granted.len(), 3, "30 first attempts earn 3 retries");
        assert!(granted.iter().all(|d| *d == Duration::from_secs(2)));
    }

    #[test]
    fn the_budget_bucket_is_bounded() {
        let budget = RetryBudget::default();
        for _ in 0..10_000 {
            budget.deposit();
        }
        assert_eq!((0..100).filter(|_| budget.withdraw()).count(), 10);
    }
}
