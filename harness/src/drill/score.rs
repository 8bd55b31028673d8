//! The drill's arithmetic: per-second counts in, the 5xx ratio over a window, when the
//! pager went off, when the service had recovered, and the score (time to detect, time to
//! mitigate, error budget spent). Pure functions of the timeline, so they are unit-tested.

use serde::Serialize;

/// What the responder's customers saw in one second of the drill (requests that ended in
/// it, by their end).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Second {
    /// The second since the drill's traffic started.
    pub second: u32,
    pub requests: u64,
    /// Answered 5xx, or no answer within the client's patience (a load balancer would have
    /// answered 504): what the objective counts as a failure.
    pub failed: u64,
    /// Answered 429 (rate limited): the client's problem, not a failure of the service.
    pub limited: u64,
    /// 99th percentile latency of the requests answered in this second, in ms.
    pub p99_ms: u32,
}

impl Second {
    /// The failed share of this second's requests, in percent (0 for an empty second).
    pub fn failed_percent(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            100.0 * self.failed as f64 / self.requests as f64
        }
    }
}

/// The alert threshold and the objective the drill measures against.
pub const ALERT_RATIO: f64 = 0.01;
pub const OBJECTIVE: f64 = 0.999;
/// The pager looks at this many seconds (a short window: the drill lasts minutes).
pub const ALERT_WINDOW_S: usize = 10;
/// Fewer requests than this in a window say nothing about a ratio.
pub const MIN_REQUESTS: u64 = 20;

/// The failed share of the requests in `seconds`; `None` with too few requests to say.
pub fn ratio(seconds: &[Second]) -> Option<f64> {
    let requests: u64 = seconds.iter().map(|s| s.requests).sum();
    let failed: u64 = seconds.iter().map(|s| s.failed).sum();
    (requests >= MIN_REQUESTS).then(|| failed as f64 / requests as f64)
}

/// The window of `width` seconds that ends with second `end` (inclusive).
fn window_ending(timeline: &[Second], end: usize, width: usize) -> &[Second] {
    let start = (end + 1).saturating_sub(width);
    &timeline[start..=end.min(timeline.len().saturating_sub(1))]
}

/// The first second at or after `from` whose alert window is above the threshold.
pub fn first_alert(timeline: &[Second], from: usize) -> Option<usize> {
    (from..timeline.len()).find(|&end| {
        ratio(window_ending(timeline, end, ALERT_WINDOW_S)).is_some_and(|r| r > ALERT_RATIO)
    })
}

/// The first second `s` at or after `from` such that the `window` seconds starting at `s`
/// (all of them already observed) stayed under the threshold: the service recovered at
/// `s`. The window is judged as a whole, and also needs enough requests to judge.
pub fn recovered_at(timeline: &[Second], from: usize, window: usize) -> Option<usize> {
    let window = window.max(1);
    (from..timeline.len())
        .take_while(|&start| start + window <= timeline.len())
        .find(|&start| ratio(&timeline[start..start + window]).is_some_and(|r| r < ALERT_RATIO))
}

/// Failed requests against the objective's allowance over the same requests: 1.0 means
/// the drill spent exactly the budget its own traffic earned (0.1 % of it).
pub fn budget_spent(requests: u64, failed: u64) -> f64 {
    let allowed = requests as f64 * (1.0 - OBJECTIVE);
    if allowed == 0.0 {
        return 0.0;
    }
    failed as f64 / allowed
}

/// The same failures as a share of a 30-day budget at the drill's request rate: what the
/// incident cost the month.
pub fn monthly_budget_spent(requests: u64, failed: u64, seconds: u64) -> f64 {
    if seconds == 0 {
        return 0.0;
    }
    let per_second = requests as f64 / seconds as f64;
    let month = per_second * 30.0 * 24.0 * 3600.0;
    budget_spent(month as u64, failed)
}

/// `later - earlier` in ms when both happened and in that order.
pub fn elapsed_ms(earlier: Option<u64>, later: Option<u64>) -> Option<u64> {
    let (earlier, later) = (earlier?, later?);
    later.checked_sub(earlier)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(counts: &[(u64, u64)]) -> Vec<Second> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &(requests, failed))| Second {
                second: i as u32,
                requests,
                failed,
                ..Second::default()
            })
            .collect()
    }

    #[test]
    fn a_ratio_needs_enough_requests() {
        assert_eq!(ratio(&timeline(&[(10, 1)])), None);
        assert_eq!(ratio(&timeline(&[(10, 1), (10, 1)])), Some(0.1));
        assert_eq!(ratio(&[]), None);
    }

    #[test]
    fn the_alert_fires_when_the_window_crosses_one_percent() {
        // 40 requests a second; failures start at second 5 (2 of 40 = 5 %).
        let mut counts = vec![(40, 0); 5];
        counts.extend(vec![(40, 2); 5]);
        let t = timeline(&counts);
        // Window of 10 ending at 5: 400 requests... fewer (6 s = 240), 2 failed: 0.83 %.
        // Ending at 6: 280 requests, 4 failed: 1.4 % > 1 %.
        assert_eq!(first_alert(&t, 5), Some(6));
        assert_eq!(first_alert(&t[..6], 0), None);
    }

    #[test]
    fn recovery_is_the_start_of_a_whole_window_under_the_threshold() {
        // Bad until second 3 (inclusive), then clean.
        let mut counts = vec![(40, 10); 4];
        counts.extend(vec![(40, 0); 6]);
        let t = timeline(&counts);
        assert_eq!(recovered_at(&t, 0, 3), Some(4));
        // A window not yet observed in full does not count.
        assert_eq!(recovered_at(&t, 0, 7), None);
        // Half a percent is under, exactly one is not.
        let t = timeline(&[(200, 1), (200, 1)]);
        assert_eq!(recovered_at(&t, 0, 2), Some(0));
        let t = timeline(&[(100, 1), (100, 1)]);
        assert_eq!(recovered_at(&t, 0, 2), None);
    }

    #[test]
    fn budget_arithmetic() {
        // 100 000 requests earn 100 failures at 99.9 %.
        assert!((budget_spent(100_000, 100) - 1.0).abs() < 1e-9);
        assert!((budget_spent(100_000, 250) - 2.5).abs() < 1e-9);
        assert_eq!(budget_spent(0, 0), 0.0);
        // 10 requests a second for 100 s; a month at that rate earns 25 920 failures.
        let month = monthly_budget_spent(1000, 2592, 100);
        assert!((month - 0.1).abs() < 1e-9, "{month}");
        assert_eq!(monthly_budget_spent(1000, 5, 0), 0.0);
    }

    #[test]
    fn elapsed_needs_both_in_order() {
        assert_eq!(elapsed_ms(Some(1000), Some(4500)), Some(3500));
        assert_eq!(elapsed_ms(Some(1000), None), None);
        assert_eq!(elapsed_ms(None, Some(1)), None);
        assert_eq!(elapsed_ms(Some(5), Some(1)), None);
    }
}
