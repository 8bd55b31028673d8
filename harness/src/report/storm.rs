//! `harness storm` as text (a table and a per-second chart for each policy) and as JSON.

use crate::storm::{PolicyRun, Storm};

use super::style::Style;

/// The JSON document: `setup` and `policies[]` (see docs/report-formats.md).
pub fn json(storm: &Storm) -> String {
    serde_json::to_string_pretty(storm).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

pub fn text(storm: &Storm, style: Style) -> String {
    let setup = &storm.setup;
    let trigger_from = setup.trigger_start_ms as f64 / 1000.0;
    let trigger_to = (setup.trigger_start_ms + setup.trigger_ms) as f64 / 1000.0;
    let mut out = format!(
        "{}\nThe healthy app places {:.0} orders/s. Offered: {} new orders/s for {} s per policy. From {trigger_from} s to {trigger_to} s the FX upstream \
         answers in {} ms instead of {} ms.\nprod demo-app on SQLite: {} pooled connection, acquire \
         timeout {} ms. Clients give up on an attempt after {} ms.\n\n",
        style.bold("Retry storm"),
        setup.capacity_per_s,
        setup.orders_per_second,
        setup.seconds,
        setup.slow_upstream_ms,
        setup.upstream_ms,
        setup.pool_max_connections,
        setup.pool_acquire_timeout_ms,
        setup.attempt_timeout_ms,
    );
    out.push_str(&format!(
        "{:<12} {:>6} {:>9} {:>7} {:>11} {:>10} {:>9} {:>9}  {}\n",
        "policy",
        "first",
        "attempts",
        "ampl.",
        "server 5xx",
        "goodput/s",
        "p99 ms",
        "orphaned",
        "recovery"
    ));
    for run in &storm.policies {
        out.push_str(&format!(
            "{:<12} {:>6} {:>9} {:>6.2}x {:>11} {:>10.1} {:>9.0} {:>9}  {}\n",
            run.policy_name(),
            run.first_attempts,
            run.attempts,
            run.amplification,
            run.server_5xx,
            run.goodput,
            run.p99_ms,
            run.orphaned_orders,
            recovery(run, style),
        ));
    }
    let peak = storm.peak_per_second();
    out.push_str(&format!(
        "\nPer second, one column a second, all on one scale (full block = {peak}/s); \
         `^` marks the slow upstream.\n"
    ));
    for run in &storm.policies {
        out.push_str(&format!(
            "\n{}: {}\n",
            style.bold(run.policy_name()),
            run.description
        ));
        let row = |label: &str, values: Vec<u64>| {
            format!(
                "  {label:<11}{}  {}\n",
                spark(&values, peak),
                values.iter().max().unwrap_or(&0)
            )
        };
        out.push_str(&row(
            "attempts",
            run.timeline.iter().map(|s| s.attempts).collect(),
        ));
        out.push_str(&row(
            "succeeded",
            run.timeline.iter().map(|s| s.succeeded).collect(),
        ));
        out.push_str(&row(
            "server 5xx",
            run.timeline.iter().map(|s| s.server_5xx).collect(),
        ));
        let marks: String = (0..run.timeline.len() as u64)
            .map(|second| {
                let ms = second * 1000;
                if ms >= setup.trigger_start_ms && ms < setup.trigger_start_ms + setup.trigger_ms {
                    '^'
                } else {
                    ' '
                }
            })
            .collect();
        out.push_str(&format!("  {:<11}{}\n", "", style.dim(&marks)));
    }
    out.push_str(
        "\nampl. = attempts per first attempt; orphaned = orders the server committed after \
         their client had given up; recovery = from the upstream's return to lasting health \
         (90 % of answers succeed in every later second).\n",
    );
    out
}

fn recovery(run: &PolicyRun, style: Style) -> String {
    let seconds = run.recovery_ms as f64 / 1000.0;
    if run.recovered {
        style.green(&format!("{seconds:.1} s"))
    } else {
        style.red(&format!("none in {seconds:.1} s"))
    }
}

const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One character per value, scaled so that `peak` is a full block; any value above zero
/// shows at least the lowest bar.
fn spark(values: &[u64], peak: u64) -> String {
    values
        .iter()
        .map(|&v| {
            if v == 0 || peak == 0 {
                LEVELS[0]
            } else {
                let level = (v * 8).div_ceil(peak).clamp(1, 8);
                LEVELS[level as usize]
            }
        })
        .collect()
}

impl PolicyRun {
    fn policy_name(&self) -> &'static str {
        self.policy.name()
    }
}

#[cfg(test)]
mod tests {
    use super::spark;

    #[test]
    fn sparks_scale_to_the_peak_and_never_hide_a_nonzero_value() {
        assert_eq!(spark(&[0, 1, 50, 100], 100), " ▁▄█");
        assert_eq!(spark(&[3], 0), " ");
    }
}
