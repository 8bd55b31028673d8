//! The lab's Bugsink for scenario runs: one tracker for a whole harness process, a project
//! per run. It is the one `BUGSINK_URL` and `BUGSINK_TOKEN` name (`eval "$(just tracker)"`:
//! its UI then shows every run's issues), or else one the harness starts on first use with
//! the lab's own script (built in: `app::TRACKER_SCRIPT`) on a free loopback port, its data
//! in a temporary folder, stopped and removed when the last handle is dropped. Nothing is
//! started for a run that has no `[tracker]`.
//!
//! When no tracker can be had (no python3 with venv on a laptop, PyPI unreachable on first
//! use), `project` says why and the runner skips the scenario loudly; `required` (CI=true)
//! makes that an error instead.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::api::{Client, Connection, Project};

/// The team every run's project goes to.
const TEAM: &str = "crash-course";
/// Installing on first use downloads Bugsink from PyPI (about 30 s); a start on an
/// installed environment takes a few seconds.
const START_WITHIN: Duration = Duration::from_secs(300);

/// A handle on the process's tracker; clones share it.
#[derive(Debug, Clone)]
pub struct LabTracker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// A running tracker to report to, instead of starting one.
    reuse: Option<Connection>,
    required: bool,
    ready: tokio::sync::OnceCell<Result<Ready, String>>,
    /// The data folder of the Bugsink this process started, stopped and removed on drop.
    owned: Mutex<Option<PathBuf>>,
    projects: AtomicU64,
}

#[derive(Debug)]
struct Ready {
    connection: Connection,
    team: String,
    /// How long it took to have it (start-up, or only the first API call when reused).
    took: Duration,
    reused: bool,
}

/// A run's own project: where the app reports (`dsn`) and where to read it back.
#[derive(Debug, Clone)]
pub struct RunProject {
    pub connection: Connection,
    pub project: Project,
    pub dsn: String,
}

/// How the process got its tracker, for reports: `reused` or started, and how long that took.
#[derive(Debug, Clone, Copy)]
pub struct Provenance {
    pub reused: bool,
    pub took: Duration,
}

impl LabTracker {
    /// The tracker `BUGSINK_URL` and `BUGSINK_TOKEN` name if both are set, else one started
    /// on first use. Under `CI=true` a tracker is required.
    pub fn from_env() -> LabTracker {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        let reuse = match (var("BUGSINK_URL"), var("BUGSINK_TOKEN")) {
            (Some(url), Some(token)) => Some(Connection { url, token }),
            _ => None,
        };
        LabTracker::new(reuse, std::env::var("CI").is_ok_and(|v| v == "true"))
    }

    pub fn new(reuse: Option<Connection>, required: bool) -> LabTracker {
        LabTracker {
            inner: Arc::new(Inner {
                reuse,
                required,
                ready: tokio::sync::OnceCell::new(),
                owned: Mutex::new(None),
                projects: AtomicU64::new(0),
            }),
        }
    }

    /// Whether a run that cannot have a tracker is an error rather than a skip (CI=true).
    pub fn required(&self) -> bool {
        self.inner.required
    }

    /// How the tracker was had, once it was.
    pub fn provenance(&self) -> Option<Provenance> {
        match self.inner.ready.get() {
            Some(Ok(ready)) => Some(Provenance {
                reused: ready.reused,
                took: ready.took,
            }),
            _ => None,
        }
    }

    /// Has the tracker ready (started, or the reused one answering) without making a project:
    /// called in the background at the start of a run that will need it, so the start
    /// overlaps the scenarios before it. Whatever goes wrong, `project` says it again.
    pub async fn warm_up(&self) {
        let _ = self.inner.ready.get_or_init(|| self.inner.connect()).await;
    }

