//! The app process died during a run: what the launcher saw (the step, the exit status or
//! signal, the last words on stderr), and whether the scenario expected it. A death is an
//! outcome of the run like a status code, never a hang or a harness error, and nothing is
//! restarted: the steps after it find nothing listening, and say so.

use std::time::Instant;

use lab_support::launch::Exited;

use super::result::ProcessExit;
use super::unmet::Unmet;
use crate::scenario::{Expectations, ModeName, ProcessExitExpect, Scenario, signal_name};

/// The record of `exited`. The step it happened in is the last one that had started when
/// the launcher saw the exit (`step_started[i]` is when step `i` began), less the steps
/// that only found nothing listening (`refused[i]`: every request of step `i` could not
/// connect): the kernel closes a dying process's sockets before it reports the exit, so
/// the next step may start, and be refused, in between.
pub fn record(
    exited: &Exited,
    step_started: &[Instant],
    refused: &[bool],
    step_names: &[String],
    stderr: &[String],
) -> ProcessExit {
    let mut step_index = step_started
        .iter()
        .rposition(|started| *started <= exited.at)
        .unwrap_or(0);
    while step_index > 0 && refused.get(step_index).copied().unwrap_or(false) {
        step_index -= 1;
    }
    let signal_name = exited.signal.and_then(signal_name).map(str::to_string);
    ProcessExit {
        step_index,
        step: step_names.get(step_index).cloned().unwrap_or_default(),
        status: status_of(exited),
        exit_code: exited.code,
        signal: exited.signal,
        signal_name,
        core_dumped: exited.core_dumped,
        last_words: last_words(stderr),
        last_log_line: stderr
            .iter()
            .rev()
            .find(|line| line.starts_with('{'))
            .cloned(),
    }
}

/// How the process ended, in words: `killed by signal 6 (SIGABRT)`, `exited with code 1`.
pub fn status_of(exited: &Exited) -> String {
    let signal_name = exited.signal.and_then(signal_name);
    match (exited.signal, exited.code) {
        // Whether a core file was written depends on the machine (core_pattern, limits):
        // it is in `core_dumped`, not in the sentence a snapshot keeps.
        (Some(signal), _) => format!(
            "killed by signal {signal}{}",
            signal_name.map_or(String::new(), |name| format!(" ({name})"))
        ),
        (None, Some(code)) => format!("exited with code {code}"),
        (None, None) => "ended (no exit code or signal reported)".to_string(),
    }
}

