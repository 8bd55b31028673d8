//! Running scenarios: one demo-app process per scenario x mode x backend, each with its
//! own fresh database, in parallel up to `jobs`. Returns results; never prints.

pub mod expect;
mod external;
mod held;
pub mod http;
mod invariants;
mod logs;
pub(crate) mod metrics;
mod result;
pub mod serve;
mod upstream;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use futures_util::future::join_all;
use lab_support::launch::{Launch, RunningApp, Started};
use lab_support::scratch_db::ScratchDatabase;
use sqlx::AnyPool;

pub use result::{
    Exchange, InvariantRecord, MetricsSample, Outcome, RequestRecord, ResponseRecord, RunResult,
    SqlRecord, StartupRecord,
};

use crate::scenario::{BackendName, Expectations, ModeName, Scenario, Step};
use held::HeldConnections;

/// The ops token every harness-started app gets (prod requires one).
pub const OPS_TOKEN: &str = "harness-ops-token-5f0c2a9e41d7";

/// How to start demo-app.
#[derive(Debug, Clone)]
pub struct AppCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

/// Where the requests go.
#[derive(Debug, Clone)]
pub enum Target {
    /// Start demo-app per run (the lab).
    Spawn(AppCommand),
    /// An already running server at this base URL: requests and leak audit only.
    External {
        base_url: String,
        /// Accept a self-signed or otherwise invalid TLS certificate.
        insecure: bool,
    },
}

/// One unit of work.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    pub scenario: &'a Scenario,
    pub mode: Option<ModeName>,
    pub backend: Option<BackendName>,
    /// The lesson's expectations (`run`) or the corrected app's (`check`).
    pub expectations: Expectations,
}

/// Every (scenario, mode, backend) the selection asks for, in report order.
pub fn plan<'a>(
    scenarios: &[&'a Scenario],
    modes: &[ModeName],
    backends: &[BackendName],
    target: &Target,
) -> Vec<Plan<'a>> {
    let mut plans = Vec::new();
    for scenario in scenarios {
        if matches!(target, Target::External { .. }) {
            plans.push(Plan {
                scenario,
                mode: None,
                backend: None,
                expectations: Expectations::Lesson,
            });
            continue;
        }
        for backend in backends {
            for mode in modes {
                if scenario.runs_in(*mode, *backend) {
                    plans.push(Plan {
                        scenario,
                        mode: Some(*mode),
                        backend: Some(*backend),
                        expectations: Expectations::Lesson,
                    });
                }
            }
        }
    }
    plans
}

/// The settings every harness-started app runs with: the mode, loopback on a free port,
/// the run's own database, and the ops token.
pub fn app_settings(mode: ModeName, db: &ScratchDatabase) -> Vec<(String, String)> {
    vec![
        ("mode".to_string(), mode.as_str().to_string()),
        ("bind".to_string(), "127.0.0.1:0".to_string()),
        ("database_url".to_string(), db.url.clone()),
        ("ops_token".to_string(), OPS_TOKEN.to_string()),
    ]
}

/// Runs the plans, at most `jobs` at once, and returns results in plan order.
pub async fn run_all(plans: Vec<Plan<'_>>, target: &Target, jobs: usize) -> Vec<RunResult> {
    let mut results: Vec<(usize, RunResult)> = run_each(plans, target, jobs).collect().await;
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Runs the plans, at most `jobs` at once, yielding each result with its plan's index as
/// soon as it is done (so a report can show the first comparisons while the rest run).
pub fn run_each<'a>(
    plans: Vec<Plan<'a>>,
    target: &'a Target,
    jobs: usize,
) -> impl futures_util::Stream<Item = (usize, RunResult)> + 'a {
    futures_util::stream::iter(plans.into_iter().enumerate())
        .map(move |(index, plan)| async move { (index, run_one(plan, target).await) })
        .buffer_unordered(jobs.max(1))
}

