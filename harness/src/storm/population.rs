//! The client population: a fixed offered load of new requests (open loop: arrivals do not
//! wait for earlier requests to finish, as users and upstream services do not), each request
//! retried by the population's policy. Every attempt and outcome is recorded with its time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::policy::{Attempt, Backoff, Policy, RetryBudget, next_delay};

/// What one population sends.
#[derive(Debug, Clone)]
pub struct Population {
    pub policy: Policy,
    /// New requests per second (first attempts).
    pub rate: u32,
    /// How long new requests keep coming; requests still retrying then are cut off.
    pub run_for: Duration,
    /// Each attempt's timeout: the client gives up on the answer after this long.
    pub attempt_timeout: Duration,
    pub backoff: Backoff,
    pub seed: u64,
}

/// Times are offsets from the start of the run.
#[derive(Debug, Default, Clone)]
pub struct Record {
    /// Every attempt, in the order sent.
    pub attempts: Vec<Sent>,
    /// Every attempt's outcome, in the order it arrived.
    pub outcomes: Vec<Answered>,
    /// Every request in arrival order.
    pub requests: Vec<RequestSpan>,
}

/// An attempt went out.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    pub at: Duration,
    /// A request's first attempt, not a retry.
    pub first: bool,
}

/// An attempt's outcome arrived.
#[derive(Debug, Clone, Copy)]
pub struct Answered {
    pub at: Duration,
    pub attempt: Attempt,
}

/// One request, from its first attempt to its last.
#[derive(Debug, Clone, Copy)]
pub struct RequestSpan {
    pub began: Duration,
    /// `None` while it was still retrying at the run's end.
    pub ended: Option<Ended>,
}

#[derive(Debug, Clone, Copy)]
pub struct Ended {
    pub at: Duration,
    pub succeeded: bool,
}

impl Record {
    pub fn first_attempts(&self) -> usize {
        self.attempts.iter().filter(|sent| sent.first).count()
    }
}

/// Sends the population's load to `url` for `population.run_for`, and returns the record.
pub async fn send(
    population: &Population,
    client: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
) -> Record {
    let record = Arc::new(Mutex::new(Record::default()));
    let budget = Arc::new(RetryBudget::default());
    let started = Instant::now();
    let deadline = started + population.run_for;
    let interval = Duration::from_secs(1) / population.rate.max(1);
    let mut requests = tokio::task::JoinSet::new();
    for n in 0u64.. {
        let due = started + interval.saturating_mul(u32::try_from(n).unwrap_or(u32::MAX));
        if due >= deadline {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let index = {
            let mut record = record.lock().unwrap_or_else(|e| e.into_inner());
            record.requests.push(RequestSpan {
                began: started.elapsed(),
                ended: None,
            });
            record.requests.len() - 1
        };
        let request = Request {
            index,
            population: population.clone(),
            client: client.clone(),
            url: url.to_string(),
            body: body.clone(),
            budget: Arc::clone(&budget),
            record: Arc::clone(&record),
            started,
            deadline,
            rng: fastrand::Rng::with_seed(population.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        };
        requests.spawn(request.run());
        // Reap what has finished so the set does not grow with the whole run.
        while requests.try_join_next().is_some() {}
    }
    tokio::time::sleep_until(deadline.into()).await;
    requests.abort_all();
    while requests.join_next().await.is_some() {}
    record.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

struct Request {
    /// This request's place in `Record::requests`.
    index: usize,
    population: Population,
    client: reqwest::Client,
    url: String,
    body: serde_json::Value,
    budget: Arc<RetryBudget>,
    record: Arc<Mutex<Record>>,
    started: Instant,
    deadline: Instant,
    rng: fastrand::Rng,
}

impl Request {
    async fn run(mut self) {
        self.budget.deposit();
        let mut retry = 0u32;
        loop {
            let first = retry == 0;
            self.note(|record, at| record.attempts.push(Sent { at, first }));
            let attempt = self.attempt().await;
            self.note(|record, at| record.outcomes.push(Answered { at, attempt }));
            let policy = self.population.policy;
            let backoff = self.population.backoff;
            let Some(delay) = next_delay(
                policy,
                &backoff,
                &self.budget,
                retry,
                attempt,
                &mut self.rng,
            ) else {
                let index = self.index;
                self.note(|record, at| {
                    if let Some(request) = record.requests.get_mut(index) {
                        request.ended = Some(Ended {
                            at,
                            succeeded: attempt == Attempt::Succeeded,
                        });
                    }
                });
                return;
            };
            if Instant::now() + delay >= self.deadline {
                return;
            }
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    async fn attempt(&self) -> Attempt {
        let sent = self
            .client
            .post(&self.url)
            .json(&self.body)
            .timeout(self.population.attempt_timeout)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(_) => return Attempt::TimedOut,
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|seconds| Duration::from_secs(seconds.min(60)));
        // The answer counts once its body is in: the timeout covers the whole exchange.
        if response.bytes().await.is_err() {
            return Attempt::TimedOut;
        }
        if status.is_success() {
            Attempt::Succeeded
        } else if status.is_server_error() || status.as_u16() == 429 {
            Attempt::Overloaded { retry_after }
        } else {
            Attempt::Refused
        }
    }

    fn note(&self, write: impl FnOnce(&mut Record, Duration)) {
        let at = self.started.elapsed();
        write(
            &mut self.record.lock().unwrap_or_else(|e| e.into_inner()),
            at,
        );
    }
}
