//! `spawn_app`: a real demo-app process per test, on port 0, with its own fresh database.

use std::sync::OnceLock;

use demo_app::db::Backend;
use demo_app::settings::Mode;
use lab_support::launch::{Launch, RunningApp, StartFailure, Started};
use lab_support::scratch_db::{self, ScratchDatabase};

pub const OPS_TOKEN: &str = "test-ops-token-0123456789";

/// An app under test; `stop` ends it and drops its database.
pub struct TestApp {
    pub app: Box<RunningApp>,
    pub db: ScratchDatabase,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.base_url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the app")
    }

    /// Log lines that mention `correlation_id`, parsed as JSON.
    pub async fn log_lines_for(&self, correlation_id: &str) -> Vec<serde_json::Value> {
        // The app writes the line before the response leaves; give the pipe a moment.
        for _ in 0..50 {
            let lines: Vec<serde_json::Value> = self
                .app
                .log_lines()
                .iter()
                .filter(|line| line.contains(correlation_id))
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect();
            if lines
                .iter()
                .any(|l| l["fields"]["message"] == "request completed")
            {
                return lines;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("no completed log line for {correlation_id}");
    }

    pub async fn stop(self) {
        self.app.stop().await;
        self.db.drop_database().await.expect("database dropped");
    }
}

/// The backends to test on: SQLite always, PostgreSQL when reachable. Under CI=true an
/// unreachable PostgreSQL fails the test instead of skipping it.
pub async fn backends() -> Vec<Backend> {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    let reachable = match CHECKED.get() {
        Some(result) => result.clone(),
        None => {
            let result = scratch_db::postgres_reachable(&scratch_db::postgres_admin_url())
                .await
                .map_err(|e| format!("{e:#}"));
            CHECKED.get_or_init(|| result).clone()
        }
    };
    match reachable {
        Ok(()) => vec![Backend::Sqlite, Backend::Postgres],
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true requires PostgreSQL, but: {why}")
        }
        Err(why) => {
            // Written to stderr itself, not with `eprintln!`: libtest captures the print
            // macros of a passing test, and a skip nobody sees is not a loud one.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPING the PostgreSQL half of this test: {why}\n*** Start it with: \
                 pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
            );
            vec![Backend::Sqlite]
        }
    }
}

fn launch(mode: Mode, db: &ScratchDatabase, extra: &[(&str, &str)]) -> Launch {
    let mut settings = vec![
        ("mode".to_string(), mode.to_string()),
        ("bind".to_string(), "127.0.0.1:0".to_string()),
        ("database_url".to_string(), db.url.clone()),
        ("ops_token".to_string(), OPS_TOKEN.to_string()),
    ];
    for (key, value) in extra {
        settings.retain(|(k, _)| k != key);
        settings.push((key.to_string(), value.to_string()));
    }
    Launch {
        program: env!("CARGO_BIN_EXE_demo-app").into(),
        args: Vec::new(),
        settings,
    }
}

pub async fn spawn_app(mode: Mode, backend: Backend) -> TestApp {
    spawn_app_with(mode, backend, &[]).await
}

pub async fn spawn_app_with(mode: Mode, backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    let db = ScratchDatabase::create(backend)
        .await
        .expect("scratch database");
    spawn_app_on(mode, db, extra).await
}

/// Starts an app on a database the test prepared itself (`db.url` is what it gets).
pub async fn spawn_app_on(mode: Mode, db: ScratchDatabase, extra: &[(&str, &str)]) -> TestApp {
    match launch(mode, &db, extra)
        .start()
        .await
        .expect("app launches")
    {
        Started::Running(app) => TestApp {
            app,
            db,
            client: {
                demo_app::tls::install_provider();
                reqwest::Client::new()
            },
        },
        Started::Failed(failure) => panic!("app did not start: {failure:?}"),
    }
}

/// Starts an app that is expected to refuse to start.
pub async fn start_expecting_failure(mode: Mode, extra: &[(&str, &str)]) -> StartFailure {
    let db = ScratchDatabase::create(Backend::Sqlite)
        .await
        .expect("scratch database");
    let mut launch = launch(mode, &db, &[]);
    launch
        .settings
        .retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    for (key, value) in extra {
        if !value.is_empty() {
            launch.settings.push((key.to_string(), value.to_string()));
        }
    }
    let outcome = launch.start().await.expect("process starts");
    db.drop_database().await.expect("database dropped");
    match outcome {
        Started::Failed(failure) => failure,
        Started::Running(app) => {
            app.stop().await;
            panic!("the app started although it should have refused");
        }
    }
}
