//! The rules as text: the aligned table `harness rules` prints and the reference section of
//! docs/leak-rules.md (generated here, kept in agreement by a test).

use std::fmt::Write as _;

use super::rules::{RULES, Rule, Scope, Severity};

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
    }
}

fn zap(rule: &Rule) -> String {
    rule.zap.map_or_else(|| "-".to_string(), |z| z.to_string())
}

fn looks_at(rule: &Rule) -> String {
    match rule.scope {
        Scope::Body => "body".to_string(),
        Scope::Header(name) => format!("header {name}"),
    }
}

/// Every rule, one per line, in columns as wide as their widest cell.
pub fn rules_table() -> String {
    let header = ["rule", "severity", "cwe", "zap", "looks at", "title"].map(String::from);
    let rows: Vec<[String; 6]> = RULES
        .iter()
        .map(|r| {
            [
                r.id.to_string(),
                severity(r.severity).to_string(),
                r.cwe.join(","),
                zap(r),
                looks_at(r),
                r.title.to_string(),
            ]
        })
        .collect();
    let mut widths = [0; 6];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let _ = writeln!(out, "\n{} rules", RULES.len());
    out
}

/// A text as a Markdown code span inside a table cell or list item.
fn code(text: &str) -> String {
    // Control characters as their Unicode pictures (a tab as ␉, a line feed as ␊), so
    // every sample stays on its line and visible.
    let text: String = text
        .chars()
        .map(|c| match u32::from(c) {
            n @ 0..=0x1F => char::from_u32(0x2400 + n).unwrap_or(c),
            _ => c,
        })
        .collect();
    let text = text.replace('|', "\\|");
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// The generated part of docs/leak-rules.md: a summary table and, per rule, its guard,
/// samples, look-alikes and anchors.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "| rule | severity | CWE | ZAP | looks at | what |\n|---|---|---|---|---|---|\n",
    );
    for r in RULES {
        let _ = writeln!(
            out,
            "| [`{id}`](#{anchor}) | {sev} | {cwe} | {zap} | {at} | {title} |",
            id = r.id,
            anchor = r.id.replace('.', ""),
            sev = severity(r.severity),
            cwe = r.cwe.join(", "),
            zap = zap(r),
            at = looks_at(r),
            title = r.title,
        );
    }
    for r in RULES {
        let _ = write!(out, "\n### {}\n\n{}.\n\n", r.id, r.title);
        let _ = writeln!(out, "- **Guard:** {}", r.guard);
        for sample in r.samples {
            let _ = writeln!(out, "- **Finds:** {}", code(sample));
        }
        for lookalike in r.lookalikes.iter().filter(|l| !l.is_empty()) {
            let _ = writeln!(out, "- **Leaves alone:** {}", code(lookalike));
        }
        if !r.anchors.is_empty() {
            let anchors: Vec<String> = r.anchors.iter().map(|a| code(a)).collect();
            let _ = writeln!(out, "- **Anchors:** {}", anchors.join(" "));
        }
    }
    out
}
