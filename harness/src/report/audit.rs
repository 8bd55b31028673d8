//! `harness audit`: the terminal summary (a control table per run, side by side when there
//! are several), the evidence JSON, and the SARIF log. The Markdown and HTML documents are in
//! `audit_doc`.

use std::fmt::Write as _;

use serde_json::json;

use super::sarif::{self, SarifResult, SarifRule};
use super::style::Style;
use crate::audit::controls::{self, CONTROLS};
use crate::audit::evaluate::Status;
use crate::audit::{Document, Run};

/// The evidence JSON, exactly as written to a file and hashed.
pub fn json(document: &Document) -> String {
    serde_json::to_string_pretty(document).unwrap_or_default() + "\n"
}

/// SHA-256 of [`json`]: the line the documents close with.
pub fn json_sha256(document: &Document) -> String {
    crate::audit::evidence::sha256_hex(json(document).as_bytes())
}

pub fn run_name(run: &Run) -> String {
    match (&run.mode, &run.backend) {
        (Some(mode), Some(backend)) => format!("{mode}/{backend}"),
        _ => run.target.clone(),
    }
}

fn status_cell(status: Status, style: &Style) -> String {
    match status {
        Status::Pass => style.green("pass"),
        Status::Fail => style.red("FAIL"),
        Status::NotTested => style.dim("not tested"),
    }
}

/// The summary: controls × runs, then each failed control's reason and findings.
pub fn text(document: &Document, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!("Error-handling audit, {}", document.generated_at))
    );
    let names: Vec<String> = document.runs.iter().map(run_name).collect();
    let width = names.iter().map(|n| n.len()).max().unwrap_or(4).max(10);
    let _ = write!(out, "\n{:<14} {:<58}", "control", "title");
    for name in &names {
        let _ = write!(out, " {name:<width$}");
    }
    out.push('\n');
    let Some(first) = document.runs.first() else {
        return out;
    };
    for (row, control) in first.controls.iter().enumerate() {
        let label = format!("{} {}", short_framework(control.framework), control.number);
        let _ = write!(
            out,
            "{label:<14} {:<58}",
            super::style::clip(control.title, 58)
        );
        for run in &document.runs {
            let status = run
                .controls
                .get(row)
                .map_or(Status::NotTested, |c| c.status);
            let cell = status_cell(status, &style);
            let pad = width.saturating_sub(status.as_str().len().max(4));
            let _ = write!(out, " {cell}{}", " ".repeat(pad));
        }
        out.push('\n');
    }
    for run in &document.runs {
        let _ = writeln!(
            out,
            "\n{} {} ({} requests, {:.1} s{})",
            style.bold("──"),
            style.bold(&run.name),
            run.requests,
            run.seconds,
            if run.skipped > 0 {
                format!(", {} probes not sent: time bound", run.skipped)
            } else {
                String::new()
            }
        );
        if let Some(config) = &run.config_evidence {
            let _ = writeln!(
                out,
                "   configuration evidence: {} sha256 {}",
                config.source,
                &config.sha256[..16]
            );
        }
        for control in run.controls.iter().filter(|c| c.status != Status::Pass) {
            let _ = writeln!(
                out,
                "   {} {} {}: {}",
                status_cell(control.status, &style),
                short_framework(control.framework),
                control.number,
                control.reason
            );
            for id in control.findings.iter().take(4) {
                if let Some(f) = run.findings.iter().find(|f| &f.id == id) {
                    let _ = writeln!(
                        out,
                        "      {id} {} {} {} {}",
                        f.rule,
                        f.method,
                        f.route,
                        style.yellow(&super::style::clip(&f.evidence.replace('\n', " "), 90))
                    );
                }
            }
            if control.findings.len() > 4 {
                let _ = writeln!(
                    out,
                    "      … and {} more (see --report)",
                    control.findings.len() - 4
                );
            }
        }
    }
    let t = &document.totals;
    let _ = writeln!(
        out,
        "\n{} pass, {} fail, {} not tested; {} requests in {:.1} s",
        t.pass, t.fail, t.not_tested, t.requests, t.seconds
    );
    out
}

pub fn short_framework(framework: controls::Framework) -> &'static str {
    match framework {
        controls::Framework::Asvs5 => "ASVS5",
        controls::Framework::Asvs4 => "ASVS4",
        controls::Framework::Nist => "NIST",
    }
}

/// The SARIF log: a rule per leak rule and control; a result per finding (a leak rule's, or
/// a control's where no leak rule names the failure: a dropped connection, a missing id).
/// One SARIF run for the whole audit: its base URL is the first target's, and a result's
/// fingerprint includes the demo-app mode, so dev's and bare's alerts stay apart.
pub fn sarif(document: &Document) -> serde_json::Value {
    let mut rules: Vec<SarifRule> = crate::leaks::RULES.iter().map(sarif::leak_rule).collect();
    for c in CONTROLS
        .iter()
        .filter(|c| document.scope.controls.includes(c.framework))
    {
        rules.push(SarifRule {
            id: c.id.to_string(),
            name: c.id.replace(['.', '-'], "_"),
            short: format!("{} {}: {}", c.framework.name(), c.number, c.title),
            full: c.asks.to_string(),
            help: format!(
                "**{} {}** ({})\n\n{}\n\n**Fix:** {}\n\nSee docs/compliance.md in Crash Course.",
                c.framework.name(),
                c.number,
                c.level,
                c.asks,
                c.fix
            ),
            severity: c.severity.to_string(),
            cwe: c.cwe.iter().map(|s| s.to_string()).collect(),
            extra_tags: vec!["compliance".to_string(), format!("level/{}", c.level)],
        });
    }
    let mut results = Vec::new();
    let base = document.runs.first().map(|r| r.target.clone());
    for run in &document.runs {
        let mode = run.mode.clone();
        for f in &run.findings {
            let level = match f.severity.as_str() {
                "high" | "control" => "error",
                "medium" => "warning",
                _ => "note",
            };
            results.push(SarifResult {
                rule_id: f.rule.clone(),
                level,
                message: format!(
                    "{} {} answered {}: {} (evidence for {}). Reproduce: {}",
                    f.method,
                    f.route,
                    f.status.map_or("no response".to_string(), |s| s.to_string()),
                    f.evidence.replace('\n', " "),
                    f.controls.join(", "),
                    f.curl
                ),
                uri: sarif::relative_uri(&f.route),
                method: Some(f.method.clone()),
                route: match &mode {
                    Some(mode) => format!("{}#{mode}", f.route),
                    None => f.route.clone(),
                },
                parameter: f.parameter.clone(),
                properties: json!({ "finding": f.id, "run": run.name, "status": f.status, "correlation_id": f.correlation_id, "controls": f.controls, "count": f.count }),
            });
        }
    }
    sarif::log(
        "harness audit (Crash Course)",
        sarif::INFORMATION_URI,
        base.as_deref(),
        &rules,
        &results,
    )
}
