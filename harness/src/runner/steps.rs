//! Carrying out a scenario's steps against a running app: each step's `Action` (requests,
//! SQL, a pause, a metrics sample, a held connection released), in file order.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use lab_support::launch::RunningApp;
use sqlx::AnyPool;

use super::held::HeldConnections;
use super::{Exchange, OPS_TOKEN, RunResult, SqlRecord, http, metrics, tracker};
use crate::scenario::{Action, Expectations, ModeName, RequestSpec, Scenario, Sending, Step};
use crate::tracker::RunProject;

/// What the steps act on: the app, its database, and its project on the error tracker.
pub(super) struct Reach<'a> {
    pub running: &'a RunningApp,
    pub pool: &'a AnyPool,
    /// With the scenario's `[tracker]`: the run's project, and how long to wait for events.
    pub tracker: Option<(&'a RunProject, Duration)>,
}

pub(super) async fn run_steps(
    scenario: &Scenario,
    mode: ModeName,
    expectations: Expectations,
    reach: &Reach<'_>,
    held: &mut HeldConnections,
    result: &mut RunResult,
) -> (Vec<Instant>, anyhow::Result<()>) {
    // When each step began: a process that dies is placed in the step it died in.
    let mut step_started = Vec::with_capacity(scenario.steps.len());
    let outcome = run_each_step(
        scenario,
        mode,
        expectations,
        reach,
        held,
        result,
        &mut step_started,
    )
    .await;
    (step_started, outcome)
}

async fn run_each_step(
    scenario: &Scenario,
    mode: ModeName,
    expectations: Expectations,
    reach: &Reach<'_>,
    held: &mut HeldConnections,
    result: &mut RunResult,
    step_started: &mut Vec<Instant>,
) -> anyhow::Result<()> {
    let (running, pool) = (reach.running, reach.pool);
    let client = http::client();
    let mut captures = BTreeMap::from([("ops_token".to_string(), OPS_TOKEN.to_string())]);
    // Measured by the run's first `load` step, reused by the later ones.
    let mut capacity_per_s = None;
    for (index, step) in scenario.steps.iter().enumerate() {
        step_started.push(Instant::now());
        let name = step_name(index, step);
        match &step.action {
            Action::Metrics {
                error_rate_above,
                error_rate_below,
                ..
            } => {
                let sample =
                    metrics::sample(&client, &running.base_url, &name, &result.samples).await?;
                // The step's own bounds hold in every mode; a mode's table adds its own.
                // For `check`, a rate the flaw must push up says nothing about the
                // corrected app.
                let tables = step.expectations(mode, expectations);
                let step_above = match expectations {
                    Expectations::Lesson => *error_rate_above,
                    Expectations::Fixed => None,
                };
                let aboves = tables.iter().map(|t| t.error_rate_above);
                let belows = tables.iter().map(|t| t.error_rate_below);
                result.reasons.extend(metrics::unmet_bounds(
                    &name,
                    &sample,
                    aboves.chain([step_above]).flatten(),
                    belows.chain([*error_rate_below]).flatten(),
                ));
                result.samples.push(sample);
            }
            Action::Sleep { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
            Action::Tracker {
                correlation_id_of, ..
            } => {
                let Some((project, within)) = reach.tracker else {
                    anyhow::bail!(
                        "{name}: the run has no error tracker (validation requires [tracker])"
                    );
                };
                let answers = tracker::answered_server_errors(&result.exchanges);
                // The id a user quotes: the named step's first response's.
                let lookup = correlation_id_of.as_deref().map(|of| {
                    let of_index = (0..index).find(|i| step_name(*i, &scenario.steps[*i]) == of);
                    let id = result
                        .exchanges
                        .iter()
                        .find(|e| Some(e.step_index) == of_index)
                        .and_then(|e| e.correlation_id.clone());
                    (of.to_string(), id)
                });
                let record = tracker::read((index, &name), project, answers, lookup, within)
                    .await
                    .map_err(|e| anyhow::anyhow!("{name}: cannot read the error tracker: {e:#}"))?;
                for table in step.expectations(mode, expectations) {
                    if let Some(expect) = &table.tracker {
                        let texts: Vec<(String, bool)> = expect
                            .contains
                            .iter()
                            .map(|t| (http::fill(t, &captures), true))
                            .chain(
                                expect
                                    .not_contains
                                    .iter()
                                    .map(|t| (http::fill(t, &captures), false)),
                            )
                            .collect();
                        result
                            .reasons
                            .extend(tracker::check(expect, &record, &texts));
                    }
                }
                result.trackers.push(record);
            }
            Action::Sql { sql, hold } => {
                let sql = http::fill(sql, &captures);
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
                    connection: hold.as_ref().map(|h| format!("held as `{h}`")),
                    rows_affected: outcome.as_ref().ok().copied(),
                    error: outcome.as_ref().err().map(|e| e.to_string()),
                });
                if let Err(e) = outcome {
                    anyhow::bail!("{name}: the SQL step failed: {e}");
                }
            }
            Action::Release { name: release } => match held.release(release).await {
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
            },
            Action::Load { request, load } => {
                let at = (index, name.as_str());
                let capacity = match capacity_per_s {
                    Some(capacity) => capacity,
                    None => {
                        let url = &running.base_url;
                        let capacity =
                            super::load::probe(url, at, request, load, &captures).await?;
                        *capacity_per_s.insert(capacity)
                    }
                };
                let (mut record, samples) =
                    super::load::offer(&running.base_url, at, request, load, capacity, &captures)
                        .await;
                let bounds = step
                    .expectations(mode, expectations)
                    .into_iter()
                    .flat_map(|table| table.load_bounds())
                    .filter_map(|(key, bound)| bound.map(|b| (key, b)));
                result
                    .reasons
                    .extend(super::load::judge(&mut record, bounds));
                result.loads.push(record);
                result.exchanges.extend(samples);
            }
            Action::Request { .. } | Action::Parallel(_) => {
                let exchanges = send_step(
                    &client,
                    &running.base_url,
                    (index, &name),
                    step,
                    &captures,
                    Some(running),
                )
                .await;
                // A request the step could not send means the scenario could not be
                // carried out: an error of the run (exit 3), not a verdict on the app.
                for exchange in exchanges.iter().filter(|e| http::was_not_sent(e)) {
                    let error = exchange.error.as_deref().unwrap_or_default();
                    result.outcome = super::Outcome::Error;
                    result.reasons.push(super::Unmet::new(
                        "not_sent",
                        format!(
                            "{name}: {error}; the scenario waits for that line: does the app \
                             still log it (a fix must keep it), and at INFO?"
                        ),
                    ));
                }
                if let Some(first) = exchanges.first() {
                    for (capture, how) in &step.capture {
                        match http::capture(how.get_ref(), first) {
                            Some(value) => {
                                captures.insert(capture.clone(), value);
                            }
                            None => result.reasons.push(super::Unmet::new(
                                "capture_failed",
                                format!(
                                    "{name}: could not capture `{capture}` from {}",
                                    how.get_ref()
                                ),
                            )),
                        }
                    }
                }
                result.exchanges.extend(exchanges);
            }
        }
    }
    Ok(())
}

