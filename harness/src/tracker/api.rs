//! A client of Bugsink's canonical API: a bounded number of pages, a timeout per request,
//! and errors that say which request failed and what to check.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where the tracker is and the token its API takes.
#[derive(Debug, Clone)]
pub struct Connection {
    /// `http://127.0.0.1:8765` (what `bugsink.sh start` prints as BUGSINK_URL).
    pub url: String,
    pub token: String,
}

/// A project of the tracker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Project {
    pub id: String,
    pub name: String,
}

/// One issue: the tracker's group of events it considers one defect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub id: String,
    /// `DEMO-APP-DEV-3`: what the tracker's pages and alerts call it.
    pub friendly_id: String,
    /// `type: value`, as the tracker titles it.
    pub title: String,
    /// Events the tracker counted for it (all of them, read or not).
    pub event_count: u64,
    pub first_seen: String,
    pub last_seen: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TrackerError {
    #[error("the tracker URL `{0}` is not http(s)://HOST:PORT")]
    BadUrl(String),
    #[error("cannot reach the tracker at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    #[error("the tracker answered {status} to GET {path}{hint}")]
    Api {
        status: u16,
        path: String,
        hint: &'static str,
    },
    #[error("the tracker answered {status} to POST {path}: {body}")]
    Refused {
        status: u16,
        path: String,
        body: String,
    },
    #[error("the tracker's answer to {path} is not what its API documents: {cause}")]
    Decode { path: String, cause: String },
    #[error("the tracker has no project `{name}` (it has: {known})")]
    NoProject { name: String, known: String },
}

/// Pages followed per listing: a bound, whatever the tracker holds.
const MAX_PAGES: usize = 20;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

#[derive(Deserialize)]
struct Page {
    next: Option<String>,
    results: Vec<Value>,
}