/// Stderr without its JSON log lines, with what the runtime printed around them joined
/// up again: the app writes its logs from a background thread while the dying thread
/// writes its message in pieces, so `memory allocation of {...log line...}\n64000000000
/// bytes failed` must read as the one sentence it was.
pub fn without_json_logs(stderr: &[String]) -> Vec<String> {
    let text = stderr.join("\n");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find('{') {
        let candidate = &rest[at..];
        let mut values =
            serde_json::Deserializer::from_str(candidate).into_iter::<serde_json::Value>();
        match values.next() {
            Some(Ok(value)) if value.is_object() => {
                out.push_str(&rest[..at]);
                let after = &candidate[values.byte_offset()..];
                rest = after.strip_prefix('\n').unwrap_or(after);
            }
            _ => {
                out.push_str(&rest[..=at]);
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out.lines().map(str::to_string).collect()
}

/// The last stderr line that is neither a JSON log line nor part of a Rust backtrace
/// (`stack backtrace:`, numbered frames, `at file:line` lines, the closing note).
pub fn last_words(stderr: &[String]) -> Option<String> {
    let plain = without_json_logs(stderr);
    plain
        .iter()
        .rev()
        .map(|line| line.trim_end())
        .find(|line| {
            let trimmed = line.trim_start();
            let frame = trimmed
                .split_once(':')
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            !(trimmed.is_empty()
                || trimmed.starts_with('{')
                || frame
                || trimmed.starts_with("at ")
                || trimmed == "stack backtrace:"
                || trimmed.starts_with("note: Some details are omitted")
                || trimmed.starts_with("skipping backtrace printing")
                || trimmed.starts_with("note: run with `RUST_BACKTRACE=1`"))
        })
        .map(str::to_string)
}

/// Reasons the run's process exit (or the lack of one) does not meet the scenario: an
/// unexpected death fails the run in every mode, as does an expected one that did not
/// come, or came at another step or in another way.
pub fn check(
    scenario: &Scenario,
    mode: ModeName,
    expectations: Expectations,
    exit: Option<&ProcessExit>,
    stderr: &[String],
) -> Vec<Unmet> {
    let expected: Option<(usize, &ProcessExitExpect)> =
        scenario.steps.iter().enumerate().find_map(|(index, step)| {
            step.expectations(mode, expectations)
                .into_iter()
                .find_map(|table| table.process_exit.as_ref())
                .map(|want| (index, want))
        });
    let name = |index: usize| super::step_name(index, &scenario.steps[index]);
    match (expected, exit) {
        (None, None) => Vec::new(),
        (None, Some(exit)) => vec![Unmet::new(
            "process_died",
            format!(
                "the app process died during step `{}`: {}{}; nothing restarted it",
                exit.step,
                exit.status,
                exit.last_words
                    .as_deref()
                    .map_or(String::new(), |words| format!(", its last words: {words}")),
            ),
        )],
        (Some((index, _)), None) => vec![Unmet::new(
            "process_alive",
            format!(
                "{}: expected the app process to exit, but it is still running",
                name(index)
            ),
        )],
        (Some((index, want)), Some(exit)) => {
            let step = name(index);
            let mut reasons = Vec::new();
            if exit.step_index != index {
                reasons.push(Unmet::new(
                    "process_exit_step",
                    format!(
                        "{step}: the app process exited during step `{}` instead",
                        exit.step
                    ),
                ));
            }
            if let Some(signal) = &want.signal
                && exit.signal_name.as_deref() != Some(signal.get_ref().as_str())
            {
                reasons.push(Unmet::new(
                    "process_exit_signal",
                    format!(
                        "{step}: the app process {} (expected it killed by {})",
                        exit.status,
                        signal.get_ref()
                    ),
                ));
            }
            if let Some(code) = want.exit_code
                && exit.exit_code != Some(code)
            {
                reasons.push(Unmet::new(
                    "process_exit_code",
                    format!(
                        "{step}: the app process {} (expected exit code {code})",
                        exit.status
                    ),
                ));
            }
            let plain = without_json_logs(stderr);
            for needle in &want.stderr_contains {
                let found = |lines: &[String]| lines.iter().any(|l| l.contains(needle.as_str()));
                if !found(stderr) && !found(&plain) {
                    reasons.push(Unmet::new(
                        "process_exit_stderr",
                        format!("{step}: the app's stderr does not contain {needle:?}"),
                    ));
                }
            }
            reasons
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_last_words_skip_json_logs_and_backtraces() {
        let stderr = lines(&[
            r#"{"level":"INFO","fields":{"message":"listening"}}"#,
            "memory allocation of 64000000000 bytes failed",
            "stack backtrace:",
            r#"{"level":"INFO","fields":{"message":"rendering a label sheet"}}"#,
            "   0: std::alloc::rust_oom",
            "             at /rustc/abc/library/std/src/alloc.rs:399:5",
            "note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.",
        ]);
        assert_eq!(
            last_words(&stderr).as_deref(),
            Some("memory allocation of 64000000000 bytes failed")
        );
        assert_eq!(last_words(&lines(&[r#"{"a":1}"#])), None);
        // A log line written from another thread in the middle of the message.
        let interleaved = lines(&[
            r#"memory allocation of {"level":"INFO","fields":{"message":"x"}}"#,
            "64000000000 bytes failed",
            "   1: std::process::abort",
        ]);
        assert_eq!(
            last_words(&interleaved).as_deref(),
            Some("memory allocation of 64000000000 bytes failed")
        );
        assert_eq!(
            without_json_logs(&lines(&["{ not json", r#"{"a":1}"#, "end"])),
            ["{ not json", "end"]
        );
    }

    #[test]
    fn a_death_belongs_to_the_last_step_started_before_it() {
        let start = Instant::now();
        let steps = [start, start + std::time::Duration::from_millis(10)];
        let names = lines(&["first", "second"]);
        let exited = Exited {
            code: None,
            signal: Some(6),
            core_dumped: false,
            at: start + std::time::Duration::from_millis(5),
        };
        let aborted = record(&exited, &steps, &[false, false], &names, &lines(&["bye"]));
        assert_eq!((aborted.step_index, aborted.step.as_str()), (0, "first"));
        assert_eq!(aborted.status, "killed by signal 6 (SIGABRT)");
        assert_eq!(aborted.last_words.as_deref(), Some("bye"));
        let exited = Exited {
            code: Some(3),
            signal: None,
            core_dumped: false,
            at: start + std::time::Duration::from_millis(50),
        };
        let seen_late = record(&exited, &steps, &[false, false], &names, &[]);
        assert_eq!(
            (seen_late.step_index, seen_late.status.as_str()),
            (1, "exited with code 3")
        );
        // Seen only after the next step found nothing listening: the death came before it.
        let refused_next = record(&exited, &steps, &[false, true], &names, &[]);
        assert_eq!(refused_next.step_index, 0);
    }
}
