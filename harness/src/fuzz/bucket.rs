//! Buckets: failures that share method, route, status and fingerprint are one defect,
//! however many inputs reach it. What a response's outcome means for bucketing lives here.

use serde::Serialize;

use super::case::Case;
use super::check::{Check, Observed, Verdict};
use super::shrink::Shrunk;
use super::strategy::Phase;
use super::{Options, Target, spec};

/// Failures that share method, route, status and fingerprint: one bug, however many inputs.
#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    pub method: String,
    pub route: String,
    /// `null` when no response came back.
    pub status: Option<u16>,
    /// The failure class the app logged (demo-app), else null.
    pub class: Option<String>,
    pub count: usize,
    /// How many freshly generated requests had been sent when the first fresh input of
    /// this bucket was; null when only replayed regressions landed here.
    pub first_found_after: Option<usize>,
    /// The bucket's first input was a saved regression replayed, not a search result.
    pub replayed: bool,
    /// The checks it failed.
    pub checks: Vec<Check>,
    /// Leak rule ids that fired.
    pub findings: Vec<String>,
    /// The first finding's evidence per rule, for the reader.
    pub evidence: Vec<String>,
    /// The phase of the first input.
    pub phase: Phase,
    /// The smallest input found, after shrinking.
    pub input: Case,
    /// The request it makes, e.g. `GET /search?q=...`.
    pub request: String,
    /// A `curl` command that sends it.
    pub repro: String,
    pub shrunk_by: usize,
    /// Why the input was not shrunk (fully): the time bound, or an input that timed out.
    pub shrink_note: Option<String>,
    /// How long the first input's response took, in milliseconds.
    pub response_ms: u64,
    /// The first input's body was longer than the cap; only its start was checked.
    pub body_truncated: bool,
    /// The response to the reproduction: status line and the start of the body.
    pub response_excerpt: String,
    /// The transport error, when there was no (complete) response.
    pub error: Option<String>,
    /// The operation the input was sent to, even for a site-wide bucket (`* *`): what a
    /// saved regression replays.
    #[serde(skip)]
    pub operation: (String, String),
    /// What made its inputs one bucket during the run; saved with its regression.
    #[serde(skip)]
    pub key: BucketKey,
}

/// What makes failing inputs one bucket: method, route, status and fingerprint. The run
/// groups by it and the saved regressions name it; a site-wide bucket (a leak in a header
/// every response carries) has `*` for method, route and status.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BucketKey {
    method: String,
    route: String,
    status: KeyStatus,
    /// The failure class when the app named one, else the leak rules and checks.
    fingerprint: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KeyStatus {
    Code(u16),
    NoResponse,
    /// Site-wide: every status.
    Any,
}

impl std::fmt::Display for BucketKey {
    /// One line: `GET /search 500 crash.char-boundary`, `* * * header.server-version`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = match self.status {
            KeyStatus::Code(code) => code.to_string(),
            KeyStatus::NoResponse => "no-response".to_string(),
            KeyStatus::Any => "*".to_string(),
        };
        write!(
            f,
            "{} {} {status} {}",
            self.method, self.route, self.fingerprint
        )
    }
}

impl Bucket {
    /// A 5xx, a dropped connection or a leak: what makes `fuzz` exit 1.
    pub fn is_severe(&self) -> bool {
        self.checks.iter().any(|c| {
            matches!(
                c,
                Check::NotAServerError | Check::Responded | Check::LeakFree
            )
        })
    }
}

/// The class when the app named one, else the leak rules and checks that fired.
fn fingerprint(class: Option<&str>, findings: &[String], checks: &[Check]) -> String {
    if let Some(class) = class {
        return class.to_string();
    }
    let mut parts: Vec<&str> = findings.iter().map(String::as_str).collect();
    parts.extend(
        checks
            .iter()
            .filter(|c| **c != Check::LeakFree)
            .map(|c| c.name()),
    );
    parts.join("+")
}

/// The outcome of one request, as bucketing sees it.
#[derive(Debug, Clone)]
pub(super) struct Outcome {
    pub(super) observed: Observed,
    pub(super) verdict: Verdict,
    pub(super) class: Option<String>,
}

