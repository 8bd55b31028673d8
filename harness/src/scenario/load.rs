//! `load` steps: an open-loop burst at a multiple of the capacity a probe measured in the
//! same run, so a lesson about overload holds on 2 cores or 16 and on a loaded machine.
//! The file's `load = { ... }` table, its limits, and the checks that keep it bounded.

use serde::Deserialize;
use toml::Spanned;

use super::expect::Expect;
use super::step::StepFile;

/// `load = { offered = 4.0, seconds = 3 }` on a step with `path` and `timeout_ms`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadFile {
    /// Offered load as a multiple of the measured capacity (4.0: four times what the app
    /// answered per second in the probe).
    pub offered: f64,
    /// How long the load is offered, in seconds.
    pub seconds: u64,
    /// How long the probe measures capacity (closed loop, `probe_concurrency` requests in
    /// flight), in milliseconds; only the run's first `load` step probes, later ones reuse
    /// its capacity so they compare against the same number.
    #[serde(default = "default_probe_ms")]
    pub probe_ms: u64,
    #[serde(default = "default_probe_concurrency")]
    pub probe_concurrency: u32,
}

fn default_probe_ms() -> u64 {
    1000
}

fn default_probe_concurrency() -> u32 {
    8
}

/// A load step, validated.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub offered: f64,
    pub seconds: u64,
    pub probe_ms: u64,
    pub probe_concurrency: u32,
    /// The clients' patience: the step's `timeout_ms`.
    pub timeout_ms: u64,
}

/// The most requests one load step sends, whatever the capacity: a fast route cannot be
/// overloaded from one client machine anyway, and the bound keeps the step finite.
pub const MOST_REQUESTS: u64 = 5000;
const OFFERED: std::ops::RangeInclusive<f64> = 0.1..=20.0;
const SECONDS: std::ops::RangeInclusive<u64> = 1..=30;
const PROBE_MS: std::ops::RangeInclusive<u64> = 200..=10_000;
const PROBE_CONCURRENCY: std::ops::RangeInclusive<u32> = 1..=64;
/// Bounds are fractions (of capacity, of the timeout); above this one is a typo.
const MOST_BOUND: f64 = 10.0;

impl LoadFile {
    pub fn into_spec(self, timeout_ms: u64) -> LoadSpec {
        LoadSpec {
            offered: self.offered,
            seconds: self.seconds,
            probe_ms: self.probe_ms,
            probe_concurrency: self.probe_concurrency,
            timeout_ms,
        }
    }
}

/// The problems of a step's `load` table and of load bounds on a step without one, each
/// with the span to point at, a message and a hint.
pub fn problems(
    spanned: &Spanned<StepFile>,
) -> Vec<(std::ops::Range<usize>, String, Option<String>)> {
    let step = spanned.get_ref();
    let mut out = Vec::new();
    let tables = [&step.expect, &step.dev, &step.prod, &step.bare, &step.fixed];
    let Some(load) = &step.load else {
        if tables.iter().any(|t| t.expects_of_load()) {
            out.push((
                spanned.span(),
                "`goodput_above`, `goodput_below`, `p99_above` and `p99_below` belong to a \
                 `load` step"
                    .into(),
                Some("Add `load = { offered = 4.0, seconds = 3 }` to the step that sends the request.".into()),
            ));
        }
        return out;
    };
    let span = load.span();
    let spec = load.get_ref();
    let mut report = |message: String, hint: &str| {
        out.push((span.clone(), message, Some(hint.to_string())));
    };
    if step.path.is_none() {
        report(
            "`load` sends the step's own request, and this step has no `path`".into(),
            "Give the step `method` and `path` (and `timeout_ms`) beside `load`.",
        );
    }
    if step.timeout_ms.is_none() {
        report(
            "a `load` step needs `timeout_ms`: the clients' patience, which goodput and p99 \
             are measured against"
                .into(),
            "Add e.g. `timeout_ms = 1000` to the step.",
        );
    }
    if step.repeat.is_some() || step.times.is_some() {
        report(
            "`load` decides how many requests go out; `repeat` and `times` cannot be combined with it"
                .into(),
            "Remove `repeat`/`times`; `offered` and `seconds` size the load.",
        );
    }
    if !step.capture.is_empty() {
        report(
            "`capture` takes values from one response, and a `load` step sends hundreds".into(),
            "Capture from a single request in another step.",
        );
    }
    if !(spec.offered.is_finite() && OFFERED.contains(&spec.offered)) {
        report(
            format!(
                "`offered` is {}, outside 0.1 to 20 (times the measured capacity)",
                spec.offered
            ),
            "Use e.g. 4.0 for a spike four times what the app can answer.",
        );
    }
    if !SECONDS.contains(&spec.seconds) {
        report(
            format!("`seconds` is {}, outside 1 to 30", spec.seconds),
            "A few seconds show a spike; the step is bounded in time.",
        );
    }
    if !PROBE_MS.contains(&spec.probe_ms) {
        report(
            format!("`probe_ms` is {}, outside 200 to 10000", spec.probe_ms),
            "Leave it out for 1000 ms.",
        );
    }
    if !PROBE_CONCURRENCY.contains(&spec.probe_concurrency) {
        report(
            format!(
                "`probe_concurrency` is {}, outside 1 to 64",
                spec.probe_concurrency
            ),
            "Leave it out for 8 requests in flight, more than most pools hold.",
        );
    }
    for table in tables {
        for (key, value) in table.load_bounds() {
            if let Some(value) = value
                && !(value.is_finite() && value > 0.0 && value <= MOST_BOUND)
            {
                report(
                    format!("`{key}` is {value}, not a fraction from 0 to {MOST_BOUND}"),
                    "goodput bounds are fractions of the measured capacity, p99 bounds of \
                     `timeout_ms` (0.8: 80 %).",
                );
            }
        }
    }
    out
}

