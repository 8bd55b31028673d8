//! Checks beyond types: known class, leak rules and settings; one kind per step; captures
//! defined before use. Every problem keeps the span of the value at fault.

use std::collections::BTreeSet;

use toml::Spanned;

use super::expect::Expect;
use super::model::{ModeName, Scenario};
use super::step::{RequestSpec, StepFile};
use super::{ScenarioError, Vocabulary};
use crate::leaks;

pub fn check(
    scenario: &Scenario,
    vocabulary: &Vocabulary,
    file: &str,
    text: &str,
) -> Vec<ScenarioError> {
    let mut problems = Vec::new();
    let mut report = |span, message: String, hint: Option<String>| {
        problems.push(ScenarioError::at(file, text, Some(span), message, hint));
    };

    let id = scenario.id.get_ref();
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._/".contains(&b))
    {
        report(
            scenario.id.span(),
            format!("scenario id `{id}` has characters outside a-z 0-9 . - _ /"),
            Some("Use a short slug such as `crash.unwrap-none.orphan-book`.".into()),
        );
    }
    let class = scenario.class.get_ref();
    if !vocabulary.classes.is_known(class) {
        report(
            scenario.class.span(),
            format!("unknown failure class `{class}`"),
            Some(suggest(class, vocabulary.classes.ids(), "failure classes")),
        );
    }
    for cwe in &scenario.cwe {
        let tag = cwe.get_ref();
        let valid = tag
            .strip_prefix("CWE-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !valid {
            report(
                cwe.span(),
                format!("`{tag}` is not a CWE tag"),
                Some("Write it as CWE-209.".into()),
            );
        }
    }
    let settings = &vocabulary.app_settings;
    for key in scenario.app.keys() {
        if !settings.iter().any(|name| name == key.get_ref()) {
            report(
                key.span(),
                format!("unknown demo-app setting `{}`", key.get_ref()),
                Some(suggest(
                    key.get_ref(),
                    settings.iter().map(String::as_str),
                    "settings",
                )),
            );
        }
    }
    if scenario.step_tables.is_empty()
        && scenario.startup.dev.is_none()
        && scenario.startup.prod.is_none()
        && scenario.startup.bare.is_none()
    {
        problems.push(ScenarioError::at(
            file,
            text,
            Some(scenario.id.span()),
            "the scenario has no steps",
            Some("Add at least one [[steps]] table with a `path` (or a `[startup.prod]` expectation).".into()),
        ));
    }

    check_process_exits(scenario, file, text, &mut problems);
    for (span, message, hint) in
        super::tracker::problems(scenario, vocabulary.tracker_setting.as_deref())
    {
        problems.push(ScenarioError::at(file, text, Some(span), message, hint));
    }

    // `{{ops_token}}` is always there: the token the harness gave the app.
    let mut captured: BTreeSet<&str> = BTreeSet::from(["ops_token"]);
    let mut held: BTreeSet<&str> = BTreeSet::new();
    for step in &scenario.step_tables {
        check_step(step, &captured, file, text, &mut problems);
        check_held_connections(step.get_ref(), &mut held, file, text, &mut problems);
        captured.extend(step.get_ref().capture.keys().map(String::as_str));
    }
    problems
}

/// `hold` goes with `sql` and names a connection not already held; `release` names one
/// that an earlier step holds.
fn check_held_connections<'a>(
    step: &'a StepFile,
    held: &mut BTreeSet<&'a str>,
    file: &str,
    text: &str,
    problems: &mut Vec<ScenarioError>,
) {
    if let Some(hold) = &step.hold {
        let name = hold.get_ref().as_str();
        if step.sql.is_none() {
            problems.push(ScenarioError::at(
                file,
                text,
                Some(hold.span()),
                "`hold` keeps an `sql` step's connection open, but this step has no `sql`",
                Some("Add the statements to hold, e.g. `sql = \"BEGIN EXCLUSIVE\"`.".into()),
            ));
        } else if !held.insert(name) {
            problems.push(ScenarioError::at(
                file,
                text,
                Some(hold.span()),
                format!("a connection named `{name}` is already held"),
                Some("Release it first with a `release` step, or pick another name.".into()),
            ));
        }
    }
    if let Some(release) = &step.release {
        let name = release.get_ref().as_str();
        if !held.remove(name) {
            let hint = if held.is_empty() {
                "No earlier step holds a connection: add `hold = \"NAME\"` to an `sql` step."
                    .to_string()
            } else {
                let names: Vec<String> = held.iter().map(|n| format!("`{n}`")).collect();
                format!("Held at this point: {}.", names.join(", "))
            };
            problems.push(ScenarioError::at(
                file,
                text,
                Some(release.span()),
                format!("no earlier step holds a connection named `{name}`"),
                Some(hint),
            ));
        }
    }
}

