//! `harness fuzz` results as text and JSON. Rendering only.

use std::fmt::Write as _;

use serde::Serialize;

use super::style::Style;
use crate::fuzz::FuzzRun;

/// The JSON document's version: bumped only when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    runs: &'a [FuzzRun],
}

pub fn json(runs: &[FuzzRun]) -> String {
    serde_json::to_string_pretty(&Document {
        format_version: FORMAT_VERSION,
        runs,
    })
    .unwrap_or_default()
}

/// A heading per run, then one block per bucket: key, counts, findings, the smallest input
/// and its `curl` line.
pub fn text(run: &FuzzRun, style: Style) -> String {
    let mut out = String::new();
    let name = run_name(run);
    let severe = run.buckets.iter().filter(|b| b.is_severe()).count();
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!(
            "fuzz {name}: {} requests + {} shrinking in {:.1} s of {:.0} s ({:.1} s sending at {:.0} req/s, {:.1} s shrinking), {} bucket{} ({severe} with a 5xx, dropped connection or leak)",
            run.requests,
            run.shrink_requests,
            run.seconds,
            run.seconds_limit,
            run.send_seconds,
            run.requests as f64 / run.send_seconds.max(0.001),
            run.shrink_seconds,
            run.buckets.len(),
            if run.buckets.len() == 1 { "" } else { "s" },
        ))
    );
    let phases: Vec<String> = run
        .phases
        .iter()
        .map(|(p, n)| format!("{p:?} {n}").to_lowercase())
        .collect();
    let _ = writeln!(
        out,
        "  {} · {} · seed {} · sending stopped by {} · {} replayed{}",
        phases.join(", "),
        run.dialect,
        run.seed,
        run.stopped_by,
        run.replayed,
        match run.unshrunk {
            0 => String::new(),
            n => format!(" · {n} bucket(s) not shrunk (time bound or timed-out input)"),
        }
    );
    if let Some(death) = &run.app_died {
        let _ = writeln!(
            out,
            "  {}",
            style.red(&format!(
                "the app process died after {} requests: {}{}{}; the fuzzer stopped (nothing \
                 restarted it, nothing was shrunk); requests without an answer just before: {}",
                death.after_requests,
                death.status,
                death
                    .last_words
                    .as_deref()
                    .map_or(String::new(), |w| format!(", its last words: {w}")),
                death
                    .failure_class
                    .as_deref()
                    .map_or(String::new(), |c| format!(" ({c})")),
                if death.dropped.is_empty() {
                    "none".to_string()
                } else {
                    death.dropped.join(", ")
                }
            ))
        );
    }
    for operation in &run.backed_off {
        let _ = writeln!(
            out,
            "  backed off {operation}: it answered 503/429 with Retry-After repeatedly"
        );
    }
    for operation in &run.timed_out {
        let _ = writeln!(
            out,
            "  left {operation}: it timed out repeatedly (its response_time bucket stands)"
        );
    }
    if let Some(note) = &run.repro_note {
        let _ = writeln!(out, "  {}", style.dim(note));
    }
    for bucket in &run.buckets {
        let status = bucket
            .status
            .map_or("no response".to_string(), |s| s.to_string());
        let label = if bucket.is_severe() {
            style.red(&status)
        } else {
            style.yellow(&status)
        };
        let _ = writeln!(
            out,
            "\n  {label} {} {}  {}",
            bucket.method,
            bucket.route,
            style.bold(bucket.class.as_deref().unwrap_or("class unknown"))
        );
        let checks: Vec<&str> = bucket.checks.iter().map(|c| c.name()).collect();
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let found = match (bucket.replayed, bucket.first_found_after) {
            (true, None) => "found by replaying a saved input".to_string(),
            (true, Some(n)) => format!(
                "found by replaying a saved input, by fresh inputs after {n} request{}",
                plural(n)
            ),
            (false, Some(n)) => format!("first after {n} request{}", plural(n)),
            (false, None) => "found".to_string(),
        };
        let _ = writeln!(
            out,
            "    {} input{}, {found} ({} phase) · {} ms{} · failed: {}",
            bucket.count,
            plural(bucket.count),
            format!("{:?}", bucket.phase).to_lowercase(),
            bucket.response_ms,
            if bucket.body_truncated {
                " · body cut at the read cap"
            } else {
                ""
            },
            checks.join(", ")
        );
        for evidence in &bucket.evidence {
            let _ = writeln!(out, "    leak {}", style.leak(evidence));
        }
        if let Some(error) = &bucket.error {
            let lead = if bucket.status.is_none() {
                "no response: "
            } else {
                ""
            };
            let _ = writeln!(out, "    {lead}{error}");
        }
        let _ = writeln!(
            out,
            "    smallest input ({} shrink steps{}): {}",
            bucket.shrunk_by,
            bucket
                .shrink_note
                .as_deref()
                .map_or(String::new(), |n| format!("; {n}")),
            bucket.request
        );
        let _ = writeln!(out, "    {}", style.dim(&bucket.repro));
    }
    out
}

/// `dev/sqlite`, or the target's address.
pub fn run_name(run: &FuzzRun) -> String {
    match (&run.mode, &run.backend) {
        (Some(mode), Some(backend)) => format!("{}/{}", mode.as_str(), backend.as_str()),
        _ => run.target.clone(),
    }
}

/// The closing line: buckets per run, and the whole command's wall time.
pub fn summary(runs: &[FuzzRun], elapsed: std::time::Duration) -> String {
    let parts: Vec<String> = runs
        .iter()
        .map(|run| {
            let severe = run.buckets.iter().filter(|b| b.is_severe()).count();
            format!(
                "{}: {} bucket(s), {severe} severe",
                run_name(run),
                run.buckets.len()
            )
        })
        .collect();
    format!(
        "{} · {:.1} s in all",
        parts.join(" · "),
        elapsed.as_secs_f64()
    )
}
