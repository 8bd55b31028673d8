//! From a population's record to the numbers the lesson is read from: amplification,
//! goodput, p99, the per-second timeline, and how long the service took to recover after
//! the trigger was gone.

use std::time::Duration;

use serde::Serialize;

use super::policy::Attempt;
use super::population::Record;

/// A recovery needs a sliding second in which at least this share of answers succeed ...
const RECOVERED_SUCCESS: f64 = 0.9;
/// ... and every later one, checked at this step.
const RECOVERY_STEP: Duration = Duration::from_millis(100);

/// One second of the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Second {
    /// Attempts sent, first or retry.
    pub attempts: u64,
    /// Attempts answered with success.
    pub succeeded: u64,
    /// Attempts that failed at the client: 5xx, 429 or no answer in time.
    pub failed: u64,
    /// 5xx answers the server counted (its own `/metrics`), seen by a client or not.
    pub server_5xx: u64,
}

/// The per-second timeline of a record, `seconds` long; `server_5xx[i]` is the server's
/// count for second `i`.
pub fn timeline(record: &Record, seconds: usize, server_5xx: &[u64]) -> Vec<Second> {
    let mut timeline = vec![Second::default(); seconds];
    for sent in &record.attempts {
        if let Some(second) = timeline.get_mut(sent.at.as_secs() as usize) {
            second.attempts += 1;
        }
    }
    for answered in &record.outcomes {
        if let Some(second) = timeline.get_mut(answered.at.as_secs() as usize) {
            match answered.attempt {
                Attempt::Succeeded => second.succeeded += 1,
                Attempt::Overloaded { .. } | Attempt::TimedOut => second.failed += 1,
                Attempt::Refused => {}
            }
        }
    }
    for (second, count) in timeline.iter_mut().zip(server_5xx) {
        second.server_5xx = *count;
    }
    timeline
}

/// How long after `trigger_end` the service recovered: the start of the first sliding
/// second from which every later one has at least 90 % successful answers. `Err` holds
/// the time observed without a recovery (from `trigger_end` to `run_end`): a lower bound.
pub fn recovery(
    record: &Record,
    trigger_end: Duration,
    run_end: Duration,
) -> Result<Duration, Duration> {
    let window = Duration::from_secs(1);
    let mut outcomes: Vec<(Duration, bool)> = record
        .outcomes
        .iter()
        .filter(|answered| answered.attempt != Attempt::Refused)
        .map(|answered| (answered.at, answered.attempt == Attempt::Succeeded))
        .collect();
    outcomes.sort();
    let healthy = |from: Duration| {
        let in_window: Vec<bool> = outcomes
            .iter()
            .filter(|(at, _)| *at >= from && *at < from + window)
            .map(|(_, ok)| *ok)
            .collect();
        let ok = in_window.iter().filter(|ok| **ok).count();
        // A second with no answers at all is not a healthy one.
        !in_window.is_empty() && ok as f64 >= RECOVERED_SUCCESS * in_window.len() as f64
    };
    let last_start = run_end.saturating_sub(window);
    let mut recovered_at = None;
    let mut from = trigger_end;
    while from <= last_start {
        match (healthy(from), recovered_at) {
            (true, None) => recovered_at = Some(from),
            (false, Some(_)) => recovered_at = None,
            _ => {}
        }
        from += RECOVERY_STEP;
    }
    match recovered_at {
        Some(at) => Ok(at - trigger_end),
        None => Err(run_end.saturating_sub(trigger_end)),
    }
}

/// The `q` quantile of end-to-end request times, in milliseconds. A request still retrying
/// at `run_end` counts with the time it had taken so far: leaving it out would flatter the
/// policies that never give up.
pub fn quantile_ms(record: &Record, run_end: Duration, q: f64) -> f64 {
    let mut times: Vec<Duration> = record
        .requests
        .iter()
        .map(|request| {
            request
                .ended
                .map_or(run_end, |ended| ended.at)
                .saturating_sub(request.began)
        })
        .collect();
    times.sort();
    crate::load_test::percentile(&times, q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storm::population::{Answered, Ended, RequestSpan, Sent};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Ten answers a second from 0 to `end_ms`; those in `failing` (ms range) fail.
    fn steady(end_ms: u64, failing: std::ops::Range<u64>) -> Record {
        let mut record = Record::default();
        for t in (0..end_ms).step_by(100) {
            record.attempts.push(Sent {
                at: ms(t),
                first: true,
            });
            let attempt = if failing.contains(&t) {
                Attempt::TimedOut
            } else {
                Attempt::Succeeded
            };
            record.outcomes.push(Answered {
                at: ms(t + 50),
                attempt,
            });
        }
        record
    }

    #[test]
    fn recovery_is_measured_from_the_trigger_end_to_the_first_lasting_healthy_second() {
        let record = steady(10_000, 2_000..6_000);
        // Failures stop at 6 s; the trigger ended at 4 s.
        let recovered = recovery(&record, ms(4_000), ms(10_000)).expect("it recovered");
        assert!(
            (ms(1_900)..=ms(2_100)).contains(&recovered),
            "recovered after {recovered:?}"
        );
    }

    #[test]
    fn a_service_still_failing_at_the_end_has_not_recovered() {
        let record = steady(10_000, 2_000..10_000);
        assert_eq!(recovery(&record, ms(4_000), ms(10_000)), Err(ms(6_000)));
    }

    #[test]
    fn a_relapse_restarts_the_recovery() {
        let mut record = steady(10_000, 2_000..5_000);
        for at in [ms(7_500), ms(7_510)] {
            record.outcomes.push(Answered {
                at,
                attempt: Attempt::TimedOut,
            });
        }
        let recovered = recovery(&record, ms(4_000), ms(10_000)).expect("it recovered");
        assert!(recovered > ms(3_400), "recovered after {recovered:?}");
    }

    #[test]
    fn the_timeline_counts_attempts_answers_and_the_servers_5xx_per_second() {
        let record = steady(3_000, 1_000..2_000);
        let seconds = timeline(&record, 3, &[0, 7, 1]);
        assert_eq!(
            seconds[0],
            Second {
                attempts: 10,
                succeeded: 10,
                failed: 0,
                server_5xx: 0
            }
        );
        assert_eq!(
            seconds[1],
            Second {
                attempts: 10,
                succeeded: 0,
                failed: 10,
                server_5xx: 7
            }
        );
        assert_eq!(seconds[2].server_5xx, 1);
    }

    #[test]
    fn quantiles_come_from_end_to_end_times_counting_unfinished_requests_to_the_end() {
        let mut record = Record {
            requests: (1..=99)
                .map(|n| RequestSpan {
                    began: ms(1000),
                    ended: Some(Ended {
                        at: ms(1000 + n),
                        succeeded: true,
                    }),
                })
                .collect(),
            ..Record::default()
        };
        record.requests.push(RequestSpan {
            began: ms(2000),
            ended: None,
        });
        assert_eq!(quantile_ms(&record, ms(10_000), 0.99), 99.0);
        assert_eq!(quantile_ms(&record, ms(10_000), 1.0), 8000.0);
        assert_eq!(quantile_ms(&Record::default(), ms(1), 0.99), 0.0);
    }
}