/// Runs one plan to completion, whatever happens.
pub async fn run_one(plan: Plan<'_>, target: &Target) -> RunResult {
    let started = Instant::now();
    let scenario = plan.scenario;
    let mut result = RunResult {
        scenario: scenario.id().to_string(),
        class: scenario.class().to_string(),
        title: scenario.title.clone(),
        file: scenario.file.clone(),
        mode: plan.mode.map_or("target", ModeName::as_str).to_string(),
        backend: plan
            .backend
            .map_or("target", BackendName::as_str)
            .to_string(),
        outcome: Outcome::Passed,
        reasons: Vec::new(),
        startup: None,
        exchanges: Vec::new(),
        sql: Vec::new(),
        invariants: Vec::new(),
        samples: Vec::new(),
        duration_ms: 0,
        declared_wait_ms: scenario.declared_wait_ms(),
    };
    match (target, plan.mode, plan.backend) {
        (Target::Spawn(app), Some(mode), Some(backend)) => {
            let run = run_spawned(scenario, mode, plan.expectations, backend, app, &mut result);
            if let Err(error) = run.await {
                result.outcome = Outcome::Error;
                result.reasons.push(format!("{error:#}"));
            }
        }
        (Target::External { base_url, insecure }, _, _) => {
            external::run_external(scenario, base_url, *insecure, &mut result).await
        }
        _ => {
            result.outcome = Outcome::Error;
            result
                .reasons
                .push("a spawned run needs a mode and a backend".to_string());
        }
    }
    if let (Target::Spawn(_), Some(mode)) = (target, plan.mode)
        && result.outcome != Outcome::Error
        && !scenario.describes(mode)
    {
        // Never a silent pass: the run happened (its exchanges show what the mode
        // answered), but the file checks nothing of that mode.
        result.reasons.push(format!(
            "the scenario does not say what {mode} answers: add [steps.{mode}] expectations \
             from the exchanges above (or list `{mode}` in `modes` if the shared \
             [steps.expect] tables hold for it); see docs/scenario-format.md",
            mode = mode.as_str()
        ));
    }
    if result.outcome == Outcome::Passed && !result.reasons.is_empty() {
        result.outcome = Outcome::Failed;
    }
    result.duration_ms = started.elapsed().as_millis() as u64;
    result
}

async fn run_spawned(
    scenario: &Scenario,
    mode: ModeName,
    expectations: Expectations,
    backend: BackendName,
    app: &AppCommand,
    result: &mut RunResult,
) -> anyhow::Result<()> {
    let db = ScratchDatabase::create(crate::app::engine(backend)).await?;
    let outcome = run_with_database(scenario, mode, expectations, app, &db, result).await;
    let dropped = db.drop_database().await;
    outcome?;
    dropped
}

async fn run_with_database(
    scenario: &Scenario,
    mode: ModeName,
    expectations: Expectations,
    app: &AppCommand,
    db: &ScratchDatabase,
    result: &mut RunResult,
) -> anyhow::Result<()> {
    let mut settings = app_settings(mode, db);
    // Kept alive for the whole run; dropping it stops the server.
    let fake_upstream = match &scenario.upstream {
        Some(spec) => Some(upstream::start(spec).await?),
        None => None,
    };
    if let Some(fake) = &fake_upstream {
        settings.push(("fx_api_url".to_string(), fake.uri()));
    }
    for (key, value) in scenario.app_settings() {
        settings.retain(|(k, _)| *k != key);
        settings.push((key, value));
    }
    let launch = Launch {
        program: app.program.clone(),
        args: app.args.clone(),
        settings,
    };
    let expected_startup = match expectations {
        Expectations::Lesson => scenario.startup.get(mode),
        Expectations::Fixed => scenario.startup.fixed.as_ref(),
    };
    let running = match launch.start().await? {
        Started::Failed(failure) => {
            match expected_startup {
                Some(expected) => {
                    if let Some(code) = expected.exit_code
                        && failure.exit_code != Some(code)
                    {
                        result.reasons.push(format!(
                            "start-up: exit code {:?} (expected {code})",
                            failure.exit_code
                        ));
                    }
                    for needle in &expected.stderr_contains {
                        if !failure.stderr.contains(needle.as_str()) {
                            result
                                .reasons
                                .push(format!("start-up: stderr does not contain {needle:?}"));
                        }
                    }
                }
                None => anyhow::bail!(
                    "demo-app did not start (exit code {:?}):\n{}",
                    failure.exit_code,
                    failure.stderr
                ),
            }
            result.startup = Some(StartupRecord {
                exit_code: failure.exit_code,
                stderr: failure.stderr,
            });
            return Ok(());
        }
        Started::Running(running) => running,
    };
    if expected_startup.is_some() {
        result.reasons.push(format!(
            "start-up: the app started in {} but should have refused",
            mode.as_str()
        ));
        running.stop().await;
        return Ok(());
    }
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy(&db.admin_url)?;
    let mut held = HeldConnections::default();
    let outcome = run_steps(
        scenario,
        mode,
        expectations,
        &running,
        &pool,
        &mut held,
        result,
    )
    .await;
    held.release_all().await;
    invariants::check(scenario, expectations, &pool, result).await;
    pool.close().await;
    logs::attach(&running, &mut result.exchanges).await;
    running.stop().await;
    outcome?;
    for (index, step) in scenario.steps.iter().enumerate() {
        let step = step.get_ref();
        let exchanges: Vec<&Exchange> = result
            .exchanges
            .iter()
            .filter(|e| e.step_index == index)
            .collect();
        for expect in step.expectations(mode, expectations) {
            let reasons = expect::check_step(expect, &exchanges, true);
            result.reasons.extend(reasons);
        }
    }
    Ok(())
}

