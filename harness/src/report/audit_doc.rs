//! The audit's evidence document, in Markdown and in HTML (printable to PDF from a browser:
//! the template has print styles). Both are rendered from the evidence JSON's structs and
//! close with the SHA-256 of that JSON, so the document can be checked against the file.

use std::fmt::Write as _;

use minijinja::Environment;
use serde::Serialize;

use super::audit::{json_sha256, run_name, short_framework};
use crate::audit::Document;

const TEMPLATE: &str = include_str!("audit.html.j2");

/// A Markdown table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}

/// A fenced block that no backtick run inside it can close.
fn fenced(text: &str) -> String {
    let mut fence = "```".to_string();
    while text.contains(&fence) {
        fence.push('`');
    }
    format!("{fence}text\n{}\n{fence}\n", text.trim_end())
}

pub fn markdown(document: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Error-handling audit: evidence\n");
    let _ = writeln!(out, "- Date and time (UTC): {}", document.generated_at);
    let _ = writeln!(out, "- Targets: {}", document.scope.targets.join(", "));
    let v = &document.versions;
    let _ = writeln!(
        out,
        "- Tool: {} {}; leak rules: {} (sha256 {}); controls: {} from {}",
        v.tool,
        v.tool_version,
        v.leak_rules,
        &v.leak_rules_sha256[..16],
        v.controls,
        v.catalogues.join(", ")
    );
    let s = &document.scope;
    let _ = writeln!(
        out,
        "- Scope: the fixed battery plus up to {} fuzzed requests per target (seed {}), at most {} s per target, {} ms per exchange, bodies kept up to {} bytes, {} in flight; allow-listed with --allow-path: {}",
        s.budget,
        s.seed,
        s.max_seconds_per_target,
        s.exchange_timeout_ms,
        s.body_cap_bytes,
        s.concurrency,
        if s.allow_paths.is_empty() {
            "none".to_string()
        } else {
            s.allow_paths.join(", ")
        }
    );
    let t = &document.totals;
    let _ = writeln!(
        out,
        "- Result: {} pass, {} fail, {} not tested; {} requests in {:.1} s",
        t.pass, t.fail, t.not_tested, t.requests, t.seconds
    );
    let _ = writeln!(out, "- Category: {}\n", document.top_ten);
    let _ = writeln!(out, "## Controls\n");
    let mut header = "| control | title | level |".to_string();
    let mut rule = "|---|---|---|".to_string();
    for run in &document.runs {
        header.push_str(&format!(" {} |", cell(&run_name(run))));
        rule.push_str("---|");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    if let Some(first) = document.runs.first() {
        for (row, control) in first.controls.iter().enumerate() {
            let mut line = format!(
                "| {} {} | {} | {} |",
                short_framework(control.framework),
                control.number,
                cell(control.title),
                control.level
            );
            for run in &document.runs {
                let status = run.controls.get(row).map_or("", |c| c.status.as_str());
                line.push_str(&format!(" {status} |"));
            }
            let _ = writeln!(out, "{line}");
        }
    }
    for run in &document.runs {
        let _ = writeln!(out, "\n## {}\n", cell(&run.name));
        let _ = writeln!(
            out,
            "Target {}, started {}, {} requests in {:.1} s.",
            run.target, run.started_at, run.requests, run.seconds
        );
        if let Some(fuzz) = &run.fuzz {
            let _ = writeln!(
                out,
                "Fuzzing: {} requests and {} shrinking, {} buckets, stopped by {}.",
                fuzz.requests, fuzz.shrink_requests, fuzz.buckets, fuzz.stopped_by
            );
        }
        if !run.allowed_paths.is_empty() {
            let _ = writeln!(
                out,
                "Allow-listed (public on purpose, not probed): {}.",
                run.allowed_paths.join(", ")
            );
        }
        let _ = writeln!(
            out,
            "Logs read: {}.\n",
            run.log_source
                .as_deref()
                .unwrap_or("none (controls that need them are not tested; pass --logs FILE)")
        );
        let _ = writeln!(out, "### Configuration evidence\n");
        match &run.config_evidence {
            Some(c) => {
                let _ = writeln!(
                    out,
                    "Source: {} ({} bytes), SHA-256 `{}`\n",
                    c.source, c.bytes, c.sha256
                );
                out.push_str(&fenced(&c.content));
            }
            None => {
                let _ = writeln!(out, "None attached (pass --config-evidence FILE).");
            }
        }
        let _ = writeln!(
            out,
            "\n### Controls\n\n| control | status | reason | findings |\n|---|---|---|---|"
        );
        for c in &run.controls {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} | {} |",
                short_framework(c.framework),
                c.number,
                c.status.as_str(),
                cell(&c.reason),
                c.findings.join(", ")
            );
        }
        if !run.findings.is_empty() {
            let _ = writeln!(out, "\n### Findings\n");
        }
        for f in &run.findings {
            let _ = writeln!(out, "#### {} {}: {}\n", f.id, f.rule, cell(&f.title));
            let _ = writeln!(
                out,
                "- Request: `{} {}`{} ({} probe, seen in {} answer(s))",
                f.method,
                f.route,
                f.parameter
                    .as_ref()
                    .map(|p| format!(", parameter `{p}`"))
                    .unwrap_or_default(),
                f.probe.name(),
                f.count
            );
            let _ = writeln!(
                out,
                "- Controls: {}; CWE: {}; severity: {}",
                f.controls.join(", "),
                f.cwe.join(", "),
                f.severity
            );
            let _ = writeln!(
                out,
                "- Correlation id seen: {}",
                f.correlation_id.as_deref().unwrap_or("none")
            );
            let _ = writeln!(out, "- Evidence: {}\n", cell(&f.evidence));
            out.push_str(&fenced(&f.curl));
            out.push('\n');
            out.push_str(&fenced(&f.response_excerpt));
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "\n---\nSHA-256 of the evidence JSON (`harness audit --format json`, or the `.json` written beside this document): `{}`",
        json_sha256(document)
    );
    out
}

#[derive(Serialize)]
struct Page<'a> {
    doc: &'a Document,
    names: Vec<String>,
    rows: Vec<Row>,
    sha256: String,
}

#[derive(Serialize)]
struct Row {
    label: String,
    title: String,
    level: String,
    cells: Vec<String>,
}

pub fn html(document: &Document) -> Result<String, minijinja::Error> {
    let mut rows = Vec::new();
    if let Some(first) = document.runs.first() {
        for (row, control) in first.controls.iter().enumerate() {
            rows.push(Row {
                label: format!("{} {}", short_framework(control.framework), control.number),
                title: control.title.to_string(),
                level: control.level.to_string(),
                cells: document
                    .runs
                    .iter()
                    .map(|r| {
                        r.controls
                            .get(row)
                            .map_or("", |c| c.status.as_str())
                            .to_string()
                    })
                    .collect(),
            });
        }
    }
    let page = Page {
        doc: document,
        names: document.runs.iter().map(run_name).collect(),
        rows,
        sha256: json_sha256(document),
    };
    let mut env = Environment::new();
    env.add_template("audit.html", TEMPLATE)?;
    env.get_template("audit.html")?
        .render(minijinja::value::Serde(&page))
}
