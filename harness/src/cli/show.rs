//! `harness show`: one scenario's lesson and steps, for a projector.

use std::path::Path;

use super::error::{Outcome, Verdict};
use super::paste;
use crate::report::style::Style;
use crate::runner;
use crate::scenario::{self, Action, Classes, Scenario, Sending};

/// `scenarios_flag`: the `--scenarios DIR` the user gave, carried into the "Run it" line.
pub fn run(
    scenarios: &[Scenario],
    classes: &Classes,
    wanted: &str,
    root: &Path,
    scenarios_flag: Option<&Path>,
) -> Outcome {
    let selected = scenario::select(scenarios, &[wanted.to_string()], root)?;
    let style = Style::detect();
    for s in selected {
        let class_text = classes.describe(s.class()).unwrap_or_default();
        outln!("{}", style.bold(&format!("{}  ·  {}", s.title, s.id())));
        outln!("class      {} ({class_text})", s.class());
        outln!(
            "difficulty {:?}   CWE {}",
            s.difficulty,
            s.cwe
                .iter()
                .map(|c| c.get_ref().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        outln!("file       {}\n", s.file);
        outln!("{}\n", s.summary);
        outln!("{}\n  {}\n", style.bold("What to notice"), s.notes.notice);
        outln!("{}\n  {}\n", style.bold("Why it matters"), s.notes.why);
        outln!("{}\n  {}\n", style.bold("How to fix it"), s.notes.fix);
        outln!("{}", style.bold("Steps"));
        for (i, step) in s.steps.iter().enumerate() {
            let name = runner::step_name(i, step);
            outln!("  {}. {name}: {}", i + 1, describe_step(step));
        }
        outln!("\nRun it: {}", paste::run_command(s.id(), scenarios_flag));
    }
    Ok(Verdict::Passed)
}

/// What a step does, in a few words, for `show`.
fn describe_step(step: &scenario::Step) -> String {
    match &step.action {
        Action::Sleep { ms } => format!("wait {ms} ms"),
        Action::Sql { sql, hold } => {
            let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ");
            match hold {
                Some(hold) => format!("SQL {sql} (its connection held as `{hold}`)"),
                None => format!("SQL {sql}"),
            }
        }
        Action::Release { name } => format!("release `{name}` (close its connection)"),
        Action::Metrics { label, .. } => {
            format!("sample the 5xx rate from /metrics as `{label}`")
        }
        Action::Tracker {
            label,
            correlation_id_of,
        } => match correlation_id_of {
            Some(step) => format!(
                "read the error tracker as `{label}` (issues, leaks in stored events) and look up the correlation id of `{step}`"
            ),
            None => format!("read the error tracker as `{label}` (issues, leaks in stored events)"),
        },
        Action::Parallel(requests) => format!("{} requests at once", requests.len()),
        Action::Load { request, load } => format!(
            "{} {} offered at {}x the measured capacity for {} s (clients wait {} ms)",
            request.method.as_deref().unwrap_or("GET"),
            request.path.as_deref().unwrap_or("/"),
            load.offered,
            load.seconds,
            load.timeout_ms
        ),
        Action::Request { request, sending } => {
            let count = match sending {
                Sending::AtOnce(n) => format!(" x{n} at once"),
                Sending::OneAfterAnother(n) => format!(" x{n}, one after another"),
                Sending::Once => String::new(),
            };
            format!(
                "{} {}{count}",
                request.method.as_deref().unwrap_or("GET"),
                request.path.as_deref().unwrap_or("/")
            )
        }
    }
}
