//! `--report FILE.html`: one self-contained page (inline CSS, no script, no network) with a
//! summary matrix and, per scenario, the modes side by side (dev, prod, and bare when it ran)
//! with every leak's evidence
//! marked and labelled by rule id. The template auto-escapes everything: hostile strings
//! in a response (markup, SQL) show as text, never as markup.

use std::collections::BTreeMap;

use minijinja::Environment;
use serde::Serialize;

use super::Summary;
use crate::leaks;
use crate::runner::{Exchange, Outcome, RunBackend, RunMode, RunResult, SqlRecord};

const TEMPLATE: &str = include_str!("report.html.j2");

/// Longest part of a body shown (a dev page is ~6-20 KB; the rest is cut, with a note).
const BODY_CHARS: usize = 12_000;

#[derive(Serialize)]
struct Page {
    summary: Summary,
    summary_line: String,
    /// Whether bare ran: the introduction then says what it is.
    has_bare: bool,
    columns: Vec<String>,
    rows: Vec<MatrixRow>,
    scenarios: Vec<ScenarioView>,
}

#[derive(Serialize)]
struct MatrixRow {
    class: String,
    anchor: String,
    title: String,
    cells: Vec<Option<Cell>>,
}

#[derive(Serialize)]
struct Cell {
    statuses: String,
    findings: usize,
    hidden_failures: usize,
    passed: bool,
    outcome: &'static str,
}

#[derive(Serialize)]
struct ScenarioView {
    id: String,
    anchor: String,
    title: String,
    class: String,
    cwe: Vec<String>,
    summary: String,
    notice: String,
    why: String,
    fix: String,
    file: String,
    backends: Vec<BackendView>,
}

#[derive(Serialize)]
struct BackendView {
    backend: String,
    steps: Vec<StepView>,
    /// SQL steps after the last request.
    sql_after: Vec<SqlRecord>,
    verdicts: Vec<Verdict>,
}

#[derive(Serialize)]
struct Verdict {
    mode: String,
    samples: Vec<String>,
    /// The app process died during the run (what the launcher saw), in a sentence.
    process_exit: Option<String>,
    outcome: &'static str,
    passed: bool,
    reasons: Vec<String>,
    duration_ms: u64,
}

#[derive(Serialize)]
struct StepView {
    /// The SQL steps that ran just before this request (setup, sabotage, a held lock).
    sql_before: Vec<SqlRecord>,
    name: String,
    request: String,
    request_body: Option<String>,
    sides: Vec<Side>,
}

#[derive(Serialize)]
struct Side {
    mode: String,
    /// How many responses of the step had this status (a step sent many requests).
    repeats: usize,
    status: Option<u16>,
    error: Option<String>,
    duration_ms: u64,
    headers: Vec<(String, String, bool)>,
    segments: Vec<Segment>,
    truncated: usize,
    findings: Vec<FindingView>,
    hidden_failure: Option<String>,
    log_lines: Vec<String>,
}

#[derive(Serialize)]
struct Segment {
    text: String,
    rule: Option<&'static str>,
}

#[derive(Serialize)]
struct FindingView {
    rule: &'static str,
    title: &'static str,
    severity: String,
    location: String,
    evidence: String,
}

/// Renders the page; the results carry their scenarios' teaching notes.
pub fn render(results: &[RunResult]) -> Result<String, minijinja::Error> {
    let page = page(results);
    let mut env = Environment::new();
    // The `.html` name turns on HTML auto-escaping for every `{{ }}`.
    env.add_template("report.html", TEMPLATE)?;
    env.get_template("report.html")?
        .render(minijinja::value::Serde(&page))
}

