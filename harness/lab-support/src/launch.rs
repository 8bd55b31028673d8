//! Running demo-app as a child process, the way the harness and the integration tests do:
//! port 0, a config file per run, the listening line read from stdout, every stderr line
//! (the JSON logs) kept. A real process means real panics, real exit codes, real limits.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

use demo_app::settings::ENV_PREFIX;

/// How long start-up (migrations included) may take before the launch counts as failed.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// What to start and with which settings.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The executable: the demo-app binary, or a program that runs it (see `args`).
    pub program: PathBuf,
    /// Arguments before demo-app's own (e.g. the harness's hidden `serve-app`).
    pub args: Vec<OsString>,
    /// Settings written to the run's config file, as `key = value` TOML.
    pub settings: Vec<(String, String)>,
}

/// A started app.
#[derive(Debug)]
pub struct RunningApp {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    pub pid: Option<u32>,
    logs: Arc<Mutex<Vec<String>>>,
    config_file: PathBuf,
}

/// An app that exited before it listened: the strict-config lessons end here on purpose.
#[derive(Debug, Clone)]
pub struct StartFailure {
    pub exit_code: Option<i32>,
    pub stderr: String,
}

impl StartFailure {
    /// `exit code 78`, or what happened when there is none: for messages.
    pub fn exit_text(&self) -> String {
        exit_text(self.exit_code)
    }
}

/// A process's end in words: `exit code 78`, or `ended by a signal (no exit code)` when
/// it was killed (by the OS, or by the launcher after it hung without listening).
pub fn exit_text(exit_code: Option<i32>) -> String {
    match exit_code {
        Some(code) => format!("exit code {code}"),
        None => "ended by a signal (no exit code)".to_string(),
    }
}

pub enum Started {
    Running(Box<RunningApp>),
    Failed(StartFailure),
}

impl Launch {
    /// Starts the app and waits for its listening line, or for it to exit.
    pub async fn start(&self) -> anyhow::Result<Started> {
        let config_file =
            std::env::temp_dir().join(format!("crash-course-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&config_file, settings_toml(&self.settings))
            .with_context(|| format!("Could not write {}", config_file.display()))?;
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .arg("--config")
            .arg(&config_file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // The run's settings come from its config file only, not from whoever runs us.
        for (var, _) in std::env::vars().filter(|(k, _)| k.starts_with(ENV_PREFIX)) {
            command.env_remove(var);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("Could not start {}", self.program.display()))?;
        let pid = child.id();
        let logs = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let logs = Arc::clone(&logs);
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    logs.lock().unwrap_or_else(|p| p.into_inner()).push(line);
                }
            });
        }
        let stdout = child.stdout.take().context("the child has no stdout")?;
        let mut stdout = BufReader::new(stdout).lines();
        let first_line = tokio::time::timeout(START_TIMEOUT, stdout.next_line()).await;
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
        let listening = match first_line {
            Ok(Ok(Some(line))) => line.strip_prefix("listening on ").map(str::to_string),
            Ok(_) => None,
            Err(_) => {
                let _ = child.kill().await;
                let _ = std::fs::remove_file(&config_file);
                anyhow::bail!(
                    "{} printed no listening line within {} s",
                    self.program.display(),
                    START_TIMEOUT.as_secs()
                );
            }
        };
        match listening {
            Some(base_url) => Ok(Started::Running(Box::new(RunningApp {
                child,
                base_url,
                pid,
                logs,
                config_file,
            }))),
            None => {
                let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
                let exit_code = match status {
                    Ok(Ok(status)) => status.code(),
                    _ => {
                        let _ = child.kill().await;
                        None
                    }
                };
                // Give the stderr reader a moment to collect the last lines.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let stderr = logs.lock().unwrap_or_else(|p| p.into_inner()).join("\n");
                let _ = std::fs::remove_file(&config_file);
                Ok(Started::Failed(StartFailure { exit_code, stderr }))
            }
        }
    }
}

impl RunningApp {
    /// Every stderr line so far (JSON log lines, plus anything else the process printed).
    pub fn log_lines(&self) -> Vec<String> {
        self.logs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The newest stderr line that `matches`, searched from the end (no copy of the rest).
    pub fn find_log_line(&self, matches: impl Fn(&str) -> bool) -> Option<String> {
        let logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        logs.iter().rev().find(|line| matches(line)).cloned()
    }

    /// Whether the process is still running.
    pub fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Stops the process and returns its log lines.
    pub async fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill().await;
        let _ = std::fs::remove_file(&self.config_file);
        // The reader task ends at EOF once the process is gone.
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.log_lines()
    }
}

/// Flat `key = "value"` lines, values quoted as TOML basic strings.
fn settings_toml(settings: &[(String, String)]) -> String {
    settings
        .iter()
        .map(|(key, value)| {
            let quoted = toml::Value::String(value.clone()).to_string();
            format!("{key} = {quoted}\n")
        })
        .collect()
}
