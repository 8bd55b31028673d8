//! The error tracker in a scenario: the top-level `[tracker]` table (the runner gives each
//! run a project of its own on the lab's Bugsink and the app its DSN), `tracker` steps that
//! read what the tracker stored, and their `[steps.<mode>.tracker]` expectations. The file's
//! keys and the checks that locate every misuse; the runner reads and judges.

use serde::Deserialize;
use toml::Spanned;

use super::expect::Expect;
use super::model::Scenario;
use super::step::StepFile;
use super::validate::{suggest, unknown_leak_rule};

/// `[tracker]`: the app reports to an error tracker during the run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackerTable {
    /// How long a `tracker` step waits for the app's events to be stored (the SDK sends in
    /// the background): until every 5xx answer so far has its event, or this long.
    #[serde(default = "default_events_within_ms")]
    pub events_within_ms: u64,
}

fn default_events_within_ms() -> u64 {
    10_000
}

/// How long a `tracker` step waits, once the events it expects are in, for a stray one (an
/// event nobody expected: bare's, a 4xx's) to land before it reads: the SDK sends within
/// milliseconds on loopback, and Bugsink (eager, as configured) stores before it answers.
pub const TRACKER_SETTLE_MS: u64 = 1000;

const EVENTS_WITHIN_MS: std::ops::RangeInclusive<u64> = 500..=60_000;

/// `[steps.<table>.tracker]`: what the tracker holds when a `tracker` step reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackerExpect {
    /// The run's project has exactly this many issues (the tracker's groups).
    pub issues: Option<u64>,
    /// It has exactly this many events, as the tracker counts them.
    pub events: Option<u64>,
    /// Each of these leak rules fires on at least one stored event.
    #[serde(default)]
    pub leaks: Vec<Spanned<String>>,
    /// No leak rule fires on any stored event, and none carries an e-mail address.
    #[serde(default)]
    pub no_leaks: bool,
    /// Each of these e-mail addresses is in a stored event (written plainly or
    /// percent-encoded, as a URL carries it).
    #[serde(default)]
    pub emails: Vec<String>,
    /// The stored events, as text, contain each of these (a key, a token).
    #[serde(default)]
    pub contains: Vec<String>,
    /// ... and none of these.
    #[serde(default)]
    pub not_contains: Vec<String>,
    /// The correlation id the step looks up (`correlation_id_of`) leads to an issue (true)
    /// or to none (false; also when that response carried no id).
    pub found: Option<bool>,
    /// Every 5xx answer of the run so far has exactly one event, tagged with that answer's
    /// correlation id, and every event carries the id of one of them.
    #[serde(default)]
    pub events_match_responses: bool,
}

impl Expect {
    /// Whether anything is expected of the tracker (for `tracker` steps).
    pub fn expects_of_tracker(&self) -> bool {
        self.tracker.is_some()
    }
}

/// The problems of the `[tracker]` table, of `tracker` steps and of tracker expectations
/// on other steps, each with the span to point at, a message and a hint.
pub fn problems(
    scenario: &Scenario,
    tracker_setting: Option<&str>,
) -> Vec<(std::ops::Range<usize>, String, Option<String>)> {
    let mut out = Vec::new();
    if let Some(table) = &scenario.tracker {
        let within = table.get_ref().events_within_ms;
        if !EVENTS_WITHIN_MS.contains(&within) {
            out.push((
                table.span(),
                format!("`events_within_ms` is {within}, outside 500 to 60000"),
                Some(
                    "Leave it out for 10000: the SDK sends within milliseconds on loopback.".into(),
                ),
            ));
        }
        if let Some(setting) = tracker_setting
            && let Some(key) = scenario.app.keys().find(|k| k.get_ref() == setting)
        {
            out.push((
                key.span(),
                format!("`[app] {setting}` and `[tracker]` both say where the app reports"),
                Some(format!(
                    "Remove `{setting}` from [app]: with [tracker] the runner sets it to the run's own project."
                )),
            ));
        }
    }
    for (index, spanned) in scenario.step_tables.iter().enumerate() {
        step_problems(scenario, index, spanned, &mut out);
    }
    out
}