/// How long a request's `after_log` waits for its line, unless the request's `timeout_ms`
/// says otherwise: far longer than any lesson's pause, short enough that a typo fails the
/// run soon.
pub const AFTER_LOG_LIMIT: Duration = Duration::from_secs(15);

/// The requests of one step: one, `repeat` copies at once, `times` one after another, or
/// the `parallel` set at once. Steps that send nothing give no exchanges. With `app` (the
/// harness started it), a request's `after_log` waits for the app's log line.
pub(super) async fn send_step(
    client: &reqwest::Client,
    base_url: &str,
    name: (usize, &str),
    step: &Step,
    captures: &BTreeMap<String, String>,
    app: Option<&RunningApp>,
) -> Vec<Exchange> {
    // Lines logged before the step began do not open an `after_log` wait.
    let gate = app.map(|app| (app, app.log_line_count()));
    let send = |spec| send_after_log(client, base_url, name, spec, captures, gate);
    match &step.action {
        Action::Request {
            request,
            sending: Sending::OneAfterAnother(times),
        } => {
            let mut exchanges = Vec::with_capacity(*times as usize);
            for _ in 0..*times {
                exchanges.push(send(request).await);
            }
            exchanges
        }
        Action::Request { request, sending } => {
            let copies = match sending {
                Sending::AtOnce(n) => *n as usize,
                _ => 1,
            };
            join_all((0..copies).map(|_| send(request))).await
        }
        Action::Parallel(requests) => join_all(requests.iter().map(send)).await,
        _ => Vec::new(),
    }
}

/// Sends the request, once its `after_log` line is there (with `gate`: the app, and the
/// count of its log lines when the step began); a request whose line never came is not sent.
async fn send_after_log(
    client: &reqwest::Client,
    base_url: &str,
    name: (usize, &str),
    spec: &RequestSpec,
    captures: &BTreeMap<String, String>,
    gate: Option<(&RunningApp, usize)>,
) -> Exchange {
    let limit = spec
        .timeout_ms
        .map_or(AFTER_LOG_LIMIT, Duration::from_millis);
    if let (Some(text), Some((app, mark))) = (&spec.after_log, gate)
        && !wait_for_log_line(app, mark, text, limit).await
    {
        return http::not_sent(
            name,
            spec,
            captures,
            format!(
                "{}: the app logged no line containing `{text}` within {} ms of the step's \
                 start (its `after_log`)",
                http::NOT_SENT,
                limit.as_millis()
            ),
        );
    }
    http::send(client, base_url, name, spec, captures).await
}

/// Waits, at most `limit`, until a line the app logged from the `mark`-th on contains
/// `text` (or the app is gone). Polls: the app's stderr is read by a task of its own.
async fn wait_for_log_line(app: &RunningApp, mark: usize, text: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        // A dead app logs nothing more: the request goes out and records what a client
        // meets (connection refused), which is what the run's verdict on the exit reads.
        if app.has_log_line_from(mark, |line| line.contains(text)) || !app.is_alive() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub fn step_name(index: usize, step: &Step) -> String {
    match &step.name {
        Some(name) => name.clone(),
        None => format!("step {}", index + 1),
    }
}
