//! `harness drill`: a scored incident-response game day. A prod demo-app takes a steady
//! shop's traffic; after a warm-up the seed picks, one hidden incident is injected for real
//! (`catalogue`, `inject`); the responder, a person at another terminal or the autopilot
//! (`responder`), has the on-call engineer's signals and the ops routes' mitigations
//! (`actions`). The drill ends when the 5xx ratio stayed under 1 % for the recovery window
//! after a mitigation, or when time is up, and scores the response (`score`).
//!
//! Loopback only; bounded by `--minutes`; Ctrl-C ends it and still reports.

pub mod actions;
pub mod catalogue;
pub mod cause;
mod inject;
mod lab;
mod prometheus;
pub mod responder;
pub mod score;
pub mod session;
mod signals;
mod traffic;
mod upstream;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::app::drill as shop;
use crate::runner::AppCommand;
use crate::scenario::BackendName;
use actions::ObservedAction;
use catalogue::Incident;
use cause::Cause;
use lab::Lab;
use score::Second;
use session::{Event, Session};
use traffic::{Population, Recorder};

/// A poisoned lock still holds usable counts: a panicked task must not end the drill.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug, Clone)]
pub struct Options {
    /// `None`: the seed picks one.
    pub incident: Option<Incident>,
    pub seed: u64,
    pub backend: BackendName,
    /// The whole drill, calibration included, ends by then.
    pub length: Duration,
    pub autopilot: bool,
    /// `None`: the seed picks it.
    pub warm_up: Option<Duration>,
    pub recovery_window: Duration,
    pub session_dir: PathBuf,
}

/// What the seed decides: the same seed, the same drill for every attendee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub incident: Incident,
    pub warm_up: Duration,
}

/// The default recovery window: half a minute under 1 %.
pub const RECOVERY_WINDOW: Duration = Duration::from_secs(30);

pub fn plan(incident: Option<Incident>, seed: u64, warm_up: Option<Duration>) -> Plan {
    let mut rng = fastrand::Rng::with_seed(seed);
    // Drawn in this order whatever is given, so `--incident` does not change the timing.
    let drawn = Incident::ALL[rng.usize(..Incident::ALL.len())];
    let drawn_warm_up = Duration::from_secs(rng.u64(20..=60));
    Plan {
        incident: incident.unwrap_or(drawn),
        warm_up: warm_up.unwrap_or(drawn_warm_up),
    }
}

/// What the drill measured of the service before the traffic started.
#[derive(Debug, Clone, Serialize)]
pub struct Setup {
    pub backend: BackendName,
    pub seed: u64,
    pub autopilot: bool,
    pub length_s: u64,
    /// Requests per second the healthy app answered closed-loop over the shop's mix.
    pub capacity_per_s: f64,
    pub steady_per_s: u32,
    /// What the spike's population sends, if that is the incident.
    pub spike_per_s: u32,
    pub recovery_window_ms: u64,
    /// The lab's Prometheus: its URL, "not installed", or why it could not start.
    pub prometheus: String,
}

/// One action the app logged, and what the drill made of it.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRecord {
    pub at_ms: u64,
    pub action: String,
    pub kind: String,
    /// One of the incident's cures.
    pub cures: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    pub at_ms: u64,
    pub cause: String,
    pub right: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    Recovered,
    TimeUp,
    Interrupted,
}

/// The drill's result: what `--format json` prints (docs/report-formats.md).
#[derive(Debug, Clone, Serialize)]
pub struct Drill {
    pub format_version: u32,
    /// Revealed at the end.
    pub incident: Incident,
    pub cause: Cause,
    pub story: &'static str,
    pub setup: Setup,
    pub started_unix_ms: u64,
    pub injected_at_ms: u64,
    /// When the drill's own pager (the 5xx ratio over 10 s above 1 %) went off.
    pub alerted_at_ms: Option<u64>,
    /// The first of the lab's Prometheus alerts that fired (with Prometheus installed).
    pub prometheus_alert: Option<prometheus::FiredAlert>,
    pub acked_at_ms: Option<u64>,
    pub diagnosis: Option<Diagnosis>,
    pub actions: Vec<ActionRecord>,
    pub wrong_actions: usize,
    pub recovered_at_ms: Option<u64>,
    pub ended_at_ms: u64,
    pub ended: Ending,
    /// Injection to acknowledgement.
    pub mttd_ms: Option<u64>,
    /// Injection to the pager.
    pub time_to_alert_ms: Option<u64>,
    /// Injection to sustained recovery.
    pub mttr_ms: Option<u64>,
    pub requests: u64,
    pub failed: u64,
    /// Requests that failed from the injection on.
    pub failed_after_injection: u64,
    /// Distinct clients with a failed request.
    pub clients_affected: usize,
    /// Failed requests against the 99.9 % objective's allowance over the drill's requests.
    pub budget_spent: f64,
    /// The same failures as a share of a 30-day budget at the drill's request rate.
    pub monthly_budget_spent: f64,
    pub base_url: String,
    pub log_file: PathBuf,
    pub timeline: Vec<Second>,
}

