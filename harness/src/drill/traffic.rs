//! The drill's traffic: open-loop client populations (a steady shop day; the spike's new
//! population), and the recorder of what each request ended as, per second. Open loop: a
//! population sends at its rate whatever the service does, as real users do, so an outage
//! shows as failures and not as a client that politely slowed down.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};

use super::score::Second;
use crate::app::drill::Visit;

/// How long a customer waits for an answer before giving up.
pub const PATIENCE: Duration = Duration::from_secs(1);
/// Requests in flight at most, per population: bounds the harness's sockets whatever the
/// service does.
const MOST_IN_FLIGHT: u64 = 800;

/// What one request ended as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Answered(u16),
    /// No answer within the patience, or the connection failed.
    NoAnswer,
}

impl Ending {
    fn failed(self) -> bool {
        match self {
            Ending::Answered(status) => status >= 500,
            Ending::NoAnswer => true,
        }
    }
}

#[derive(Debug, Default)]
struct Bucket {
    requests: u64,
    failed: u64,
    limited: u64,
    latencies_ms: Vec<u32>,
    failed_clients: HashSet<u32>,
}

/// Per-second outcomes of every population, by the second each request ended in.
#[derive(Debug)]
pub struct Recorder {
    started: Instant,
    buckets: std::sync::Mutex<Vec<Bucket>>,
}

