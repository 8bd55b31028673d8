//! A run as text, for snapshots: the requests, statuses, relevant headers, bodies and
//! findings. The volatile values (ids, timestamps, ports, pids, temp names, machine paths,
//! toolchain and engine versions, source line numbers) are listed here, once, as
//! `redactions`: the snapshot test hands them to insta as filters, and `normalize` applies
//! the same list where the transcript itself needs redacted text (to sort and merge the
//! responses of a race). JSON members that only vary per machine (backtraces, environment,
//! pid, engine version) are blanked while rendering. The redactions keep the *kind* of leak
//! visible: `[repo]/target/debug/harness` still shows that a path leaked.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::runner::tracker::TrackerRecord;
use crate::runner::{Exchange, ProcessExit, RunResult, SqlRecord};

/// Response headers worth a line in a transcript (`date` and `content-length` vary).
const HEADERS: &[&str] = &[
    "cache-control",
    "content-type",
    "location",
    "retry-after",
    "server",
    "www-authenticate",
    "x-powered-by",
    "x-request-id",
];

pub fn render(result: &RunResult) -> String {
    let mut out = format!(
        "scenario: {}\nclass: {}\nmode: {}\nbackend: {}\noutcome: {:?}\n",
        result.scenario, result.class, result.mode, result.backend, result.outcome
    );
    for reason in &result.reasons {
        out.push_str(&format!("reason: {reason}\n"));
    }
    if let Some(startup) = &result.startup {
        out.push_str(&format!(
            "startup refused: {}\n{}\n",
            startup.exit_text(),
            startup.stderr
        ));
    }
    // SQL steps appear where they ran, between the requests.
    let mut sql_steps = result.sql.iter().peekable();
    // The responses of one step sent at once (`repeat`, `parallel`) arrive in any order:
    // their blocks are sorted so a race's transcript does not depend on who won it.
    let mut index = 0;
    while index < result.exchanges.len() {
        let step = result.exchanges[index].step_index;
        while let Some(sql) = sql_steps.next_if(|sql| sql.step_index < step) {
            render_sql(&mut out, sql);
        }
        // Each block with its redacted text, which orders and compares it.
        let mut blocks: Vec<(String, String)> = result.exchanges[index..]
            .iter()
            .take_while(|e| e.step_index == step)
            .map(|exchange| {
                let mut block = String::new();
                render_exchange(&mut block, exchange);
                (normalize(&block), block)
            })
            .collect();
        index += blocks.len();
        blocks.sort();
        // Identical responses (a step that sent many requests) appear once. How many there
        // were is left out on purpose: it can depend on timing (how many file descriptors
        // the pool had open when a limit was hit), and the JSON report keeps every one.
        let mut at = 0;
        while at < blocks.len() {
            let same = blocks[at..]
                .iter()
                .take_while(|(key, _)| *key == blocks[at].0)
                .count();
            if same > 1 {
                out.push_str("\n(the next response, several times)");
            }
            out.push_str(&blocks[at].1);
            at += same;
        }
        if let Some(exit) = result
            .process_exit
            .as_ref()
            .filter(|e| e.step_index == step)
        {
            render_process_exit(&mut out, exit);
        }
    }
    for sql in sql_steps {
        render_sql(&mut out, sql);
    }
    // A process that died in a step without exchanges (none reached it) is shown last.
    if let Some(exit) = &result.process_exit
        && !result
            .exchanges
            .iter()
            .any(|e| e.step_index == exit.step_index)
    {
        render_process_exit(&mut out, exit);
    }
    for sample in &result.samples {
        out.push_str(&format!(
            "\nmetrics `{}`: {} of {} requests answered 5xx since the previous sample ({:.1}%)\n",
            sample.step,
            sample.window_errors,
            sample.window_requests,
            sample.error_rate * 100.0
        ));
    }
    // A load's numbers vary from run to run and machine to machine; which bounds held is
    // the outcome, and the JSON report keeps the numbers.
    for load in &result.loads {
        out.push_str(&format!(
            "\nload `{}`: {}x the measured capacity for {} s, clients wait {} ms\n",
            load.step, load.offered, load.seconds, load.timeout_ms
        ));
        for bound in &load.bounds {
            let held = if bound.held { "held" } else { "NOT HELD" };
            out.push_str(&format!("  {}: {held}\n", bound.bound));
        }
    }
    for tracker in &result.trackers {
        render_tracker(&mut out, tracker);
    }
    for invariant in &result.invariants {
        out.push_str(&format!(
            "\ninvariant {}: {} (expected {}, got {:?})\n",
            invariant.name,
            if invariant.held { "held" } else { "BROKEN" },
            invariant.expected,
            invariant.actual
        ));
    }
    out
}