    /// A new project for one run, named after it (`label`), on the tracker (started now if
    /// this is the process's first). The error says why there is no tracker, with a hint.
    pub async fn project(&self, label: &str) -> Result<RunProject, String> {
        let ready = self
            .inner
            .ready
            .get_or_init(|| self.inner.connect())
            .await
            .as_ref()
            .map_err(Clone::clone)?;
        let client = Client::new(&ready.connection).map_err(|e| e.to_string())?;
        // Unique across processes too: a reused tracker keeps the projects of earlier runs.
        let name = format!(
            "{label} #{}.{}",
            std::process::id(),
            self.inner.projects.fetch_add(1, Ordering::Relaxed) + 1
        );
        let (project, dsn) = client
            .create_project(&ready.team, &name)
            .await
            .map_err(|e| {
                format!(
                    "the tracker at {} refused a project: {e}",
                    ready.connection.url
                )
            })?;
        Ok(RunProject {
            connection: ready.connection.clone(),
            project,
            dsn,
        })
    }
}

impl Inner {
    async fn connect(&self) -> Result<Ready, String> {
        let started = Instant::now();
        let (connection, reused) = match &self.reuse {
            Some(connection) => (connection.clone(), true),
            None => (self.start().await?, false),
        };
        let client = Client::new(&connection).map_err(|e| e.to_string())?;
        let team = client.team(TEAM).await.map_err(|e| {
            let whose = if reused {
                " (the one BUGSINK_URL and BUGSINK_TOKEN name; unset them to let the harness start its own)"
            } else {
                ""
            };
            format!("the tracker{whose} does not answer its API: {e}")
        })?;
        Ok(Ready {
            connection,
            team,
            took: started.elapsed(),
            reused,
        })
    }

    /// Starts a Bugsink with the lab's script: installed into its virtual environment on
    /// first use, configured for loopback with phone-home off.
    async fn start(&self) -> Result<Connection, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .map_err(|e| format!("no free loopback port for the tracker: {e}"))?;
        let dir = std::env::temp_dir().join(format!(
            "crash-course-bugsink-{}-{port}",
            std::process::id()
        ));
        if let Ok(mut owned) = self.owned.lock() {
            *owned = Some(dir.clone());
        }
        let mut command = script_command();
        command
            .args(["start", "--port", &port.to_string(), "--dir"])
            .arg(&dir)
            .kill_on_drop(true);
        let output = match tokio::time::timeout(START_WITHIN, command.output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => {
                return Err(format!(
                    "cannot run bash for the lab's tracker script: {e} (it needs bash and python3 with venv)"
                ));
            }
            Err(_) => {
                return Err(format!(
                    "the lab's Bugsink did not start within {} s (a first install downloads it from PyPI)",
                    START_WITHIN.as_secs()
                ));
            }
        };
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            // The script's own words: `bugsink: error: python3 cannot make virtual
            // environments (Debian: apt-get install python3-venv)`.
            let said: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            let last = said[said.len().saturating_sub(3)..].join(" / ");
            return Err(format!("the lab's Bugsink could not be started: {last}"));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let value = |name: &str| {
            stdout
                .lines()
                .filter_map(|l| l.strip_prefix("export "))
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .map(str::to_string)
                .ok_or_else(|| format!("the lab's tracker script printed no {name}"))
        };
        Ok(Connection {
            url: value("BUGSINK_URL")?,
            token: value("BUGSINK_TOKEN")?,
        })
    }
}

/// `bash -c <the script> bugsink.sh ...`: the built-in script, wherever the harness runs.
fn script_command() -> tokio::process::Command {
    let mut command = tokio::process::Command::new("bash");
    command
        .arg("-c")
        .arg(crate::app::TRACKER_SCRIPT)
        .arg("bugsink.sh");
    command
}

impl Drop for Inner {
    fn drop(&mut self) {
        let Some(dir) = self.owned.get_mut().ok().and_then(Option::take) else {
            return;
        };
        // Synchronous: the process may be on its way out, with no runtime left to await in.
        // The script stops gunicorn (TERM, then KILL after 5 s) and removes the folder.
        let _ = std::process::Command::new("bash")
            .arg("-c")
            .arg(crate::app::TRACKER_SCRIPT)
            .arg("bugsink.sh")
            .args(["stop", "--purge", "--dir"])
            .arg(&dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
