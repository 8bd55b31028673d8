//! `harness storm --report FILE.html`: the table and, per policy, an SVG plot of attempts,
//! successes and server 5xx per second with the trigger shaded. Self-contained.

use minijinja::Environment;
use serde::Serialize;

use crate::storm::{PolicyRun, Storm};

const TEMPLATE: &str = include_str!("storm.html.j2");

/// The plot's drawing area in SVG units.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 160.0;

#[derive(Serialize)]
struct Page<'a> {
    storm: &'a Storm,
    plots: Vec<Plot<'a>>,
    peak: u64,
}

#[derive(Serialize)]
struct Plot<'a> {
    run: &'a PolicyRun,
    name: &'static str,
    attempts: String,
    succeeded: String,
    server_5xx: String,
    trigger_x: f64,
    trigger_width: f64,
}

pub fn render(storm: &Storm) -> Result<String, minijinja::Error> {
    let peak = storm.peak_per_second().max(1);
    let seconds = storm.setup.seconds.max(1) as f64;
    let x_per_ms = WIDTH / (seconds * 1000.0);
    let plots = storm
        .policies
        .iter()
        .map(|run| {
            let line = |values: Vec<u64>| polyline(&values, peak);
            Plot {
                run,
                name: run.policy.name(),
                attempts: line(run.timeline.iter().map(|s| s.attempts).collect()),
                succeeded: line(run.timeline.iter().map(|s| s.succeeded).collect()),
                server_5xx: line(run.timeline.iter().map(|s| s.server_5xx).collect()),
                trigger_x: storm.setup.trigger_start_ms as f64 * x_per_ms,
                trigger_width: storm.setup.trigger_ms as f64 * x_per_ms,
            }
        })
        .collect();
    let mut env = Environment::new();
    env.add_template("storm.html", TEMPLATE)?;
    env.get_template("storm.html")?
        .render(minijinja::value::Serde(&Page { storm, plots, peak }))
}

/// The plot of one per-second series, on the scale every plot shares.
fn polyline(values: &[u64], peak: u64) -> String {
    let values: Vec<f64> = values.iter().map(|v| *v as f64).collect();
    super::svg::polyline(&values, peak as f64, WIDTH, HEIGHT)
}
