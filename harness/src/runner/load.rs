//! `load` steps: a capacity probe (closed loop, a few requests in flight) and then the
//! request offered open-loop at a multiple of that capacity, each request with the
//! clients' timeout. The record says what a capacity planner asks: goodput (answers that
//! came in time), p99, and the statuses. Bounded: at most `MOST_LOAD_REQUESTS` requests,
//! `seconds` of sending plus one timeout, loopback only (the runner's own app).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Exchange, Unmet, http};
use crate::scenario::{LoadSpec, MOST_LOAD_REQUESTS, RequestSpec};

/// What one `load` step measured, and which of its bounds held.
#[derive(Debug, Clone, Serialize)]
pub struct LoadRecord {
    pub step_index: usize,
    pub step: String,
    /// 2xx answers per second in the probe (this step's, or the run's first load step's).
    pub capacity_per_s: f64,
    /// The offered multiple and the rate it meant.
    pub offered: f64,
    pub offered_per_s: f64,
    pub seconds: u64,
    pub timeout_ms: u64,
    pub sent: u64,
    /// 2xx answers within the timeout.
    pub succeeded: u64,
    /// Answers by status; requests without an answer are in `unanswered`.
    pub statuses: BTreeMap<u16, u64>,
    pub unanswered: u64,
    /// `succeeded` per second of offered load, and as a fraction of `capacity_per_s`.
    pub goodput_per_s: f64,
    pub goodput: f64,
    /// 99th percentile of every request's time (unanswered: the time waited), in ms and as
    /// a fraction of `timeout_ms`.
    pub p99_ms: f64,
    pub p99: f64,
    /// 99th percentile of the 2xx answers' times (none: `None`).
    pub admitted_p99_ms: Option<f64>,
    /// Each bound the step set, worded, and whether it held.
    pub bounds: Vec<LoadBound>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadBound {
    pub bound: String,
    pub held: bool,
}

/// One sent request: its exchange, kept only as a sample (the first of each status).
struct Sent {
    exchange: Exchange,
    took: Duration,
}

/// Successful attempts per second, `concurrency` workers in a closed loop for `window`:
/// each worker calls `attempt(worker)` again as soon as the last one ended. The capacity a
/// load is sized from (`load` steps, `harness storm`, `harness drill`).
pub async fn closed_loop<F, Fut>(concurrency: usize, window: Duration, attempt: F) -> f64
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    let workers = (0..concurrency).map(|worker| {
        let attempt = &attempt;
        async move {
            let mut succeeded = 0u64;
            while started.elapsed() < window {
                if attempt(worker).await {
                    succeeded += 1;
                }
            }
            succeeded
        }
    });
    let succeeded: u64 = futures_util::future::join_all(workers).await.iter().sum();
    succeeded as f64 / started.elapsed().as_secs_f64()
}

/// Measures 2xx answers per second with `probe_concurrency` requests in flight.
pub async fn probe(
    base_url: &str,
    step: (usize, &str),
    request: &RequestSpec,
    load: &LoadSpec,
    captures: &BTreeMap<String, String>,
) -> anyhow::Result<f64> {
    let client = http::client();
    let window = Duration::from_millis(load.probe_ms);
    let capacity = closed_loop(load.probe_concurrency as usize, window, |_| async {
        let exchange = http::send_unscanned(&client, base_url, step, request, captures).await;
        exchange
            .response
            .as_ref()
            .is_some_and(|r| (200..300).contains(&r.status))
    })
    .await;
    anyhow::ensure!(
        capacity > 0.0,
        "{}: the capacity probe got no 2xx answer in {} ms, so there is no capacity to size \
         the load from",
        step.1,
        load.probe_ms
    );
    Ok(capacity)
}

