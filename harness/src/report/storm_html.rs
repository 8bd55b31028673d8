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

/// SVG polyline points: one point in the middle of each second, `peak` at the top.
fn polyline(values: &[u64], peak: u64) -> String {
    let step = WIDTH / values.len().max(1) as f64;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = step * (i as f64 + 0.5);
            let y = HEIGHT - HEIGHT * (*v as f64) / peak as f64;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::polyline;

    #[test]
    fn points_sit_mid_second_with_the_peak_at_the_top() {
        assert_eq!(polyline(&[0, 10], 10), "160.0,160.0 480.0,0.0");
    }
}