fn page(results: &[RunResult]) -> Page {
    let mut columns: Vec<(RunBackend, RunMode)> = Vec::new();
    for result in results {
        let column = (result.backend, result.mode);
        if !columns.contains(&column) {
            columns.push(column);
        }
    }
    // Backends, then modes, in report order (their enums' order).
    columns.sort();
    let mut by_scenario: BTreeMap<&str, Vec<&RunResult>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for result in results {
        if !by_scenario.contains_key(result.scenario.as_str()) {
            order.push(&result.scenario);
        }
        by_scenario
            .entry(&result.scenario)
            .or_default()
            .push(result);
    }
    let mut rows = Vec::new();
    let mut views = Vec::new();
    for id in order {
        let runs = &by_scenario[id];
        let first = runs[0];
        let anchor = anchor(id);
        rows.push(MatrixRow {
            class: first.class.clone(),
            anchor: anchor.clone(),
            title: first.title.clone(),
            cells: columns
                .iter()
                .map(|(backend, mode)| {
                    runs.iter()
                        .find(|r| r.backend == *backend && r.mode == *mode)
                        .map(|r| cell(r))
                })
                .collect(),
        });
        let lesson = &first.lesson;
        views.push(ScenarioView {
            id: id.to_string(),
            anchor,
            title: first.title.clone(),
            class: first.class.clone(),
            cwe: lesson.cwe.clone(),
            summary: lesson.summary.clone(),
            notice: lesson.notes.notice.clone(),
            why: lesson.notes.why.clone(),
            fix: lesson.notes.fix.clone(),
            file: first.file.clone(),
            backends: backend_views(runs),
        });
    }
    let summary = Summary::of(results);
    Page {
        summary,
        summary_line: summary.line(),
        has_bare: results.iter().any(|r| r.mode == RunMode::Bare),
        columns: columns.iter().map(|(b, m)| format!("{m} · {b}")).collect(),
        rows,
        scenarios: views,
    }
}

fn anchor(id: &str) -> String {
    let slug: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("scenario-{slug}")
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "pass",
        Outcome::Failed => "FAIL",
        Outcome::Error => "ERROR",
        Outcome::Skipped => "SKIPPED",
    }
}

fn cell(result: &RunResult) -> Cell {
    let statuses: Vec<String> = match &result.startup {
        Some(startup) => vec![format!(
            "exit {}",
            startup.exit_code.map_or("?".into(), |c| c.to_string())
        )],
        // Failed requests only: an error status, or none at all (bare's dropped
        // connection, a timeout).
        None => result
            .exchanges
            .iter()
            .filter_map(|e| match &e.response {
                Some(r) if r.status >= 400 => Some(r.status.to_string()),
                Some(_) => None,
                None => Some("no response".to_string()),
            })
            .chain(
                result
                    .process_exit
                    .as_ref()
                    .map(|_| "process died".to_string()),
            )
            .collect(),
    };
    let mut statuses_unique: Vec<String> = Vec::new();
    for status in statuses {
        if !statuses_unique.contains(&status) {
            statuses_unique.push(status);
        }
    }
    Cell {
        statuses: if statuses_unique.is_empty() {
            "2xx".to_string()
        } else {
            statuses_unique.join(" ")
        },
        findings: result.exchanges.iter().map(|e| e.findings.len()).sum(),
        hidden_failures: result
            .exchanges
            .iter()
            .filter(|e| e.hidden_failure.is_some())
            .count(),
        passed: result.passed(),
        outcome: outcome_word(result.outcome),
    }
}

