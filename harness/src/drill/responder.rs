//! `--autopilot`: a responder that plays docs/incident-response.md's runbook from the
//! signals alone. It is given what an on-call engineer is given (the app's URL, the ops
//! token, the JSON log's path) and nothing else: it imports nothing of the incident
//! catalogue or the injector. It reads /metrics every second, pages itself when the 5xx
//! ratio crosses 1 %, then reads the error groups, the log, the release history, the jobs
//! and the traffic by client, names a cause and applies the runbook's mitigation. If the
//! ratio is still high a while after, it looks again, leaving out what it already tried.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::actions::Action;
use super::cause::Cause;
use super::session::{Event, now_unix_ms};
use super::signals::{
    Group, Reading, get_groups, get_json, get_text, parse_metrics, recent_failures,
};
use crate::app::drill::ops;

/// What the responder is given.
#[derive(Debug, Clone)]
pub struct Pager {
    pub base_url: String,
    pub ops_token: String,
    pub log_file: PathBuf,
}

/// The runbook's ratio (the alert threshold) over its window.
const THRESHOLD: f64 = 0.01;
const WINDOW: usize = 10;
const MIN_REQUESTS: u64 = 20;
/// How long a mitigation gets before the responder looks again.
const PATIENCE_AFTER_ACTION: Duration = Duration::from_secs(20);
/// How long the responder gathers evidence before it guesses.
const MOST_EVIDENCE_WAIT: Duration = Duration::from_secs(20);

/// What the runbook looks at once paged.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// 5xx groups that grew since the page.
    pub growing: Vec<Group>,
    /// The cause chains of the log's recent "request failed" lines.
    pub logged_causes: Vec<String>,
    /// Of those, the chains of failures whose statement was a read (its SQL a SELECT or
    /// WITH): a query slow by itself, not a write that waited for someone's lock.
    pub logged_read_causes: Vec<String>,
    /// The release serving, and how long ago (s) it started serving by an operator's
    /// switch; `None` when it has served since start-up.
    pub release: String,
    pub deployed_s_ago: Option<u64>,
    pub jobs_running: Vec<String>,
    /// Requests per second by User-Agent now (the last window) and before the page.
    pub agents_now: BTreeMap<String, f64>,
    pub agents_before: BTreeMap<String, f64>,
}

