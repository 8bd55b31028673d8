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
pub mod progress;
pub mod regressions;
mod send;
mod shrink;
pub mod source;
pub mod spec;
pub mod strategy;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use proptest::strategy::ValueTree;
use serde::Serialize;

use crate::scenario::{BackendName, ModeName};
pub use bucket::Bucket;
use bucket::{BucketKey, Outcome, to_bucket};
use case::Case;
use check::{Observed, Profile};
use plan::{Planned, plan};
pub use progress::Progress;
use send::send;
use spec::Api;
use strategy::Phase;

/// The bounds and knobs of one fuzz run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests to send (replayed regressions included; shrinking excluded).
    pub requests: usize,
    /// The whole run's bound: sending, shrinking and the result. Sending stops at
    /// `SEND_SHARE` of it; shrinking gets what `shrink_budget` allows.
    pub max_duration: Duration,
    pub seed: u64,
    /// Requests in flight at once (shrinking works on as many buckets at once).
    pub concurrency: usize,
    /// A response slower than this fails `response_time`.
    pub time_limit: Duration,
    /// The longest one exchange may take, body included; a timeout fails `response_time`
    /// (and `responded` when not even the headers came).
    pub request_timeout: Duration,
    /// The most body bytes read and checked per response; the rest is not read.
    pub body_cap: usize,
    /// Most requests spent shrinking one bucket's input.
    pub shrink_steps: usize,
    /// Accept self-signed certificates (only shown in the `curl` lines).
    pub insecure: bool,
}

/// Planning (drawing the inputs) stops at this share of `--seconds`, with what it has.
pub const PLAN_SHARE: f64 = 0.2;
/// Sending new inputs stops at this share of `--seconds`: the rest is kept for shrinking.
pub const SEND_SHARE: f64 = 0.75;
/// Shrinking gets at most this share of the time sending took (so at most a quarter of
/// the run), and never more than the bound leaves...
pub const SHRINK_SHARE_OF_SENDING: f64 = 1.0 / 3.0;
/// ...but at least this long when the bound allows it, so a fast run still shrinks.
pub const MIN_SHRINK: Duration = Duration::from_secs(2);
/// Kept free at the end of the bound for assembling and printing the result.
const RESULT_RESERVE: Duration = Duration::from_millis(100);

/// How many 503/429 answers with Retry-After an operation gets before the fuzzer stops
/// sending it new inputs (the server asked to be left alone).
const BACK_OFF_AFTER: usize = 3;
/// How many timeouts an operation gets before the fuzzer stops sending it new inputs: its
/// `response_time` bucket is found, and each further try would hold a slot for a whole
/// request timeout.
const LEAVE_AFTER_TIMEOUTS: usize = 3;
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
    /// The base URL the `curl` lines use: the target's own, or a placeholder for an app
    /// the fuzzer started and has stopped by the time anyone pastes a line.
    pub repro_base_url: String,
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
    pub mode: Option<ModeName>,
    /// `sqlite`, `postgres`, or null for a `--target`.
    pub backend: Option<BackendName>,
    pub target: String,
    pub api: String,
    /// `OpenAPI 3.1.0`, `Swagger 2.0`.
    pub dialect: String,
    pub seed: u64,
    /// Requests sent for inputs (replayed regressions included).
    pub requests: usize,
    /// Extra requests spent shrinking.
    pub shrink_requests: usize,
    pub replayed: usize,
    /// The whole run, from its first request to its result: sending plus shrinking.
    pub seconds: f64,
    /// The bound it ran under (`--seconds`).
    pub seconds_limit: f64,
    /// Time spent sending the inputs (what requests per second is computed over).
    pub send_seconds: f64,
    /// Time spent shrinking afterwards.
    pub shrink_seconds: f64,
    /// Which bound ended the sending.
    pub stopped_by: StopReason,
    /// Buckets whose input was not shrunk (the time was up, or its input timed out).
    pub unshrunk: usize,
    /// How to bring the target back for the `curl` lines (demo-app), else null.
    pub repro_note: Option<String>,
    /// Requests per phase.
    pub phases: BTreeMap<Phase, usize>,
    /// Operations the fuzzer stopped sending after repeated 503/429 with Retry-After.
    pub backed_off: Vec<String>,
    /// The app died during the run (`stopped_by` is then `app died`).
    pub app_died: Option<AppDeath>,
    /// Operations the fuzzer stopped sending after `LEAVE_AFTER_TIMEOUTS` timeouts.
    pub timed_out: Vec<String>,
    pub buckets: Vec<Bucket>,
}

/// What ended the sending of new inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StopReason {
    /// Every request of `--requests` was sent.
    #[serde(rename = "requests")]
    Requests,
    /// The share of `--seconds` for sending was up.
    #[serde(rename = "seconds")]
    Seconds,
    /// The app under test died (demo-app only).
    #[serde(rename = "app died")]
    AppDied,
}