fn check_step(
    spanned: &Spanned<StepFile>,
    captured: &BTreeSet<&str>,
    file: &str,
    text: &str,
    problems: &mut Vec<ScenarioError>,
) {
    let step = spanned.get_ref();
    let mut report = |span: std::ops::Range<usize>, message: String, hint: Option<String>| {
        problems.push(ScenarioError::at(file, text, Some(span), message, hint));
    };
    let kinds = [
        step.path.is_some(),
        !step.parallel.is_empty(),
        step.sql.is_some(),
        step.sleep_ms.is_some(),
        step.metrics.is_some(),
        step.release.is_some(),
        step.tracker.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        report(
            spanned.span(),
            "a step needs exactly one of `path`, `parallel`, `sql`, `sleep_ms`, `metrics`, \
             `release` or `tracker`"
                .into(),
            Some("Split it into several [[steps]] tables, one action each.".into()),
        );
        return;
    }
    if step.path.is_none() {
        // A key of the step's own request on a step that sends none would be ignored.
        let request_keys = [
            ("method", step.method.is_some()),
            ("query", !step.query.is_empty()),
            ("headers", !step.headers.is_empty()),
            ("accept", step.accept.is_some()),
            ("json", step.json.is_some()),
            ("body", step.body.is_some()),
            ("timeout_ms", step.timeout_ms.is_some()),
            ("new_connection", step.new_connection),
            ("repeat", step.repeat.is_some()),
            // With `parallel`, `times` has its own message below.
            ("times", step.times.is_some() && step.parallel.is_empty()),
        ];
        for (key, _) in request_keys.iter().filter(|(_, set)| *set) {
            report(
                spanned.span(),
                format!("`{key}` belongs to a request step (one with `path`)"),
                Some(if step.parallel.is_empty() {
                    "Move it to the step that sends the request.".into()
                } else {
                    "In a `parallel` step, give it to each request of the list.".into()
                }),
            );
        }
        if !step.capture.is_empty() && !step.sends_requests() {
            report(
                spanned.span(),
                "`capture` takes values from a response, and this step sends no request".into(),
                None,
            );
        }
    }
    for (span, message, hint) in super::load::problems(spanned) {
        report(span, message, hint);
    }
    let mut requests = vec![step.request_spec()];
    if !step.parallel.is_empty() {
        requests = step.parallel.clone();
    }
    let tables = [&step.expect, &step.dev, &step.prod, &step.bare, &step.fixed];
    if step.metrics.is_none()
        && (step.error_rate_above.is_some()
            || step.error_rate_below.is_some()
            || tables.iter().any(|t| t.expects_of_metrics()))
    {
        report(
            spanned.span(),
            "`error_rate_above` and `error_rate_below` belong to a `metrics` step".into(),
            None,
        );
    }
    if !step.parallel.is_empty() && step.parallel.iter().all(|r| r.after_log.is_some()) {
        report(
            spanned.span(),
            "every request of this `parallel` step waits for a log line (`after_log`): none goes \
             out first to log it"
                .into(),
            Some("Leave `after_log` off the request the others wait for.".into()),
        );
    }
    if step.sends_requests() {
        for request in &requests {
            if let Some(problem) = request_problem(request) {
                report(spanned.span(), problem, None);
            }
            for reference in references(request) {
                if !captured.contains(reference.as_str()) {
                    report(
                        spanned.span(),
                        format!("`{{{{{reference}}}}}` is used before any step captures it"),
                        Some(
                            "Add `capture = {{ NAME = \"json:/pointer\" }}` to an earlier step."
                                .into(),
                        ),
                    );
                }
            }
        }
    }
    if step.repeat == Some(0) || step.times == Some(0) {
        report(
            spanned.span(),
            "`repeat` and `times` must be at least 1".into(),
            None,
        );
    }
    if step.times.is_some() && (step.repeat.is_some() || !step.parallel.is_empty()) {
        report(
            spanned.span(),
            "`times` (one after another) cannot be combined with `repeat` or `parallel` (at once)"
                .into(),
            None,
        );
    }
    for (name, source) in &step.capture {
        let how = source.get_ref();
        let valid = how == "status"
            || how.starts_with("header:")
            || how.starts_with("json:/")
            || how == "json:";
        if !valid {
            report(
                source.span(),
                format!("capture `{name}` has an unknown source `{how}`"),
                Some("Use \"status\", \"header:NAME\" or \"json:/json/pointer\".".into()),
            );
        }
    }
    for expect in tables {
        check_expect(expect, &mut report);
    }
    for (table, expect) in [
        ("[steps]", &step.expect),
        ("[steps.dev]", &step.dev),
        ("[steps.prod]", &step.prod),
        ("[steps.bare]", &step.bare),
    ] {
        if expect.max_duration_ms.is_some() {
            report(
                spanned.span(),
                format!("{table} has `max_duration_ms`, which only [steps.fixed] may have"),
                Some(
                    "An upper bound on time makes a lesson flaky on a slow machine; use \
                     `min_duration_ms` to show a stall."
                        .into(),
                ),
            );
        }
    }
    if step.fixed.no_response.is_some() && step.fixed.checks_response() {
        report(
            spanned.span(),
            "[steps.fixed] combines `no_response` with expectations of a response".into(),
            Some("A request either gets a response or it does not: keep one of them.".into()),
        );
    }
    for mode in ModeName::ALL {
        let table = step.mode_table(mode);
        let mode = mode.as_str();
        let waits_for_nothing = step.expect.no_response.is_some() || table.no_response.is_some();
        let checks_a_response = step.expect.checks_response() || table.checks_response();
        if waits_for_nothing && checks_a_response {
            report(
                spanned.span(),
                format!("in {mode}, `no_response` is combined with expectations of a response"),
                Some(
                    "A request either gets a response or it does not: put `no_response` and \
                     the response checks in different modes' tables ([steps.dev], [steps.prod], \
                     [steps.bare])."
                        .into(),
                ),
            );
            break;
        }
    }
    if requests.iter().any(|r| r.timeout_ms == Some(0)) || step.timeout_ms == Some(0) {
        report(
            spanned.span(),
            "`timeout_ms` must be at least 1".into(),
            Some("Leave it out for the default of 30 s.".into()),
        );
    }
    let expects_something = tables.iter().any(|t| t.expects_of_requests());
    if expects_something && !step.sends_requests() {
        report(
            spanned.span(),
            "an `sql`, `sleep_ms`, `metrics`, `release` or `tracker` step has no response to \
             expect anything of"
                .into(),
            Some("Use [[invariants]] to check the database after the run.".into()),
        );
    }
}