impl Expect {
    /// Whether a load bound is set (for `load` steps).
    pub fn expects_of_load(&self) -> bool {
        self.load_bounds().iter().any(|(_, v)| v.is_some())
    }

    /// The load bounds by key, for checks and messages.
    pub fn load_bounds(&self) -> [(&'static str, Option<f64>); 4] {
        [
            ("goodput_above", self.goodput_above),
            ("goodput_below", self.goodput_below),
            ("p99_above", self.p99_above),
            ("p99_below", self.p99_below),
        ]
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Action, Classes, ScenarioError, Vocabulary, parse};

    const HEAD: &str = "id = \"t\"\nclass = \"resource.overload\"\ntitle = \"t\"\nsummary = \"t\"\n\
                        [notes]\nnotice = \"n\"\nwhy = \"w\"\nfix = \"f\"\n";

    fn parsed(steps: &str) -> Result<crate::scenario::Scenario, Vec<ScenarioError>> {
        let vocabulary = Vocabulary {
            classes: Classes::lab(),
            app_settings: vec![],
            tracker_setting: None,
        };
        parse("t.toml", &format!("{HEAD}{steps}"), &vocabulary)
    }

    fn first_error(steps: &str) -> ScenarioError {
        parsed(steps).expect_err("invalid").remove(0)
    }

    #[test]
    fn a_load_step_becomes_a_load_action_with_the_clients_timeout() {
        let scenario = parsed(
            "[[steps]]\npath = \"/books/1\"\ntimeout_ms = 900\nload = { offered = 3.0, seconds = 2 }\n\
             [steps.prod]\ngoodput_above = 0.7\n",
        )
        .unwrap_or_else(|e| panic!("{}", e[0]));
        let Action::Load { load, .. } = &scenario.steps[0].action else {
            panic!("not a load step: {:?}", scenario.steps[0].action);
        };
        assert_eq!(
            (load.timeout_ms, load.seconds, load.probe_ms),
            (900, 2, 1000)
        );
    }

    #[test]
    fn a_load_step_without_timeout_is_located_at_its_load_table() {
        let error =
            first_error("[[steps]]\npath = \"/books/1\"\nload = { offered = 3.0, seconds = 2 }\n");
        assert!(error.message.contains("needs `timeout_ms`"), "{error}");
        assert_eq!((error.line, error.column), (11, 8), "{error}");
    }

    #[test]
    fn out_of_range_values_and_stray_bounds_are_errors() {
        let error = first_error(
            "[[steps]]\npath = \"/\"\ntimeout_ms = 1000\nload = { offered = 50.0, seconds = 2 }\n",
        );
        assert!(error.message.contains("`offered` is 50"), "{error}");
        let error = first_error("[[steps]]\npath = \"/\"\n[steps.prod]\np99_below = 0.8\n");
        assert!(error.message.contains("belong to a `load` step"), "{error}");
        let error = first_error(
            "[[steps]]\npath = \"/\"\ntimeout_ms = 1000\nload = { offered = 2.0, seconds = 2 }\n\
             [steps.expect]\ngoodput_above = 70\n",
        );
        assert!(error.message.contains("not a fraction"), "{error}");
        let error = first_error(
            "[[steps]]\npath = \"/\"\ntimeout_ms = 1000\nrepeat = 3\nload = { offered = 2.0, seconds = 2 }\n",
        );
        assert!(error.message.contains("`repeat` and `times`"), "{error}");
        let error = first_error(
            "[[steps]]\npath = \"/\"\ntimeout_ms = 1000\nload = { offered = 2.0, seconds = 2, rate = 3 }\n",
        );
        assert!(error.message.contains("rate"), "{error}");
    }
}
