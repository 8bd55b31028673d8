//! The lab's real Prometheus, when `prometheus` is installed: the drill starts one on
//! loopback that scrapes its app every second and evaluates the lab's rules (the plain 1 %
//! threshold and the burn-rate alerts of demo-app/monitoring), and records when an alert
//! first fired. Without it, the drill's own pager is the only alert (and says so).

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::app::drill as shop;

/// An alert that fired, and when (ms since the traffic started).
#[derive(Debug, Clone, Serialize)]
pub struct FiredAlert {
    pub alert: String,
    pub at_ms: u64,
}

pub struct Prometheus {
    _process: tokio::process::Child,
    pub url: String,
    first_fired: Arc<Mutex<Option<FiredAlert>>>,
    watcher: Option<tokio::task::JoinHandle<()>>,
}

/// How often the drill asks Prometheus for its alerts.
const POLL: Duration = Duration::from_secs(2);

impl Prometheus {
    /// Starts Prometheus for the app at `app_base_url`; `Ok(None)` when it is not installed.
    pub async fn start(dir: &Path, app_base_url: &str) -> Result<Option<Prometheus>, String> {
        let Some(program) = find_on_path("prometheus") else {
            return Ok(None);
        };
        let target = app_base_url
            .strip_prefix("http://")
            .unwrap_or(app_base_url)
            .trim_end_matches('/');
        for (name, text) in shop::PROMETHEUS_RULES {
            std::fs::write(dir.join(name), text).map_err(|e| format!("writing {name}: {e}"))?;
        }
        let rules: Vec<String> = shop::PROMETHEUS_RULES
            .iter()
            .map(|(name, _)| format!("  - {name}\n"))
            .collect();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n{}\
             scrape_configs:\n  - job_name: {}\n    static_configs:\n      - targets: [\"{target}\"]\n",
            rules.concat(),
            shop::PROMETHEUS_JOB
        );
        let config_file = dir.join("prometheus.yml");
        std::fs::write(&config_file, config).map_err(|e| format!("writing its config: {e}"))?;
        let port = free_port().map_err(|e| format!("finding a free port: {e}"))?;
        let url = format!("http://127.0.0.1:{port}");
        let log = std::fs::File::create(dir.join("prometheus.log"))
            .map_err(|e| format!("creating its log: {e}"))?;
        let process = tokio::process::Command::new(program)
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("prometheus-data").display()
            ))
            .arg("--storage.tsdb.retention.time=2h")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("starting prometheus: {e}"))?;
        let client = crate::runner::http::client_with(false).map_err(|e| e.to_string())?;
        // Ready within a few seconds, or not at all.
        let ready = format!("{url}/-/ready");
        let mut up = false;
        for _ in 0..50 {
            let answer = client
                .get(&ready)
                .timeout(Duration::from_millis(500))
                .send()
                .await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !up {
            return Err(format!(
                "it did not become ready within 5 s (see {})",
                dir.join("prometheus.log").display()
            ));
        }
        Ok(Some(Prometheus {
            _process: process,
            url,
            first_fired: Arc::new(Mutex::new(None)),
            watcher: None,
        }))
    }

    /// Starts recording the first alert that fires, on the drill's clock `started`.
    pub fn watch(&mut self, started: Instant) {
        let (url, first_fired) = (
            format!("{}/api/v1/alerts", self.url),
            Arc::clone(&self.first_fired),
        );
        self.watcher = Some(tokio::spawn(async move {
            let Ok(client) = crate::runner::http::client_with(false) else {
                return;
            };
            loop {
                tokio::time::sleep(POLL).await;
                let answer = client.get(&url).timeout(POLL).send().await;
                let Ok(answer) = answer else { continue };
                let Ok(body) = answer.json::<serde_json::Value>().await else {
                    continue;
                };
                if let Some(alert) = firing(&body) {
                    *super::lock(&first_fired) = Some(FiredAlert {
                        alert,
                        at_ms: started.elapsed().as_millis() as u64,
                    });
                    return;
                }
            }
        }));
    }

    pub fn first_fired(&self) -> Option<FiredAlert> {
        super::lock(&self.first_fired).clone()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        if let Some(watcher) = &self.watcher {
            watcher.abort();
        }
    }
}

/// The name of a firing alert in an `/api/v1/alerts` answer.
fn firing(body: &serde_json::Value) -> Option<String> {
    body.pointer("/data/alerts")?
        .as_array()?
        .iter()
        .find(|alert| alert["state"] == "firing")
        .and_then(|alert| alert.pointer("/labels/alertname"))
        .and_then(|name| name.as_str())
        .map(str::to_string)
}

fn find_on_path(program: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A port nobody listens on now (the kernel's pick, released for Prometheus to take).
fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_firing_alert_is_found_and_a_pending_one_is_not() {
        let pending = serde_json::json!({"data": {"alerts": [
            {"state": "pending", "labels": {"alertname": "DemoAppHigh5xxRatio"}}]}});
        assert_eq!(super::firing(&pending), None);
        let firing = serde_json::json!({"data": {"alerts": [
            {"state": "pending", "labels": {"alertname": "DemoAppHigh5xxRatio"}},
            {"state": "firing", "labels": {"alertname": "DemoApp5xxBudgetBurnFast"}}]}});
        assert_eq!(
            super::firing(&firing).as_deref(),
            Some("DemoApp5xxBudgetBurnFast")
        );
    }
}