/// A step's name as reports give it: its `name`, or `step N`.
fn name_of(index: usize, step: &StepFile) -> String {
    step.name
        .clone()
        .unwrap_or_else(|| format!("step {}", index + 1))
}

fn step_problems(
    scenario: &Scenario,
    index: usize,
    spanned: &Spanned<StepFile>,
    out: &mut Vec<(std::ops::Range<usize>, String, Option<String>)>,
) {
    let step = spanned.get_ref();
    let tables = [&step.expect, &step.dev, &step.prod, &step.bare, &step.fixed];
    let mut rules = Vec::new();
    // Located at their own values, collected apart from the step-level problems.
    let mut rules_or_names = Vec::new();
    let mut report = |message: &str, hint: &str| {
        out.push((spanned.span(), message.to_string(), Some(hint.to_string())));
    };
    if step.tracker.is_none() {
        if tables.iter().any(|t| t.expects_of_tracker()) {
            report(
                "tracker expectations belong to a `tracker` step",
                "Add a step `tracker = \"what the tracker stored\"` after the requests, and move the table there.",
            );
        }
        if step.correlation_id_of.is_some() {
            report(
                "`correlation_id_of` is looked up by a `tracker` step, and this step is none",
                "Give it to the step with `tracker = \"...\"`.",
            );
        }
        return;
    }
    if let Some(named) = &step.correlation_id_of {
        let earlier: Vec<String> = scenario.step_tables[..index]
            .iter()
            .enumerate()
            .filter(|(_, s)| s.get_ref().sends_requests())
            .map(|(i, s)| name_of(i, s.get_ref()))
            .collect();
        if !earlier.iter().any(|name| name == named.get_ref()) {
            let hint = if earlier.is_empty() {
                "No earlier step sends a request: look up the id of one that does.".to_string()
            } else {
                suggest(
                    named.get_ref(),
                    earlier.iter().map(String::as_str),
                    "earlier request steps",
                )
            };
            rules_or_names.push((
                named.span(),
                format!(
                    "`correlation_id_of` names `{}`, which is no earlier step that sends a request",
                    named.get_ref()
                ),
                Some(hint),
            ));
        }
    }
    if scenario.tracker.is_none() {
        report(
            "a `tracker` step reads the run's error tracker, and the scenario has no `[tracker]` table",
            "Add `[tracker]` at the top level: the runner then gives each run a project on the lab's Bugsink and the app its DSN.",
        );
    }
    let looks_up = step.correlation_id_of.is_some();
    for table in tables {
        let Some(expect) = &table.tracker else {
            continue;
        };
        if expect.found.is_some() && !looks_up {
            report(
                "`found` checks the lookup of a correlation id, and the step looks up none",
                "Add `correlation_id_of = \"STEP NAME\"` to the step: the earlier step whose response's id a user quotes.",
            );
        }
        if expect.no_leaks && !expect.leaks.is_empty() {
            report(
                "`no_leaks = true` contradicts a list of `leaks` that must fire on the stored events",
                "Keep one of them in this table.",
            );
        }
        rules.extend(&expect.leaks);
    }
    out.append(&mut rules_or_names);
    out.extend(rules.into_iter().filter_map(unknown_leak_rule));
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Action, Classes, ScenarioError, Vocabulary, parse};

    const HEAD: &str = "id = \"t\"\nclass = \"db.invalid-sql\"\ntitle = \"t\"\nsummary = \"t\"\n\
                        [notes]\nnotice = \"n\"\nwhy = \"w\"\nfix = \"f\"\n";

    fn parsed(rest: &str) -> Result<crate::scenario::Scenario, Vec<ScenarioError>> {
        let vocabulary = Vocabulary {
            classes: Classes::lab(),
            app_settings: vec!["sentry_dsn".into()],
            tracker_setting: Some("sentry_dsn".into()),
        };
        parse("t.toml", &format!("{HEAD}{rest}"), &vocabulary)
    }

    fn first_error(rest: &str) -> ScenarioError {
        parsed(rest).expect_err("invalid").remove(0)
    }

    const SEARCH: &str = "[[steps]]\nname = \"search\"\npath = \"/authors\"\n";

    #[test]
    fn a_tracker_step_becomes_a_tracker_action_with_its_lookup() {
        let scenario = parsed(&format!(
            "[tracker]\n{SEARCH}[[steps]]\ntracker = \"stored\"\ncorrelation_id_of = \"search\"\n\
             [steps.prod.tracker]\nissues = 1\nno_leaks = true\nfound = true\n"
        ))
        .unwrap_or_else(|e| panic!("{}", e[0]));
        let Action::Tracker {
            label,
            correlation_id_of,
        } = &scenario.steps[1].action
        else {
            panic!("not a tracker step: {:?}", scenario.steps[1].action);
        };
        assert_eq!(
            (label.as_str(), correlation_id_of.as_deref()),
            ("stored", Some("search"))
        );
        let expect = scenario.steps[1].prod.tracker.as_ref().expect("the table");
        assert_eq!((expect.issues, expect.found), (Some(1), Some(true)));
        assert_eq!(
            scenario
                .tracker
                .as_ref()
                .map(|t| t.get_ref().events_within_ms),
            Some(10_000)
        );
    }

    #[test]
    fn a_tracker_step_without_the_table_is_located_at_the_step() {
        let error = first_error(&format!("{SEARCH}[[steps]]\ntracker = \"stored\"\n"));
        assert!(error.message.contains("no `[tracker]` table"), "{error}");
        assert_eq!(error.line, 12, "{error}");
        assert!(error.hint.as_deref().unwrap_or("").contains("[tracker]"));
    }

    #[test]
    fn misplaced_and_contradictory_tracker_keys_are_errors_with_hints() {
        let error = first_error(&format!(
            "[tracker]\n{SEARCH}[steps.prod.tracker]\nissues = 1\n"
        ));
        assert!(
            error.message.contains("belong to a `tracker` step"),
            "{error}"
        );
        let error = first_error(&format!(
            "[tracker]\n{SEARCH}[[steps]]\ntracker = \"s\"\n[steps.dev.tracker]\nfound = true\n"
        ));
        assert!(error.message.contains("looks up none"), "{error}");
        let error = first_error(&format!(
            "[tracker]\n{SEARCH}[[steps]]\ntracker = \"s\"\n[steps.dev.tracker]\nleaks = [\"secret.credentail\"]\n"
        ));
        assert!(
            error
                .message
                .contains("unknown leak rule `secret.credentail`"),
            "{error}"
        );
        assert_eq!(
            error.hint.as_deref(),
            Some("Did you mean `secret.credential`?")
        );
        let error = first_error(&format!(
            "[tracker]\n{SEARCH}[[steps]]\ntracker = \"s\"\n[steps.dev.tracker]\nno_leaks = true\nleaks = [\"secret.credential\"]\n"
        ));
        assert!(error.message.contains("contradicts"), "{error}");
        let error = first_error(&format!(
            "[tracker]\n{SEARCH}[[steps]]\ntracker = \"s\"\n[steps.dev]\nstatus = 500\n"
        ));
        assert!(
            error.message.contains("no response to expect anything of"),
            "{error}"
        );
        let error = first_error(&format!(
            "[tracker]\n{SEARCH}[[steps]]\ntracker = \"s\"\ncorrelation_id_of = \"serach\"\n"
        ));
        assert!(
            error
                .message
                .contains("names `serach`, which is no earlier step"),
            "{error}"
        );
        assert_eq!(error.hint.as_deref(), Some("Did you mean `search`?"));
    }

    #[test]
    fn the_table_bounds_its_wait_and_owns_the_dsn_setting() {
        let error = first_error(&format!("[tracker]\nevents_within_ms = 5\n{SEARCH}"));
        assert!(
            error
                .message
                .contains("`events_within_ms` is 5, outside 500 to 60000"),
            "{error}"
        );
        assert_eq!(error.line, 9, "{error}");
        let error = first_error(&format!(
            "[app]\nsentry_dsn = \"http://k@127.0.0.1:1/1\"\n[tracker]\n{SEARCH}"
        ));
        assert!(
            error.message.contains("both say where the app reports"),
            "{error}"
        );
        assert_eq!((error.line, error.column), (10, 1), "{error}");
    }
}
