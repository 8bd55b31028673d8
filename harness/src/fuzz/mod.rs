//! `harness fuzz`: OpenAPI-driven input generation against demo-app or any HTTP(S) service.
//!
//! The pipeline: `spec` (the API description) → `strategy` (proptest strategies per
//! operation and phase) → send, `check` every response → `bucket` failures by method,
//! route, status and fingerprint → shrink each bucket's first input with proptest's value
//! tree → a `curl` line to reproduce it. Nothing here prints; `report` renders `FuzzRun`.

mod body;
mod bucket;
pub mod case;
pub mod check;
mod inputs;
mod plan;
pub mod regressions;
pub mod spec;
pub mod strategy;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use proptest::strategy::ValueTree;
use serde::Serialize;

pub use bucket::Bucket;
use bucket::{Outcome, drop_reflected, to_bucket};
use case::Case;
use check::{Observed, Profile};
use plan::{Planned, plan};
use spec::Api;
use strategy::Phase;

/// The bounds and knobs of one fuzz run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests to send (replayed regressions included; shrinking excluded).
    pub requests: usize,
    /// Stop sending new inputs after this long.
    pub max_duration: Duration,
    pub seed: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// A response slower than this fails `response_time`.
    pub time_limit: Duration,
    /// Most requests spent shrinking one bucket's input.
    pub shrink_steps: usize,
    /// Accept self-signed certificates (only shown in the `curl` lines).
    pub insecure: bool,
}

/// How many 503/429 answers with Retry-After an operation gets before the fuzzer stops
/// sending it new inputs (the server asked to be left alone).
const BACK_OFF_AFTER: usize = 3;
/// The longest pause a Retry-After buys.
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// Reads the failure class the app logged for a correlation id.
pub type ClassLookup<'a> = dyn Fn(&str) -> Option<String> + Sync + 'a;

/// Says whether the app the fuzzer started has died, and how (demo-app only).
pub type ExitLookup<'a> = dyn Fn() -> Option<AppDeath> + Sync + 'a;

/// The app the fuzzer started died during the run: an input killed it. The fuzzer stops
/// sending (it restarts nothing) and skips shrinking, which would only meet a closed port.
#[derive(Debug, Clone, Serialize)]
pub struct AppDeath {
    /// `killed by signal 6 (SIGABRT)`, `exited with code 1`.
    pub status: String,
    /// What the runtime printed as it died (`memory allocation of N bytes failed`).
    pub last_words: Option<String>,
    /// The failure class those words name, when they name one (`resource.out-of-memory`).
    pub failure_class: Option<String>,
    /// Requests sent when the death was noticed.
    pub after_requests: usize,
    /// The operations whose requests got no answer just before: the input that killed it
    /// is among them (each is also a bucket).
    pub dropped: Vec<String>,
}

/// Where the requests go and how to read a 5xx's failure class.
pub struct Target<'a> {
    pub base_url: String,
    pub client: reqwest::Client,
    pub profile: Profile,
    /// demo-app only: the failure class the app logged for a correlation id (`None` while
    /// its line has not arrived, an empty string when the line names no class).
    pub class_of: Option<&'a ClassLookup<'a>>,
    /// demo-app only: whether the app the fuzzer started has died.
    pub exited: Option<&'a ExitLookup<'a>>,
}

/// One run against one target (one mode and backend for demo-app).
#[derive(Debug, Clone, Serialize)]
pub struct FuzzRun {
    /// `dev`, `prod`, or null for a `--target`.
    pub mode: Option<String>,
    /// `sqlite`, `postgres`, or null for a `--target`.
    pub backend: Option<String>,
    pub target: String,
    pub api: String,
    pub seed: u64,
    /// Requests sent for inputs (replayed regressions included).
    pub requests: usize,
    /// Extra requests spent shrinking.
    pub shrink_requests: usize,
    pub replayed: usize,
    /// Time spent sending the inputs (what `requests` per second is computed over).
    pub seconds: f64,
    /// Time spent shrinking afterwards.
    pub shrink_seconds: f64,
    /// `requests` or `seconds`: which bound ended the run.
    pub stopped_by: &'static str,
    /// Requests per phase.
    pub phases: BTreeMap<Phase, usize>,
    /// Operations the fuzzer stopped sending after repeated 503/429 with Retry-After.
    pub backed_off: Vec<String>,
    /// The app died during the run (`stopped_by` is then `app died`).
    pub app_died: Option<AppDeath>,
    pub buckets: Vec<Bucket>,
}

