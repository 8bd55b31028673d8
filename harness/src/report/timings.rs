//! `run --timings`: each run's wall time next to the waits its scenario declares, and the
//! whole run against the budget (wall <= 1.5 x critical-path waits + 10 s).

use std::fmt::Write as _;
use std::time::Duration;

use crate::runner::RunResult;

pub fn render(results: &[RunResult], wall: Duration, jobs: usize) -> String {
    let mut out = String::from("\nTimings\n");
    // The column fits the longest scenario id, so the numbers stay aligned.
    let id_width = results
        .iter()
        .map(|r| r.scenario.chars().count())
        .chain(["scenario".len()])
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "{:<id_width$} {:<5} {:<9} {:>9} {:>10} {:>10}",
        "scenario", "mode", "backend", "wall ms", "waits ms", "overhead"
    );
    for r in results {
        let _ = writeln!(
            out,
            "{:<id_width$} {:<5} {:<9} {:>9} {:>10} {:>10}",
            r.scenario,
            r.mode,
            r.backend,
            r.duration_ms,
            r.declared_wait_ms,
            r.duration_ms as i64 - r.declared_wait_ms as i64
        );
    }
    let total_waits: u64 = results.iter().map(|r| r.declared_wait_ms).sum();
    let longest_wait = results
        .iter()
        .map(|r| r.declared_wait_ms)
        .max()
        .unwrap_or(0);
    let run_time: u64 = results.iter().map(|r| r.duration_ms).sum();
    // With `jobs` runs at once, the waits cannot finish sooner than their share per job,
    // nor sooner than the single longest one.
    let critical_path = (total_waits / jobs.max(1) as u64).max(longest_wait);
    let budget = critical_path as f64 * 1.5 + 10_000.0;
    let wall_ms = wall.as_millis() as u64;
    let _ = writeln!(
        out,
        "\n{} runs, {jobs} at once: wall {wall_ms} ms; runs took {run_time} ms in all, of which {total_waits} ms declared waits",
        results.len()
    );
    let _ = writeln!(
        out,
        "critical-path waits {critical_path} ms; budget 1.5 x waits + 10 s = {budget:.0} ms: {}",
        if (wall_ms as f64) <= budget {
            "met"
        } else {
            "MISSED"
        }
    );
    out
}
