//! `harness storm`: retry storms that keep an outage alive. For each retry policy, a fresh
//! prod demo-app on SQLite with a one-connection pool takes a fixed offered load of orders
//! priced in dollars. A few seconds into the run the FX upstream turns slow; orders hold
//! their connection across that call, so capacity collapses and requests time out. Then
//! the upstream is fast again, and the run shows whether the service comes back.
//!
//! Why it may not: actix-web does not cancel a handler when its client goes away, and the
//! pool serves waiters oldest first. Once the queue is longer than the client's patience,
//! every order the server completes is one nobody waits for any more, while the clients
//! that gave up send it again. With unbounded retries that work grows with every second
//! of the outage and outlives its cause: a metastable failure (Bronson et al., HotOS 2021).
//!
//! Loopback only; bounded by the run's length.

pub mod measure;
pub mod policy;
mod population;
mod trigger;

use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;

use crate::runner::AppCommand;
use crate::runner::serve::Served;
use crate::scenario::{BackendName, ModeName};
use measure::Second;
use policy::Attempt;
use policy::{Backoff, Policy};
use population::Population;
use trigger::SlowableUpstream;

#[derive(Debug, Clone)]
pub struct Options {
    pub policies: Vec<Policy>,
    /// New orders per second; `None`: an eighth of the measured capacity.
    pub orders_per_second: Option<u32>,
    /// The length of each policy's run.
    pub seconds: u64,
    pub seed: u64,
}

/// The fixed part of the set-up, reported with the results.
#[derive(Debug, Clone, Serialize)]
pub struct Setup {
    /// Orders per second the healthy service completed in a short closed-loop measurement.
    pub capacity_per_s: f64,
    /// New orders per second offered (the JSON's name predates this one).
    #[serde(rename = "clients")]
    pub orders_per_second: u32,
    pub seconds: u64,
    pub seed: u64,
    pub trigger_start_ms: u64,
    pub trigger_ms: u64,
    pub attempt_timeout_ms: u64,
    pub backoff_base_ms: u64,
    pub backoff_cap_ms: u64,
    pub pool_max_connections: u32,
    pub pool_acquire_timeout_ms: u64,
    pub upstream_ms: u64,
    pub slow_upstream_ms: u64,
}

/// One policy's run.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyRun {
    pub policy: Policy,
    pub description: &'static str,
    pub first_attempts: u64,
    pub attempts: u64,
    /// Attempts per first attempt.
    pub amplification: f64,
    /// 5xx answers the server gave (its `/metrics`), whether a client still listened or not.
    pub server_5xx: u64,
    /// Attempts the client gave up on after its timeout.
    pub client_timeouts: u64,
    /// Requests that ended in success.
    pub succeeded: u64,
    /// Requests still retrying when the run ended.
    pub unfinished: u64,
    /// Successful requests per second over the run.
    pub goodput: f64,
    /// 99th percentile of the time from a request's first attempt to its end (or to the
    /// run's end, for one still retrying), in ms.
    pub p99_ms: f64,
    /// From the trigger's end to lasting health; without a recovery, the time observed.
    pub recovery_ms: u64,
    pub recovered: bool,
    /// Orders the server committed that no client received: work done for nobody.
    pub orphaned_orders: u64,
    pub timeline: Vec<Second>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Storm {
    /// Changes when a field changes meaning or disappears (docs/report-formats.md).
    pub format_version: u32,
    pub setup: Setup,
    pub policies: Vec<PolicyRun>,
}

impl Storm {
    /// The highest attempts or server-5xx count of any second of any policy: the one
    /// scale every chart shares, so that policies compare at a glance.
    pub fn peak_per_second(&self) -> u64 {
        self.policies
            .iter()
            .flat_map(|run| run.timeline.iter())
            .map(|s| s.attempts.max(s.server_5xx))
            .max()
            .unwrap_or(0)
    }
}

/// The trigger starts this long into each run ...
const TRIGGER_START: Duration = Duration::from_secs(3);
/// ... and lasts this long. With the attempt timeout below, unbounded retries pile up
/// `TRIGGER / ATTEMPT_TIMEOUT / 4` (about 3) times the attempts that bounded ones send:
/// the offered load is chosen so that the first stays above capacity and the second below.
const TRIGGER: Duration = Duration::from_secs(5);
/// The FX upstream's answer time, normally and while slow.
const UPSTREAM: Duration = Duration::from_millis(10);
const SLOW_UPSTREAM: Duration = Duration::from_millis(400);
/// The clients' patience per attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(400);
const BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(100),
    cap: Duration::from_secs(2),
};
/// One connection: orders serialise on SQLite's write lock anyway, and capacity is then
/// one order per upstream answer time.
const POOL_MAX_CONNECTIONS: u32 = 1;
/// The app's default: the server waits for a connection far longer than clients wait.
const POOL_ACQUIRE_TIMEOUT_MS: u64 = 3000;

