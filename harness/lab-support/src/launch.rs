//! Running demo-app as a child process, the way the harness and the integration tests do:
//! port 0, a config file per run, the listening line read from stdout, every stderr line
//! (the JSON logs) kept. A real process means real panics, real exit codes, real limits.
//! A process that ends on its own while it serves (an abort, a signal) is noticed the moment
//! it happens and reported as `Exited`: the launcher never restarts it.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

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
    /// Tells the watcher that owns the child to kill it (`stop`); dropped, it does too.
    kill: Option<oneshot::Sender<()>>,
    watcher: Option<JoinHandle<()>>,
    /// `Some` once the process ended on its own (not by `stop`).
    exit: watch::Receiver<Option<Exited>>,
    /// Ends when stderr does (the process and its children are gone).
    stderr_reader: Option<JoinHandle<()>>,
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    pub pid: Option<u32>,
    logs: Arc<Mutex<Vec<String>>>,
    config_file: PathBuf,
}

/// How a running app ended on its own: its exit code, or the signal that killed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exited {
    /// The exit code, when it exited (`None` when a signal killed it).
    pub code: Option<i32>,
    /// The signal that killed it (Unix), e.g. 6 for SIGABRT.
    pub signal: Option<i32>,
    /// Whether the kernel wrote a core file (Unix).
    pub core_dumped: bool,
    /// When the launcher saw it end.
    pub at: Instant,
}

impl Exited {
    fn of(status: std::process::ExitStatus) -> Exited {
        #[cfg(unix)]
        let (signal, core_dumped) = {
            use std::os::unix::process::ExitStatusExt as _;
            (status.signal(), status.core_dumped())
        };
        #[cfg(not(unix))]
        let (signal, core_dumped) = (None, false);
        Exited {
            code: status.code(),
            signal,
            core_dumped,
            at: Instant::now(),
        }
    }
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
        // Nor its log filter: the harness reads the app's INFO lines (log expectations,
        // `after_log` gates), and a caller's `RUST_LOG=warn` would hide them.
        command.env_remove("RUST_LOG");
        let mut child = command
            .spawn()
            .with_context(|| format!("Could not start {}", self.program.display()))?;
        let pid = child.id();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr_reader = child.stderr.take().map(|stderr| {
            let logs = Arc::clone(&logs);
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    logs.lock().unwrap_or_else(|p| p.into_inner()).push(line);
                }
            })
        });
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
            Some(base_url) => {
                let (kill, exit, watcher) = watch_exit(child);
                Ok(Started::Running(Box::new(RunningApp {
                    kill: Some(kill),
                    watcher: Some(watcher),
                    exit,
                    stderr_reader,
                    base_url,
                    pid,
                    logs,
                    config_file,
                })))
            }
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

    /// The stderr lines from the `start`-th on (a follower's view: only what is new).
    pub fn log_lines_from(&self, start: usize) -> Vec<String> {
        let logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        logs.get(start..)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }

    /// How many stderr lines there are so far: a mark for `has_log_line_from`.
    pub fn log_line_count(&self) -> usize {
        self.logs.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether a stderr line from the `start`-th on `matches` (no copy of any line).
    pub fn has_log_line_from(&self, start: usize, matches: impl Fn(&str) -> bool) -> bool {
        let logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        logs.get(start..)
            .is_some_and(|new| new.iter().any(|line| matches(line)))
    }

    /// The newest stderr line that `matches`, searched from the end (no copy of the rest).
    pub fn find_log_line(&self, matches: impl Fn(&str) -> bool) -> Option<String> {
        let logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        logs.iter().rev().find(|line| matches(line)).cloned()
    }

    /// The run's config file (`--config`): rewrite it and `POST /ops/reload` to change a
    /// running app's settings the way an operator would. Removed when the app stops.
    pub fn config_file(&self) -> &std::path::Path {
        &self.config_file
    }

    /// Whether the process is still running (it has not ended on its own).
    pub fn is_alive(&self) -> bool {
        self.exit.borrow().is_none()
    }

    /// How the process ended on its own, if it has.
    pub fn exited(&self) -> Option<Exited> {
        *self.exit.borrow()
    }

    /// Waits up to `grace` for the process to end on its own (a process whose connections
    /// were just dropped may need a moment before the kernel reports it gone), then, once
    /// it has, for its last stderr lines. `None`: it is still running.
    pub async fn exited_within(&mut self, grace: Duration) -> Option<Exited> {
        let mut exit = self.exit.clone();
        let exited = match tokio::time::timeout(grace, exit.wait_for(Option::is_some)).await {
            Ok(Ok(exited)) => *exited,
            _ => *self.exit.borrow(),
        }?;
        if let Some(reader) = self.stderr_reader.as_mut() {
            // EOF comes once the process is gone; a grandchild holding stderr open
            // must not keep us waiting.
            let _ = tokio::time::timeout(Duration::from_secs(1), reader).await;
            self.stderr_reader = None;
        }
        Some(exited)
    }

    /// Stops the process and returns its log lines.
    pub async fn stop(mut self) -> Vec<String> {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
        if let Some(watcher) = self.watcher.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), watcher).await;
        }
        let _ = std::fs::remove_file(&self.config_file);
        // The reader task ends at EOF once the process is gone.
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.log_lines()
    }
}

/// Hands the child to a task that waits for it: it records the exit the moment the
/// process ends on its own, or kills it when told to (or when the sender is dropped, so a
/// dropped `RunningApp` still takes its process with it).
fn watch_exit(
    mut child: Child,
) -> (
    oneshot::Sender<()>,
    watch::Receiver<Option<Exited>>,
    JoinHandle<()>,
) {
    let (kill, killed) = oneshot::channel::<()>();
    let (exit_tx, exit_rx) = watch::channel(None);
    let watcher = tokio::spawn(async move {
        tokio::select! {
            status = child.wait() => {
                if let Ok(status) = status {
                    let _ = exit_tx.send(Some(Exited::of(status)));
                }
            }
            _ = killed => {
                let _ = child.kill().await;
            }
        }
    });
    (kill, exit_rx, watcher)
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