/// Runs the fuzzer against `target` until `options.requests` or `options.max_duration`.
pub async fn run(
    api: &Api,
    target: &Target<'_>,
    options: &Options,
    replay: &[regressions::Saved],
) -> FuzzRun {
    let started = Instant::now();
    let mut plan = plan(api, options);
    // Saved failures first: the bug they found should be gone before anything new counts.
    let mut replayed = 0;
    for (i, saved) in replay.iter().enumerate() {
        if let Some(operation) = api
            .operations
            .iter()
            .position(|o| o.method == saved.method && o.route == saved.route)
        {
            plan.insert(
                i.min(plan.len()),
                Planned {
                    operation,
                    phase: Phase::Valid,
                    tree: Box::new(proptest::strategy::Just(saved.case.clone())),
                },
            );
            replayed += 1;
        }
    }
    plan.truncate(options.requests);

    let pause_until = Mutex::new(Instant::now());
    let refusals: Mutex<Vec<usize>> = Mutex::new(vec![0; api.operations.len()]);
    let deadline = started + options.max_duration;
    let mut results = futures_util::stream::iter(plan.into_iter().enumerate())
        .take_while(|_| futures_util::future::ready(Instant::now() < deadline))
        .map(|(index, planned)| {
            let pause_until = &pause_until;
            let refusals = &refusals;
            async move {
                let operation = &api.operations[planned.operation];
                let backed_off = refusals.lock().unwrap_or_else(|p| p.into_inner())
                    [planned.operation]
                    >= BACK_OFF_AFTER;
                if backed_off {
                    return (index, planned, None);
                }
                let wait = {
                    let until = *pause_until.lock().unwrap_or_else(|p| p.into_inner());
                    until.saturating_duration_since(Instant::now())
                };
                tokio::time::sleep(wait).await;
                let outcome = send(target, operation, &planned.tree.current(), options).await;
                if let Some(pause) = retry_after(&outcome.observed) {
                    *pause_until.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now() + pause;
                    refusals.lock().unwrap_or_else(|p| p.into_inner())[planned.operation] += 1;
                }
                (index, planned, Some(outcome))
            }
        })
        .buffered(options.concurrency.max(1));

    let mut sent = 0;
    let mut phases: BTreeMap<Phase, usize> = BTreeMap::new();
    let mut found: Vec<Found> = Vec::new();
    let mut died: Option<AppDeath> = None;
    let mut unanswered: Vec<String> = Vec::new();
    let mut last_unanswered = false;
    while let Some((_, planned, outcome)) = results.next().await {
        let Some(outcome) = outcome else { continue };
        last_unanswered = outcome.observed.status.is_none();
        sent += 1;
        if last_unanswered {
            let operation = &api.operations[planned.operation];
            unanswered.push(format!("{} {}", operation.method, operation.route));
            // No answer may mean no process: once it is gone, what follows only meets a
            // closed port, so the run ends after this input (nothing is restarted).
            died = target.exited.and_then(|exited| exited());
        }
        *phases.entry(planned.phase).or_default() += 1;
        let operation = &api.operations[planned.operation];
        let Some(key) = outcome.key(operation) else {
            continue;
        };
        match found.iter_mut().find(|f| f.key == key) {
            Some(existing) => existing.count += 1,
            None => found.push(Found {
                key,
                operation: planned.operation,
                phase: planned.phase,
                count: 1,
                first_found_after: sent,
                tree: planned.tree,
                outcome,
            }),
        }
        if died.is_some() {
            break;
        }
    }
    drop(results);
    if died.is_none()
        && last_unanswered
        && let Some(exited) = target.exited
    {
        // The last input may have killed it: give the kernel a moment to say so.
        tokio::time::sleep(Duration::from_millis(500)).await;
        died = exited();
    }
    if let Some(death) = died.as_mut() {
        death.after_requests = sent;
        let mut dropped: Vec<String> = unanswered
            .into_iter()
            .rev()
            .take(options.concurrency.max(1))
            .collect();
        dropped.sort();
        dropped.dedup();
        death.dropped = dropped;
    }
    let sending = started.elapsed();
    let stopped_by = if died.is_some() {
        "app died"
    } else if Instant::now() >= deadline {
        "seconds"
    } else {
        "requests"
    };

    let mut shrink_requests = 0;
    let mut buckets = Vec::new();
    for mut bucket in found {
        let operation = &api.operations[bucket.operation];
        let (best, outcome, steps) = if died.is_some() {
            (bucket.tree.current(), bucket.outcome.clone(), 0)
        } else {
            shrink(
                target,
                operation,
                options,
                &mut bucket.tree,
                &bucket.key,
                bucket.outcome.clone(),
            )
            .await
        };
        shrink_requests += steps;
        buckets.push(to_bucket(
            target, operation, options, &bucket, best, outcome, steps,
        ));
    }
    // The abort leaves no log line to name the class; the runtime's last words do. When
    // one operation alone went unanswered as the app died, its no-response bucket is the
    // killer's.
    if let Some(death) = &died
        && let (Some(class), [only]) = (&death.failure_class, death.dropped.as_slice())
    {
        for bucket in buckets
            .iter_mut()
            .filter(|b| b.status.is_none() && format!("{} {}", b.method, b.route) == *only)
        {
            bucket.class = Some(class.clone());
        }
    }
    let backed_off = refusals
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .enumerate()
        .filter(|(_, n)| **n >= BACK_OFF_AFTER)
        .map(|(i, _)| format!("{} {}", api.operations[i].method, api.operations[i].route))
        .collect();
    FuzzRun {
        mode: None,
        backend: None,
        target: target.base_url.clone(),
        api: api.title.clone(),
        seed: options.seed,
        requests: sent,
        shrink_requests,
        replayed,
        seconds: sending.as_secs_f64(),
        shrink_seconds: (started.elapsed() - sending).as_secs_f64(),
        stopped_by,
        phases,
        backed_off,
        app_died: died,
        buckets,
    }
}