/// The shortest run that has a healthy second after the trigger.
pub const MIN_SECONDS: u64 = 9;
/// The default offered load, as a share of capacity: bounded retries multiply it by at
/// most four, which keeps them under capacity during the outage.
const LOAD_SHARE: f64 = 1.0 / 8.0;
/// How long capacity is measured, with this many orders in flight.
const CALIBRATION: Duration = Duration::from_secs(2);
const CALIBRATION_CONCURRENCY: usize = 4;

fn setup(options: &Options, capacity_per_s: f64, orders_per_second: u32) -> Setup {
    Setup {
        capacity_per_s,
        orders_per_second,
        seconds: options.seconds,
        seed: options.seed,
        trigger_start_ms: TRIGGER_START.as_millis() as u64,
        trigger_ms: TRIGGER.as_millis() as u64,
        attempt_timeout_ms: ATTEMPT_TIMEOUT.as_millis() as u64,
        backoff_base_ms: BACKOFF.base.as_millis() as u64,
        backoff_cap_ms: BACKOFF.cap.as_millis() as u64,
        pool_max_connections: POOL_MAX_CONNECTIONS,
        pool_acquire_timeout_ms: POOL_ACQUIRE_TIMEOUT_MS,
        upstream_ms: UPSTREAM.as_millis() as u64,
        slow_upstream_ms: SLOW_UPSTREAM.as_millis() as u64,
    }
}

/// Runs every policy in turn, each against its own app; `progress` hears of each start.
pub async fn run(
    app: &AppCommand,
    options: &Options,
    progress: impl Fn(Progress),
) -> anyhow::Result<Storm> {
    progress(Progress::Calibrating);
    let lab = Lab::start(app).await?;
    let capacity = calibrate(&lab).await;
    lab.stop().await?;
    let capacity_per_s = capacity?;
    let orders_per_second = options
        .orders_per_second
        .unwrap_or_else(|| ((capacity_per_s * LOAD_SHARE).round() as u32).max(1));
    let mut policies = Vec::new();
    for policy in &options.policies {
        progress(Progress::Policy(*policy, orders_per_second));
        let lab = Lab::start(app).await?;
        let run = drive(
            &lab,
            options.seconds,
            orders_per_second,
            options.seed,
            *policy,
        )
        .await;
        lab.stop().await?;
        policies.push(run?);
    }
    Ok(Storm {
        format_version: 1,
        setup: setup(options, capacity_per_s, orders_per_second),
        policies,
    })
}

/// What `run` is about to do, for a progress line.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    Calibrating,
    /// A policy, with the offered load in new orders per second.
    Policy(Policy, u32),
}

/// A fresh prod app with its slowable upstream, a well-stocked book, and a pool on its
/// database as the owner (for counting orders).
struct Lab {
    served: Served,
    upstream: SlowableUpstream,
    admin: sqlx::AnyPool,
}

impl Lab {
    async fn start(app: &AppCommand) -> anyhow::Result<Lab> {
        let upstream = SlowableUpstream::start(UPSTREAM, SLOW_UPSTREAM).await;
        let settings = crate::app::storm::settings(
            POOL_MAX_CONNECTIONS,
            POOL_ACQUIRE_TIMEOUT_MS,
            &upstream.uri(),
        );
        let served = Served::start_with(app, ModeName::Prod, BackendName::Sqlite, settings).await?;
        match Lab::open_stocked(&served).await {
            Ok(admin) => Ok(Lab {
                served,
                upstream,
                admin,
            }),
            Err(e) => {
                let _ = served.stop().await;
                Err(e)
            }
        }
    }

    async fn open_stocked(served: &Served) -> anyhow::Result<sqlx::AnyPool> {
        let admin = served.admin_pool().await?;
        crate::app::storm::stock_the_book(&admin)
            .await
            .context("Could not stock the storm's book")?;
        Ok(admin)
    }

    fn orders_url(&self) -> String {
        format!(
            "{}{}",
            self.served.app.base_url,
            crate::app::storm::ORDERS_PATH
        )
    }

    async fn stop(self) -> anyhow::Result<()> {
        self.admin.close().await;
        self.served.stop().await
    }
}

