//! `tracker` steps: what the run's own project on the error tracker holds, read as evidence.
//! The step waits until every 5xx answer so far that carried a correlation id has its event
//! (the SDK sends in the background), or `events_within_ms`; then it lets a stray event
//! land (`TRACKER_SETTLE_MS`), reads the project once more, and records its issues, event
//! counts, the leak rules and e-mail addresses found in the stored events, whether events
//! and answers match one to one, and where a correlation id leads. The expectations are
//! checked here, into `Unmet`s, as `expect` does for responses.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Exchange, Unmet};
use crate::scenario::{TRACKER_SETTLE_MS, TrackerExpect};
use crate::tracker::{self, ProjectEvidence, RunProject};

/// Stored events read per issue: far more than a scenario sends.
const EVENTS_READ_PER_ISSUE: usize = 50;
const POLL_EVERY: Duration = Duration::from_millis(250);

/// What one `tracker` step found.
#[derive(Debug, Clone, Serialize)]
pub struct TrackerRecord {
    pub step_index: usize,
    pub step: String,
    /// The run's project, as the tracker names it.
    pub project: String,
    /// Sorted by title.
    pub issues: Vec<IssueRecord>,
    /// Events, as the tracker counts them over all issues.
    pub events: u64,
    /// Stored events that carry a finding of a leak rule or an e-mail address.
    pub leaking_events: usize,
    /// The leak rules that fired on any stored event, sorted.
    pub rules: Vec<String>,
    /// The e-mail addresses in any stored event, sorted.
    pub emails: Vec<String>,
    /// The correlation ids of the run's 5xx answers up to this step.
    pub answers: Vec<String>,
    /// Of those, the ids with no event, and with more than one.
    pub answers_without_event: Vec<String>,
    pub answers_with_several_events: Vec<String>,
    /// Events whose correlation id is no 5xx answer's (`(none)`: an event without the tag).
    pub events_without_answer: Vec<String>,
    /// The step's correlation id, and the title of the issue it leads to.
    pub lookup: Option<Lookup>,
    /// How long the step waited for the events.
    pub waited_ms: u64,
    /// The stored events as text, for `contains` (left out of the JSON report: its size).
    #[serde(skip)]
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IssueRecord {
    pub title: String,
    pub friendly_id: String,
    pub event_count: u64,
    pub events: Vec<EventRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventRecord {
    pub id: String,
    pub correlation_id: Option<String>,
    pub findings: Vec<crate::leaks::Finding>,
    pub emails: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lookup {
    /// The step whose response's id was looked up.
    pub of_step: String,
    /// That id (none: the response carried none, or there was no response).
    pub correlation_id: Option<String>,
    /// The title of the issue it leads to.
    pub issue: Option<String>,
}

/// The correlation ids of the 5xx answers among `exchanges`.
pub fn answered_server_errors(exchanges: &[Exchange]) -> Vec<String> {
    exchanges
        .iter()
        .filter(|e| e.response.as_ref().is_some_and(|r| r.status >= 500))
        .filter_map(|e| e.correlation_id.clone())
        .collect()
}

/// Waits for the events of `answers`, lets strays land, reads the project and records it.
pub async fn read(
    at: (usize, &str),
    project: &RunProject,
    answers: Vec<String>,
    lookup: Option<(String, Option<String>)>,
    within: Duration,
) -> anyhow::Result<TrackerRecord> {
    let options = tracker::Options {
        project: project.project.id.clone(),
        max_events_per_issue: EVENTS_READ_PER_ISSUE,
    };
    let started = Instant::now();
    loop {
        let evidence = tracker::read(&project.connection, &options).await?;
        let stored: BTreeSet<&str> = evidence
            .events()
            .filter_map(|(_, e)| e.correlation_id.as_deref())
            .collect();
        if answers.iter().all(|id| stored.contains(id.as_str())) || started.elapsed() >= within {
            break;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    let waited_ms = started.elapsed().as_millis() as u64;
    tokio::time::sleep(Duration::from_millis(TRACKER_SETTLE_MS)).await;
    let evidence = tracker::read(&project.connection, &options).await?;
    Ok(record(at, &evidence, answers, lookup, waited_ms))
}

fn record(
    (step_index, step): (usize, &str),
    evidence: &ProjectEvidence,
    answers: Vec<String>,
    lookup: Option<(String, Option<String>)>,
    waited_ms: u64,
) -> TrackerRecord {
    let mut issues: Vec<IssueRecord> = evidence
        .issues
        .iter()
        .map(|i| IssueRecord {
            title: i.issue.title.clone(),
            friendly_id: i.issue.friendly_id.clone(),
            event_count: i.issue.event_count,
            events: i
                .events
                .iter()
                .map(|e| EventRecord {
                    id: e.id.clone(),
                    correlation_id: e.correlation_id.clone(),
                    findings: e.findings.clone(),
                    emails: e.emails.clone(),
                })
                .collect(),
        })
        .collect();
    issues.sort_by(|a, b| a.title.cmp(&b.title));
    let events: Vec<_> = evidence.events().map(|(_, e)| e).collect();
    let rules: BTreeSet<String> = events
        .iter()
        .flat_map(|e| e.findings.iter().map(|f| f.rule.to_string()))
        .collect();
    let emails: BTreeSet<String> = events.iter().flat_map(|e| e.emails.clone()).collect();
    let mut per_id: BTreeMap<&str, usize> = BTreeMap::new();
    for event in &events {
        *per_id
            .entry(event.correlation_id.as_deref().unwrap_or("(none)"))
            .or_default() += 1;
    }
    let answered: BTreeSet<&str> = answers.iter().map(String::as_str).collect();
    let lookup = lookup.map(|(of_step, id)| Lookup {
        issue: id
            .as_deref()
            .and_then(|id| evidence.find(id))
            .map(|(issue, _)| issue.title.clone()),
        correlation_id: id,
        of_step,
    });
    TrackerRecord {
        step_index,
        step: step.to_string(),
        project: evidence.project.name.clone(),
        events: evidence.event_count(),
        leaking_events: evidence.leaking_events(),
        rules: rules.into_iter().collect(),
        emails: emails.into_iter().collect(),
        answers_without_event: answers
            .iter()
            .filter(|id| !per_id.contains_key(id.as_str()))
            .cloned()
            .collect(),
        answers_with_several_events: answers
            .iter()
            .filter(|id| per_id.get(id.as_str()).is_some_and(|n| *n > 1))
            .cloned()
            .collect(),
        events_without_answer: per_id
            .keys()
            .filter(|id| !answered.contains(*id))
            .map(|id| id.to_string())
            .collect(),
        text: events
            .iter()
            .map(|e| e.data.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        issues,
        answers,
        lookup,
        waited_ms,
    }
}

impl TrackerRecord {
    /// Every answer has exactly one event and every event is an answer's.
    pub fn events_match_answers(&self) -> bool {
        self.answers_without_event.is_empty()
            && self.answers_with_several_events.is_empty()
            && self.events_without_answer.is_empty()
    }

    /// `4 issues, 4 events`, for reports.
    pub fn counts(&self) -> String {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{}, {}",
            plural(self.issues.len() as u64, "issue", "issues"),
            plural(self.events, "event", "events")
        )
    }
}

/// Reasons `record` does not meet `expect` (empty: it does). `contains` texts have their
/// `{{captures}}` filled in by the caller.
pub fn check(
    expect: &TrackerExpect,
    record: &TrackerRecord,
    contains: &[(String, bool)],
) -> Vec<Unmet> {
    let step = &record.step;
    let mut reasons = Vec::new();
    if let Some(issues) = expect.issues
        && record.issues.len() as u64 != issues
    {
        let titles: Vec<&str> = record.issues.iter().map(|i| i.title.as_str()).collect();
        reasons.push(Unmet::new(
            "tracker_issues",
            format!(
                "{step}: the tracker has {} issues (expected {issues}): {titles:?}",
                record.issues.len()
            ),
        ));
    }
    if let Some(events) = expect.events
        && record.events != events
    {
        reasons.push(Unmet::new(
            "tracker_events",
            format!(
                "{step}: the tracker counted {} events (expected {events}; waited {} ms for them)",
                record.events, record.waited_ms
            ),
        ));
    }
    for rule in &expect.leaks {
        if !record.rules.iter().any(|r| r == rule.get_ref()) {
            reasons.push(Unmet::new(
                "tracker_leak_not_found",
                format!(
                    "{step}: leak rule `{}` fires on no stored event (rules that fired: {})",
                    rule.get_ref(),
                    list(&record.rules)
                ),
            ));
        }
    }
    for email in &expect.emails {
        if !record.emails.iter().any(|e| e == email) {
            reasons.push(Unmet::new(
                "tracker_email_not_found",
                format!(
                    "{step}: no stored event carries {email} (addresses found: {})",
                    list(&record.emails)
                ),
            ));
        }
    }
    if expect.no_leaks && record.leaking_events > 0 {
        reasons.push(Unmet::new(
            "tracker_leaked",
            format!(
                "{step}: {} stored events leak (rules: {}; e-mail addresses: {})",
                record.leaking_events,
                list(&record.rules),
                list(&record.emails)
            ),
        ));
    }
    for (text, wanted) in contains {
        let present = record.text.contains(text.as_str());
        if present != *wanted {
            reasons.push(Unmet::new(
                if *wanted {
                    "tracker_text_missing"
                } else {
                    "tracker_text_present"
                },
                format!(
                    "{step}: the stored events {} {text:?}",
                    if *wanted { "do not contain" } else { "contain" }
                ),
            ));
        }
    }
    if let (Some(found), Some(lookup)) = (expect.found, &record.lookup) {
        let id = lookup.correlation_id.as_deref();
        match (id, &lookup.issue, found) {
            (None, _, true) => reasons.push(Unmet::new(
                "tracker_lookup",
                format!(
                    "{step}: `{}`'s response carried no correlation id to look up",
                    lookup.of_step
                ),
            )),
            (Some(id), None, true) => reasons.push(Unmet::new(
                "tracker_lookup",
                format!("{step}: correlation id {id} (of `{}`) leads to no issue", lookup.of_step),
            )),
            (Some(id), Some(issue), false) => reasons.push(Unmet::new(
                "tracker_lookup",
                format!(
                    "{step}: correlation id {id} (of `{}`) leads to issue {issue:?} (expected none)",
                    lookup.of_step
                ),
            )),
            _ => {}
        }
    }
    if expect.events_match_responses && !record.events_match_answers() {
        reasons.push(Unmet::new(
            "tracker_events_mismatch",
            format!(
                "{step}: events and 5xx answers do not match one to one (answers without an \
                 event: {}; with several: {}; events of no answer: {})",
                list(&record.answers_without_event),
                list(&record.answers_with_several_events),
                list(&record.events_without_answer)
            ),
        ));
    }
    reasons
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::{Lookup, TrackerRecord, check};
    use crate::scenario::TrackerExpect;

    fn record() -> TrackerRecord {
        TrackerRecord {
            step_index: 4,
            step: "stored".into(),
            project: "p".into(),
            issues: Vec::new(),
            events: 2,
            leaking_events: 1,
            rules: vec!["secret.credential".into()],
            emails: vec!["margaret@example.com".into()],
            answers: vec!["a".into(), "b".into()],
            answers_without_event: vec!["b".into()],
            answers_with_several_events: Vec::new(),
            events_without_answer: vec!["(none)".into()],
            lookup: Some(Lookup {
                of_step: "search".into(),
                correlation_id: None,
                issue: None,
            }),
            waited_ms: 10,
            text: "{\"extra\":{\"fx_api_key\":\"k\"}}".into(),
        }
    }

    fn codes(expect: &TrackerExpect, texts: &[(String, bool)]) -> Vec<&'static str> {
        check(expect, &record(), texts)
            .iter()
            .map(|u| u.code)
            .collect()
    }

    #[test]
    fn each_tracker_expectation_fails_on_what_contradicts_it() {
        let expect = TrackerExpect {
            issues: Some(1),
            events: Some(4),
            no_leaks: true,
            emails: vec!["ada@example.org".into()],
            found: Some(true),
            events_match_responses: true,
            ..TrackerExpect::default()
        };
        let texts = [
            ("fx_api_key".to_string(), false),
            ("absent".to_string(), true),
        ];
        assert_eq!(
            codes(&expect, &texts),
            [
                "tracker_issues",
                "tracker_events",
                "tracker_email_not_found",
                "tracker_leaked",
                "tracker_text_present",
                "tracker_text_missing",
                "tracker_lookup",
                "tracker_events_mismatch"
            ]
        );
        let reasons = check(&expect, &record(), &[]);
        assert!(
            reasons.iter().any(|r| r
                .message
                .contains("`search`'s response carried no correlation id")),
            "{reasons:?}"
        );
    }

    #[test]
    fn a_record_that_meets_its_expectations_has_no_reason() {
        let expect = TrackerExpect {
            issues: Some(0),
            events: Some(2),
            emails: vec!["margaret@example.com".into()],
            found: Some(false),
            ..TrackerExpect::default()
        };
        let texts = [("fx_api_key".to_string(), true)];
        assert!(codes(&expect, &texts).is_empty());
        let leaks = TrackerExpect {
            leaks: vec![toml::Spanned::new(0..0, "secret.credential".to_string())],
            ..TrackerExpect::default()
        };
        assert!(codes(&leaks, &[]).is_empty());
        let missing = TrackerExpect {
            leaks: vec![toml::Spanned::new(0..0, "sql.statement".to_string())],
            ..TrackerExpect::default()
        };
        assert_eq!(codes(&missing, &[]), ["tracker_leak_not_found"]);
    }
}