impl Client {
    pub(super) fn new(connection: &Connection) -> Result<Client, TrackerError> {
        let base = connection.url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(TrackerError::BadUrl(connection.url.clone()));
        }
        crate::runner::http::install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| TrackerError::Unreachable {
                url: base.clone(),
                cause: e.to_string(),
            })?;
        Ok(Client {
            http,
            base,
            token: connection.token.clone(),
        })
    }

    async fn get(&self, path_or_url: &str) -> Result<Value, TrackerError> {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else {
            format!("{}/api/canonical/0/{path_or_url}", self.base)
        };
        // Pages only ever continue on the tracker's own origin.
        if !url.starts_with(&self.base) {
            return Err(TrackerError::Decode {
                path: format!("GET {path_or_url}"),
                cause: format!("a next page off the tracker's origin ({url})"),
            });
        }
        let path = url.trim_start_matches(&self.base).to_string();
        let response = self
            .http
            .get(&url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| TrackerError::Unreachable {
                url: self.base.clone(),
                cause: crate::runner::http::describe_transport_error(&e),
            })?;
        let status = response.status().as_u16();
        if status != 200 {
            let hint = match status {
                401 | 403 => " (check the token: `bugsink.sh start` prints BUGSINK_TOKEN)",
                404 => " (is this a Bugsink, and its URL without a path?)",
                _ => "",
            };
            return Err(TrackerError::Api { status, path, hint });
        }
        response.json().await.map_err(|e| TrackerError::Decode {
            path: format!("GET {path}"),
            cause: e.to_string(),
        })
    }

    /// POSTs a JSON object to the API; the created object's representation.
    async fn post(&self, path: &str, body: &Value) -> Result<Value, TrackerError> {
        let url = format!("{}/api/canonical/0/{path}", self.base);
        let response = self
            .http
            .post(&url)
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(|e| TrackerError::Unreachable {
                url: self.base.clone(),
                cause: crate::runner::http::describe_transport_error(&e),
            })?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let mut body = response.text().await.unwrap_or_default();
            body.truncate(300);
            return Err(TrackerError::Refused {
                status,
                path: path.to_string(),
                body,
            });
        }
        response.json().await.map_err(|e| TrackerError::Decode {
            path: format!("POST {path}"),
            cause: e.to_string(),
        })
    }

    /// The id of the team named `name`, made if there is none.
    pub(super) async fn team(&self, name: &str) -> Result<String, TrackerError> {
        let teams = self.list("teams/", usize::MAX).await?;
        Ok(
            match teams.iter().find(|t| t["name"].as_str() == Some(name)) {
                Some(found) => text(&found["id"]),
                None => text(
                    &self
                        .post("teams/", &serde_json::json!({"name": name}))
                        .await?["id"],
                ),
            },
        )
    }

    /// A new project named `name` in the team `team_id`, and its DSN (which is in the
    /// project's own record, not in the answer to its creation).
    pub(super) async fn create_project(
        &self,
        team_id: &str,
        name: &str,
    ) -> Result<(Project, String), TrackerError> {
        let created = self
            .post(
                "projects/",
                &serde_json::json!({"name": name, "team": team_id}),
            )
            .await?;
        let id = text(&created["id"]);
        let path = format!("projects/{id}/");
        let record = self.get(&path).await?;
        let dsn = record["dsn"]
            .as_str()
            .filter(|dsn| dsn.starts_with("http"))
            .ok_or_else(|| TrackerError::Decode {
                path: format!("GET {path}"),
                cause: "the project has no `dsn`".to_string(),
            })?
            .to_string();
        Ok((
            Project {
                id,
                name: name.to_string(),
            },
            dsn,
        ))
    }

    async fn list(&self, path: &str, limit: usize) -> Result<Vec<Value>, TrackerError> {
        let mut items = Vec::new();
        let mut next = Some(path.to_string());
        for _ in 0..MAX_PAGES {
            let Some(page_path) = next.take() else { break };
            let page: Page = serde_json::from_value(self.get(&page_path).await?).map_err(|e| {
                TrackerError::Decode {
                    path: format!("GET {page_path}"),
                    cause: e.to_string(),
                }
            })?;
            items.extend(page.results);
            if items.len() >= limit {
                items.truncate(limit);
                break;
            }
            next = page.next;
        }
        Ok(items)
    }

    /// The project named `name` (or with that id).
    pub(super) async fn project(&self, name: &str) -> Result<Project, TrackerError> {
        let projects: Vec<Project> = self
            .list("projects/", usize::MAX)
            .await?
            .iter()
            .map(|p| Project {
                id: text(&p["id"]),
                name: text(&p["name"]),
            })
            .collect();
        projects
            .iter()
            .find(|p| p.name == name || p.id == name)
            .cloned()
            .ok_or_else(|| TrackerError::NoProject {
                name: name.to_string(),
                known: if projects.is_empty() {
                    "none".to_string()
                } else {
                    projects
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            })
    }

    pub(super) async fn issues(&self, project: &Project) -> Result<Vec<Issue>, TrackerError> {
        let path = format!("issues/?project={}", project.id);
        let mut issues: Vec<Issue> = self
            .list(&path, usize::MAX)
            .await?
            .iter()
            .map(|i| Issue {
                id: text(&i["id"]),
                friendly_id: text(&i["friendly_id"]),
                title: format!(
                    "{}: {}",
                    text(&i["calculated_type"]),
                    text(&i["calculated_value"])
                ),
                event_count: i["digested_event_count"].as_u64().unwrap_or(0),
                first_seen: text(&i["first_seen"]),
                last_seen: text(&i["last_seen"]),
            })
            .collect();
        issues.sort_by(|a, b| a.first_seen.cmp(&b.first_seen).then(a.id.cmp(&b.id)));
        Ok(issues)
    }

    pub(super) async fn event_ids(
        &self,
        issue: &Issue,
        limit: usize,
    ) -> Result<Vec<String>, TrackerError> {
        let path = format!("events/?issue={}", issue.id);
        Ok(self
            .list(&path, limit)
            .await?
            .iter()
            .map(|e| text(&e["id"]))
            .collect())
    }

    /// The event as the tracker stored it (its `data`: what the SDK sent).
    pub(super) async fn event(&self, id: &str) -> Result<Value, TrackerError> {
        let mut stored = self.get(&format!("events/{id}/")).await?;
        Ok(stored["data"].take())
    }
}

/// A JSON string or number as text (ids are numbers in some answers, strings in others).
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