/// What a `tracker` step read: the issues by title with their event counts, what leaked
/// into the stored events, how events and 5xx answers matched, and where the looked-up
/// correlation id led. Ids, the project's name and the time waited vary: left out (the JSON
/// report keeps them).
fn render_tracker(out: &mut String, tracker: &TrackerRecord) {
    out.push_str(&format!(
        "\ntracker `{}`: {}\n",
        tracker.step,
        tracker.counts()
    ));
    for issue in &tracker.issues {
        let events = if issue.event_count == 1 {
            "1 event".to_string()
        } else {
            format!("{} events", issue.event_count)
        };
        out.push_str(&format!("  issue ({events}): {}\n", issue.title));
    }
    out.push_str(&format!("  {}\n", leaked(tracker)));
    out.push_str(&format!("  {}\n", matched(tracker)));
    if let Some(lookup) = &tracker.lookup {
        let of = &lookup.of_step;
        match (&lookup.correlation_id, &lookup.issue) {
            (None, _) => out.push_str(&format!(
                "  `{of}`'s response carried no correlation id to look up\n"
            )),
            (Some(id), Some(issue)) => out.push_str(&format!(
                "  correlation id {id} (of `{of}`) leads to the issue: {issue}\n"
            )),
            (Some(id), None) => out.push_str(&format!(
                "  correlation id {id} (of `{of}`) leads to no issue\n"
            )),
        }
    }
}

/// `4 issues, 4 events; 4 leak (rules ...)`: a tracker step in a line, for the text report.
pub fn tracker_summary(tracker: &TrackerRecord) -> String {
    format!("{}; {}", tracker.counts(), leaked(tracker))
}

fn leaked(tracker: &TrackerRecord) -> String {
    if tracker.leaking_events == 0 {
        return "no stored event leaks".to_string();
    }
    let mut text = format!(
        "stored events that leak: {}; rules that fired: {}",
        tracker.leaking_events,
        if tracker.rules.is_empty() {
            "none".to_string()
        } else {
            tracker.rules.join(", ")
        }
    );
    if !tracker.emails.is_empty() {
        text.push_str(&format!(
            "; e-mail addresses: {}",
            tracker.emails.join(", ")
        ));
    }
    text
}

fn matched(tracker: &TrackerRecord) -> String {
    let answers = tracker.answers.len();
    if answers == 0 && tracker.events == 0 {
        "no 5xx answer carried a correlation id, and no event was stored".to_string()
    } else if tracker.events_match_answers() {
        format!(
            "5xx answers with a correlation id: {answers}, each with exactly one event tagged with it"
        )
    } else {
        format!(
            "5xx answers with a correlation id: {answers}; without an event: {}; with several: {}; events of no answer: {}",
            tracker.answers_without_event.len(),
            tracker.answers_with_several_events.len(),
            tracker.events_without_answer.len()
        )
    }
}

/// The launcher's view of a death: the status and the runtime's last words. The last JSON
/// log line is left out: the app writes its logs from a background thread, so whether that
/// line made it out before the abort depends on timing (the JSON report keeps it).
fn render_process_exit(out: &mut String, exit: &ProcessExit) {
    out.push_str(&format!(
        "\n!!! the app process died during step `{}`: {}\n",
        exit.step, exit.status
    ));
    if let Some(words) = &exit.last_words {
        out.push_str(&format!("!!! last words: {words}\n"));
    }
    out.push_str("!!! nothing restarted it\n");
}

fn render_sql(out: &mut String, sql: &SqlRecord) {
    out.push_str(&format!("\n--- {}\n", sql.step));
    if !sql.sql.is_empty() {
        out.push_str(&format!("SQL> {}\n", sql.sql));
    }
    if let Some(connection) = &sql.connection {
        out.push_str(&format!("({connection})\n"));
    }
}