/// The runbook (docs/incident-response.md, "The runbook: a sudden rise in 5xx"), as a function:
/// a cause and its mitigation, or `None` while the evidence says nothing yet.
pub fn diagnose(evidence: &Evidence, tried: &[Action]) -> Option<(Cause, Action)> {
    let untried = |action: Action| (!tried.contains(&action)).then_some(action);
    let mentions = |needles: &[&str]| {
        let hit = |text: &str| {
            let text = text.to_ascii_lowercase();
            needles.iter().any(|needle| text.contains(needle))
        };
        evidence.logged_causes.iter().any(|c| hit(c))
            || evidence.growing.iter().any(|g| hit(&g.message))
    };
    // 1. A deploy shortly before, and errors that began with the new release.
    let fresh_deploy = evidence.deployed_s_ago.is_some_and(|s| s <= 600);
    if fresh_deploy
        && evidence
            .growing
            .iter()
            .any(|g| g.first_release == evidence.release)
        && let Some(action) = untried(Action::Rollback)
    {
        return Some((Cause::Deploy, action));
    }
    // 2. A job that started and holds pooled connections, while requests wait for the pool.
    let pool = mentions(&["pool timed out", "pooltimedout"]);
    if pool
        && !evidence.jobs_running.is_empty()
        && let Some(action) = untried(Action::PauseJob)
    {
        return Some((Cause::Pool, action));
    }
    // 3. A new client population: one agent several times its usual rate.
    if let Some((agent, rate)) = surging_agent(evidence) {
        // Leave it a tenth of what it sends: enough to see it is limited, too little to hurt.
        let per_second = ((rate / 10.0).round() as u32).clamp(1, 10_000);
        if let Some(action) = untried(Action::RateLimit {
            user_agent: agent,
            per_second,
        }) {
            return Some((Cause::Traffic, action));
        }
    }
    // 4. Reads cancelled at their deadline: a query got slow. Checked before the upstream,
    //    because a slow query that eats the CPU also makes upstream calls time out. A
    //    cancelled write waited for a row lock: whoever holds it is the story (step 5).
    let cancelled_read = evidence.logged_read_causes.iter().any(|chain| {
        let chain = chain.to_ascii_lowercase();
        ["statement timeout", "canceling statement", "interrupted"]
            .iter()
            .any(|needle| chain.contains(needle))
    });
    if cancelled_read && let Some(action) = untried(Action::CacheReports) {
        return Some((Cause::SlowQueries, action));
    }
    // 5. The upstream: bad gateway or gateway timeout answers, or its errors in the log.
    let upstream = evidence
        .growing
        .iter()
        .any(|g| g.status == 502 || g.status == 504)
        || mentions(&["fx api"]);
    if upstream {
        // Our credentials refused: a configuration matter, not the provider's outage.
        if mentions(&[
            " 401 ",
            "401 unauthorized",
            " 403 ",
            "403 forbidden",
            "invalid api_key",
        ]) && let Some(action) = untried(Action::Reload)
        {
            return Some((Cause::Config, action));
        }
        if let Some(action) = untried(Action::OpenBreaker) {
            return Some((Cause::Upstream, action));
        }
    }
    // 6. The pool exhausted and nothing above explains it: look again in a moment (the
    //    caller guesses once the evidence has had long enough to show).
    None
}

/// A client whose rate grew several-fold and is now a large share of all traffic.
fn surging_agent(evidence: &Evidence) -> Option<(String, f64)> {
    let total: f64 = evidence.agents_now.values().sum();
    evidence
        .agents_now
        .iter()
        .filter(|(agent, rate)| {
            let before = evidence.agents_before.get(*agent).copied().unwrap_or(0.0);
            **rate > 3.0 * before.max(1.0) && **rate > 0.3 * total && agent.as_str() != "other"
        })
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(agent, rate)| (agent.clone(), *rate))
}

/// Plays the runbook until `stop` is set. `say` hears its ack and diagnosis (as a person's
/// `harness drill ack` / `diagnose` would); its mitigations go to the app's ops routes.
pub async fn respond(pager: Pager, stop: Arc<AtomicBool>, say: impl Fn(Event)) {
    let Ok(client) = crate::runner::http::client_with(false) else {
        return;
    };
    let mut readings: Vec<Reading> = Vec::new();
    let mut paged_at: Option<usize> = None;
    let mut diagnosed = false;
    let mut tried: Vec<Action> = Vec::new();
    let mut last_action_at: Option<tokio::time::Instant> = None;
    let mut groups_at_page: BTreeMap<String, u64> = BTreeMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let Some(reading) = get_text(&client, &pager, "/metrics")
            .await
            .map(|t| parse_metrics(&t))
        else {
            continue;
        };
        readings.push(reading);
        let high = window_ratio(&readings).is_some_and(|r| r > THRESHOLD);
        let now = readings.len() - 1;
        if paged_at.is_none() {
            if high {
                paged_at = Some(now);
                say(Event::Ack {
                    at_unix_ms: now_unix_ms(),
                });
                groups_at_page = group_counts(&get_groups(&client, &pager).await);
            }
            continue;
        }
        let Some(paged) = paged_at else { continue };
        let waiting = last_action_at.is_some_and(|at| at.elapsed() < PATIENCE_AFTER_ACTION);
        if waiting || (!high && !tried.is_empty()) {
            continue;
        }
        let evidence = gather(&client, &pager, &readings, paged, &groups_at_page).await;
        let waited = Duration::from_secs((now - paged) as u64);
        let found = diagnose(&evidence, &tried).or_else(|| {
            // Nothing conclusive for long: the likeliest left, as a person would.
            (waited >= MOST_EVIDENCE_WAIT)
                .then(|| {
                    [
                        (Cause::Upstream, Action::OpenBreaker),
                        (Cause::Pool, Action::PauseJob),
                        (Cause::Deploy, Action::Rollback),
                    ]
                    .into_iter()
                    .find(|(_, action)| !tried.contains(action))
                })
                .flatten()
        });
        let Some((cause, action)) = found else {
            continue;
        };
        if !diagnosed {
            diagnosed = true;
            say(Event::Diagnose {
                at_unix_ms: now_unix_ms(),
                cause: cause.name().to_string(),
            });
        }
        let status = action
            .send(&client, &pager.base_url, &pager.ops_token)
            .await
            .ok()
            .map(|(status, _)| status);
        say(Event::Act {
            at_unix_ms: now_unix_ms(),
            action: action.to_string(),
            status,
        });
        tried.push(action);
        last_action_at = Some(tokio::time::Instant::now());
    }
}

