//! `harness run` and `harness load`: the commands that start apps.

use std::process::ExitCode;

use futures_util::StreamExt as _;

use super::{BackendArg, EXIT_FAILED, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, Format, RunArgs};
use crate::report::{self, Summary, style::Style};
use crate::runner::{self, AppCommand, Target};
use crate::scenario::{self, BackendName, Scenario};

/// `harness run`: the scenarios in the chosen modes and backends, rendered in the chosen
/// format (and optionally as an HTML report and a timing table).
pub fn run(scenarios: &[Scenario], args: &RunArgs, root: &std::path::Path) -> ExitCode {
    if let Err(code) = super::check_report_path(args.report.as_deref()) {
        return code;
    }
    let selected = match scenario::select(scenarios, &args.patterns, root) {
        Ok(selected) => selected,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let modes = args.mode.modes();
    let target = match (&args.target, &args.app_bin) {
        (Some(url), _) => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                eprintln!("error: --target `{url}` is not an http:// or https:// URL");
                return ExitCode::from(EXIT_USAGE);
            }
            Target::External {
                base_url: url.clone(),
                insecure: args.insecure,
            }
        }
        (None, Some(bin)) => Target::Spawn(AppCommand::new(bin.clone(), Vec::new())),
        (None, None) => match own_app_command() {
            Ok(app) => Target::Spawn(app),
            Err(code) => return code,
        },
    };
    let jobs = jobs_or_cores(args.jobs.map(u16::from));
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let backends =
            match pick_backends(args.backend, matches!(target, Target::External { .. })).await {
                Ok(backends) => backends,
                Err(message) => {
                    eprintln!("error: {message}");
                    return ExitCode::from(EXIT_RUNTIME);
                }
            };
        let plans = runner::plan(&selected, &modes, &backends, &target);
        if plans.is_empty() {
            eprintln!("error: the selected scenarios do not run in this mode/backend combination");
            return ExitCode::from(EXIT_USAGE);
        }
        // A tracker takes seconds to start: in the background, beside the first scenarios.
        if let Target::Spawn(app) = &target
            && plans.iter().any(|p| p.scenario.tracker.is_some())
        {
            let tracker = app.tracker.clone();
            tokio::spawn(async move { tracker.warm_up().await });
        }
        let started = std::time::Instant::now();
        let results = run_streaming(plans, &target, jobs, args.format).await;
        let wall = started.elapsed();
        tracker_notes(&target, &results);
        match args.format {
            // The comparisons are out already; the closing lines end the report.
            Format::Text => outln!(
                "{}",
                report::text::render_summary(&results, Style::detect())
            ),
            Format::Json => outln!("{}", report::json::render(&results)),
            Format::Junit => outln!("{}", report::junit::render(&results)),
        }
        if args.timings {
            outln!("{}", report::timings::render(&results, wall, jobs));
        }
        if let Some(path) = &args.report
            && let Err(code) = super::write_report(path, report::html::render(&results))
        {
            return code;
        }
        let summary = Summary::of(&results);
        if summary.errors > 0 {
            ExitCode::from(EXIT_RUNTIME)
        } else if summary.failed > 0 {
            ExitCode::from(EXIT_FAILED)
        } else {
            ExitCode::from(EXIT_OK)
        }
    })
}

/// Runs the plans with a progress line on a terminal. The text report prints each
/// comparison as soon as it and every one before it are done (the order never changes);
/// JSON and JUnit are single documents, rendered by the caller once everything has run.
async fn run_streaming(
    plans: Vec<runner::Plan<'_>>,
    target: &Target,
    jobs: usize,
    format: Format,
) -> Vec<runner::RunResult> {
    let keys: Vec<(&str, Option<BackendName>)> =
        plans.iter().map(|p| (p.scenario.id(), p.backend)).collect();
    let names: Vec<String> = plans
        .iter()
        .map(|p| match p.backend {
            Some(backend) => format!("{} [{}]", p.scenario.id(), backend.as_str()),
            None => p.scenario.id().to_string(),
        })
        .collect();
    let mut progress = super::progress::Progress::new(plans.len(), names.first().cloned());
    let mut in_order = report::in_order::InOrder::new(&keys);
    let (style, width) = (Style::detect(), report::style::terminal_width());
    let mut finished = std::pin::pin!(runner::run_each(plans, target, jobs));
    while let Some((index, result)) = finished.next().await {
        let failed = result.outcome != runner::Outcome::Passed;
        in_order.insert(index, result);
        while let Some(group) = in_order.release() {
            if matches!(format, Format::Text) {
                let text = report::text::render_group(&group, style, width);
                progress.print(|| out!("{text}"));
            }
        }
        let waiting = in_order.waiting_for().map(|i| names[i].clone());
        progress.finished(failed, waiting);
    }
    progress.done();
    in_order.into_results()
}

