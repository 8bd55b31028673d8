//! `harness load`: the error path's cost under load, measured side by side. One prod and
//! one dev demo-app (each its own process and SQLite database) take three workloads in
//! interleaved rounds, so machine noise hits all of them alike:
//! - success: prod `GET /customers/1` (a read and a parse that succeeds);
//! - prod error: prod `GET /customers/4` (the same read, the parse fails: a problem+json 500);
//! - dev error: dev `GET /customers/4` (the same failure, a debug dump with a backtrace).
//!
//! Loopback only, bounded by request count and time.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::StreamExt as _;
use lab_support::launch::{Launch, Started};
use lab_support::scratch_db::ScratchDatabase;
use serde::Serialize;

use crate::runner::AppCommand;
use crate::scenario::ModeName;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Requests per workload.
    pub requests: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Stop early after this long.
    pub max_duration: Duration,
    /// Rounds the requests are spread over (interleaving).
    pub rounds: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    pub workload: &'static str,
    pub path: &'static str,
    pub expected_status: u16,
    pub requests: usize,
    pub unexpected: usize,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Throughput relative to the success workload.
    pub throughput_ratio: f64,
}

struct Workload {
    name: &'static str,
    dev: bool,
    path: &'static str,
    expected_status: u16,
    latencies: Vec<Duration>,
    busy: Duration,
    unexpected: usize,
}

pub async fn run(app: &AppCommand, options: Options) -> anyhow::Result<Vec<Measurement>> {
    let prod_db = ScratchDatabase::create(lab_support::Backend::Sqlite).await?;
    let dev_db = ScratchDatabase::create(lab_support::Backend::Sqlite).await?;
    let prod = start(app, ModeName::Prod, &prod_db).await?;
    let dev = start(app, ModeName::Dev, &dev_db).await?;
    crate::runner::http::install_tls_provider();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(options.concurrency)
        .build()?;
    let mut workloads = vec![
        workload("success", false, "/customers/1", 200),
        workload("prod error", false, "/customers/4", 500),
        workload("dev error", true, "/customers/4", 500),
    ];
    let per_round = options.requests.div_ceil(options.rounds.max(1)).max(1);
    let started = Instant::now();
    'rounds: for _ in 0..options.rounds.max(1) {
        for workload in &mut workloads {
            if started.elapsed() > options.max_duration {
                break 'rounds;
            }
            let base = if workload.dev {
                &dev.base_url
            } else {
                &prod.base_url
            };
            let url = format!("{base}{}", workload.path);
            let batch_started = Instant::now();
            let results: Vec<(Duration, u16)> = futures_util::stream::iter(0..per_round)
                .map(|_| {
                    let request = client.get(&url).send();
                    async move {
                        let sent = Instant::now();
                        let status = match request.await {
                            Ok(response) => {
                                let status = response.status().as_u16();
                                let _ = response.bytes().await;
                                status
                            }
                            Err(_) => 0,
                        };
                        (sent.elapsed(), status)
                    }
                })
                .buffer_unordered(options.concurrency.max(1))
                .collect()
                .await;
            workload.busy += batch_started.elapsed();
            for (latency, status) in results {
                workload.latencies.push(latency);
                if status != workload.expected_status {
                    workload.unexpected += 1;
                }
            }
        }
    }
    prod.stop().await;
    dev.stop().await;
    prod_db.drop_database().await?;
    dev_db.drop_database().await?;
    let success_rps = rps(&workloads[0]);
    Ok(workloads
        .iter_mut()
        .map(|w| {
            w.latencies.sort();
            Measurement {
                workload: w.name,
                path: w.path,
                expected_status: w.expected_status,
                requests: w.latencies.len(),
                unexpected: w.unexpected,
                requests_per_second: rps(w),
                p50_ms: percentile(&w.latencies, 0.50),
                p99_ms: percentile(&w.latencies, 0.99),
                throughput_ratio: if success_rps > 0.0 {
                    rps(w) / success_rps
                } else {
                    0.0
                },
            }
        })
        .collect())
}

fn workload(name: &'static str, dev: bool, path: &'static str, expected_status: u16) -> Workload {
    Workload {
        name,
        dev,
        path,
        expected_status,
        latencies: Vec::new(),
        busy: Duration::ZERO,
        unexpected: 0,
    }
}

async fn start(
    app: &AppCommand,
    mode: ModeName,
    db: &ScratchDatabase,
) -> anyhow::Result<Box<lab_support::launch::RunningApp>> {
    let launch = Launch {
        program: app.program.clone(),
        args: app.args.clone(),
        settings: crate::runner::app_settings(mode, db),
    };
    match launch.start().await.context("Could not start demo-app")? {
        Started::Running(app) => Ok(app),
        Started::Failed(failure) => {
            anyhow::bail!(
                "demo-app ({}) did not start: {}",
                mode.as_str(),
                failure.stderr
            )
        }
    }
}

fn rps(workload: &Workload) -> f64 {
    let seconds = workload.busy.as_secs_f64();
    if seconds > 0.0 {
        workload.latencies.len() as f64 / seconds
    } else {
        0.0
    }
}

/// The `q` quantile of sorted durations, in milliseconds (nearest rank; 0 when empty).
pub(crate) fn percentile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

/// The measurements as a table, with the ratios the budget speaks of.
pub fn table(measurements: &[Measurement]) -> String {
    let mut out = format!(
        "{:<12} {:<14} {:>8} {:>10} {:>9} {:>9} {:>10}\n",
        "workload", "path", "requests", "req/s", "p50 ms", "p99 ms", "vs success"
    );
    for m in measurements {
        out.push_str(&format!(
            "{:<12} {:<14} {:>8} {:>10.0} {:>9.2} {:>9.2} {:>9.2}x{}\n",
            m.workload,
            m.path,
            m.requests,
            m.requests_per_second,
            m.p50_ms,
            m.p99_ms,
            m.throughput_ratio,
            if m.unexpected > 0 {
                format!("  ({} unexpected statuses)", m.unexpected)
            } else {
                String::new()
            }
        ));
    }
    out
}