fn backend_views(runs: &[&RunResult]) -> Vec<BackendView> {
    let mut backends: Vec<RunBackend> = Vec::new();
    for run in runs {
        if !backends.contains(&run.backend) {
            backends.push(run.backend);
        }
    }
    backends
        .into_iter()
        .map(|backend| {
            let mut group: Vec<&RunResult> = runs
                .iter()
                .copied()
                .filter(|r| r.backend == backend)
                .collect();
            group.sort_by_key(|r| r.mode);
            let shown: Vec<Vec<(&Exchange, usize)>> =
                group.iter().map(|r| r.shown_exchanges()).collect();
            let steps = shown.iter().map(Vec::len).max().unwrap_or(0);
            let mut sql_steps = super::sql_steps(&group).iter().peekable();
            let step_views: Vec<StepView> = (0..steps)
                .filter_map(|i| {
                    let (first, _) = shown.iter().find_map(|s| s.get(i).copied())?;
                    let mut sql_before = Vec::new();
                    while let Some(sql) = sql_steps.next_if(|sql| sql.step_index < first.step_index)
                    {
                        sql_before.push(sql.clone());
                    }
                    Some(StepView {
                        sql_before,
                        name: first.step.clone(),
                        request: format!("{} {}", first.request.method, first.request.target),
                        request_body: first.request.body.clone(),
                        sides: group
                            .iter()
                            .zip(&shown)
                            .filter_map(|(r, s)| {
                                s.get(i).map(|(e, repeats)| side(r.mode, e, *repeats))
                            })
                            .collect(),
                    })
                })
                .collect();
            BackendView {
                backend: backend.to_string(),
                steps: step_views,
                sql_after: sql_steps.cloned().collect(),
                verdicts: group
                    .iter()
                    .map(|r| Verdict {
                        mode: r.mode.to_string(),
                        samples: r
                            .samples
                            .iter()
                            .map(|s| {
                                format!(
                                    "5xx rate at “{}”: {:.1}% ({} of {} requests)",
                                    s.step,
                                    s.error_rate * 100.0,
                                    s.window_errors,
                                    s.window_requests
                                )
                            })
                            .chain(r.trackers.iter().map(|t| {
                                format!(
                                    "tracker at “{}”: {}",
                                    t.step,
                                    crate::report::transcript::tracker_summary(t)
                                )
                            }))
                            .collect(),
                        process_exit: r.process_exit.as_ref().map(|exit| exit.sentence()),
                        outcome: outcome_word(r.outcome),
                        passed: r.passed(),
                        reasons: r.reasons.iter().map(ToString::to_string).collect(),
                        duration_ms: r.duration_ms,
                    })
                    .collect(),
            }
        })
        .collect()
}

fn side(mode: RunMode, exchange: &Exchange, repeats: usize) -> Side {
    let findings = exchange
        .findings
        .iter()
        .map(|f| FindingView {
            rule: f.rule,
            title: leaks::rule(f.rule).map_or("", |r| r.title),
            severity: format!("{:?}", f.severity).to_lowercase(),
            location: f.location.clone(),
            evidence: f.evidence.clone(),
        })
        .collect();
    let Some(response) = &exchange.response else {
        return Side {
            mode: mode.to_string(),
            repeats,
            status: None,
            error: exchange.error.clone(),
            duration_ms: exchange.duration_ms,
            headers: Vec::new(),
            segments: Vec::new(),
            truncated: 0,
            findings,
            hidden_failure: None,
            log_lines: Vec::new(),
        };
    };
    let headers = response
        .headers
        .iter()
        .filter(|(name, _)| name != "date" && name != "content-length")
        .map(|(name, value)| {
            let leaky = exchange
                .findings
                .iter()
                .any(|f| f.location == format!("header:{name}"));
            (name.clone(), value.clone(), leaky)
        })
        .collect();
    let body = super::pretty_json::pretty(&response.body);
    let (shown, truncated) = match body.char_indices().nth(BODY_CHARS) {
        Some((cut, _)) => (&body[..cut], body.len() - cut),
        None => (body.as_str(), 0),
    };
    Side {
        mode: mode.to_string(),
        repeats,
        status: Some(response.status),
        error: None,
        duration_ms: exchange.duration_ms,
        headers,
        segments: segments(shown),
        truncated,
        findings,
        hidden_failure: exchange.hidden_failure.clone(),
        log_lines: exchange.log_lines.clone(),
    }
}

/// The body cut into plain text and leak matches (the first rule wins where two overlap).
fn segments(body: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = 0;
    for (start, len, rule) in leaks::highlights(body) {
        if start < at {
            continue;
        }
        if start > at {
            out.push(Segment {
                text: body[at..start].to_string(),
                rule: None,
            });
        }
        out.push(Segment {
            text: body[start..start + len].to_string(),
            rule: Some(rule),
        });
        at = start + len;
    }
    if at < body.len() {
        out.push(Segment {
            text: body[at..].to_string(),
            rule: None,
        });
    }
    out
}

#[cfg(test)]
mod tests;