/// On stderr, whatever the format: where the tracker scenarios reported, and every skip.
fn tracker_notes(target: &Target, results: &[runner::RunResult]) {
    if let Target::Spawn(app) = target
        && let Some(had) = app.tracker.provenance()
    {
        if had.reused {
            eprintln!("note: the tracker scenarios reported to the Bugsink BUGSINK_URL names");
        } else {
            eprintln!(
                "note: started the lab's Bugsink for the tracker scenarios in {:.1} s; it stops, \
                 and its data goes, when this run ends (to keep it for its UI: \
                 `eval \"$(just tracker)\"` first)",
                had.took.as_secs_f64()
            );
        }
    }
    let skipped: Vec<&runner::RunResult> = results
        .iter()
        .filter(|r| r.outcome == runner::Outcome::Skipped)
        .collect();
    if let Some(first) = skipped.first() {
        eprintln!(
            "warning: {} runs SKIPPED ({}): {}",
            skipped.len(),
            first.scenario,
            first.reasons.first().map_or("", |r| r.message.as_str())
        );
    }
}

/// SQLite always; PostgreSQL when asked for (must be reachable) or, by default, when it
/// answers (with a notice when it does not).
pub(super) async fn pick_backends(
    requested: Option<BackendArg>,
    external: bool,
) -> Result<Vec<BackendName>, String> {
    if external {
        return Ok(vec![BackendName::Sqlite]);
    }
    let admin_url = lab_support::scratch_db::postgres_admin_url();
    let reachable = lab_support::scratch_db::postgres_reachable(&admin_url).await;
    match (requested, reachable) {
        (Some(BackendArg::Sqlite), _) => Ok(vec![BackendName::Sqlite]),
        (Some(BackendArg::Postgres), Ok(())) => Ok(vec![BackendName::Postgres]),
        (Some(BackendArg::All), Ok(())) | (None, Ok(())) => {
            Ok(vec![BackendName::Sqlite, BackendName::Postgres])
        }
        (Some(_), Err(e)) => Err(format!("{e}\n  = help: {}", e.hint())),
        (None, Err(e)) => {
            eprintln!("note: running on SQLite only; {e}.\n  = help: {}", e.hint());
            Ok(vec![BackendName::Sqlite])
        }
    }
}

/// demo-app as this very executable runs it (`harness serve-app`).
pub(super) fn own_app_command() -> Result<AppCommand, ExitCode> {
    match std::env::current_exe() {
        Ok(exe) => Ok(AppCommand::new(exe, vec!["serve-app".into()])),
        Err(e) => {
            eprintln!("error: cannot find the harness executable to start demo-app: {e}");
            Err(ExitCode::from(EXIT_RUNTIME))
        }
    }
}

/// Scenarios run at once: the flag, else one per core.
pub(super) fn jobs_or_cores(jobs: Option<u16>) -> usize {
    jobs.map_or_else(
        || std::thread::available_parallelism().map_or(2, |n| n.get()),
        usize::from,
    )
}

/// What a command that starts its own apps needs: how to start demo-app, and a runtime.
pub(super) fn own_app_and_runtime() -> Result<(AppCommand, tokio::runtime::Runtime), ExitCode> {
    Ok((own_app_command()?, runtime()?))
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::from(EXIT_RUNTIME)
        })
}

/// `harness load`: success vs prod 500 vs dev 500 under load.
pub fn load(options: crate::load_test::Options, json: bool) -> ExitCode {
    let (app, runtime) = match own_app_and_runtime() {
        Ok(both) => both,
        Err(code) => return code,
    };
    match runtime.block_on(crate::load_test::run(&app, options)) {
        Ok(measurements) => {
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&measurements).unwrap_or_default()
                );
            } else {
                out!("{}", crate::load_test::table(&measurements));
            }
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}
