//! `harness check`: has the attendee fixed the flaw? Runs the selected scenarios against
//! the current build with the corrected app's expectations (`[steps.fixed]`,
//! `[startup.fixed]`) and answers per failure class: fixed, or still flawed and why.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{Error, Outcome};
use super::shared::{self, jobs_or_cores, pick_backends};
use super::{BackendArg, ModeArg};
use crate::report::style::Style;
use crate::runner::{self, Target, Unmet};
use crate::scenario::{self, Expectations, Scenario};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Failure classes, scenario ids, files or globs (`crash.unwrap-none`, `db/*`); all
    /// when none is given.
    patterns: Vec<String>,
    /// Which modes must answer as fixed: a fix is a fix in every mode.
    #[arg(long, value_enum, default_value_t = ModeArg::All)]
    mode: ModeArg,
    /// Which backends [default: sqlite]
    #[arg(long, value_enum, default_value_t = BackendArg::Sqlite)]
    backend: BackendArg,
    /// Scenarios run at once [default: the number of CPUs]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: Option<u16>,
}

pub fn run(scenarios: &[Scenario], args: &CheckArgs, root: &Path) -> Outcome {
    // A class names all its scenarios here, even where one of them has the class as its id:
    // a fix is checked against every scenario that teaches it.
    let patterns: Vec<String> = args
        .patterns
        .iter()
        .map(|p| {
            if scenarios.iter().any(|s| s.class() == p) {
                format!("class:{p}")
            } else {
                p.clone()
            }
        })
        .collect();
    let selected = scenario::select(scenarios, &patterns, root)?;
    let modes = args.mode.modes();
    let (checkable, unchecked): (Vec<&Scenario>, Vec<&Scenario>) = selected
        .into_iter()
        .partition(|s| s.has_fixed_expectations());
    let app = Target::Spawn(shared::own_app_command()?);
    let runtime = shared::runtime()?;
    let jobs = jobs_or_cores(args.jobs);
    let results = runtime.block_on(async {
        let backends = pick_backends(Some(args.backend), false).await?;
        let mut plans = runner::plan(&checkable, &modes, &backends, &app);
        for plan in &mut plans {
            plan.expectations = Expectations::Fixed;
        }
        Ok::<_, Error>(runner::run_all(plans, &app, jobs).await)
    })?;
    let runs: Vec<Run> = results
        .iter()
        .map(|r| Run {
            class: &r.class,
            label: format!("{} {}/{}", r.scenario, r.mode, r.backend),
            passed: r.outcome == runner::Outcome::Passed,
            reasons: &r.reasons,
        })
        .collect();
    let verdicts = verdicts(&runs, &unchecked);
    out!("{}", render(&verdicts, Style::detect()));
    let errors = results
        .iter()
        .filter(|r| r.outcome == runner::Outcome::Error)
        .count();
    if errors > 0 {
        return Err(super::run::could_not_run(errors));
    }
    let all_fixed = verdicts.values().all(|v| matches!(v, Verdict::Fixed));
    Ok(super::error::Verdict::failed_if(!all_fixed))
}

/// What `check` says about one failure class.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Fixed,
    /// The unmet expectations, each as "scenario mode/backend: reason".
    StillFlawed(Vec<String>),
    /// A selected scenario of the class says nothing about the corrected app.
    NoFixedExpectations(Vec<String>),
}

/// One run, as far as the verdict is concerned.
struct Run<'a> {
    class: &'a str,
    /// "scenario mode/backend".
    label: String,
    passed: bool,
    reasons: &'a [Unmet],
}

fn verdicts(runs: &[Run<'_>], unchecked: &[&Scenario]) -> BTreeMap<String, Verdict> {
    let mut verdicts: BTreeMap<String, Verdict> = BTreeMap::new();
    for run in runs {
        let verdict = verdicts
            .entry(run.class.to_string())
            .or_insert(Verdict::Fixed);
        if run.passed {
            continue;
        }
        let unmet = run
            .reasons
            .iter()
            .map(|reason| format!("{}: {reason}", run.label));
        match verdict {
            Verdict::StillFlawed(reasons) => reasons.extend(unmet),
            Verdict::Fixed => *verdict = Verdict::StillFlawed(unmet.collect()),
            Verdict::NoFixedExpectations(_) => {}
        }
    }
    for scenario in unchecked {
        let verdict = verdicts
            .entry(scenario.class().to_string())
            .or_insert_with(|| Verdict::NoFixedExpectations(Vec::new()));
        match verdict {
            Verdict::NoFixedExpectations(ids) => ids.push(scenario.id().to_string()),
            other => *other = Verdict::NoFixedExpectations(vec![scenario.id().to_string()]),
        }
    }
    verdicts
}

fn render(verdicts: &BTreeMap<String, Verdict>, style: Style) -> String {
    let width = verdicts.keys().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for (class, verdict) in verdicts {
        match verdict {
            Verdict::Fixed => {
                out.push_str(&format!("{class:<width$}  {}\n", style.green("fixed")));
            }
            Verdict::StillFlawed(reasons) => {
                out.push_str(&format!("{class:<width$}  {}\n", style.red("still flawed")));
                for reason in reasons {
                    out.push_str(&format!("    {reason}\n"));
                }
            }
            Verdict::NoFixedExpectations(ids) => {
                out.push_str(&format!(
                    "{class:<width$}  {}: {} has no [steps.fixed] or [startup.fixed]\n",
                    style.yellow("cannot tell"),
                    ids.join(", ")
                ));
            }
        }
    }
    let fixed = verdicts.values().filter(|v| **v == Verdict::Fixed).count();
    out.push_str(&format!(
        "\n{} of {} {} fixed\n",
        fixed,
        verdicts.len(),
        if verdicts.len() == 1 {
            "class"
        } else {
            "classes"
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<'a>(class: &'a str, reasons: &'a [Unmet]) -> Run<'a> {
        Run {
            class,
            label: format!("{class} dev/sqlite"),
            passed: reasons.is_empty(),
            reasons,
        }
    }

    #[test]
    fn a_class_is_fixed_only_when_every_run_of_every_scenario_passes() {
        let unmet = [Unmet::new(
            "status_not_in",
            "step 1: status 500 (expected one of [200])",
        )];
        let runs = [
            run("crash.unwrap-none", &[]),
            run("db.deadlock", &[]),
            run("db.deadlock", &unmet),
        ];
        let verdicts = verdicts(&runs, &[]);
        assert_eq!(verdicts["crash.unwrap-none"], Verdict::Fixed);
        assert_eq!(
            verdicts["db.deadlock"],
            Verdict::StillFlawed(vec![
                "db.deadlock dev/sqlite: step 1: status 500 (expected one of [200])".into()
            ])
        );
        let text = render(&verdicts, Style::plain());
        assert!(text.ends_with("\n1 of 2 classes fixed\n"), "{text}");
    }
}
