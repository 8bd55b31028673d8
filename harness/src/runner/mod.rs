//! Running scenarios: one demo-app process per scenario x mode x backend, each with its
//! own fresh database, in parallel up to `jobs`. Returns results; never prints.

pub mod expect;
mod external;
mod held;
pub mod http;
mod invariants;
pub mod load;
mod logs;
pub(crate) mod metrics;
pub mod process_exit;
mod result;
pub mod serve;
mod spawned;
mod steps;
pub mod tracker;
mod unmet;
mod upstream;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Instant;

use futures_util::StreamExt as _;

pub use result::{
    Exchange, InvariantRecord, Lesson, MetricsSample, Outcome, ProcessExit, RequestRecord,
    ResponseRecord, RunBackend, RunMode, RunResult, SqlRecord, StartupRecord,
};
pub use spawned::app_settings;
pub use steps::step_name;
pub use unmet::Unmet;

use crate::scenario::{BackendName, Expectations, ModeName, Scenario};
use crate::tracker::LabTracker;

/// The ops token every harness-started app gets (prod requires one).
pub const OPS_TOKEN: &str = "harness-ops-token-5f0c2a9e41d7";

/// How to start demo-app, and the error tracker its runs report to when their scenario has
/// a `[tracker]` (started on first use, shared by every run of the process).
#[derive(Debug, Clone)]
pub struct AppCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub tracker: LabTracker,
}

impl AppCommand {
    /// `program args...`, with the tracker `LabTracker::from_env` gives.
    pub fn new(program: impl Into<PathBuf>, args: Vec<OsString>) -> AppCommand {
        AppCommand {
            program: program.into(),
            args,
            tracker: LabTracker::from_env(),
        }
    }
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
        mode: RunMode::from(plan.mode),
        backend: RunBackend::from(plan.backend),
        outcome: Outcome::Passed,
        reasons: Vec::new(),
        startup: None,
        process_exit: None,
        exchanges: Vec::new(),
        sql: Vec::new(),
        invariants: Vec::new(),
        samples: Vec::new(),
        loads: Vec::new(),
        trackers: Vec::new(),
        duration_ms: 0,
        declared_wait_ms: scenario.declared_wait_ms(),
        lesson: Lesson {
            summary: scenario.summary.clone(),
            cwe: scenario.cwe.iter().map(|c| c.get_ref().clone()).collect(),
            notes: scenario.notes.clone(),
        },
    };
    match (target, plan.mode, plan.backend) {
        (Target::Spawn(app), Some(mode), Some(backend)) => {
            let run =
                spawned::run_spawned(scenario, mode, plan.expectations, backend, app, &mut result);
            if let Err(error) = run.await {
                result.outcome = Outcome::Error;
                result
                    .reasons
                    .push(Unmet::new("runtime_error", format!("{error:#}")));
            }
        }
        (Target::External { base_url, insecure }, _, _) => {
            external::run_external(scenario, base_url, *insecure, &mut result).await
        }
        _ => {
            result.outcome = Outcome::Error;
            result.reasons.push(Unmet::new(
                "runtime_error",
                "a spawned run needs a mode and a backend",
            ));
        }
    }
    if let (Target::Spawn(_), Some(mode)) = (target, plan.mode)
        && result.outcome == Outcome::Passed
        && !scenario.describes(mode)
    {
        // Never a silent pass: the run happened (its exchanges show what the mode
        // answered), but the file checks nothing of that mode.
        result.reasons.push(Unmet::new(
            "mode_not_described",
            format!(
                "the scenario does not say what {mode} answers: add [steps.{mode}] expectations \
                 from the exchanges above (or list `{mode}` in `modes` if the shared \
                 [steps.expect] tables hold for it); see docs/scenario-format.md",
                mode = mode.as_str()
            ),
        ));
    }
    if result.outcome == Outcome::Passed && !result.reasons.is_empty() {
        result.outcome = Outcome::Failed;
    }
    result.duration_ms = started.elapsed().as_millis() as u64;
    result
}
