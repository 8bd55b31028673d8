//! `harness fuzz --report FILE.html`: buckets per run, and dev next to prod for every
//! route and class one of them found. Self-contained, auto-escaped like the run report.

use std::collections::BTreeMap;

use minijinja::Environment;
use serde::Serialize;

use super::fuzz::run_name;
use crate::fuzz::{Bucket, FuzzRun};

const TEMPLATE: &str = include_str!("fuzz.html.j2");

#[derive(Serialize)]
struct Page<'a> {
    runs: Vec<RunView<'a>>,
    columns: Vec<String>,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct RunView<'a> {
    name: String,
    run: &'a FuzzRun,
    buckets: Vec<BucketView<'a>>,
}

#[derive(Serialize)]
struct BucketView<'a> {
    bucket: &'a Bucket,
    severe: bool,
    checks: Vec<&'static str>,
}

/// One route and fingerprint, and what each run found there.
#[derive(Serialize)]
struct Row {
    method: String,
    route: String,
    class: String,
    cells: Vec<Option<String>>,
}

pub fn render(runs: &[FuzzRun]) -> Result<String, minijinja::Error> {
    let columns: Vec<String> = runs.iter().map(run_name).collect();
    let mut rows: BTreeMap<(String, String, String), Vec<Option<String>>> = BTreeMap::new();
    for (column, run) in runs.iter().enumerate() {
        for bucket in &run.buckets {
            let class = bucket
                .class
                .clone()
                .unwrap_or_else(|| bucket.findings.join(", "));
            let cells = rows
                .entry((bucket.route.clone(), bucket.method.clone(), class))
                .or_insert_with(|| vec![None; runs.len()]);
            let status = bucket
                .status
                .map_or("no response".to_string(), |s| s.to_string());
            let text = format!(
                "{status} × {}{}",
                bucket.count,
                if bucket.findings.is_empty() {
                    String::new()
                } else {
                    format!(" · {} leak rule(s)", bucket.findings.len())
                }
            );
            cells[column] = Some(match &cells[column] {
                Some(existing) => format!("{existing}; {text}"),
                None => text,
            });
        }
    }
    let page = Page {
        runs: runs
            .iter()
            .map(|run| RunView {
                name: run_name(run),
                run,
                buckets: run
                    .buckets
                    .iter()
                    .map(|bucket| BucketView {
                        bucket,
                        severe: bucket.is_severe(),
                        checks: bucket.checks.iter().map(|c| c.name()).collect(),
                    })
                    .collect(),
            })
            .collect(),
        columns,
        rows: rows
            .into_iter()
            .map(|((route, method, class), cells)| Row {
                method,
                route,
                class,
                cells,
            })
            .collect(),
    };
    let mut env = Environment::new();
    // The `.html` name turns on HTML auto-escaping for every `{{ }}`.
    env.add_template("fuzz.html", TEMPLATE)?;
    env.get_template("fuzz.html")?
        .render(minijinja::value::Serde(&page))
}