/// In each mode (and for `check`), at most one step expects the app process to exit, and
/// no later step expects a response from it: nothing restarts the app, so after its death
/// only `no_response = "could not connect"` can hold.
fn check_process_exits(
    scenario: &Scenario,
    file: &str,
    text: &str,
    problems: &mut Vec<ScenarioError>,
) {
    fn tables_in(step: &StepFile, mode: Option<ModeName>) -> [&Expect; 2] {
        match mode {
            Some(mode) => [&step.expect, step.mode_table(mode)],
            None => [&step.fixed, &step.fixed],
        }
    }
    let modes = [
        Some(ModeName::Dev),
        Some(ModeName::Prod),
        Some(ModeName::Bare),
        None,
    ];
    let mut reported = BTreeSet::new();
    for mode in modes {
        let label = mode.map_or("[steps.fixed]", ModeName::as_str);
        let mut died_at: Option<usize> = None;
        for (index, spanned) in scenario.step_tables.iter().enumerate() {
            let tables = tables_in(spanned.get_ref(), mode);
            let exits = tables.iter().any(|t| t.process_exit.is_some());
            let mut report = |message: String, hint: &str| {
                if reported.insert((index, message.clone())) {
                    problems.push(ScenarioError::at(
                        file,
                        text,
                        Some(spanned.span()),
                        message,
                        Some(hint.to_string()),
                    ));
                }
            };
            if let Some(first) = died_at {
                if exits {
                    report(
                        format!(
                            "in {label}, a second step expects the app process to exit; step {} \
                             already ends it",
                            first + 1
                        ),
                        "A process dies once: keep `process_exit` on the step that kills it.",
                    );
                }
                let expects_an_answer = tables.iter().any(|t| t.checks_response())
                    || tables
                        .iter()
                        .filter_map(|t| t.no_response.as_deref())
                        .any(|wanted| !"could not connect".contains(wanted));
                if expects_an_answer {
                    report(
                        format!(
                            "in {label}, this step expects an answer, but the app process is \
                             expected to exit during step {} and nothing restarts it",
                            first + 1
                        ),
                        "Expect `no_response = \"could not connect\"` here (nothing listens any \
                         more), or move the step before the one that ends the process.",
                    );
                }
            } else if exits {
                died_at = Some(index);
            }
        }
    }
}

