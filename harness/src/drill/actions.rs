//! The mitigations a responder has: each one an authenticated ops route on the running app
//! (docs/operations.md). `harness drill act` and the autopilot send them from here; the
//! drill learns what was done from the app's own log (`ObservedAction`), so an action sent
//! with curl counts the same.

use std::fmt;

use reqwest::Method;
use serde::Serialize;

use crate::app::drill::{self as shop, ops};

/// One mitigation, as a responder names it (`harness drill act ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Back to the release before the last deploy.
    Rollback,
    /// Pause the background job.
    PauseJob,
    /// Open the FX circuit breaker: orders use the last-known rate, no upstream call.
    OpenBreaker,
    /// Load shedding: at most this many requests in flight, 503 beyond.
    Shed(u32),
    /// At most `per_second` requests a second from one User-Agent, 429 beyond.
    RateLimit { user_agent: String, per_second: u32 },
    /// Re-read the settings (a rotated secret).
    Reload,
    /// Serve the sales report from its last good answers, no query.
    CacheReports,
}

/// The words `act` takes, for its help and its errors.
pub const USAGE: &str = "rollback | pause-job | open-breaker | shed N | rate-limit USER-AGENT N | reload | cache-reports";

impl Action {
    /// Parses `act`'s words.
    pub fn parse(words: &[String]) -> Result<Action, String> {
        let number = |word: Option<&String>, what: &str| -> Result<u32, String> {
            let word = word.ok_or_else(|| format!("`{what}` needs a number"))?;
            match word.parse::<u32>() {
                Ok(n) if (1..=10_000).contains(&n) => Ok(n),
                _ => Err(format!("`{word}` is not a number from 1 to 10000")),
            }
        };
        let mut words = words.iter();
        let Some(first) = words.next() else {
            return Err(format!("say which action: {USAGE}"));
        };
        let rest: Vec<&String> = words.collect();
        let action = match first.as_str() {
            "rollback" => Action::Rollback,
            "pause-job" => Action::PauseJob,
            "open-breaker" => Action::OpenBreaker,
            "shed" => Action::Shed(number(rest.first().copied(), "shed")?),
            "rate-limit" => {
                let [agent, n] = rest.as_slice() else {
                    return Err(
                        "`rate-limit` needs a User-Agent (quoted) and a number per second"
                            .to_string(),
                    );
                };
                Action::RateLimit {
                    user_agent: agent.to_string(),
                    per_second: number(Some(n), "rate-limit")?,
                }
            }
            "reload" => Action::Reload,
            "cache-reports" => Action::CacheReports,
            other => {
                let known = [
                    "rollback",
                    "pause-job",
                    "open-breaker",
                    "shed",
                    "rate-limit",
                    "reload",
                    "cache-reports",
                ];
                let hint = crate::scenario::suggest(other, known.iter().copied(), "actions");
                return Err(format!("no action `{other}`. {hint} Usage: act {USAGE}"));
            }
        };
        let takes = match action {
            Action::Shed(_) => 1,
            Action::RateLimit { .. } => 2,
            _ => 0,
        };
        if rest.len() > takes {
            return Err(format!(
                "`{first}` takes {takes} more word(s), not {}",
                rest.len()
            ));
        }
        Ok(action)
    }

    /// The request that carries it out: method, path, JSON body.
    pub fn request(&self) -> (Method, String, Option<serde_json::Value>) {
        use serde_json::json;
        match self {
            Action::Rollback => (
                Method::POST,
                ops::RELEASE.to_string(),
                Some(json!({ "version": shop::GOOD_RELEASE })),
            ),
            Action::PauseJob => (
                Method::POST,
                format!("{}/{}", ops::JOBS, ops::JOB),
                Some(json!({ "state": "paused" })),
            ),
            Action::OpenBreaker => (
                Method::POST,
                ops::FX_BREAKER.to_string(),
                Some(json!({ "open": true, "fallback": "last-known" })),
            ),
            Action::Shed(limit) => (
                Method::POST,
                ops::SHEDDING.to_string(),
                Some(json!({ "max_in_flight": limit })),
            ),
            Action::RateLimit {
                user_agent,
                per_second,
            } => (
                Method::POST,
                ops::RATE_LIMIT.to_string(),
                Some(json!({ "user_agent": user_agent, "per_second": per_second })),
            ),
            Action::Reload => (Method::POST, ops::RELOAD.to_string(), None),
            Action::CacheReports => (
                Method::POST,
                ops::REPORTS.to_string(),
                Some(json!({ "serve": "cached" })),
            ),
        }
    }

    /// The same request as a curl line a person can read and type.
    pub fn curl(&self, base_url: &str, token: &str) -> String {
        let (method, path, body) = self.request();
        let mut line =
            format!("curl -sS -X {method} {base_url}{path} -H 'Authorization: Bearer {token}'");
        if let Some(body) = body {
            let text = body.to_string().replace('\'', r"'\''");
            line.push_str(&format!(" -H 'Content-Type: application/json' -d '{text}'"));
        }
        line
    }

