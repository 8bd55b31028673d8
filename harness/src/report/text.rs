//! The terminal report: per scenario and backend, the modes side by side (dev and prod; bare
//! as a third column when selected: status, key headers, a body excerpt with leak evidence
//! highlighted, findings), then the verdicts.

use std::fmt::Write as _;

use super::Summary;
use super::style::{Style, chunks_of_width, clip, visible_width};
use crate::leaks;
use crate::runner::{Exchange, Outcome, RunResult, SqlRecord};

/// Headers worth showing in a comparison.
const KEY_HEADERS: &[&str] = &[
    "content-type",
    "server",
    "x-powered-by",
    "cache-control",
    "retry-after",
    "x-request-id",
];

/// Body lines shown per response.
const BODY_LINES: usize = 4;

pub fn render(results: &[RunResult], style: Style, width: usize) -> String {
    let mut out = String::new();
    let mut index = 0;
    while index < results.len() {
        // A group: consecutive results of one scenario on one backend (dev, prod, bare).
        let first = &results[index];
        let group: Vec<&RunResult> = results[index..]
            .iter()
            .take_while(|r| same_group(r, first))
            .collect();
        index += group.len();
        out.push_str(&render_group(&group, style, width));
    }
    out.push_str(&render_summary(results, style));
    out
}

/// Whether two results belong in one comparison: one scenario on one backend.
pub fn same_group(a: &RunResult, b: &RunResult) -> bool {
    a.scenario == b.scenario && a.backend == b.backend
}

/// One scenario on one backend, its modes side by side: what `render` shows for it, so a
/// caller can print comparisons as they complete and end with `render_summary`.
pub fn render_group(group: &[&RunResult], style: Style, width: usize) -> String {
    let mut out = String::new();
    if !group.is_empty() {
        write_group(&mut out, group, style, column_width(width, group.len()));
    }
    out
}

/// The closing lines: runs that could not be carried out, then the pass/fail count.
pub fn render_summary(results: &[RunResult], style: Style) -> String {
    let mut out = String::new();
    let summary = Summary::of(results);
    if summary.errors > 0 {
        let _ = writeln!(
            out,
            "{}",
            style.red(&format!(
                "{} run(s) could not be carried out",
                summary.errors
            ))
        );
    }
    let line = summary.line();
    let _ = writeln!(
        out,
        "{}",
        if summary.failed + summary.errors == 0 {
            style.green(&line)
        } else {
            style.red(&line)
        }
    );
    out
}

/// The width of one mode's column: half the line for one or two modes (as it always was),
/// for more an equal share of what the indent and the ` │ ` separators leave.
fn column_width(width: usize, modes: usize) -> usize {
    let width = width.max(60);
    match modes {
        0..=2 => (width - 3) / 2,
        n => (width - 3 - 3 * (n - 1)) / n,
    }
}