impl Recorder {
    pub fn new(started: Instant) -> Recorder {
        Recorder {
            started,
            buckets: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn record(&self, ended: Instant, latency: Duration, ending: Ending, client: u32) {
        let second = ended.saturating_duration_since(self.started).as_secs() as usize;
        let mut buckets = super::lock(&self.buckets);
        if buckets.len() <= second {
            buckets.resize_with(second + 1, Bucket::default);
        }
        let bucket = &mut buckets[second];
        bucket.requests += 1;
        bucket
            .latencies_ms
            .push(u32::try_from(latency.as_millis()).unwrap_or(u32::MAX));
        if ending.failed() {
            bucket.failed += 1;
            bucket.failed_clients.insert(client);
        } else if ending == Ending::Answered(StatusCode::TOO_MANY_REQUESTS.as_u16()) {
            bucket.limited += 1;
        }
    }

    /// The first `count` seconds (an empty second where nothing ended).
    pub fn seconds(&self, count: usize) -> Vec<Second> {
        let buckets = super::lock(&self.buckets);
        (0..count)
            .map(|i| match buckets.get(i) {
                Some(bucket) => Second {
                    second: i as u32,
                    requests: bucket.requests,
                    failed: bucket.failed,
                    limited: bucket.limited,
                    p99_ms: p99(&bucket.latencies_ms),
                },
                None => Second {
                    second: i as u32,
                    ..Second::default()
                },
            })
            .collect()
    }

    /// Distinct clients with at least one failed request in seconds `from..to`.
    pub fn clients_failed(&self, from: usize, to: usize) -> usize {
        let buckets = super::lock(&self.buckets);
        let mut clients = HashSet::new();
        for bucket in buckets.iter().take(to).skip(from) {
            clients.extend(bucket.failed_clients.iter().copied());
        }
        clients.len()
    }
}

fn p99(latencies: &[u32]) -> u32 {
    if latencies.is_empty() {
        return 0;
    }
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let rank = ((sorted.len() as f64) * 0.99).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A client population.
#[derive(Debug, Clone)]
pub struct Population {
    pub visits: Vec<Visit>,
    pub per_second: u32,
    pub user_agents: Vec<&'static str>,
    /// Client ids are drawn from `clients` (one id: one client, e.g. a bot).
    pub clients: std::ops::Range<u32>,
    pub seed: u64,
}

/// Sends `population`'s requests to `base_url` until `stop` is set; each one's ending goes
/// to `recorder`.
pub async fn send(
    population: Population,
    client: reqwest::Client,
    base_url: String,
    recorder: Arc<Recorder>,
    stop: Arc<AtomicBool>,
) {
    let mut rng = fastrand::Rng::with_seed(population.seed);
    let total_weight: u32 = population.visits.iter().map(|v| v.weight).sum();
    if total_weight == 0 || population.per_second == 0 {
        return;
    }
    let in_flight = Arc::new(AtomicU64::new(0));
    let period = Duration::from_secs_f64(1.0 / f64::from(population.per_second));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let population = Arc::new(population);
    while !stop.load(Ordering::Relaxed) {
        ticks.tick().await;
        if in_flight.load(Ordering::Relaxed) >= MOST_IN_FLIGHT {
            continue;
        }
        let visit = pick(&population.visits, total_weight, &mut rng);
        let path = visit.paths[rng.usize(..visit.paths.len())];
        let body =
            (!visit.bodies.is_empty()).then(|| visit.bodies[rng.usize(..visit.bodies.len())]);
        let agent = population.user_agents[rng.usize(..population.user_agents.len())];
        let client_id = rng.u32(population.clients.clone());
        let mut request = client
            .request(visit.method.clone(), format!("{base_url}{path}"))
            .header(reqwest::header::USER_AGENT, agent)
            .timeout(PATIENCE);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        debug_assert!(visit.method == Method::GET || body.is_some());
        let (recorder, in_flight) = (Arc::clone(&recorder), Arc::clone(&in_flight));
        in_flight.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let sent = Instant::now();
            let ending = match request.send().await {
                // The body is part of the answer: a response cut off is no answer.
                Ok(response) => {
                    let status = response.status().as_u16();
                    match response.bytes().await {
                        Ok(_) => Ending::Answered(status),
                        Err(_) => Ending::NoAnswer,
                    }
                }
                Err(_) => Ending::NoAnswer,
            };
            let ended = Instant::now();
            recorder.record(ended, ended - sent, ending, client_id);
            in_flight.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

fn pick<'a>(visits: &'a [Visit], total_weight: u32, rng: &mut fastrand::Rng) -> &'a Visit {
    let mut draw = rng.u32(..total_weight);
    for visit in visits {
        if draw < visit.weight {
            return visit;
        }
        draw -= visit.weight;
    }
    &visits[visits.len() - 1]
}

/// Requests per second the app completes closed-loop, `concurrency` at a time, over
/// `visits` for `length`: the capacity the offered load is scaled to.
pub async fn capacity(
    client: &reqwest::Client,
    base_url: &str,
    visits: &[Visit],
    concurrency: usize,
    length: Duration,
) -> f64 {
    let total_weight: u32 = visits.iter().map(|v| v.weight).sum();
    crate::runner::load::closed_loop(concurrency, length, |_| async move {
        // Not seeded: the measurement needs a spread of requests, not a repeatable one.
        let mut rng = fastrand::Rng::new();
        let visit = pick(visits, total_weight, &mut rng);
        let path = visit.paths[rng.usize(..visit.paths.len())];
        let mut request = client
            .request(visit.method.clone(), format!("{base_url}{path}"))
            .timeout(PATIENCE);
        if let Some(body) = visit.bodies.first() {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(*body);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => response.bytes().await.is_ok(),
            _ => false,
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p99_is_the_rank_at_ninety_nine_percent() {
        assert_eq!(p99(&[]), 0);
        assert_eq!(p99(&[7]), 7);
        let hundred: Vec<u32> = (1..=100).collect();
        assert_eq!(p99(&hundred), 99);
    }

    #[test]
    fn the_recorder_counts_by_the_second_a_request_ended() {
        let started = Instant::now();
        let recorder = Recorder::new(started);
        let ms = Duration::from_millis;
        recorder.record(started + ms(100), ms(5), Ending::Answered(200), 1);
        recorder.record(started + ms(1500), ms(900), Ending::Answered(503), 2);
        recorder.record(started + ms(1600), ms(1000), Ending::NoAnswer, 2);
        recorder.record(started + ms(1700), ms(3), Ending::Answered(429), 3);
        let seconds = recorder.seconds(3);
        assert_eq!((seconds[0].requests, seconds[0].failed), (1, 0));
        assert_eq!(
            (seconds[1].requests, seconds[1].failed, seconds[1].limited),
            (3, 2, 1)
        );
        assert_eq!(
            seconds[2],
            Second {
                second: 2,
                ..Second::default()
            }
        );
        assert_eq!(recorder.clients_failed(0, 3), 1);
    }
}