    /// Sends it; the app's answer (status and body) or why it could not be sent.
    pub async fn send(
        &self,
        client: &reqwest::Client,
        base_url: &str,
        token: &str,
    ) -> anyhow::Result<(u16, String)> {
        let (method, path, body) = self.request();
        let mut request = client
            .request(method, format!("{base_url}{path}"))
            .bearer_auth(token)
            .timeout(std::time::Duration::from_secs(5));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        Ok((status, text))
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Rollback => write!(f, "rollback"),
            Action::PauseJob => write!(f, "pause-job"),
            Action::OpenBreaker => write!(f, "open-breaker"),
            Action::Shed(n) => write!(f, "shed {n}"),
            Action::RateLimit {
                user_agent,
                per_second,
            } => write!(f, "rate-limit {user_agent:?} {per_second}"),
            Action::Reload => write!(f, "reload"),
            Action::CacheReports => write!(f, "cache-reports"),
        }
    }
}

/// An ops action the app logged (`ops_action`), however it was sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedAction {
    /// The log line's `ops_action`: release, job, fx-breaker, shedding, rate-limit, reload,
    /// reports.
    pub kind: String,
    /// The line's other fields (from, to, job, user_agent, ...), as logged.
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl ObservedAction {
    /// The action in a JSON log line of the app, if it names one.
    pub fn from_log_line(line: &str) -> Option<ObservedAction> {
        if !line.contains(ops::ACTION_FIELD) {
            return None;
        }
        let entry: serde_json::Value = serde_json::from_str(line).ok()?;
        let fields = entry.get("fields")?.as_object()?;
        let kind = fields.get(ops::ACTION_FIELD)?.as_str()?.to_string();
        let mut fields = fields.clone();
        fields.remove(ops::ACTION_FIELD);
        fields.remove("message");
        Some(ObservedAction { kind, fields })
    }

    fn field(&self, name: &str) -> String {
        match self.fields.get(name) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }

    /// The responder's words for it (`act`'s), as best the log line says.
    pub fn describe(&self) -> String {
        match self.kind.as_str() {
            "release" => format!("release {} -> {}", self.field("from"), self.field("to")),
            "job" => format!("job {} -> {}", self.field("job"), self.field("to")),
            "fx-breaker" => format!("fx-breaker -> {}", self.field("to")),
            "shedding" => format!("shedding max_in_flight -> {}", self.field("to")),
            "rate-limit" => format!(
                "rate-limit {:?} -> {}/s",
                self.field("user_agent"),
                self.field("to")
            ),
            "reload" => format!("reload (applied: {})", self.field("applied")),
            "reports" => format!("reports -> {}", self.field("to")),
            other => other.to_string(),
        }
    }

    /// Whether this is the action `action` names (the same route, in the same direction).
    pub fn is(&self, action: &Action) -> bool {
        let to = self.field("to");
        match action {
            Action::Rollback => self.kind == "release" && to == shop::GOOD_RELEASE,
            Action::PauseJob => self.kind == "job" && to == "paused",
            // The app logs the breaker's state as `closed`, `open, last-known`, `open, fail-fast`.
            Action::OpenBreaker => self.kind == "fx-breaker" && to.starts_with("open"),
            Action::Shed(_) => self.kind == "shedding" && to != "0",
            Action::RateLimit { user_agent, .. } => {
                // `none` (or 0): the rule was removed.
                self.kind == "rate-limit"
                    && &self.field("user_agent") == user_agent
                    && !matches!(to.as_str(), "none" | "0" | "")
            }
            Action::Reload => self.kind == "reload",
            Action::CacheReports => self.kind == "reports" && to == "cached",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &[&str]) -> Vec<String> {
        text.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn actions_parse_with_their_arguments_and_refuse_the_rest() {
        assert_eq!(Action::parse(&words(&["rollback"])), Ok(Action::Rollback));
        assert_eq!(Action::parse(&words(&["shed", "8"])), Ok(Action::Shed(8)));
        assert_eq!(
            Action::parse(&words(&["rate-limit", "bot/1", "20"])),
            Ok(Action::RateLimit {
                user_agent: "bot/1".into(),
                per_second: 20
            })
        );
        assert!(Action::parse(&words(&["shed"])).is_err());
        assert!(Action::parse(&words(&["shed", "0"])).is_err());
        assert!(Action::parse(&words(&["rollback", "now"])).is_err());
        let typo = Action::parse(&words(&["rolback"])).expect_err("refused");
        assert!(typo.contains("Did you mean `rollback`?"), "{typo}");
        assert!(Action::parse(&[]).is_err());
    }

    #[test]
    fn a_curl_line_quotes_its_body() {
        let action = Action::RateLimit {
            user_agent: "it's/1".into(),
            per_second: 5,
        };
        let line = action.curl("http://127.0.0.1:1", "t0k");
        assert!(line.starts_with("curl -sS -X POST http://127.0.0.1:1/ops/rate-limit"));
        assert!(
            line.contains(r#"-d '{"per_second":5,"user_agent":"it'\''s/1"}'"#),
            "{line}"
        );
    }

    #[test]
    fn logged_actions_are_read_from_the_apps_json_lines() {
        let line = r#"{"timestamp":"t","level":"WARN","fields":{"message":"release switched","ops_action":"release","from":"v2","to":"v1"},"target":"demo_app"}"#;
        let seen = ObservedAction::from_log_line(line).expect("an action");
        assert_eq!(seen.kind, "release");
        assert!(seen.is(&Action::Rollback));
        assert!(!seen.is(&Action::Reload));
        assert_eq!(seen.describe(), "release v2 -> v1");
        assert_eq!(
            ObservedAction::from_log_line(r#"{"fields":{"message":"x"}}"#),
            None
        );
        assert_eq!(ObservedAction::from_log_line("ops_action not json"), None);
    }
}
