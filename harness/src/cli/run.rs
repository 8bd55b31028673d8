//! `harness run` and `harness load`: the commands that start apps.

use futures_util::StreamExt as _;

use super::error::{Error, Outcome, Verdict};
use super::shared::{self, check_report_path, write_report};
use super::{Format, RunArgs};
use crate::report::{self, Summary, style::Style};
use crate::runner::{self, AppCommand, Target};
use crate::scenario::{self, BackendName, Scenario};

/// `harness run`: the scenarios in the chosen modes and backends, rendered in the chosen
/// format (and optionally as an HTML report and a timing table).
pub fn run(scenarios: &[Scenario], args: &RunArgs, root: &std::path::Path) -> Outcome {
    check_report_path(args.report.as_deref())?;
    let selected = scenario::select(scenarios, &args.patterns, root)?;
    let modes = args.mode.modes();
    let target = match (&args.target, &args.app_bin) {
        (Some(url), _) => {
            shared::check_target_url(url)?;
            Target::External {
                base_url: url.clone(),
                insecure: args.insecure,
            }
        }
        (None, Some(bin)) => Target::Spawn(AppCommand::new(bin.clone(), Vec::new())),
        (None, None) => Target::Spawn(shared::own_app_command()?),
    };
    let jobs = shared::jobs_or_cores(args.jobs.map(u16::from));
    let runtime = shared::runtime()?;
    runtime.block_on(async {
        let backends =
            shared::pick_backends(args.backend, matches!(target, Target::External { .. })).await?;
        let plans = runner::plan(&selected, &modes, &backends, &target);
        if plans.is_empty() {
            return Err(Error::usage(
                "the selected scenarios do not run in this mode/backend combination",
            ));
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
        if let Some(path) = &args.report {
            write_report(path, report::html::render(&results))?;
        }
        let summary = Summary::of(&results);
        if summary.errors > 0 {
            return Err(could_not_run(summary.errors));
        }
        Ok(Verdict::failed_if(summary.failed > 0))
    })
}

/// Runs that could not be carried out (the app did not start, a database was lost): each
/// one's reason is in the report; the command ends as a runtime error.
pub(super) fn could_not_run(errors: usize) -> Error {
    Error::runtime(format!(
        "{errors} run(s) could not be carried out; the report above says why"
    ))
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

/// `harness load`: success vs prod 500 vs dev 500 under load.
pub fn load(options: crate::load_test::Options, json: bool) -> Outcome {
    let app = shared::own_app_command()?;
    let measurements = shared::runtime()?
        .block_on(crate::load_test::run(&app, options))
        .map_err(|e| Error::runtime(format!("{e:#}")))?;
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&measurements).unwrap_or_default()
        );
    } else {
        out!("{}", crate::load_test::table(&measurements));
    }
    Ok(Verdict::Passed)
}