impl Outcome {
    /// The bucket this outcome falls in; none when every check passed.
    pub(super) fn key(&self, operation: &spec::Operation) -> Option<BucketKey> {
        if self.verdict.passed() {
            return None;
        }
        let findings: Vec<String> = rule_ids(&self.verdict);
        if header_leak_only(&self.verdict) {
            // A version banner rides on every response: one bucket for the whole service,
            // not one per route and status.
            return Some(BucketKey {
                method: SITE_WIDE.to_string(),
                route: SITE_WIDE.to_string(),
                status: KeyStatus::Any,
                fingerprint: findings.join("+"),
            });
        }
        Some(BucketKey {
            method: operation.method.clone(),
            route: operation.route.clone(),
            status: self
                .observed
                .status
                .map_or(KeyStatus::NoResponse, KeyStatus::Code),
            fingerprint: fingerprint(self.class.as_deref(), &findings, &self.verdict.failed),
        })
    }
}

/// Method and route of a bucket that is about every response, not one route.
const SITE_WIDE: &str = "*";

/// The only failure is a leak, and every finding is in a header.
fn header_leak_only(verdict: &Verdict) -> bool {
    verdict.failed == [Check::LeakFree]
        && verdict
            .findings
            .iter()
            .all(|f| f.location.starts_with("header:"))
}

/// Drops findings whose evidence is text the request itself sent: a search that echoes
/// `; cat /etc/passwd` back discloses nothing.
pub(super) fn drop_reflected(verdict: &mut Verdict, case: &Case) {
    let inputs = case.texts();
    verdict.findings.retain(|finding| {
        let evidence = finding.evidence.trim_end_matches('…').trim();
        finding.location.starts_with("header:")
            || evidence.is_empty()
            || !inputs.iter().any(|input| input.contains(evidence))
    });
    if verdict.findings.is_empty() {
        verdict.failed.retain(|c| *c != Check::LeakFree);
    }
}

fn rule_ids(verdict: &Verdict) -> Vec<String> {
    let mut ids: Vec<String> = verdict
        .findings
        .iter()
        .map(|f| f.rule.to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

pub(super) fn to_bucket(
    target: &Target<'_>,
    operation: &spec::Operation,
    options: &Options,
    shrunk: Shrunk,
) -> Bucket {
    let Shrunk {
        found,
        best: input,
        outcome,
        steps,
        note,
    } = shrunk;
    let wire = input.wire(operation);
    let findings = rule_ids(&found.outcome.verdict);
    let mut evidence = Vec::new();
    for finding in &found.outcome.verdict.findings {
        if !evidence
            .iter()
            .any(|e: &String| e.starts_with(finding.rule))
        {
            evidence.push(format!("{}: {}", finding.rule, finding.evidence));
        }
    }
    let observed = &outcome.observed;
    let response_excerpt = match observed.status {
        Some(status) => {
            let body: String = observed.body.chars().take(300).collect();
            format!(
                "{status} {}\n{body}",
                observed.header("content-type").unwrap_or("")
            )
        }
        None => String::new(),
    };
    let site_wide = header_leak_only(&found.outcome.verdict);
    let (method, route) = if site_wide {
        (SITE_WIDE.to_string(), SITE_WIDE.to_string())
    } else {
        (operation.method.clone(), operation.route.clone())
    };
    let first = &found.outcome.observed;
    Bucket {
        method,
        route,
        status: first.status,
        class: found.outcome.class.clone(),
        count: found.count,
        first_found_after: found.first_found_after,
        replayed: found.replayed,
        checks: found.outcome.verdict.failed.clone(),
        findings,
        evidence,
        phase: found.phase,
        request: format!("{} {}", wire.method, wire.target),
        repro: wire.curl(&target.repro_base_url, options.insecure),
        input,
        shrunk_by: steps,
        shrink_note: note.map(str::to_string),
        response_ms: u64::try_from(first.elapsed.as_millis()).unwrap_or(u64::MAX),
        body_truncated: first.truncated,
        response_excerpt,
        error: observed.error.clone().or_else(|| first.error.clone()),
        operation: (operation.method.clone(), operation.route.clone()),
        key: found.key,
    }
}