/// The failed share of the requests over the last `WINDOW` readings' deltas.
fn window_ratio(readings: &[Reading]) -> Option<f64> {
    let last = readings.last()?;
    let first = &readings[readings.len().saturating_sub(WINDOW + 1)];
    let requests = last.requests.saturating_sub(first.requests);
    let errors = last.server_errors.saturating_sub(first.server_errors);
    (requests >= MIN_REQUESTS).then(|| errors as f64 / requests as f64)
}

/// Requests per second by agent between two readings.
fn agent_rates(from: &Reading, to: &Reading, seconds: usize) -> BTreeMap<String, f64> {
    let seconds = seconds.max(1) as f64;
    to.by_agent
        .iter()
        .map(|(agent, count)| {
            let before = from.by_agent.get(agent).copied().unwrap_or(0);
            (agent.clone(), count.saturating_sub(before) as f64 / seconds)
        })
        .collect()
}

async fn gather(
    client: &reqwest::Client,
    pager: &Pager,
    readings: &[Reading],
    paged: usize,
    groups_at_page: &BTreeMap<String, u64>,
) -> Evidence {
    let groups = get_groups(client, pager).await;
    let growing = groups
        .into_iter()
        .filter(|g| g.status >= 500)
        .filter(|g| g.count > groups_at_page.get(&group_key(g)).copied().unwrap_or(0))
        .collect();
    let release: serde_json::Value = get_json(client, pager, ops::RELEASE)
        .await
        .unwrap_or_default();
    let serving = release["release"].as_str().unwrap_or("").to_string();
    let now_ms = now_unix_ms();
    let deployed_s_ago = release["history"]
        .as_array()
        .and_then(|history| history.last())
        .filter(|last| last["by"].as_str() != Some("start-up"))
        .and_then(|last| last["since_unix_ms"].as_u64())
        .map(|since| now_ms.saturating_sub(since) / 1000);
    let jobs: serde_json::Value = get_json(client, pager, ops::JOBS).await.unwrap_or_default();
    let logged = recent_failures(&pager.log_file);
    let jobs_running = jobs
        .as_array()
        .map(|jobs| {
            jobs.iter()
                .filter(|job| job["state"].as_str() == Some("running"))
                .filter_map(|job| job["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let last = readings.len() - 1;
    let now_from = last.saturating_sub(WINDOW.min(last.saturating_sub(paged).max(3)));
    let agents_now = agent_rates(&readings[now_from], &readings[last], last - now_from);
    let before_to = paged.saturating_sub(WINDOW);
    let before_from = before_to.saturating_sub(WINDOW);
    let agents_before = agent_rates(
        &readings[before_from],
        &readings[before_to],
        before_to - before_from,
    );
    Evidence {
        growing,
        logged_causes: logged.iter().map(|f| f.chain.clone()).collect(),
        logged_read_causes: logged
            .iter()
            .filter(|f| f.read)
            .map(|f| f.chain.clone())
            .collect(),
        release: serving,
        deployed_s_ago,
        jobs_running,
        agents_now,
        agents_before,
    }
}

fn group_key(group: &Group) -> String {
    format!(
        "{} {} {} {}",
        group.status, group.route, group.kind, group.message
    )
}

fn group_counts(groups: &[Group]) -> BTreeMap<String, u64> {
    groups.iter().map(|g| (group_key(g), g.count)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(status: u16, route: &str, message: &str, release: &str) -> Group {
        Group {
            kind: "x".into(),
            status,
            route: route.into(),
            message: message.into(),
            count: 5,
            first_release: release.into(),
        }
    }

    #[test]
    fn the_runbook_reads_the_signals_in_order() {
        let deploy = Evidence {
            growing: vec![group(500, "/books/{id}", "panic", "v2")],
            release: "v2".into(),
            deployed_s_ago: Some(30),
            ..Evidence::default()
        };
        assert_eq!(
            diagnose(&deploy, &[]),
            Some((Cause::Deploy, Action::Rollback))
        );
        // Tried already: nothing else fits.
        assert_eq!(diagnose(&deploy, &[Action::Rollback]), None);

        let key = Evidence {
            growing: vec![group(502, "/orders", "FX API {url} answered {n}", "v1")],
            logged_causes: vec!["FX API http://x answered 401 Unauthorized: {}".into()],
            release: "v1".into(),
            ..Evidence::default()
        };
        assert_eq!(diagnose(&key, &[]), Some((Cause::Config, Action::Reload)));
        assert_eq!(
            diagnose(&key, &[Action::Reload]),
            Some((Cause::Upstream, Action::OpenBreaker))
        );

        let slow_upstream = Evidence {
            growing: vec![
                group(504, "/orders", "FX API request failed", "v1"),
                group(503, "/books/{id}", "pool timed out", "v1"),
            ],
            release: "v1".into(),
            ..Evidence::default()
        };
        assert_eq!(
            diagnose(&slow_upstream, &[]),
            Some((Cause::Upstream, Action::OpenBreaker))
        );

        let job = Evidence {
            logged_causes: vec!["Failed to read -> pool timed out while waiting".into()],
            jobs_running: vec!["catalogue-sync".into()],
            ..Evidence::default()
        };
        assert_eq!(diagnose(&job, &[]), Some((Cause::Pool, Action::PauseJob)));

        let spike = Evidence {
            logged_causes: vec!["pool timed out while waiting".into()],
            agents_now: [("bot/1".to_string(), 300.0), ("Mozilla".to_string(), 40.0)].into(),
            agents_before: [("Mozilla".to_string(), 40.0)].into(),
            ..Evidence::default()
        };
        assert_eq!(
            diagnose(&spike, &[]),
            Some((
                Cause::Traffic,
                Action::RateLimit {
                    user_agent: "bot/1".into(),
                    per_second: 30
                }
            ))
        );

        let report = Evidence {
            logged_causes: vec!["Failed to compute the sales report -> interrupted".into()],
            logged_read_causes: vec!["Failed to compute the sales report -> interrupted".into()],
            ..Evidence::default()
        };
        // A write cancelled while it waited for a row lock held across a slow upstream
        // call: the upstream, not a slow query.
        let locked = Evidence {
            growing: vec![group(504, "/orders", "FX API request failed", "v1")],
            logged_causes: vec![
                "Failed to reserve stock -> canceling statement due to statement timeout".into(),
            ],
            ..Evidence::default()
        };
        assert_eq!(
            diagnose(&locked, &[]),
            Some((Cause::Upstream, Action::OpenBreaker))
        );
        assert_eq!(
            diagnose(&report, &[]),
            Some((Cause::SlowQueries, Action::CacheReports))
        );
        assert_eq!(diagnose(&Evidence::default(), &[]), None);
    }
}