/// Offers the load and returns its record (bounds not yet judged) and the sample
/// exchanges: the first answer of each status, and the first request left unanswered.
pub async fn offer(
    base_url: &str,
    step: (usize, &str),
    request: &RequestSpec,
    load: &LoadSpec,
    capacity_per_s: f64,
    captures: &BTreeMap<String, String>,
) -> (LoadRecord, Vec<Exchange>) {
    let client = http::client();
    let offered_per_s = capacity_per_s * load.offered;
    let count = ((offered_per_s * load.seconds as f64).ceil() as u64).clamp(1, MOST_LOAD_REQUESTS);
    // Spread evenly over the window (open loop: a slow answer does not slow the arrivals,
    // as it does not for real users).
    let spacing = Duration::from_secs(load.seconds).div_f64(count as f64);
    let start = tokio::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let (client, base_url, request, captures) = (
            client.clone(),
            base_url.to_string(),
            request.clone(),
            captures.clone(),
        );
        let name = step.1.to_string();
        let at = start + spacing.mul_f64(i as f64);
        tasks.spawn(async move {
            tokio::time::sleep_until(at).await;
            let began = Instant::now();
            let exchange =
                http::send_unscanned(&client, &base_url, (step.0, &name), &request, &captures)
                    .await;
            Sent {
                exchange,
                took: began.elapsed(),
            }
        });
    }
    let mut sent = Vec::with_capacity(count as usize);
    while let Some(done) = tasks.join_next().await {
        if let Ok(done) = done {
            sent.push(done);
        }
    }
    summarise(step, load, capacity_per_s, offered_per_s, sent)
}

fn summarise(
    (step_index, step): (usize, &str),
    load: &LoadSpec,
    capacity_per_s: f64,
    offered_per_s: f64,
    sent: Vec<Sent>,
) -> (LoadRecord, Vec<Exchange>) {
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    let mut unanswered = 0;
    let mut all: Vec<Duration> = Vec::with_capacity(sent.len());
    let mut admitted: Vec<Duration> = Vec::new();
    // Samples in a fixed order (by status, unanswered last) so transcripts are stable.
    let mut samples: BTreeMap<u32, Exchange> = BTreeMap::new();
    let total = sent.len() as u64;
    for Sent { mut exchange, took } in sent {
        all.push(took);
        let key = match &exchange.response {
            Some(response) => {
                *statuses.entry(response.status).or_default() += 1;
                if (200..300).contains(&response.status) {
                    admitted.push(took);
                }
                u32::from(response.status)
            }
            None => {
                unanswered += 1;
                u32::MAX
            }
        };
        samples.entry(key).or_insert_with(|| {
            http::scan(&mut exchange);
            exchange
        });
    }
    all.sort();
    admitted.sort();
    let succeeded = admitted.len() as u64;
    let goodput_per_s = succeeded as f64 / load.seconds as f64;
    let p99_ms = crate::load_test::percentile(&all, 0.99);
    let record = LoadRecord {
        step_index,
        step: step.to_string(),
        capacity_per_s,
        offered: load.offered,
        offered_per_s,
        seconds: load.seconds,
        timeout_ms: load.timeout_ms,
        sent: total,
        succeeded,
        statuses,
        unanswered,
        goodput_per_s,
        goodput: goodput_per_s / capacity_per_s,
        p99_ms,
        p99: p99_ms / load.timeout_ms as f64,
        admitted_p99_ms: (!admitted.is_empty())
            .then(|| crate::load_test::percentile(&admitted, 0.99)),
        bounds: Vec::new(),
    };
    (record, samples.into_values().collect())
}

