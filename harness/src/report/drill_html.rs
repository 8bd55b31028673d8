//! `harness drill --report FILE.html`: the score and the timeline drawn (requests per
//! second, failed share, p99 latency), with the injection, the pager, the acknowledgement,
//! each action and the recovery marked. Self-contained.

use minijinja::Environment;
use serde::Serialize;

use crate::drill::Drill;
use crate::drill::score::Second;

const TEMPLATE: &str = include_str!("drill.html.j2");

/// One plot's drawing area in SVG units.
const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 120.0;

#[derive(Serialize)]
struct Page<'a> {
    drill: &'a Drill,
    plots: Vec<Plot>,
    marks: Vec<Mark>,
    width: f64,
    height: f64,
}

#[derive(Serialize)]
struct Plot {
    title: &'static str,
    points: String,
    peak: String,
}

#[derive(Serialize)]
struct Mark {
    x: f64,
    label: String,
    colour: &'static str,
}

pub fn render(drill: &Drill) -> Result<String, minijinja::Error> {
    let t = &drill.timeline;
    let rates: Vec<f64> = t.iter().map(|s| s.requests as f64).collect();
    let failed: Vec<f64> = t.iter().map(Second::failed_percent).collect();
    let p99: Vec<f64> = t.iter().map(|s| f64::from(s.p99_ms)).collect();
    let plot = |title, values: &[f64], unit: &str| {
        let peak = values.iter().copied().fold(0.0_f64, f64::max);
        Plot {
            title,
            points: polyline(values, peak),
            peak: format!("{peak:.0}{unit}"),
        }
    };
    let plots = vec![
        plot("requests per second", &rates, "/s"),
        plot("failed (5xx or no answer), % of requests", &failed, " %"),
        plot("p99 latency, ms", &p99, " ms"),
    ];
    let seconds = t.len().max(1) as f64;
    let x = |ms: u64| (ms as f64 / 1000.0 / seconds * WIDTH).min(WIDTH);
    let mut marks = vec![Mark {
        x: x(drill.injected_at_ms),
        label: format!("injected: {}", drill.incident.name()),
        colour: "#a11212",
    }];
    let mut mark = |at: Option<u64>, label: String, colour| {
        if let Some(at) = at {
            marks.push(Mark {
                x: x(at),
                label,
                colour,
            });
        }
    };
    mark(drill.alerted_at_ms, "pager".to_string(), "#b35900");
    if let Some(alert) = &drill.prometheus_alert {
        mark(
            Some(alert.at_ms),
            format!("Prometheus: {}", alert.alert),
            "#b35900",
        );
    }
    mark(drill.acked_at_ms, "ack".to_string(), "#1f4e9c");
    for action in &drill.actions {
        let colour = if action.cures { "#1d6b2a" } else { "#7a3e9d" };
        mark(Some(action.at_ms), action.action.clone(), colour);
    }
    mark(drill.recovered_at_ms, "recovered".to_string(), "#1d6b2a");
    let mut env = Environment::new();
    env.add_template("drill.html", TEMPLATE)?;
    env.get_template("drill.html")?
        .render(minijinja::value::Serde(&Page {
            drill,
            plots,
            marks,
            width: WIDTH,
            height: HEIGHT,
        }))
}

fn polyline(values: &[f64], peak: f64) -> String {
    super::svg::polyline(values, peak, WIDTH, HEIGHT)
}
