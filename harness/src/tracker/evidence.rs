//! Stored events judged like responses: the leak rules over the whole event as the tracker
//! keeps it (request, headers, body, exception, tags, extra), plus e-mail addresses, which
//! no leak rule looks for (an address in a response is often the point of the page; in a
//! tracker it is a customer's data sent to a third party).

use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;
use serde_json::Value;

use super::{Issue, Project};
use crate::leaks::{self, Finding};

/// One stored event, judged.
#[derive(Debug, Clone, Serialize)]
pub struct EventEvidence {
    pub id: String,
    /// The event's `correlation_id` tag: the id the response that caused it carried.
    pub correlation_id: Option<String>,
    pub environment: Option<String>,
    /// The fingerprint the SDK sent (`{{ default }}` or none: the tracker's own grouping).
    pub fingerprint: Vec<String>,
    pub findings: Vec<Finding>,
    pub emails: Vec<String>,
    /// The event as stored (what the SDK sent); left out of the JSON report for its size.
    #[serde(skip)]
    pub data: Value,
}

impl EventEvidence {
    pub fn judge(id: String, stored: &Value) -> EventEvidence {
        let text = stored.to_string();
        let findings = leaks::scan(&leaks::Response {
            headers: &[],
            body: &text,
        });
        let tag = |name: &str| match &stored["tags"] {
            // Sentry's two shapes for tags: a map, or a list of [key, value] pairs.
            Value::Object(tags) => tags.get(name).and_then(Value::as_str).map(str::to_string),
            Value::Array(pairs) => pairs.iter().find_map(|pair| {
                (pair[0].as_str() == Some(name))
                    .then(|| pair[1].as_str().map(str::to_string))
                    .flatten()
            }),
            _ => None,
        };
        EventEvidence {
            id,
            correlation_id: tag("correlation_id"),
            environment: stored["environment"].as_str().map(str::to_string),
            fingerprint: stored["fingerprint"]
                .as_array()
                .map(|parts| {
                    parts
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            findings,
            emails: emails_in(&text),
            data: stored.clone(),
        }
    }

    /// Whether anything in it should not have left the app.
    pub fn leaks(&self) -> bool {
        !self.findings.is_empty() || !self.emails.is_empty()
    }
}

/// An issue with the events read from it.
#[derive(Debug, Clone, Serialize)]
pub struct IssueEvidence {
    pub issue: Issue,
    pub events: Vec<EventEvidence>,
}

/// Everything read from one project.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectEvidence {
    pub project: Project,
    pub issues: Vec<IssueEvidence>,
}

impl ProjectEvidence {
    pub fn events(&self) -> impl Iterator<Item = (&Issue, &EventEvidence)> {
        self.issues
            .iter()
            .flat_map(|i| i.events.iter().map(move |e| (&i.issue, e)))
    }

    /// The issue and event a user's correlation id leads to.
    pub fn find(&self, correlation_id: &str) -> Option<(&Issue, &EventEvidence)> {
        self.events()
            .find(|(_, e)| e.correlation_id.as_deref() == Some(correlation_id))
    }

    /// Stored events with a leak finding or an e-mail address.
    pub fn leaking_events(&self) -> usize {
        self.events().filter(|(_, e)| e.leaks()).count()
    }

    /// Events the tracker counted, over all issues.
    pub fn event_count(&self) -> u64 {
        self.issues.iter().map(|i| i.issue.event_count).sum()
    }
}

/// The distinct e-mail addresses in `text` (JSON-escaped text included), in order.
pub fn emails_in(text: &str) -> Vec<String> {
    static EMAIL: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(pattern) = EMAIL
        .get_or_init(|| Regex::new(r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b").ok())
        .as_ref()
    else {
        return Vec::new();
    };
    let mut found: Vec<String> = Vec::new();
    for m in pattern.find_iter(text) {
        // `%40` and JSON's `\u0040` are how a URL or a serialiser may write the `@`; the
        // regex sees the plain ones, and a decoded copy catches the rest.
        if !found.iter().any(|f| f == m.as_str()) {
            found.push(m.as_str().to_string());
        }
    }
    let decoded = text.replace("%40", "@").replace("\\u0040", "@");
    if decoded != text {
        for m in pattern.find_iter(&decoded) {
            if !found.iter().any(|f| f == m.as_str()) {
                found.push(m.as_str().to_string());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::{EventEvidence, emails_in};

    #[test]
    fn emails_are_found_plain_and_encoded_and_look_alikes_are_not() {
        assert_eq!(
            emails_in(r#"{"email":"margaret@example.com","to":"ada%40example.org"}"#),
            ["margaret@example.com", "ada@example.org"]
        );
        assert!(emails_in("admin@localhost, @handle, price @ 4.50, [email]").is_empty());
    }

    #[test]
    fn an_event_is_judged_by_the_leak_rules_and_its_tags_are_read() {
        let stored = serde_json::json!({
            "environment": "dev",
            "tags": {"correlation_id": "c0ffee"},
            "extra": {"settings": {"database_url": "postgres://app:s3cret@db.internal:5432/shop"}},
            "request": {"data": "{\"email\":\"margaret@example.com\"}"}
        });
        let event = EventEvidence::judge("1".into(), &stored);
        assert_eq!(event.correlation_id.as_deref(), Some("c0ffee"));
        assert!(
            event
                .findings
                .iter()
                .any(|f| f.rule == "secret.connection-string"),
            "{:?}",
            event.findings
        );
        // `s3cret@db.internal` reads as an address too: a password in a URL is a leak anyway.
        assert!(
            event.emails.iter().any(|m| m == "margaret@example.com"),
            "{:?}",
            event.emails
        );
        assert!(event.leaks());

        let clean = serde_json::json!({
            "tags": [["correlation_id", "c0ffee"], ["route", "/authors"]],
            "exception": {"values": [{"type": "internal-error", "value": "GET /authors: Internal Server Error"}]}
        });
        let event = EventEvidence::judge("2".into(), &clean);
        assert_eq!(event.correlation_id.as_deref(), Some("c0ffee"));
        assert!(!event.leaks(), "{event:?}");
    }
}
