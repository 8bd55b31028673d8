//! What a run produced. Reports render these; nothing here prints.

use serde::Serialize;

use super::unmet::Unmet;
use crate::leaks::Finding;
use crate::scenario::{BackendName, ModeName, Notes};

/// One scenario in one mode on one backend (or against a `--target`).
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub scenario: String,
    pub class: String,
    pub title: String,
    pub file: String,
    /// `dev`, `prod`, `bare` or `target`.
    pub mode: RunMode,
    /// `sqlite`, `postgres` or `target`.
    pub backend: RunBackend,
    pub outcome: Outcome,
    /// Why it failed (expectations not met, or the runtime error); in JSON, the sentences.
    pub reasons: Vec<Unmet>,
    pub startup: Option<StartupRecord>,
    /// The app process ended on its own during the run (an abort, a signal): when and how.
    /// Nothing restarted it; the steps after it found nothing listening.
    pub process_exit: Option<ProcessExit>,
    pub exchanges: Vec<Exchange>,
    pub sql: Vec<SqlRecord>,
    pub invariants: Vec<InvariantRecord>,
    /// `metrics` steps: the 5xx rate between samples (release.bad-deploy).
    pub samples: Vec<MetricsSample>,
    /// `load` steps: capacity, goodput, p99, statuses, and the bounds that held.
    pub loads: Vec<super::load::LoadRecord>,
    /// `tracker` steps: what the run's project on the error tracker held.
    pub trackers: Vec<super::tracker::TrackerRecord>,
    pub duration_ms: u64,
    /// What the scenario declares it waits on purpose (see `Scenario::declared_wait_ms`).
    pub declared_wait_ms: u64,
    /// The scenario's lesson, for reports that teach (HTML); not part of the JSON.
    #[serde(skip)]
    pub lesson: Lesson,
}

/// What a scenario teaches, carried with its results so a report needs nothing else.
#[derive(Debug, Clone, Default)]
pub struct Lesson {
    pub summary: String,
    pub cwe: Vec<String>,
    pub notes: Notes,
}

/// What a run ran against: demo-app in one of its modes, or a server given with
/// `--target`. Ordered as reports show them: careless, hardened, framework defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunMode {
    Dev,
    Prod,
    Bare,
    Target,
}

/// The database behind a run, or `target` for a server the harness did not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunBackend {
    Sqlite,
    Postgres,
    Target,
}

impl RunMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RunMode::Dev => "dev",
            RunMode::Prod => "prod",
            RunMode::Bare => "bare",
            RunMode::Target => "target",
        }
    }
}

impl RunBackend {
    pub fn as_str(self) -> &'static str {
        match self {
            RunBackend::Sqlite => "sqlite",
            RunBackend::Postgres => "postgres",
            RunBackend::Target => "target",
        }
    }
}

impl From<Option<ModeName>> for RunMode {
    fn from(mode: Option<ModeName>) -> RunMode {
        match mode {
            Some(ModeName::Dev) => RunMode::Dev,
            Some(ModeName::Prod) => RunMode::Prod,
            Some(ModeName::Bare) => RunMode::Bare,
            None => RunMode::Target,
        }
    }
}

impl From<Option<BackendName>> for RunBackend {
    fn from(backend: Option<BackendName>) -> RunBackend {
        match backend {
            Some(BackendName::Sqlite) => RunBackend::Sqlite,
            Some(BackendName::Postgres) => RunBackend::Postgres,
            None => RunBackend::Target,
        }
    }
}

impl std::fmt::Display for RunMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for RunBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every expectation met.
    Passed,
    /// At least one expectation not met.
    Failed,
    /// The run could not be carried out (app did not start, database unreachable...).
    Error,
    /// Not run: something it needs is not on this machine (an error tracker without
    /// python3), and the machine is not CI (where that is an `Error`). `reasons` says what.
    Skipped,
}

/// The app refused to start (a strict-config lesson), or started when told to refuse.
#[derive(Debug, Clone, Serialize)]
pub struct StartupRecord {
    pub exit_code: Option<i32>,
    pub stderr: String,
}

/// The app process died during a run: what its launcher saw.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessExit {
    /// The step it died in (0-based) and its name.
    pub step_index: usize,
    pub step: String,
    /// In words: `killed by signal 6 (SIGABRT)` or `exited with code 1`.
    pub status: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    /// The signal's name, when it is a well-known one.
    pub signal_name: Option<String>,
    pub core_dumped: bool,
    /// The last line the process printed that is neither a JSON log line nor part of a
    /// backtrace: the runtime's own last words (`memory allocation of N bytes failed`).
    pub last_words: Option<String>,
    /// The last JSON log line it wrote.
    pub last_log_line: Option<String>,
}

impl StartupRecord {
    /// `exit code 78` (or `ended by a signal (no exit code)`), for reports.
    pub fn exit_text(&self) -> String {
        lab_support::launch::exit_text(self.exit_code)
    }
}

/// One request and what came back.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    /// The step's position in the scenario (0-based) and its name.
    pub step_index: usize,
    pub step: String,
    pub request: RequestRecord,
    pub response: Option<ResponseRecord>,
    /// Transport failure (connection reset, timeout) instead of a response.
    pub error: Option<String>,
    pub correlation_id: Option<String>,
    /// The app's log lines that carry this response's correlation id.
    pub log_lines: Vec<String>,
    pub findings: Vec<Finding>,
    /// A 2xx answer whose correlation id has an ERROR log line: an error was swallowed.
    /// Holds that line's message and error.
    pub hidden_failure: Option<String>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl ResponseRecord {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SqlRecord {
    /// The step's position in the scenario (0-based) and its name.
    pub step_index: usize,
    pub step: String,
    /// Empty for a `release` step, which runs no SQL.
    pub sql: String,
    /// What happened to a connection kept open across steps: `held as `NAME`` for an
    /// `sql` step with `hold`, `released `NAME`: ...` for a `release` step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    pub rows_affected: Option<u64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricsSample {
    pub step: String,
    /// Requests and 5xx answers counted by the app so far (ops and metrics routes excluded).
    pub requests: u64,
    pub errors: u64,
    /// Since the previous sample.
    pub window_requests: u64,
    pub window_errors: u64,
    pub error_rate: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvariantRecord {
    pub name: String,
    pub sql: String,
    pub expected: String,
    pub actual: Option<String>,
    pub held: bool,
}

impl ProcessExit {
    /// What happened, in a sentence for reports.
    pub fn sentence(&self) -> String {
        let mut text = format!(
            "the app process died during step `{}`: {}",
            self.step, self.status
        );
        if let Some(words) = &self.last_words {
            text.push_str(&format!("; its last words: {words}"));
        }
        text.push_str("; nothing restarted it");
        text
    }
}

impl RunResult {
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }

    /// The exchanges worth showing: a step that sent many requests (`times`, `repeat`) is
    /// shown as its first response of each status, with how many responses had it.
    pub fn shown_exchanges(&self) -> Vec<(&Exchange, usize)> {
        let mut shown: Vec<(&Exchange, usize)> = Vec::new();
        let mut step_start = 0;
        for exchange in &self.exchanges {
            if shown
                .last()
                .is_some_and(|(e, _)| e.step_index != exchange.step_index)
            {
                step_start = shown.len();
            }
            let status = exchange.response.as_ref().map(|r| r.status);
            let same = shown[step_start..].iter_mut().find(|(e, _)| {
                e.step_index == exchange.step_index
                    && e.response.as_ref().map(|r| r.status) == status
            });
            match same {
                Some((_, count)) => *count += 1,
                None => shown.push((exchange, 1)),
            }
        }
        shown
    }
}