fn check_expect(
    expect: &Expect,
    report: &mut impl FnMut(std::ops::Range<usize>, String, Option<String>),
) {
    if let Some(exit) = &expect.process_exit {
        if let Some(signal) = &exit.signal
            && !super::SIGNALS
                .iter()
                .any(|(name, _)| name == signal.get_ref())
        {
            report(
                signal.span(),
                format!("unknown signal `{}`", signal.get_ref()),
                Some(suggest(
                    signal.get_ref(),
                    super::SIGNALS.iter().map(|(name, _)| *name),
                    "signals",
                )),
            );
        }
        if let (Some(signal), Some(_)) = (&exit.signal, exit.exit_code) {
            report(
                signal.span(),
                "`process_exit` has both `signal` and `exit_code`".into(),
                Some(
                    "A process either exits with a code or is killed by a signal: keep one.".into(),
                ),
            );
        }
    }
    for (span, message, hint) in expect.leaks.iter().filter_map(unknown_leak_rule) {
        report(span, message, hint);
    }
    if expect.no_leaks
        && let Some(first) = expect.leaks.first()
    {
        report(
            first.span(),
            "`no_leaks = true` contradicts a list of `leaks` that must fire".into(),
            None,
        );
    }
}

fn request_problem(request: &RequestSpec) -> Option<String> {
    let path = request.path.as_deref().unwrap_or("");
    if !path.starts_with('/') {
        return Some(format!("path `{path}` must start with `/`"));
    }
    let method = request.method.as_deref().unwrap_or("GET");
    if !matches!(
        method,
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
    ) {
        return Some(format!(
            "`{method}` is not an HTTP method this harness sends (use upper case)"
        ));
    }
    if request.json.is_some() && request.body.is_some() {
        return Some("a request has either `json` or `body`, not both".into());
    }
    if let Some(text) = &request.after_log {
        return after_log_problem(text);
    }
    None
}

/// Longest `after_log` text: a phrase of one log line, repeated in every report of a run
/// whose line never came.
const AFTER_LOG_MAX_CHARS: usize = 200;

/// What makes an `after_log` text one no log line can be waited for with.
fn after_log_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some(
            "`after_log` is empty: every line contains it (give a text the app logs)".into(),
        );
    }
    if text.chars().any(char::is_control) {
        return Some(
            "`after_log` has a line break or another control character: it is matched \
             against one log line at a time, where the JSON formatter escapes them"
                .into(),
        );
    }
    if text.chars().count() > AFTER_LOG_MAX_CHARS {
        return Some(format!(
            "`after_log` is longer than {AFTER_LOG_MAX_CHARS} characters: give the phrase of \
             the line that marks the moment"
        ));
    }
    if text.contains("{{") {
        return Some(
            "`after_log` takes no `{{capture}}`: it is the literal text of a log line".into(),
        );
    }
    None
}

/// `{{name}}` references in a request's path, query, headers and body.
pub fn references(request: &RequestSpec) -> Vec<String> {
    let mut texts: Vec<String> = vec![request.path.clone().unwrap_or_default()];
    texts.extend(request.query.values().cloned());
    texts.extend(request.headers.values().cloned());
    texts.extend(request.body.clone());
    if let Some(json) = &request.json {
        texts.push(json.to_string());
    }
    let mut names = Vec::new();
    for text in texts {
        let mut rest = text.as_str();
        while let Some(start) = rest.find("{{") {
            let Some(end) = rest[start..].find("}}") else {
                break;
            };
            names.push(rest[start + 2..start + end].trim().to_string());
            rest = &rest[start + end + 2..];
        }
    }
    names
}

/// A leak rule id no rule has: where, what, and the nearest ids (expectations on responses
/// and on a tracker's stored events name rules alike).
pub fn unknown_leak_rule(
    rule: &Spanned<String>,
) -> Option<(std::ops::Range<usize>, String, Option<String>)> {
    leaks::rule(rule.get_ref()).is_none().then(|| {
        (
            rule.span(),
            format!("unknown leak rule `{}`", rule.get_ref()),
            Some(suggest(
                rule.get_ref(),
                leaks::RULES.iter().map(|r| r.id),
                "leak rules",
            )),
        )
    })
}

pub fn suggest<'a>(given: &str, known: impl Iterator<Item = &'a str>, what: &str) -> String {
    let known: Vec<&str> = known.collect();
    if let Some(longer) = known
        .iter()
        .find(|k| k.starts_with(given) && !given.is_empty())
    {
        return format!("Did you mean `{longer}`?");
    }
    let closest = known
        .iter()
        .map(|k| (strsim::levenshtein(given, k), *k))
        .min()
        .filter(|(d, _)| *d <= given.len().max(4) / 2);
    match closest {
        Some((_, k)) => format!("Did you mean `{k}`?"),
        None => format!("Known {what}: {}.", known.join(", ")),
    }
}