impl StopReason {
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Requests => "requests",
            StopReason::Seconds => "seconds",
            StopReason::AppDied => "app died",
        }
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Runs the fuzzer against `target` until `options.requests` are sent or the share of
/// `options.max_duration` for sending is spent, then shrinks within what is left.
pub async fn run(
    api: &Api,
    target: &Target<'_>,
    options: &Options,
    replay: &[regressions::Saved],
    progress: &Progress,
) -> FuzzRun {
    let started = Instant::now();
    let deadline = started + options.max_duration.saturating_sub(RESULT_RESERVE);
    let send_deadline = started + options.max_duration.mul_f64(SEND_SHARE);
    let mut plan = plan(
        api,
        options,
        started + options.max_duration.mul_f64(PLAN_SHARE),
    );
    progress.sending();
    // Saved failures first: the bug they found should be gone before anything new counts.
    let mut replayed = 0;
    for saved in replay {
        if let Some(operation) = api
            .operations
            .iter()
            .position(|o| o.method == saved.method && o.route == saved.route)
        {
            plan.insert(
                replayed.min(plan.len()),
                Planned {
                    operation,
                    phase: Phase::Valid,
                    tree: Box::new(proptest::strategy::Just(saved.case.clone())),
                    replay: true,
                },
            );
            replayed += 1;
        }
    }
    plan.truncate(options.requests);
    let replayed = replayed.min(plan.len());

    let pause_until = Mutex::new(Instant::now());
    let refusals: Mutex<Vec<usize>> = Mutex::new(vec![0; api.operations.len()]);
    let timeouts: Mutex<Vec<usize>> = Mutex::new(vec![0; api.operations.len()]);
    // Set when the app is found dead: no new input goes out, the ones in flight are still
    // read (the input that killed it is among them).
    let stop = AtomicBool::new(false);
    let mut results = futures_util::stream::iter(plan)
        .take_while(|_| {
            futures_util::future::ready(
                Instant::now() < send_deadline && !stop.load(Ordering::Relaxed),
            )
        })
        .map(|planned| {
            let pause_until = &pause_until;
            let refusals = &refusals;
            let timeouts = &timeouts;
            async move {
                let operation = &api.operations[planned.operation];
                let backed_off = refusals.lock().unwrap_or_else(|p| p.into_inner())
                    [planned.operation]
                    >= BACK_OFF_AFTER
                    || timeouts.lock().unwrap_or_else(|p| p.into_inner())[planned.operation]
                        >= LEAVE_AFTER_TIMEOUTS;
                if backed_off {
                    return (planned, None, Instant::now());
                }
                let wait = {
                    let until = *pause_until.lock().unwrap_or_else(|p| p.into_inner());
                    until
                        .min(deadline)
                        .saturating_duration_since(Instant::now())
                };
                tokio::time::sleep(wait).await;
                let sent_at = Instant::now();
                // The whole run's bound cuts an exchange short too (its own timeout may
                // be longer than what is left).
                let outcome = tokio::time::timeout_at(
                    deadline.into(),
                    send(target, operation, &planned.tree.current(), options),
                )
                .await
                .ok();
                if let Some(pause) = outcome.as_ref().and_then(|o| retry_after(&o.observed)) {
                    *pause_until.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now() + pause;
                    refusals.lock().unwrap_or_else(|p| p.into_inner())[planned.operation] += 1;
                }
                if outcome.as_ref().is_none_or(|o| o.observed.timed_out) {
                    timeouts.lock().unwrap_or_else(|p| p.into_inner())[planned.operation] += 1;
                }
                (planned, outcome, sent_at)
            }
        })
        // Unordered: a slow answer must not hold back the requests behind it.
        .buffer_unordered(options.concurrency.max(1));

    let mut sent = 0;
    // Requests of fresh generation only: what `first_found_after` counts.
    let mut fresh = 0;
    let mut phases: BTreeMap<Phase, usize> = BTreeMap::new();
    let mut found: Vec<Found> = Vec::new();
    let mut died: Option<AppDeath> = None;
    // The operations of the requests that went unanswered since the app last proved alive:
    // once it is dead, every request that was in flight (the killer among them) ends here.
    let mut unanswered: Vec<String> = Vec::new();
    // When the newest of them was seen unanswered. Only an answer to a request sent after
    // that proves the app outlived them: answers complete unordered, and one to a request
    // sent earlier can come in after the killer's connection dropped (a CI run saw the
    // killer cleared from the list that way).
    let mut last_no_answer_at: Option<Instant> = None;
    while let Some((planned, outcome, sent_at)) = results.next().await {
        let Some(outcome) = outcome else { continue };
        let answered = outcome.observed.status.is_some();
        sent += 1;
        if answered {
            if last_no_answer_at.is_none_or(|at| sent_at > at) {
                unanswered.clear();
                last_no_answer_at = None;
            }
        } else {
            last_no_answer_at = Some(Instant::now());
            let operation = &api.operations[planned.operation];
            unanswered.push(format!("{} {}", operation.method, operation.route));
            // No answer may mean no process: once it is gone, what follows only meets a
            // closed port, so nothing new is sent (nothing is restarted).
            if died.is_none() {
                died = target.exited.and_then(|exited| exited());
            }
        }
        if !planned.replay {
            fresh += 1;
        }
        *phases.entry(planned.phase).or_default() += 1;
        let operation = &api.operations[planned.operation];
        if let Some(key) = outcome.key(operation) {
            let by_fresh = (!planned.replay).then_some(fresh);
            match found.iter_mut().find(|f| f.key == key) {
                Some(existing) => {
                    existing.count += 1;
                    existing.first_found_after = existing.first_found_after.or(by_fresh);
                    // Requests complete unordered: a fresh input may answer before the
                    // saved one that hits the same bucket; the saved one still found it.
                    existing.replayed |= planned.replay;
                }
                None => found.push(Found {
                    key,
                    operation: planned.operation,
                    phase: planned.phase,
                    count: 1,
                    first_found_after: by_fresh,
                    replayed: planned.replay,
                    tree: planned.tree,
                    outcome,
                }),
            }
        }
        if died.is_some() {
            // The requests already in flight are read to their end (they fail at once on
            // a dead process): the killer may be one of them, not the first one noticed.
            stop.store(true, Ordering::Relaxed);
        }
        progress.sent(sent, found.len());
    }
    drop(results);
    if died.is_none()
        && !unanswered.is_empty()
        && let Some(exited) = target.exited
    {
        // The last input may have killed it: give the kernel a moment to say so.
        tokio::time::sleep(Duration::from_millis(500)).await;
        died = exited();
    }
    if let Some(death) = died.as_mut() {
        death.after_requests = sent;
        // Not only the last few: the process's exit is seen a little late, and requests
        // sent in between end unanswered too, after the killer.
        let mut dropped = unanswered;
        dropped.sort();
        dropped.dedup();
        death.dropped = dropped;
    }
    let sending = started.elapsed();
    let stopped_by = if died.is_some() {
        StopReason::AppDied
    } else if sent < options.requests && Instant::now() >= send_deadline {
        StopReason::Seconds
    } else {
        StopReason::Requests
    };

    progress.shrinking();
    // A dead app answers nothing more: its inputs are reported as they were found.
    let shrink_until = if died.is_some() {
        Instant::now()
    } else {
        deadline.min(Instant::now() + shrink_budget(sending))
    };
    let shrunk = shrink::all(target, api, options, found, shrink_until, progress).await;
    let mut shrink_requests = 0;
    let mut unshrunk = 0;
    let mut buckets = Vec::new();
    for result in shrunk {
        shrink_requests += result.steps;
        unshrunk += usize::from(result.note.is_some());
        let operation = &api.operations[result.found.operation];
        buckets.push(to_bucket(target, operation, options, result));
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
    let left = |counts: Mutex<Vec<usize>>, after: usize| -> Vec<String> {
        counts
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .enumerate()
            .filter(|(_, n)| **n >= after)
            .map(|(i, _)| format!("{} {}", api.operations[i].method, api.operations[i].route))
            .collect()
    };
    let backed_off = left(refusals, BACK_OFF_AFTER);
    let timed_out = left(timeouts, LEAVE_AFTER_TIMEOUTS);
    let total = started.elapsed();
    FuzzRun {
        mode: None,
        backend: None,
        target: target.base_url.clone(),
        api: api.title.clone(),
        dialect: api.dialect.clone(),
        seed: options.seed,
        requests: sent,
        shrink_requests,
        replayed,
        seconds: total.as_secs_f64(),
        seconds_limit: options.max_duration.as_secs_f64(),
        send_seconds: sending.as_secs_f64(),
        shrink_seconds: (total - sending).as_secs_f64(),
        stopped_by,
        unshrunk,
        repro_note: None,
        phases,
        backed_off,
        app_died: died,
        timed_out,
        buckets,
    }
}

/// Shrinking's share: a third of the time sending took, at least `MIN_SHRINK` (the
/// caller caps it at the bound).
fn shrink_budget(sending: Duration) -> Duration {
    sending.mul_f64(SHRINK_SHARE_OF_SENDING).max(MIN_SHRINK)
}

/// A bucket while the run goes on.
struct Found {
    key: BucketKey,
    operation: usize,
    phase: Phase,
    count: usize,
    /// Fresh requests sent when fresh generation first landed here; `None` when only
    /// replayed inputs did.
    first_found_after: Option<usize>,
    /// The bucket's first input was a replayed regression.
    replayed: bool,
    tree: Box<dyn ValueTree<Value = Case>>,
    outcome: Outcome,
}

/// The pause a 503/429 asks for.
fn retry_after(observed: &Observed) -> Option<Duration> {
    if !matches!(observed.status, Some(503 | 429)) {
        return None;
    }
    let seconds: u64 = observed.header("retry-after")?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds).min(MAX_PAUSE))
}
