//! What every fuzzed response is checked for. A response that fails a check lands in a
//! bucket; names follow Schemathesis where one exists.

use std::time::Duration;

use serde::Serialize;

use crate::leaks;

/// Which expectations apply to errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// demo-app in prod: every error is RFC 9457 problem+json with a correlation id.
    ProblemDetails,
    /// demo-app in dev: careless on purpose; only 5xx, leaks and time are checked.
    Careless,
    /// Any other service: an error carries some structured body (JSON or XML).
    Generic,
}

/// A check a response failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The status is 5xx.
    NotAServerError,
    /// No response: the connection was dropped, refused or timed out.
    Responded,
    /// A leak rule fired.
    LeakFree,
    /// An error that is not problem+json with a correlation id (prod profile).
    ProblemDetails,
    /// An error with no structured body (generic profile).
    StructuredError,
    /// Slower than the limit.
    ResponseTime,
}

impl Check {
    pub fn name(self) -> &'static str {
        match self {
            Check::NotAServerError => "not_a_server_error",
            Check::Responded => "responded",
            Check::LeakFree => "leak_free",
            Check::ProblemDetails => "problem_details",
            Check::StructuredError => "structured_error",
            Check::ResponseTime => "response_time",
        }
    }
}

/// What came back for one request.
#[derive(Debug, Clone)]
pub struct Observed {
    /// `None` when no response arrived.
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The transport error: no response, or a body that broke off or never finished.
    pub error: Option<String>,
    pub elapsed: Duration,
    /// The request timeout ended the exchange (before the headers, or during the body).
    pub timed_out: bool,
    /// The body was longer than the cap: only its start was read and checked.
    pub truncated: bool,
}

impl Observed {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The checks failed and the leak findings.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    pub failed: Vec<Check>,
    pub findings: Vec<leaks::Finding>,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.failed.is_empty()
    }
}

pub fn check(observed: &Observed, profile: Profile, time_limit: Duration) -> Verdict {
    let mut verdict = Verdict::default();
    if observed.elapsed > time_limit || observed.timed_out {
        verdict.failed.push(Check::ResponseTime);
    }
    let Some(status) = observed.status else {
        verdict.failed.push(Check::Responded);
        verdict.failed.sort();
        return verdict;
    };
    if observed.error.is_some() && !observed.timed_out {
        // The headers came, then the connection broke: no complete response either.
        verdict.failed.push(Check::Responded);
    }
    if status >= 500 {
        verdict.failed.push(Check::NotAServerError);
    }
    verdict.findings = leaks::scan(&leaks::Response {
        headers: &observed.headers,
        body: &observed.body,
    });
    if !verdict.findings.is_empty() {
        verdict.failed.push(Check::LeakFree);
    }
    if status >= 400 {
        let content_type = observed
            .header("content-type")
            .unwrap_or("")
            .to_ascii_lowercase();
        match profile {
            Profile::ProblemDetails => {
                let has_id = serde_json::from_str::<serde_json::Value>(&observed.body)
                    .ok()
                    .and_then(|v| {
                        v.get("correlation_id")
                            .and_then(|id| id.as_str().map(str::len))
                    })
                    .is_some_and(|len| len > 0);
                // HEAD answers carry no body by definition.
                let bodiless = observed.body.is_empty() && content_type.contains("problem+json");
                if !(content_type.starts_with("application/problem+json") && (has_id || bodiless)) {
                    verdict.failed.push(Check::ProblemDetails);
                }
            }
            Profile::Generic => {
                let structured = (content_type.contains("json")
                    && serde_json::from_str::<serde_json::Value>(&observed.body).is_ok())
                    || content_type.contains("xml");
                if !structured {
                    verdict.failed.push(Check::StructuredError);
                }
            }
            Profile::Careless => {}
        }
    }
    verdict.failed.sort();
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(status: u16, content_type: &str, body: &str) -> Observed {
        Observed {
            status: Some(status),
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            error: None,
            elapsed: Duration::from_millis(5),
            timed_out: false,
            truncated: false,
        }
    }

    #[test]
    fn a_problem_with_an_id_passes_and_a_bare_500_fails_twice() {
        let limit = Duration::from_secs(5);
        let good = observed(
            404,
            "application/problem+json",
            r#"{"status":404,"correlation_id":"abc"}"#,
        );
        assert!(check(&good, Profile::ProblemDetails, limit).passed());
        let bare = observed(500, "text/plain", "oops");
        assert_eq!(
            check(&bare, Profile::ProblemDetails, limit).failed,
            vec![Check::NotAServerError, Check::ProblemDetails]
        );
        assert_eq!(
            check(&bare, Profile::Careless, limit).failed,
            vec![Check::NotAServerError]
        );
        assert_eq!(
            check(&bare, Profile::Generic, limit).failed,
            vec![Check::NotAServerError, Check::StructuredError]
        );
    }

    #[test]
    fn a_traceback_is_a_leak_and_a_dropped_connection_is_its_own_check() {
        let limit = Duration::from_secs(5);
        let traceback = observed(
            500,
            "text/html",
            "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 12, in show\n",
        );
        let verdict = check(&traceback, Profile::Generic, limit);
        assert!(verdict.failed.contains(&Check::LeakFree), "{verdict:?}");
        let dropped = Observed {
            status: None,
            headers: vec![],
            body: String::new(),
            error: Some("connection closed before message completed".into()),
            elapsed: Duration::from_millis(1),
            timed_out: false,
            truncated: false,
        };
        assert_eq!(
            check(&dropped, Profile::Generic, limit).failed,
            vec![Check::Responded]
        );
        let slow = Observed {
            elapsed: Duration::from_secs(6),
            ..observed(200, "application/json", "{}")
        };
        assert_eq!(
            check(&slow, Profile::Generic, limit).failed,
            vec![Check::ResponseTime]
        );
        let never_answered = Observed {
            timed_out: true,
            elapsed: Duration::from_millis(100),
            ..dropped.clone()
        };
        assert_eq!(
            check(&never_answered, Profile::Generic, limit).failed,
            vec![Check::Responded, Check::ResponseTime],
            "a timeout is an observation, whatever the time limit"
        );
        let trickled = Observed {
            timed_out: true,
            error: Some("the body was still coming".into()),
            ..observed(200, "application/json", "{")
        };
        assert_eq!(
            check(&trickled, Profile::Generic, limit).failed,
            vec![Check::ResponseTime]
        );
        let broke_off = Observed {
            error: Some("the body broke off".into()),
            ..observed(200, "application/json", "{")
        };
        assert_eq!(
            check(&broke_off, Profile::Generic, limit).failed,
            vec![Check::Responded]
        );
    }
}