/// Judges the record against the bounds of the tables that apply; each bound is recorded
/// (for the transcript) and an unmet one is a reason.
pub fn judge(
    record: &mut LoadRecord,
    bounds: impl Iterator<Item = (&'static str, f64)>,
) -> Vec<Unmet> {
    let mut reasons = Vec::new();
    for (key, bound) in bounds {
        let (value, of, above) = match key {
            "goodput_above" => (record.goodput, "of the measured capacity", true),
            "goodput_below" => (record.goodput, "of the measured capacity", false),
            "p99_above" => (record.p99, "of the clients' timeout", true),
            _ => (record.p99, "of the clients' timeout", false),
        };
        let what = if key.starts_with("goodput") {
            "goodput"
        } else {
            "p99"
        };
        let relation = if above { "above" } else { "below" };
        let held = if above { value > bound } else { value < bound };
        let worded = format!("{what} {relation} {bound} {of}");
        if !held {
            let code = match (what, above) {
                ("goodput", true) => "goodput_not_above",
                ("goodput", false) => "goodput_not_below",
                (_, true) => "p99_not_above",
                (_, false) => "p99_not_below",
            };
            reasons.push(Unmet::new(
                code,
                format!(
                    "{}: {what} is {value:.2} {of} ({}), not {relation} {bound}",
                    record.step,
                    numbers(record)
                ),
            ));
        }
        record.bounds.push(LoadBound {
            bound: worded,
            held,
        });
    }
    reasons
}

/// The measured numbers in one line, for reasons and the text report.
pub fn numbers(record: &LoadRecord) -> String {
    let statuses: Vec<String> = record
        .statuses
        .iter()
        .map(|(status, n)| format!("{n}x {status}"))
        .collect();
    format!(
        "capacity {:.0}/s, offered {:.0}/s for {} s: {} sent, {}{} unanswered in {} ms; goodput \
         {:.0}/s ({:.0} %), p99 {:.0} ms{}",
        record.capacity_per_s,
        record.offered_per_s,
        record.seconds,
        record.sent,
        if statuses.is_empty() {
            String::new()
        } else {
            format!("{}, ", statuses.join(", "))
        },
        record.unanswered,
        record.timeout_ms,
        record.goodput_per_s,
        record.goodput * 100.0,
        record.p99_ms,
        record
            .admitted_p99_ms
            .map(|ms| format!(" (2xx p99 {ms:.0} ms)"))
            .unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(goodput: f64, p99: f64) -> LoadRecord {
        LoadRecord {
            step_index: 0,
            step: "spike".into(),
            capacity_per_s: 40.0,
            offered: 5.0,
            offered_per_s: 200.0,
            seconds: 4,
            timeout_ms: 1000,
            sent: 800,
            succeeded: (goodput * 160.0) as u64,
            statuses: BTreeMap::from([(200, 50)]),
            unanswered: 750,
            goodput_per_s: goodput * 40.0,
            goodput,
            p99_ms: p99 * 1000.0,
            p99,
            admitted_p99_ms: Some(950.0),
            bounds: Vec::new(),
        }
    }

    #[test]
    fn bounds_are_judged_recorded_and_worded() {
        let mut collapsed = record(0.3, 1.0);
        let reasons = judge(
            &mut collapsed,
            [("goodput_above", 0.7), ("p99_above", 0.9)].into_iter(),
        );
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert_eq!(reasons[0].code, "goodput_not_above");
        assert!(
            reasons[0].message.contains("0.30"),
            "{}",
            reasons[0].message
        );
        let held: Vec<(&str, bool)> = collapsed
            .bounds
            .iter()
            .map(|b| (b.bound.as_str(), b.held))
            .collect();
        assert_eq!(
            held,
            [
                ("goodput above 0.7 of the measured capacity", false),
                ("p99 above 0.9 of the clients' timeout", true),
            ]
        );
        let mut shed = record(1.05, 0.11);
        let reasons = judge(
            &mut shed,
            [("goodput_below", 0.6), ("p99_below", 0.8)].into_iter(),
        );
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert_eq!(reasons[0].code, "goodput_not_below");
    }

    #[test]
    fn the_numbers_line_has_statuses_and_both_p99s() {
        let line = numbers(&record(0.3, 1.0));
        assert!(
            line.contains("50x 200, 750 unanswered in 1000 ms"),
            "{line}"
        );
        assert!(line.contains("goodput 12/s (30 %)"), "{line}");
        assert!(line.contains("(2xx p99 950 ms)"), "{line}");
    }
}