/// What the drill tells its panel, once a second.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    Starting,
    /// The app is up: where, with which token, and where its log goes.
    Ready(&'a Session, &'a Setup),
    Second {
        timeline: &'a [Second],
        alerting: bool,
        acked: bool,
        actions: &'a [ActionRecord],
        /// Seconds of the drill left.
        left_s: u64,
    },
    /// The responder said something (`ack`, `diagnose`, `act`).
    Heard(&'a Event),
    Ending,
}

fn rounded(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// How long capacity is measured.
const CALIBRATION: Duration = Duration::from_secs(2);
const CALIBRATION_CONCURRENCY: usize = 8;
/// The steady load, as a share of capacity, and its bounds (requests per second).
const STEADY_SHARE: f64 = 0.2;
const STEADY_BOUNDS: (f64, f64) = (15.0, 150.0);
/// The spike, as a multiple of what its route can take, and its bounds.
const SPIKE_MULTIPLE: f64 = 3.0;
const SPIKE_BOUNDS: (f64, f64) = (60.0, 700.0);

/// Runs a drill. `interrupted` ends it early (Ctrl-C); the result is reported either way.
pub async fn run(
    app: &AppCommand,
    options: &Options,
    interrupted: Arc<AtomicBool>,
    progress: impl Fn(Progress),
) -> anyhow::Result<Drill> {
    let deadline = Instant::now() + options.length;
    let plan = plan(options.incident, options.seed, options.warm_up);
    session::prepare(&options.session_dir).map_err(|e| {
        anyhow::anyhow!(
            "Could not prepare the drill's folder {}: {e}",
            options.session_dir.display()
        )
    })?;
    progress(Progress::Starting);
    let log_file = options.session_dir.join(session::LOG_FILE);
    let lab = Arc::new(Lab::start(app, options.backend, log_file).await?);
    let result = drive(&lab, options, plan, deadline, interrupted, &progress).await;
    progress(Progress::Ending);
    session::close(&options.session_dir);
    // `drive` has joined every task that shared the lab.
    if let Some(lab) = Arc::into_inner(lab) {
        lab.stop().await?;
    }
    result
}

/// Requests per second the healthy app answers over the shop's mix, and over the route the
/// spike's population would hammer.
async fn calibrate(lab: &Lab, visits: &[shop::Visit]) -> anyhow::Result<(f64, f64)> {
    let base_url = lab.base_url();
    let capacity = traffic::capacity(
        &lab.client,
        base_url,
        visits,
        CALIBRATION_CONCURRENCY,
        CALIBRATION,
    )
    .await;
    anyhow::ensure!(
        capacity > 0.0,
        "the app answered nothing while the drill measured its capacity"
    );
    let spike_capacity = traffic::capacity(
        &lab.client,
        base_url,
        &shop::spike_traffic(),
        CALIBRATION_CONCURRENCY,
        CALIBRATION / 2,
    )
    .await;
    Ok((capacity, spike_capacity))
}

async fn drive(
    lab: &Arc<Lab>,
    options: &Options,
    plan: Plan,
    deadline: Instant,
    interrupted: Arc<AtomicBool>,
    progress: &impl Fn(Progress),
) -> anyhow::Result<Drill> {
    let base_url = lab.base_url().to_string();
    let visits = shop::shop_traffic();
    let (capacity, spike_capacity) = calibrate(lab, &visits).await?;
    let steady = (capacity * STEADY_SHARE).clamp(STEADY_BOUNDS.0, STEADY_BOUNDS.1) as u32;
    let spike = (spike_capacity * SPIKE_MULTIPLE).clamp(SPIKE_BOUNDS.0, SPIKE_BOUNDS.1) as u32;
    let (mut prometheus, prometheus_status) =
        match prometheus::Prometheus::start(&options.session_dir, &base_url).await {
            Ok(Some(prometheus)) => {
                let status = format!("{}/alerts", prometheus.url);
                (Some(prometheus), status)
            }
            Ok(None) => (
                None,
                "not installed (apt-get install prometheus)".to_string(),
            ),
            Err(e) => (None, format!("could not start: {e}")),
        };
    let setup = Setup {
        backend: options.backend,
        seed: options.seed,
        autopilot: options.autopilot,
        length_s: options.length.as_secs(),
        capacity_per_s: (capacity * 10.0).round() / 10.0,
        steady_per_s: steady,
        // Only the spike sends it; measured in every drill, so the set-up's length does
        // not give the incident away.
        spike_per_s: if plan.incident == Incident::TrafficSpike {
            spike
        } else {
            0
        },
        recovery_window_ms: options.recovery_window.as_millis() as u64,
        prometheus: prometheus_status,
    };

    // The traffic's clock: every time in the result counts from here.
    let started = Instant::now();
    let started_unix_ms = session::now_unix_ms();
    if let Some(prometheus) = prometheus.as_mut() {
        prometheus.watch(started);
    }
    let recorder = Arc::new(Recorder::new(started));
    let stop = Arc::new(AtomicBool::new(false));
    let session = Session {
        base_url: base_url.clone(),
        ops_token: lab.ops_token.clone(),
        log_file: lab.log_file.clone(),
        pid: std::process::id(),
        started_unix_ms,
    };
    session::write(&options.session_dir, &session)
        .map_err(|e| anyhow::anyhow!("Could not write the drill's session file: {e}"))?;
    progress(Progress::Ready(&session, &setup));

    tokio::spawn(traffic::send(
        Population {
            visits,
            per_second: steady,
            user_agents: shop::CUSTOMER_AGENTS.to_vec(),
            clients: 0..500,
            seed: options.seed,
        },
        lab.client.clone(),
        base_url.clone(),
        Arc::clone(&recorder),
        Arc::clone(&stop),
    ));
    if options.autopilot {
        let pager = responder::Pager {
            base_url: base_url.clone(),
            ops_token: lab.ops_token.clone(),
            log_file: lab.log_file.clone(),
        };
        let dir = options.session_dir.clone();
        tokio::spawn(responder::respond(pager, Arc::clone(&stop), move |event| {
            let _ = session::append(&dir, &event);
        }));
    }

    let since = |unix_ms: u64| unix_ms.saturating_sub(started_unix_ms);
    let now_ms = || started.elapsed().as_millis() as u64;
    let injected_at = plan.warm_up;
    let mut injection: Option<tokio::task::JoinHandle<anyhow::Result<()>>> = None;
    let mut injected_at_ms: Option<u64> = None;
    let mut acked_at_ms = None;
    let mut diagnosis: Option<Diagnosis> = None;
    let mut actions: Vec<ActionRecord> = Vec::new();
    let mut events_offset = 0;
    let mut log_from = 0;
    let mut injection_seen = false;
    let mut ending = Ending::TimeUp;
    let mut recovered_at: Option<usize> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_second = 0;
    loop {
        tick.tick().await;
        if interrupted.load(Ordering::Relaxed) {
            ending = Ending::Interrupted;
            break;
        }
        if Instant::now() >= deadline {
            break;
        }
        // Inject once the warm-up is over (in a task: an import takes seconds).
        if injected_at_ms.is_none() && started.elapsed() >= injected_at {
            injected_at_ms = Some(now_ms());
            let (lab, recorder, spike_stop) =
                (Arc::clone(lab), Arc::clone(&recorder), Arc::clone(&stop));
            let (incident, seed) = (plan.incident, options.seed);
            injection = Some(tokio::spawn(async move {
                inject::inject(incident, &lab, recorder, spike, seed, spike_stop).await
            }));
        }
        if let Some(handle) = injection.take_if(|handle| handle.is_finished()) {
            // A failed injection is the drill's own failure: say so rather than score it.
            if let Ok(Err(e)) = handle.await {
                stop.store(true, Ordering::Relaxed);
                return Err(e.context(format!("Could not inject {}", plan.incident.name())));
            }
        }
        // What the responder said, and what the app logged it did.
        let (events, next) = session::events_since(&options.session_dir, events_offset);
        events_offset = next;
        for event in &events {
            progress(Progress::Heard(event));
            let Some(injected) = injected_at_ms else {
                continue;
            };
            match event {
                Event::Ack { at_unix_ms } if acked_at_ms.is_none() => {
                    acked_at_ms = Some(since(*at_unix_ms).max(injected));
                }
                Event::Diagnose { at_unix_ms, cause } if diagnosis.is_none() => {
                    // Naming a cause is noticing it too.
                    acked_at_ms.get_or_insert(since(*at_unix_ms).max(injected));
                    diagnosis = Some(Diagnosis {
                        at_ms: since(*at_unix_ms).max(injected),
                        cause: cause.clone(),
                        right: Cause::from_name(cause) == Some(plan.incident.cause()),
                    });
                }
                _ => {}
            }
        }
        let (lines, next) = lab.copy_log(log_from);
        log_from = next;
        for seen in lines
            .iter()
            .filter_map(|line| ObservedAction::from_log_line(line))
        {
            if injected_at_ms.is_none() {
                continue;
            }
            if !injection_seen && plan.incident.is_injection(&seen) {
                injection_seen = true;
                continue;
            }
            actions.push(ActionRecord {
                at_ms: now_ms(),
                action: seen.describe(),
                cures: plan.incident.is_cured_by(&seen),
                kind: seen.kind,
            });
        }
        // Once a second: the panel, and whether the service has recovered.
        let second = started.elapsed().as_secs() as usize;
        if second == last_second {
            continue;
        }
        last_second = second;
        let timeline = recorder.seconds(second);
        let injected_second = injected_at_ms.map(|ms| (ms / 1000) as usize);
        let alerting =
            score::ratio(&timeline[timeline.len().saturating_sub(score::ALERT_WINDOW_S)..])
                .is_some_and(|r| r > score::ALERT_RATIO);
        progress(Progress::Second {
            timeline: &timeline,
            alerting,
            acked: acked_at_ms.is_some(),
            actions: &actions,
            left_s: deadline.saturating_duration_since(Instant::now()).as_secs(),
        });
        if let (Some(_), Some(first_action)) = (injected_second, actions.first()) {
            let from = (first_action.at_ms / 1000) as usize;
            let window = options.recovery_window.as_secs().max(1) as usize;
            if let Some(at) = score::recovered_at(&timeline, from, window) {
                recovered_at = Some(at);
                ending = Ending::Recovered;
                break;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let ended_at_ms = now_ms();
    // An import still running when time ran out ends with the drill.
    if let Some(handle) = injection {
        handle.abort();
        let _ = handle.await;
    }
    // Requests still in flight end within the clients' patience.
    tokio::time::sleep(traffic::PATIENCE + Duration::from_millis(200)).await;
    let seconds = (ended_at_ms / 1000) as usize;
    let timeline = recorder.seconds(seconds);
    let injected_at_ms = injected_at_ms.unwrap_or(ended_at_ms);
    let injected_second = (injected_at_ms / 1000) as usize;
    // The pager fires at the end of the second that tipped its window.
    let alerted_at_ms =
        score::first_alert(&timeline, injected_second).map(|s| (s as u64 + 1) * 1000);
    let recovered_at_ms = recovered_at.map(|s| (s as u64 * 1000).max(injected_at_ms));
    let requests: u64 = timeline.iter().map(|s| s.requests).sum();
    let failed: u64 = timeline.iter().map(|s| s.failed).sum();
    let failed_after_injection = timeline
        .iter()
        .skip(injected_second)
        .map(|s| s.failed)
        .sum();
    Ok(Drill {
        format_version: 1,
        incident: plan.incident,
        cause: plan.incident.cause(),
        story: plan.incident.story(),
        setup,
        started_unix_ms,
        injected_at_ms,
        alerted_at_ms,
        prometheus_alert: prometheus.as_ref().and_then(|p| p.first_fired()),
        acked_at_ms,
        wrong_actions: actions.iter().filter(|a| !a.cures).count(),
        diagnosis,
        actions,
        recovered_at_ms,
        ended_at_ms,
        ended: ending,
        mttd_ms: score::elapsed_ms(Some(injected_at_ms), acked_at_ms),
        time_to_alert_ms: score::elapsed_ms(Some(injected_at_ms), alerted_at_ms),
        mttr_ms: score::elapsed_ms(Some(injected_at_ms), recovered_at_ms),
        requests,
        failed,
        failed_after_injection,
        clients_affected: recorder.clients_failed(0, seconds + 1),
        budget_spent: rounded(score::budget_spent(requests, failed), 3),
        monthly_budget_spent: rounded(
            score::monthly_budget_spent(requests, failed, seconds as u64),
            6,
        ),
        base_url,
        log_file: lab.log_file.clone(),
        timeline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_incident_and_timing() {
        let first = plan(None, 42, None);
        assert_eq!(first, plan(None, 42, None));
        assert!((20..=60).contains(&first.warm_up.as_secs()), "{first:?}");
        // Naming the incident keeps the seed's timing.
        let named = plan(Some(Incident::RotatedKey), 42, None);
        assert_eq!(named.warm_up, first.warm_up);
        assert_eq!(named.incident, Incident::RotatedKey);
        // Seeds spread over the catalogue.
        let drawn: std::collections::BTreeSet<&str> = (0..200)
            .map(|seed| plan(None, seed, None).incident.name())
            .collect();
        assert_eq!(drawn.len(), Incident::ALL.len(), "{drawn:?}");
    }
}
