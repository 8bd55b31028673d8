//! `harness tracker`'s text report: the issues with their event counts, then each stored
//! event that leaks (rule, evidence, e-mail addresses), then the correlation id's issue.

use std::fmt::Write as _;

use super::style::Style;
use crate::leaks;
use crate::tracker::{EventEvidence, Issue, ProjectEvidence};

/// Longest evidence shown per finding.
const EVIDENCE_CHARS: usize = 100;

pub fn text(evidence: &ProjectEvidence, lookup: Option<&str>, style: &Style) -> String {
    let mut out = String::new();
    let read: usize = evidence.issues.iter().map(|i| i.events.len()).sum();
    let _ = writeln!(
        out,
        "{} project {} (id {}): {} issue(s), {} event(s); {read} read and judged",
        style.bold("tracker"),
        evidence.project.name,
        evidence.project.id,
        evidence.issues.len(),
        evidence.event_count(),
    );
    for issue in &evidence.issues {
        let leaking = issue.events.iter().filter(|e| e.leaks()).count();
        let verdict = if leaking == 0 {
            style.green("clean")
        } else {
            style.red(&format!("{leaking} leaking"))
        };
        let _ = writeln!(
            out,
            "  {:<20} {:>4} event(s)  {verdict:<10}  {}",
            issue.issue.friendly_id, issue.issue.event_count, issue.issue.title
        );
    }
    for (issue, event) in evidence.events().filter(|(_, e)| e.leaks()) {
        leaking_event(&mut out, issue, event, style);
    }
    let leaking = evidence.leaking_events();
    let _ = writeln!(
        out,
        "{} stored event(s) with a leak finding or an e-mail address",
        if leaking == 0 {
            style.green("0")
        } else {
            style.red(&leaking.to_string())
        }
    );
    if let Some(id) = lookup {
        match evidence.find(id) {
            Some((issue, event)) => {
                let _ = writeln!(
                    out,
                    "correlation id {id}: issue {} ({}), event {}",
                    issue.friendly_id, issue.title, event.id
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "correlation id {id}: {} among the events read (raise --max-events, or the event is still being digested)",
                    style.red("not found")
                );
            }
        }
    }
    out
}

fn leaking_event(out: &mut String, issue: &Issue, event: &EventEvidence, style: &Style) {
    let _ = writeln!(
        out,
        "{} {} event {} (correlation id {})",
        style.red("leak"),
        issue.friendly_id,
        event.id,
        event.correlation_id.as_deref().unwrap_or("none")
    );
    for finding in &event.findings {
        let title = leaks::rule(finding.rule).map_or("", |r| r.title);
        let evidence: String = finding.evidence.chars().take(EVIDENCE_CHARS).collect();
        let _ = writeln!(
            out,
            "    {:?} {} ({title})\n      {}",
            finding.severity,
            finding.rule,
            style.yellow(&evidence)
        );
    }
    if !event.emails.is_empty() {
        let _ = writeln!(
            out,
            "    e-mail address(es): {}",
            style.yellow(&event.emails.join(", "))
        );
    }
}