/// A bucket while the run goes on.
struct Found {
    key: String,
    operation: usize,
    phase: Phase,
    count: usize,
    first_found_after: usize,
    tree: Box<dyn ValueTree<Value = Case>>,
    outcome: Outcome,
}

/// Shrinks a bucket's input with its value tree: simpler while it still lands in the same
/// bucket, bounded by `shrink_steps` requests.
async fn shrink(
    target: &Target<'_>,
    operation: &spec::Operation,
    options: &Options,
    tree: &mut Box<dyn ValueTree<Value = Case>>,
    key: &str,
    first: Outcome,
) -> (Case, Outcome, usize) {
    let mut best = (tree.current(), first);
    let mut failing = true;
    let mut steps = 0;
    while steps < options.shrink_steps {
        let moved = if failing {
            tree.simplify()
        } else {
            tree.complicate()
        };
        if !moved {
            break;
        }
        let case = tree.current();
        steps += 1;
        let outcome = send(target, operation, &case, options).await;
        failing = outcome.key(operation).as_deref() == Some(key);
        if failing && case.weight() <= best.0.weight() {
            best = (case, outcome);
        }
    }
    (best.0, best.1, steps)
}

/// Sends one input and checks the answer.
async fn send(
    target: &Target<'_>,
    operation: &spec::Operation,
    case: &Case,
    options: &Options,
) -> Outcome {
    let wire = case.wire(operation);
    let method =
        reqwest::Method::from_bytes(wire.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut request = target
        .client
        .request(method, format!("{}{}", target.base_url, wire.target))
        .timeout(options.time_limit * 2);
    if let Some(content_type) = &wire.content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(body) = wire.body {
        request = request.body(body);
    }
    let started = Instant::now();
    let observed = match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            match response.bytes().await {
                Ok(bytes) => Observed {
                    status: Some(status),
                    headers,
                    body: String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_BODY)]).into_owned(),
                    error: None,
                    elapsed: started.elapsed(),
                },
                Err(e) => no_response(&e, started),
            }
        }
        Err(e) => no_response(&e, started),
    };
    let mut verdict = check::check(&observed, target.profile, options.time_limit);
    drop_reflected(&mut verdict, case);
    let class = match (&target.class_of, observed.status) {
        (Some(class_of), Some(status)) if status >= 500 => {
            let id = observed.header("x-request-id").unwrap_or("").to_string();
            class_from_logs(class_of, &id).await
        }
        _ => None,
    };
    Outcome {
        observed,
        verdict,
        class,
    }
}

/// Longest body kept for checking.
const MAX_BODY: usize = 256 * 1024;

fn no_response(error: &reqwest::Error, started: Instant) -> Observed {
    Observed {
        status: None,
        headers: Vec::new(),
        body: String::new(),
        error: Some(crate::runner::http::describe_transport_error(error)),
        elapsed: started.elapsed(),
    }
}

/// The app writes its log line as it answers; give the reader of its stderr a moment.
async fn class_from_logs(class_of: &ClassLookup<'_>, correlation_id: &str) -> Option<String> {
    if correlation_id.is_empty() {
        return None;
    }
    for _ in 0..40 {
        if let Some(class) = class_of(correlation_id) {
            return (!class.is_empty()).then_some(class);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

/// The pause a 503/429 asks for.
fn retry_after(observed: &Observed) -> Option<Duration> {
    if !matches!(observed.status, Some(503 | 429)) {
        return None;
    }
    let seconds: u64 = observed.header("retry-after")?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds).min(MAX_PAUSE))
}
