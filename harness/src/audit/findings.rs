//! From verdicts to findings: the evidence of every failed check grouped by leak rule (or
//! control), method, route and parameter, which is also what a SARIF fingerprint is made of;
//! and the fuzzer's buckets as exchanges.

use std::collections::{BTreeMap, BTreeSet};

use super::controls::{Check, Control};
use super::evaluate::{Status, Verdict};
use super::probes::{Kind, Probe};
use super::send::Exchange;
use super::{Finding, Options, Subject, evidence};
use crate::fuzz;

/// A fuzz bucket's smallest input as an exchange (its answer is the excerpt the fuzzer kept).
pub(super) fn from_bucket(bucket: &fuzz::Bucket) -> Exchange {
    let target = bucket
        .request
        .split_once(' ')
        .map_or(bucket.route.as_str(), |(_, t)| t);
    let mut probe = Probe::new(
        Kind::Fuzzed,
        &bucket.method,
        target,
        "a fuzzed input (smallest of its bucket)",
    )
    .route(&bucket.route);
    probe.parameter = None;
    let body = bucket
        .response_excerpt
        .split_once("\n")
        .map_or("", |(_, b)| b)
        .to_string();
    let error = bucket.error.clone().or_else(|| {
        bucket
            .checks
            .contains(&fuzz::check::Check::Responded)
            .then(|| "connection dropped".to_string())
    });
    let mut exchange = Exchange::observed(probe, bucket.status, Vec::new(), body, error);
    exchange.dropped |= bucket.status.is_none()
        && bucket.checks.contains(&fuzz::check::Check::Responded)
        && !bucket
            .error
            .as_deref()
            .is_some_and(|e| e.contains("timed out"));
    exchange
}

pub(super) type IdsByCheck = BTreeMap<Check, Vec<String>>;

/// Groups the verdicts' evidence into findings (one per rule, method, route and parameter).
pub(super) fn findings(
    subject: &Subject<'_>,
    options: &Options,
    exchanges: &[Exchange],
    verdicts: &BTreeMap<Check, Verdict>,
    selected: &[&'static Control],
) -> (Vec<Finding>, IdsByCheck) {
    let mut out: Vec<Finding> = Vec::new();
    let mut by_check: IdsByCheck = BTreeMap::new();
    // The exchanges behind each finding: one exchange is evidence for several checks.
    let mut seen: Vec<BTreeSet<usize>> = Vec::new();
    for (check, verdict) in verdicts {
        if verdict.status != Status::Fail {
            continue;
        }
        let controls: Vec<&'static str> = selected
            .iter()
            .filter(|c| c.check == *check)
            .map(|c| c.id)
            .collect();
        let Some(first) = selected.iter().find(|c| c.check == *check) else {
            continue;
        };
        for ev in &verdict.evidence {
            let Some(exchange) = exchanges.get(ev.exchange) else {
                continue;
            };
            let probe = &exchange.probe;
            let (rule, title, cwe, severity) = match ev.rule.and_then(crate::leaks::rule) {
                Some(rule) => (
                    rule.id.to_string(),
                    rule.title.to_string(),
                    rule.cwe.iter().map(|s| s.to_string()).collect(),
                    format!("{:?}", rule.severity).to_ascii_lowercase(),
                ),
                None => (
                    first.id.to_string(),
                    first.title.to_string(),
                    first.cwe.iter().map(|s| s.to_string()).collect(),
                    "control".to_string(),
                ),
            };
            let key = |f: &Finding| {
                f.rule == rule
                    && f.method == probe.method
                    && f.route == probe.route
                    && f.parameter == probe.parameter
            };
            let id = match out.iter().position(key) {
                Some(at) => {
                    let existing = &mut out[at];
                    for c in &controls {
                        if !existing.controls.contains(c) {
                            existing.controls.push(c);
                        }
                    }
                    seen[at].insert(ev.exchange);
                    existing.count = seen[at].len();
                    existing.id.clone()
                }
                None => {
                    let id = format!("F{}", out.len() + 1);
                    seen.push(BTreeSet::from([ev.exchange]));
                    let shown = exchange
                        .findings
                        .iter()
                        .find(|f| Some(f.rule) == ev.rule)
                        .map_or_else(|| ev.note.clone(), evidence::shown_evidence);
                    out.push(Finding {
                        id: id.clone(),
                        rule,
                        title,
                        cwe,
                        severity,
                        controls: controls.clone(),
                        method: probe.method.clone(),
                        route: probe.route.clone(),
                        parameter: probe.parameter.clone(),
                        count: 1,
                        probe: probe.kind,
                        status: exchange.status,
                        correlation_id: exchange.correlation_id.clone(),
                        evidence: shown,
                        curl: evidence::curl(&subject.base_url, exchange, options.insecure),
                        response_excerpt: evidence::excerpt(exchange, 700),
                    });
                    id
                }
            };
            let ids = by_check.entry(*check).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    (out, by_check)
}