/// Log messages that land on whichever of several parallel requests came first (the
/// aggregator's "new error group" goes to the first occurrence of a defect): left out of
/// transcripts so that a race's winner does not change the snapshot. demo-app's own tests
/// check them (tests/api/ops.rs).
const ORDER_DEPENDENT_MESSAGES: &[&str] = &["new error group", "error group regressed"];

fn render_exchange(out: &mut String, exchange: &Exchange) {
    out.push_str(&format!(
        "\n--- {}\n> {} {}\n",
        exchange.step, exchange.request.method, exchange.request.target
    ));
    if let Some(body) = &exchange.request.body {
        out.push_str(&format!("> {body}\n"));
    }
    let Some(response) = &exchange.response else {
        out.push_str(&format!(
            "! {}\n",
            exchange.error.as_deref().unwrap_or("no response")
        ));
        return;
    };
    out.push_str(&format!("< {}\n", response.status));
    for name in HEADERS {
        if let Some(value) = response.header(name) {
            out.push_str(&format!("< {name}: {value}\n"));
        }
    }
    out.push_str(&body_text(&response.body));
    out.push('\n');
    if exchange.findings.is_empty() {
        out.push_str("findings: none\n");
    } else {
        out.push_str("findings:\n");
        for finding in &exchange.findings {
            out.push_str(&format!(
                "  - {} at {}: {}\n",
                finding.rule, finding.location, finding.evidence
            ));
        }
    }
    if let Some(hidden) = &exchange.hidden_failure {
        out.push_str(&format!("hidden failure: {hidden}\n"));
    }
    if exchange.correlation_id.is_none() {
        // bare, or a --target without ids: no log line can be tied to this response.
        out.push_str("log for the correlation id: (no x-request-id on the response)\n");
        return;
    }
    let messages: Vec<String> = exchange
        .log_lines
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| {
            !ORDER_DEPENDENT_MESSAGES.contains(&line["fields"]["message"].as_str().unwrap_or(""))
        })
        .map(|line| {
            format!(
                "{} {}",
                line["level"].as_str().unwrap_or("?"),
                line["fields"]["message"].as_str().unwrap_or("?")
            )
        })
        .collect();
    out.push_str(&format!(
        "log for the correlation id: {}\n",
        messages.join(", ")
    ));
}

/// JSON bodies pretty-printed with their machine-specific members blanked; other bodies
/// as they are.
fn body_text(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(mut json) => {
            blank_volatile_members(&mut json);
            serde_json::to_string_pretty(&json).unwrap_or_else(|_| body.to_string())
        }
        Err(_) => body.to_string(),
    }
}

fn blank_volatile_members(json: &mut Value) {
    let Some(object) = json.as_object_mut() else {
        return;
    };
    if let Some(backtrace) = object.get_mut("backtrace")
        && backtrace
            .as_array()
            .is_some_and(|frames| !frames.is_empty())
    {
        *backtrace = Value::String("[backtrace]".into());
    }
    // Which variables exist differs per machine; that the environment leaks does not.
    if let Some(environment) = object.get_mut("environment")
        && environment.as_object().is_some_and(|vars| !vars.is_empty())
    {
        *environment = Value::String("[environment]".into());
    }
    if let Some(pid) = object.get_mut("process").and_then(|p| p.get_mut("pid")) {
        *pid = Value::String("[pid]".into());
    }
    if let Some(version) = object
        .get_mut("database")
        .and_then(|d| d.get_mut("version"))
    {
        *version = Value::String("[engine version]".into());
    }
}

/// The text-level redactions, applied in order: `(regex, replacement)`, the machine's own
/// paths first (longest first, so nested ones are replaced whole), then the patterns. The
/// snapshot test gives them to insta as filters.
pub fn redactions() -> Vec<(String, String)> {
    let paths = machine_paths()
        .into_iter()
        .map(|(from, to)| (regex::escape(&from), to));
    let patterns = PATTERNS
        .iter()
        .map(|(pattern, to)| (pattern.to_string(), to.to_string()));
    paths.chain(patterns).collect()
}

/// `text` with every redaction applied.
pub fn normalize(text: &str) -> String {
    let mut out = text.to_string();
    for (regex, replacement) in compiled() {
        out = regex.replace_all(&out, replacement.as_str()).into_owned();
    }
    out
}