async fn run_steps(
    scenario: &Scenario,
    mode: ModeName,
    expectations: Expectations,
    running: &RunningApp,
    pool: &AnyPool,
    held: &mut HeldConnections,
    result: &mut RunResult,
) -> anyhow::Result<()> {
    let client = http::client();
    let mut captures = BTreeMap::from([("ops_token".to_string(), OPS_TOKEN.to_string())]);
    for (index, step) in scenario.steps.iter().enumerate() {
        let step = step.get_ref();
        let name = step_name(index, step);
        if step.metrics.is_some() {
            let sample =
                metrics::sample(&client, &running.base_url, &name, &result.samples).await?;
            // The step's own bounds hold in every mode; a mode's table adds its own. For
            // `check`, a rate the flaw must push up says nothing about the corrected app.
            let tables = step.expectations(mode, expectations);
            let step_above = match expectations {
                Expectations::Lesson => step.error_rate_above,
                Expectations::Fixed => None,
            };
            let aboves = tables.iter().map(|t| t.error_rate_above);
            let belows = tables.iter().map(|t| t.error_rate_below);
            result.reasons.extend(metrics::unmet_bounds(
                &name,
                &sample,
                aboves.chain([step_above]).flatten(),
                belows.chain([step.error_rate_below]).flatten(),
            ));
            result.samples.push(sample);
            continue;
        }
        if let Some(pause) = step.sleep_ms {
            tokio::time::sleep(Duration::from_millis(pause)).await;
            continue;
        }
        if let Some(sql) = &step.sql {
            let sql = http::fill(sql, &captures);
            let hold = step.hold.as_ref().map(|h| h.get_ref().as_str());
            let outcome = match hold {
                Some(hold) => held.hold(pool, hold, &sql).await,
                None => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
                    .execute(pool)
                    .await
                    .map(|done| done.rows_affected()),
            };
            result.sql.push(SqlRecord {
                step_index: index,
                step: name.clone(),
                sql,
                connection: hold.map(|h| format!("held as `{h}`")),
                rows_affected: outcome.as_ref().ok().copied(),
                error: outcome.as_ref().err().map(|e| e.to_string()),
            });
            if let Err(e) = outcome {
                anyhow::bail!("{name}: the SQL step failed: {e}");
            }
            continue;
        }
        if let Some(release) = &step.release {
            let release = release.get_ref();
            match held.release(release).await {
                Ok(true) => result.sql.push(SqlRecord {
                    step_index: index,
                    step: name.clone(),
                    sql: String::new(),
                    connection: Some(format!(
                        "released `{release}`: closed, what it held rolled back"
                    )),
                    rows_affected: None,
                    error: None,
                }),
                Ok(false) => anyhow::bail!("{name}: no connection is held as `{release}`"),
                Err(e) => anyhow::bail!("{name}: closing `{release}` failed: {e}"),
            }
            continue;
        }
        let exchanges =
            send_step(&client, &running.base_url, (index, &name), step, &captures).await;
        if let Some(first) = exchanges.first() {
            for (capture, how) in &step.capture {
                match http::capture(how.get_ref(), first) {
                    Some(value) => {
                        captures.insert(capture.clone(), value);
                    }
                    None => result.reasons.push(format!(
                        "{name}: could not capture `{capture}` from {}",
                        how.get_ref()
                    )),
                }
            }
        }
        result.exchanges.extend(exchanges);
    }
    Ok(())
}

/// The requests of one step: one, `repeat` copies at once, or the `parallel` set at once.
async fn send_step(
    client: &reqwest::Client,
    base_url: &str,
    name: (usize, &str),
    step: &Step,
    captures: &BTreeMap<String, String>,
) -> Vec<Exchange> {
    if let Some(times) = step.times {
        let spec = step.request_spec();
        let mut exchanges = Vec::with_capacity(times as usize);
        for _ in 0..times {
            exchanges.push(http::send(client, base_url, name, &spec, captures).await);
        }
        return exchanges;
    }
    let specs = if step.parallel.is_empty() {
        vec![step.request_spec(); step.repeat.unwrap_or(1) as usize]
    } else {
        step.parallel.clone()
    };
    join_all(
        specs
            .iter()
            .map(|spec| http::send(client, base_url, name, spec, captures)),
    )
    .await
}

pub fn step_name(index: usize, step: &Step) -> String {
    match &step.name {
        Some(name) => name.clone(),
        None => format!("step {}", index + 1),
    }
}