/// One SQL step, on one line: its name, the statements, and a held connection's fate.
fn sql_line(out: &mut String, sql: &SqlRecord, style: Style, line: usize) {
    let mut what = String::new();
    if !sql.sql.is_empty() {
        what.push_str(&format!(
            "SQL> {}",
            sql.sql.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    if let Some(connection) = &sql.connection {
        if !what.is_empty() {
            what.push(' ');
        }
        what.push_str(&format!("({connection})"));
    }
    let _ = writeln!(
        out,
        "   {} {}",
        style.dim(&format!("{}:", sql.step)),
        clip(&what, line)
    );
}

fn write_group(out: &mut String, group: &[&RunResult], style: Style, column: usize) {
    let first = group[0];
    // Lines that span every column (SQL steps, start-up failures).
    let line = column * group.len().max(2);
    let heading = format!("━━ {} · {}  [{}]", first.class, first.title, first.backend);
    let _ = writeln!(out, "\n{}", style.bold(&heading));
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!("   {} ({})", first.scenario, first.file))
    );
    let shown: Vec<Vec<(&Exchange, usize)>> = group.iter().map(|r| r.shown_exchanges()).collect();
    let steps = shown.iter().map(Vec::len).max().unwrap_or(0);
    let mut sql_steps = super::sql_steps(group).iter().peekable();
    for i in 0..steps {
        let exchanges: Vec<Option<(&Exchange, usize)>> =
            shown.iter().map(|s| s.get(i).copied()).collect();
        if let Some((exchange, _)) = exchanges.iter().flatten().next() {
            while let Some(sql) = sql_steps.next_if(|sql| sql.step_index < exchange.step_index) {
                sql_line(out, sql, style, line);
            }
            let _ = writeln!(
                out,
                "   {} {} {}",
                style.dim(&format!("{}:", exchange.step)),
                exchange.request.method,
                exchange.request.target
            );
        }
        let columns: Vec<Vec<String>> = group
            .iter()
            .zip(&exchanges)
            .map(|(result, exchange)| match exchange {
                Some((exchange, repeats)) => {
                    exchange_lines(result.mode.as_str(), exchange, *repeats, style, column)
                }
                None => vec![format!("{} (no request)", result.mode)],
            })
            .collect();
        side_by_side(out, &columns, column);
    }
    for sql in sql_steps {
        sql_line(out, sql, style, line);
    }
    for result in group {
        if let Some(startup) = &result.startup {
            let _ = writeln!(
                out,
                "   {} refused to start ({}): {}",
                result.mode,
                startup.exit_text(),
                clip(startup.stderr.lines().last().unwrap_or(""), line)
            );
        }
        if let Some(exit) = &result.process_exit {
            let _ = writeln!(
                out,
                "   {} {}",
                result.mode,
                style.red(&clip(&exit.sentence(), line))
            );
            if let Some(last) = &exit.last_log_line {
                let _ = writeln!(
                    out,
                    "   {} last log line: {}",
                    result.mode,
                    clip(last, line)
                );
            }
        }
        for sample in &result.samples {
            let rate = format!("{:.1}%", sample.error_rate * 100.0);
            let _ = writeln!(
                out,
                "   {} 5xx rate at `{}`: {} ({} of {} requests since the previous sample)",
                result.mode,
                sample.step,
                if sample.window_errors > 0 {
                    style.red(&rate)
                } else {
                    style.green(&rate)
                },
                sample.window_errors,
                sample.window_requests
            );
        }
        for tracker in &result.trackers {
            let _ = writeln!(
                out,
                "   {} tracker `{}`: {}",
                result.mode,
                tracker.step,
                clip(&crate::report::transcript::tracker_summary(tracker), line)
            );
        }
        for load in &result.loads {
            let held = load.bounds.iter().all(|b| b.held);
            let numbers = crate::runner::load::numbers(load);
            let _ = writeln!(
                out,
                "   {} load `{}`: {}",
                result.mode,
                load.step,
                if held {
                    style.green(&numbers)
                } else {
                    style.red(&numbers)
                }
            );
        }
        for invariant in &result.invariants {
            let mark = if invariant.held {
                style.green("held")
            } else {
                style.red("BROKEN")
            };
            let _ = writeln!(
                out,
                "   {} invariant {}: {mark}",
                result.mode, invariant.name
            );
        }
    }
    let verdicts: Vec<String> = group
        .iter()
        .map(|r| match r.outcome {
            Outcome::Passed => format!("{} {}", r.mode, style.green("PASS")),
            Outcome::Failed => format!("{} {}", r.mode, style.red("FAIL")),
            Outcome::Error => format!("{} {}", r.mode, style.red("ERROR")),
            Outcome::Skipped => format!("{} {}", r.mode, style.yellow("SKIPPED")),
        })
        .collect();
    let _ = writeln!(out, "   {}", verdicts.join(" · "));
    for result in group {
        for reason in &result.reasons {
            let _ = writeln!(
                out,
                "     {} {}",
                style.red(&format!("{}:", result.mode)),
                reason
            );
        }
    }
}

/// One response as lines of at most `width` columns on screen.
fn exchange_lines(
    mode: &str,
    exchange: &Exchange,
    repeats: usize,
    style: Style,
    width: usize,
) -> Vec<String> {
    let mut lines = Vec::new();
    let Some(response) = &exchange.response else {
        lines.push(format!("{mode}: {}", style.red("no response")));
        lines.push(clip(exchange.error.as_deref().unwrap_or(""), width));
        return lines;
    };
    let times = if repeats > 1 {
        format!(" ×{repeats}")
    } else {
        String::new()
    };
    let status = format!(
        "{mode}: {}{times} ({} ms)",
        response.status, exchange.duration_ms
    );
    lines.push(if response.status >= 500 {
        style.red(&status)
    } else {
        style.bold(&status)
    });
    for name in KEY_HEADERS {
        if let Some(value) = response.header(name) {
            let line = clip(&format!("{name}: {value}"), width);
            let leaky = exchange
                .findings
                .iter()
                .any(|f| f.location == format!("header:{name}"));
            lines.push(if leaky { style.leak(&line) } else { line });
        }
    }
    let flat: String = response
        .body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let chunks = chunks_of_width(&flat, width.max(1), BODY_LINES + 1);
    for line in chunks.iter().take(BODY_LINES) {
        lines.push(highlight(line, style));
    }
    if chunks.len() > BODY_LINES {
        let shown: usize = chunks.iter().take(BODY_LINES).map(|c| c.len()).sum();
        lines.push(style.dim(&format!(
            "… {} more bytes",
            response.body.len().saturating_sub(shown)
        )));
    }
    if let Some(hidden) = &exchange.hidden_failure {
        lines.push(style.red(&clip(&format!("HIDDEN FAILURE: {hidden}"), width)));
    }
    if exchange.findings.is_empty() {
        lines.push(style.green("findings: none"));
    } else {
        lines.push(style.red(&format!("findings: {}", exchange.findings.len())));
        for finding in &exchange.findings {
            let text = clip(
                &format!("{} {}", finding.rule, finding.evidence),
                width.saturating_sub(2),
            );
            lines.push(format!("  {}", style.yellow(&text)));
        }
    }
    lines
}

/// Marks every leak match inside `line` (only when colour is on: plain output keeps the
/// text exact and lists the findings below it instead).
fn highlight(line: &str, style: Style) -> String {
    if !style.color {
        return line.to_string();
    }
    let mut out = String::new();
    let mut at = 0;
    for (start, len, _) in leaks::highlights(line) {
        if start < at {
            continue;
        }
        out.push_str(&line[at..start]);
        out.push_str(&style.leak(&line[start..start + len]));
        at = start + len;
    }
    out.push_str(&line[at..]);
    out
}

fn side_by_side(out: &mut String, columns: &[Vec<String>], width: usize) {
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    for row in 0..rows {
        let mut line = String::from("   ");
        for (i, column) in columns.iter().enumerate() {
            let cell = column.get(row).map(String::as_str).unwrap_or("");
            line.push_str(cell);
            if i + 1 < columns.len() {
                let visible = visible_width(cell);
                line.push_str(&" ".repeat(width.saturating_sub(visible)));
                line.push_str(" │ ");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{RequestRecord, ResponseRecord, RunBackend, RunMode};

    fn run(mode: RunMode, response: Option<ResponseRecord>, error: Option<&str>) -> RunResult {
        RunResult {
            scenario: "crash.unwrap-none".into(),
            class: "crash.unwrap-none".into(),
            title: "t".into(),
            file: "crash/unwrap-none.toml".into(),
            mode,
            backend: RunBackend::Sqlite,
            outcome: Outcome::Passed,
            reasons: vec![],
            startup: None,
            process_exit: None,
            exchanges: vec![Exchange {
                step_index: 0,
                step: "s".into(),
                request: RequestRecord {
                    method: "GET".into(),
                    target: "/books/13".into(),
                    headers: vec![],
                    body: None,
                },
                response,
                error: error.map(str::to_string),
                correlation_id: None,
                log_lines: vec![],
                findings: vec![],
                hidden_failure: None,
                duration_ms: 1,
            }],
            sql: vec![],
            invariants: vec![],
            samples: vec![],
            loads: vec![],
            trackers: vec![],
            duration_ms: 1,
            declared_wait_ms: 0,
            lesson: Default::default(),
        }
    }

    #[test]
    fn three_modes_share_the_width_side_by_side() {
        let answer = |body: &str| ResponseRecord {
            status: 500,
            headers: vec![],
            body: body.repeat(40),
        };
        let results = [
            run(RunMode::Dev, Some(answer("dev leaks ")), None),
            run(RunMode::Prod, Some(answer("generic ")), None),
            run(
                RunMode::Bare,
                None,
                Some("connection dropped: connection closed"),
            ),
        ];
        let style = Style { color: false };
        let text = render(&results, style, 140);
        let status_line = text
            .lines()
            .find(|l| l.contains("dev: 500"))
            .expect("the status line");
        assert!(status_line.contains("prod: 500") && status_line.contains("bare: no response"));
        for line in text.lines() {
            assert!(
                visible_width(line) <= 140,
                "{} columns: {line}",
                visible_width(line)
            );
        }
        assert!(text.contains("dev PASS · prod PASS · bare PASS"));
        assert_eq!(column_width(140, 2), 68, "two modes keep their old width");
        assert_eq!(column_width(140, 3), 43);
    }

    #[test]
    fn emoji_in_a_body_keep_the_columns_aligned() {
        let answer = |body: &str| ResponseRecord {
            status: 500,
            headers: vec![],
            body: body.to_string(),
        };
        let results = [
            run(RunMode::Dev, Some(answer(&"preview 👍🏽 ".repeat(30))), None),
            run(RunMode::Prod, Some(answer(&"generic ".repeat(40))), None),
        ];
        let text = render(&results, Style::plain(), 100);
        let separators: Vec<usize> = text
            .lines()
            .filter_map(|line| line.find(" │ ").map(|at| visible_width(&line[..at])))
            .collect();
        assert!(separators.len() > 3, "{text}");
        assert!(
            separators.iter().all(|&at| at == separators[0]),
            "{separators:?}\n{text}"
        );
    }
}
