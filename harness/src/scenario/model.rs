//! The scenario file model: what a TOML scenario may say. Unknown keys are errors (a typo
//! must never be silently ignored); values that need checks beyond their type keep their
//! spans so that `validate` can point at them. See docs/scenario-format.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::step::{Step, StepFile};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub id: Spanned<String>,
    pub class: Spanned<String>,
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub difficulty: Difficulty,
    #[serde(default)]
    pub cwe: Vec<Spanned<String>>,
    /// The backends this scenario applies to (default: both).
    #[serde(default = "all_backends")]
    pub backends: Vec<BackendName>,
    /// Waits the scenario needs on purpose beyond its `sleep_ms` steps and request delays
    /// (upstream delays, timeouts, an engine's deadlock detector), for `run --timings`.
    #[serde(default)]
    pub deliberate_wait_ms: u64,
    /// The modes it runs in (default, when absent: all three). Listing `bare` here also
    /// says the shared `[steps.expect]` tables describe bare (see `Scenario::describes`).
    pub modes: Option<Vec<ModeName>>,
    pub notes: Notes,
    /// demo-app settings for the run, `key = value` (see `demo-app --help`).
    #[serde(default)]
    pub app: BTreeMap<Spanned<String>, toml::Value>,
    /// A fake FX upstream (wiremock) started for the run; the app's `fx_api_url` points
    /// at it.
    pub upstream: Option<Upstream>,
    /// The app reports to an error tracker: each run gets a project of its own on the
    /// lab's Bugsink, and the app its DSN; `tracker` steps read what it stored.
    pub tracker: Option<Spanned<super::tracker::TrackerTable>>,
    /// Per mode: the app is expected to refuse to start. `[startup.fixed]`: the corrected
    /// app refuses in every mode (`harness check`).
    #[serde(default)]
    pub startup: PerMode<Startup>,
    /// The `[[steps]]` tables as written; `parse` validates them into `steps`.
    #[serde(default, rename = "steps")]
    pub(super) step_tables: Vec<Spanned<StepFile>>,
    /// The steps, validated.
    #[serde(skip)]
    pub steps: Vec<Step>,
    /// SQL checks after the steps, in every mode.
    #[serde(default)]
    pub invariants: Vec<Invariant>,
    /// Filled in by the loader: the file it came from, relative to the scenarios folder.
    #[serde(skip)]
    pub file: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    #[default]
    Beginner,
    Intermediate,
    Advanced,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendName {
    Sqlite,
    Postgres,
}

/// demo-app's error-handling policies, in report order: careless, hardened, and actix-web's
/// own defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModeName {
    Dev,
    Prod,
    Bare,
}

fn all_backends() -> Vec<BackendName> {
    vec![BackendName::Sqlite, BackendName::Postgres]
}

/// The teaching notes, shown by `harness show` and in reports.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Notes {
    /// What to look at in the two responses.
    pub notice: String,
    /// Why it matters (to an attacker, to an operator).
    pub why: String,
    /// How to fix the flaw in the code.
    pub fix: String,
}

/// A value that may differ per mode.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerMode<T> {
    pub dev: Option<T>,
    pub prod: Option<T>,
    pub bare: Option<T>,
    /// The corrected app, in every mode (`harness check`).
    pub fixed: Option<T>,
}

impl<T> Default for PerMode<T> {
    fn default() -> Self {
        PerMode {
            dev: None,
            prod: None,
            bare: None,
            fixed: None,
        }
    }
}

impl<T> PerMode<T> {
    pub fn get(&self, mode: ModeName) -> Option<&T> {
        match mode {
            ModeName::Dev => self.dev.as_ref(),
            ModeName::Prod => self.prod.as_ref(),
            ModeName::Bare => self.bare.as_ref(),
        }
    }
}

/// What the fake upstream answers to every request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    #[serde(default = "ok_status")]
    pub status: u16,
    /// A JSON body.
    pub json: Option<toml::Value>,
    /// A raw body (for malformed answers).
    pub body: Option<String>,
    /// Response headers of the answer.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Answer only after this long.
    #[serde(default)]
    pub delay_ms: u64,
    /// Nothing listens at the upstream's address (connection refused).
    #[serde(default)]
    pub unreachable: bool,
    /// The upstream accepts the connection and closes it without answering.
    #[serde(default)]
    pub reset: bool,
    /// A flaky upstream: this fraction of requests (0 to 1) gets the answer above, the
    /// others a healthy rates document. The sequence is seeded: every run is the same.
    pub probability: Option<f64>,
}

fn ok_status() -> u16 {
    200
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Startup {
    pub exit_code: Option<i32>,
    #[serde(default)]
    pub stderr_contains: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invariant {
    pub name: String,
    /// A query whose first column of the first row is compared, as text, with `equals`.
    pub sql: String,
    pub equals: toml::Value,
    /// What the corrected app leaves behind, when that differs (`harness check`).
    pub fixed_equals: Option<toml::Value>,
}

impl Scenario {
    /// Whether the scenario says what the corrected app answers (`harness check`).
    pub fn has_fixed_expectations(&self) -> bool {
        self.startup.fixed.is_some() || self.steps.iter().any(|s| !s.fixed.is_empty())
    }
}

/// Which expectations a run holds the app to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Expectations {
    /// The lesson: what the flawed app answers in each mode (`harness run`).
    #[default]
    Lesson,
    /// The corrected app (`harness check`): `[steps.fixed]` and `[startup.fixed]`.
    Fixed,
}

impl ModeName {
    /// Every mode, in report order.
    pub const ALL: [ModeName; 3] = [ModeName::Dev, ModeName::Prod, ModeName::Bare];

    pub fn as_str(self) -> &'static str {
        match self {
            ModeName::Dev => "dev",
            ModeName::Prod => "prod",
            ModeName::Bare => "bare",
        }
    }
}

impl BackendName {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendName::Sqlite => "sqlite",
            BackendName::Postgres => "postgres",
        }
    }
}
