//! `harness fuzz` results as text and JSON. Rendering only.

use std::fmt::Write as _;

use serde::Serialize;

use super::style::Style;
use crate::fuzz::FuzzRun;

/// The JSON document's version: bumped only when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 1;

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
            "fuzz {name}: {} requests in {:.1} s ({:.0} req/s), {} bucket{} ({severe} with a 5xx, dropped connection or leak)",
            run.requests,
            run.seconds,
            run.requests as f64 / run.seconds.max(0.001),
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
        "  {} · seed {} · stopped by {} · {} replayed · {} shrink requests",
        phases.join(", "),
        run.seed,
        run.stopped_by,
        run.replayed,
        run.shrink_requests
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
        let _ = writeln!(
            out,
            "    {} input{}, first after {} request{} ({} phase) · failed: {}",
            bucket.count,
            if bucket.count == 1 { "" } else { "s" },
            bucket.first_found_after,
            if bucket.first_found_after == 1 {
                ""
            } else {
                "s"
            },
            format!("{:?}", bucket.phase).to_lowercase(),
            checks.join(", ")
        );
        for evidence in &bucket.evidence {
            let _ = writeln!(out, "    leak {}", style.leak(evidence));
        }
        if let Some(error) = &bucket.error {
            let _ = writeln!(out, "    no response: {error}");
        }
        let _ = writeln!(
            out,
            "    smallest input ({} shrink steps): {}",
            bucket.shrunk_by, bucket.request
        );
        let _ = writeln!(out, "    {}", style.dim(&bucket.repro));
    }
    out
}

/// `dev/sqlite`, or the target's address.
pub fn run_name(run: &FuzzRun) -> String {
    match (&run.mode, &run.backend) {
        (Some(mode), Some(backend)) => format!("{mode}/{backend}"),
        _ => run.target.clone(),
    }
}

/// The closing line: buckets per run.
pub fn summary(runs: &[FuzzRun]) -> String {
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
    parts.join(" · ")
}
