//! A run of the lab's own app: a fresh database, demo-app started with the run's settings
//! (and a fake upstream when the scenario has one), the steps, the invariants, the logs
//! paired with the exchanges, and each step's expectations checked. The launcher part of
//! the runner: the rest of it only sees a base URL.

use std::time::Duration;

use lab_support::launch::{Launch, Started};
use lab_support::scratch_db::ScratchDatabase;

use super::held::HeldConnections;
use super::{
    AppCommand, Exchange, OPS_TOKEN, Outcome, RunResult, StartupRecord, Unmet, expect, http,
    invariants, logs, process_exit, steps, upstream,
};
use crate::scenario::{BackendName, Expectations, ModeName, Scenario};
use crate::tracker::RunProject;

/// The settings every harness-started app runs with: the mode, loopback on a free port,
/// the run's own database, the ops token, and (on Unix) a memory bound.
pub fn app_settings(mode: ModeName, db: &ScratchDatabase) -> Vec<(String, String)> {
    let mut settings = vec![
        ("mode".to_string(), mode.as_str().to_string()),
        ("bind".to_string(), "127.0.0.1:0".to_string()),
        ("database_url".to_string(), db.url.clone()),
        ("ops_token".to_string(), OPS_TOKEN.to_string()),
    ];
    // Bounded whatever the input: a scenario, a fuzzer or a storm that finds an allocation
    // sized by the client (resource.out-of-memory) aborts the app it started instead of
    // eating the machine's memory. A scenario's `[app]` may set its own.
    if cfg!(unix) {
        settings.push((
            crate::app::MEMORY_LIMIT_SETTING.to_string(),
            crate::app::HARNESS_MEMORY_LIMIT_MB.to_string(),
        ));
    }
    settings
}

pub(super) async fn run_spawned(
    scenario: &Scenario,
    mode: ModeName,
    expectations: Expectations,
    backend: BackendName,
    app: &AppCommand,
    result: &mut RunResult,
) -> anyhow::Result<()> {
    // First, since without it there is nothing to run: the run's own tracker project.
    let project = match &scenario.tracker {
        None => None,
        Some(_) => {
            let label = format!("{} {} {}", scenario.id(), mode.as_str(), backend.as_str());
            match app.tracker.project(&label).await {
                Ok(project) => Some(project),
                Err(why) if app.tracker.required() => {
                    anyhow::bail!("CI=true requires the error tracker this scenario reads: {why}")
                }
                Err(why) => {
                    result.outcome = Outcome::Skipped;
                    result.reasons.push(Unmet::new(
                        "tracker_unavailable",
                        format!(
                            "SKIPPED: the scenario reads an error tracker and none can be had \
                             here: {why}. It runs where python3 with venv is installed \
                             (Debian: apt-get install python3-venv; the first run installs \
                             Bugsink from PyPI), and CI=true requires it"
                        ),
                    ));
                    return Ok(());
                }
            }
        }
    };
    let db = ScratchDatabase::create(crate::app::engine(backend)).await?;
    let run = RunWith {
        app,
        db: &db,
        tracker: project.as_ref(),
    };
    let outcome = run_with_database(scenario, mode, expectations, &run, result).await;
    let dropped = db.drop_database().await;
    outcome?;
    dropped
}

/// What one run has to itself: the app command, its database, its tracker project.
struct RunWith<'a> {
    app: &'a AppCommand,
    db: &'a ScratchDatabase,
    tracker: Option<&'a RunProject>,
}

async fn run_with_database(
    scenario: &Scenario,
    mode: ModeName,
    expectations: Expectations,
    run: &RunWith<'_>,
    result: &mut RunResult,
) -> anyhow::Result<()> {
    let (app, db) = (run.app, run.db);
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
    // Validation keeps `[app]` from setting it too.
    if let Some(project) = run.tracker {
        settings.push((
            crate::app::TRACKER_DSN_SETTING.to_string(),
            project.dsn.clone(),
        ));
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
                        result.reasons.push(Unmet::new(
                            "startup_exit_code",
                            format!(
                                "start-up: {} (expected exit code {code})",
                                failure.exit_text()
                            ),
                        ));
                    }
                    for needle in &expected.stderr_contains {
                        if !failure.stderr.contains(needle.as_str()) {
                            result.reasons.push(Unmet::new(
                                "startup_stderr",
                                format!("start-up: stderr does not contain {needle:?}"),
                            ));
                        }
                    }
                }
                None => anyhow::bail!(
                    "demo-app did not start ({}):\n{}",
                    failure.exit_text(),
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
        result.reasons.push(Unmet::new(
            "startup_not_refused",
            format!(
                "start-up: the app started in {} but should have refused",
                mode.as_str()
            ),
        ));
        running.stop().await;
        return Ok(());
    }
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy(&db.admin_url)?;
    let mut held = HeldConnections::default();
    let mut running = running;
    let within = scenario
        .tracker
        .as_ref()
        .map_or(0, |t| t.get_ref().events_within_ms);
    let reach = steps::Reach {
        running: &running,
        pool: &pool,
        tracker: run
            .tracker
            .map(|project| (project, Duration::from_millis(within))),
    };
    let (step_started, outcome) =
        steps::run_steps(scenario, mode, expectations, &reach, &mut held, result).await;
    // A request that got no answer may mean the process is gone: give the kernel a
    // moment to say so before looking.
    let unanswered = result.exchanges.iter().any(|e| e.response.is_none());
    let grace = Duration::from_millis(if unanswered { 500 } else { 0 });
    if let Some(exited) = running.exited_within(grace).await {
        let names: Vec<String> = (0..scenario.steps.len())
            .map(|i| steps::step_name(i, &scenario.steps[i]))
            .collect();
        let refused: Vec<bool> = (0..scenario.steps.len())
            .map(|i| {
                let mut step = result.exchanges.iter().filter(|e| e.step_index == i);
                let first = step.next();
                first.is_some()
                    && first.into_iter().chain(step).all(|e| {
                        e.response.is_none()
                            && e.error
                                .as_deref()
                                .is_some_and(|error| error.starts_with("could not connect"))
                    })
            })
            .collect();
        let stderr = running.log_lines();
        result.process_exit = Some(process_exit::record(
            &exited,
            &step_started,
            &refused,
            &names,
            &stderr,
        ));
    }
    held.release_all().await;
    invariants::check(scenario, expectations, &pool, result).await;
    pool.close().await;
    logs::attach(&running, &mut result.exchanges).await;
    let stderr = running.stop().await;
    outcome?;
    result.reasons.extend(process_exit::check(
        scenario,
        mode,
        expectations,
        result.process_exit.as_ref(),
        &stderr,
    ));
    for (index, step) in scenario.steps.iter().enumerate() {
        let exchanges: Vec<&Exchange> = result
            .exchanges
            .iter()
            .filter(|e| e.step_index == index)
            .collect();
        // A step the harness could not carry out whole (an `after_log` line that never
        // came) has its own reason: its race never ran, so its expectations say nothing.
        if exchanges.iter().any(|e| http::was_not_sent(e)) {
            continue;
        }
        for expect in step.expectations(mode, expectations) {
            let reasons = expect::check_step(expect, &exchanges, true);
            result.reasons.extend(reasons);
        }
    }
    Ok(())
}