/// Orders per second the healthy app completes with a few in flight at once.
async fn calibrate(lab: &Lab) -> anyhow::Result<f64> {
    let client = crate::runner::http::client_with(false)?;
    let url = lab.orders_url();
    let body = crate::app::storm::order_body();
    let capacity =
        crate::runner::load::closed_loop(CALIBRATION_CONCURRENCY, CALIBRATION, |_| async {
            let sent = client.post(&url).json(&body).send().await;
            sent.is_ok_and(|r| r.status() == reqwest::StatusCode::CREATED)
        })
        .await;
    anyhow::ensure!(
        capacity > 0.0,
        "the app placed no order while measuring its capacity"
    );
    Ok(capacity)
}

async fn drive(
    lab: &Lab,
    seconds: u64,
    orders_per_second: u32,
    seed: u64,
    policy: Policy,
) -> anyhow::Result<PolicyRun> {
    let orders_before = count_orders(&lab.admin).await?;

    let watcher = tokio::spawn(watch_server_errors(
        lab.served.app.base_url.clone(),
        seconds,
    ));
    let switch = async {
        tokio::time::sleep(TRIGGER_START).await;
        lab.upstream.set_slow(true);
        tokio::time::sleep(TRIGGER).await;
        lab.upstream.set_slow(false);
    };
    let population = Population {
        policy,
        rate: orders_per_second,
        run_for: Duration::from_secs(seconds),
        attempt_timeout: ATTEMPT_TIMEOUT,
        backoff: BACKOFF,
        seed,
    };
    let client = crate::runner::http::client_with(false)?;
    let body = crate::app::storm::order_body();
    let url = lab.orders_url();
    let (record, ()) = tokio::join!(population::send(&population, &client, &url, &body), switch);
    let server_5xx = watcher.await.unwrap_or_default();
    let orders = count_orders(&lab.admin)
        .await?
        .saturating_sub(orders_before);

    let run_end = Duration::from_secs(seconds);
    let recovery = measure::recovery(&record, TRIGGER_START + TRIGGER, run_end);
    let first_attempts = record.first_attempts() as u64;
    let attempts = record.attempts.len() as u64;
    let count = |wanted: Attempt| {
        record
            .outcomes
            .iter()
            .filter(|answered| answered.attempt == wanted)
            .count() as u64
    };
    let succeeded = count(Attempt::Succeeded);
    Ok(PolicyRun {
        policy,
        description: policy.describe(),
        first_attempts,
        attempts,
        amplification: if first_attempts == 0 {
            0.0
        } else {
            attempts as f64 / first_attempts as f64
        },
        server_5xx: server_5xx.iter().sum(),
        client_timeouts: count(Attempt::TimedOut),
        succeeded,
        goodput: succeeded as f64 / seconds as f64,
        p99_ms: measure::quantile_ms(&record, run_end, 0.99),
        unfinished: record
            .requests
            .iter()
            .filter(|request| request.ended.is_none())
            .count() as u64,
        recovery_ms: recovery.unwrap_or_else(|observed| observed).as_millis() as u64,
        recovered: recovery.is_ok(),
        orphaned_orders: orders.saturating_sub(succeeded),
        timeline: measure::timeline(&record, seconds as usize, &server_5xx),
    })
}

async fn count_orders(admin: &sqlx::AnyPool) -> anyhow::Result<u64> {
    crate::app::storm::count_orders(admin)
        .await
        .context("Could not count the orders")
}

/// The server's own 5xx count per second of the run, read from `/metrics` once a second.
/// A second whose reading failed counts nothing; the next reading makes up for it.
async fn watch_server_errors(base_url: String, seconds: u64) -> Vec<u64> {
    let Ok(client) = crate::runner::http::client_with(false) else {
        return Vec::new();
    };
    let url = format!("{base_url}/metrics");
    let started = tokio::time::Instant::now();
    let mut last = read_5xx(&client, &url).await.unwrap_or(0);
    let mut per_second = Vec::new();
    for second in 1..=seconds {
        tokio::time::sleep_until(started + Duration::from_secs(second)).await;
        match read_5xx(&client, &url).await {
            Some(now) => {
                per_second.push(now.saturating_sub(last));
                last = now;
            }
            None => per_second.push(0),
        }
    }
    per_second
}

async fn read_5xx(client: &reqwest::Client, url: &str) -> Option<u64> {
    let response = client
        .get(url)
        .timeout(Duration::from_millis(900))
        .send()
        .await
        .ok()?;
    let text = response.text().await.ok()?;
    Some(crate::app::request_counts(&text).server_errors)
}