fn compiled() -> &'static [(Regex, String)] {
    static COMPILED: OnceLock<Vec<(Regex, String)>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        redactions()
            .into_iter()
            .map(|(pattern, to)| {
                let regex = Regex::new(&pattern)
                    .unwrap_or_else(|e| panic!("redaction pattern {pattern} is invalid: {e}"));
                (regex, to)
            })
            .collect()
    })
}

/// Paths of this machine, longest first, so nested ones are replaced whole.
fn machine_paths() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    // Read when the test runs (cargo sets it for `cargo test`), not compiled in: the
    // library carries no path of the checkout it was built in.
    let repo = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(|harness| std::path::Path::new(&harness).join(".."))
        .and_then(|repo| repo.canonicalize().ok());
    if let Some(repo) = repo {
        paths.push((repo.display().to_string(), "[repo]".to_string()));
    }
    // The build's own target directory reads as the default one, wherever
    // CARGO_TARGET_DIR (or a global build.target-dir) puts it: the same transcript on
    // every machine.
    if let Some(target) = target_dir() {
        paths.push((target, "[repo]/target".to_string()));
    }
    if let Ok(dir) = std::env::current_dir() {
        paths.push((dir.display().to_string(), "[cwd]".to_string()));
    }
    let temp = std::env::temp_dir().display().to_string();
    paths.push((temp.trim_end_matches('/').to_string(), "[tmp]".to_string()));
    if let Some(home) = std::env::var_os("HOME") {
        let home = home.to_string_lossy().into_owned();
        if home.len() > 1 {
            paths.push((home, "[home]".to_string()));
        }
    }
    paths.retain(|(from, _)| from.len() > 1);
    paths.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    paths
}

/// The target directory this executable was built into: the parent of the `debug` or
/// `release` folder it runs from (tests run from `<target>/debug/deps`).
fn target_dir() -> Option<String> {
    let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
    let profile = exe.ancestors().find(|dir| {
        dir.file_name()
            .is_some_and(|n| n == "debug" || n == "release")
    })?;
    Some(profile.parent()?.display().to_string())
}

/// Volatile values by pattern, in the order they are applied.
const PATTERNS: &[(&str, &str)] = &[
    (
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[uuid]",
    ),
    (r"crash[-_]course[-_][0-9a-f]{32}", "crash-course-[scratch]"),
    (r"\b[0-9a-f]{32}\b", "[hex32]"),
    (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
    // A tracker DSN's project number (a shared tracker numbers projects in creation order).
    (r"@127\.0\.0\.1:\[port\]/\d+", "@127.0.0.1:[port]/[project]"),
    (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z", "[timestamp]"),
    (r"/rustc/[0-9a-f]{40}", "/rustc/[hash]"),
    (r"index\.crates\.io-[0-9a-f]{16}", "index.crates.io-[hash]"),
    (r"\.rs:\d+:\d+", ".rs:[line]:[col]"),
    (r"\.rs:\d+", ".rs:[line]"),
    (r"PostgreSQL \d+\.\d+[^\x22\n]*", "PostgreSQL [version]"),
    (r"Rust/\d+\.\d+\.\d+", "Rust/[rustc]"),
    (r#""rustc": "\d+\.\d+\.\d+""#, r#""rustc": "[rustc]""#),
    (
        r"(?s)<h2>Backtrace</h2><pre>.*?</pre>",
        "<h2>Backtrace</h2><pre>[backtrace]</pre>",
    ),
    (r"([Pp]rocess) \d+", "$1 [pid]"),
    // How many leaked files a reset closes depends on how many descriptors the
    // process had open when the limit was hit (pool connections come and go).
    (r#""closed_files": \d+"#, r#""closed_files": [count]"#),
    // PostgreSQL names the line of its own parser source; it differs per version.
    (r"at line \d+", "at line [n]"),
    (r"line: Some\(\d+\)", "line: Some([n])"),
    (r"transaction \d+", "transaction [txid]"),
];

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn volatile_values_are_redacted_but_their_kind_stays_visible() {
        let text = "id 6251eef0-cc56-451f-aa5a-7138fbf9098b at 127.0.0.1:41717, \
                    demo-app/src/routes/books.rs:70:25, PostgreSQL 15.20 (Debian) on x86_64\"";
        assert_eq!(
            normalize(text),
            "id [uuid] at 127.0.0.1:[port], demo-app/src/routes/books.rs:[line]:[col], \
             PostgreSQL [version]\""
        );
    }
}
