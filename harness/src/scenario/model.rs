//! The scenario file model: what a TOML scenario may say. Unknown keys are errors (a typo
//! must never be silently ignored); values that need checks beyond their type keep their
//! spans so that `validate` can point at them. See docs/scenario-format.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

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
    /// Per mode: the app is expected to refuse to start. `[startup.fixed]`: the corrected
    /// app refuses in every mode (`harness check`).
    #[serde(default)]
    pub startup: PerMode<Startup>,
    #[serde(default)]
    pub steps: Vec<Spanned<Step>>,
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
#[derive(Debug, Deserialize, Serialize)]
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

/// One step: a request, several requests at once, SQL, a pause, a metrics sample, or the
/// release of a held connection. Exactly one of `path`, `parallel`, `sql`, `sleep_ms`,
/// `metrics` and `release` is given (checked by `validate`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: Option<String>,
    // The request fields, inline (serde cannot combine `flatten` with
    // `deny_unknown_fields`); `request_spec` gathers them.
    pub method: Option<String>,
    pub path: Option<String>,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub accept: Option<String>,
    pub json: Option<toml::Value>,
    pub body: Option<String>,
    /// Gives up waiting for the response after this many milliseconds (default 30 s).
    pub timeout_ms: Option<u64>,
    /// Sends on a new connection instead of the run's kept-alive one (what a new client
    /// sees, e.g. while the app cannot accept connections).
    #[serde(default)]
    pub new_connection: bool,
    /// Sends `repeat` copies of the request at the same moment (default 1).
    pub repeat: Option<u32>,
    /// Sends the request `times` times, one after another (steady traffic, or a leak that
    /// needs many requests).
    pub times: Option<u32>,
    /// Different requests sent at the same moment.
    #[serde(default)]
    pub parallel: Vec<RequestSpec>,
    /// SQL run directly on the run's database (setup, sabotage).
    pub sql: Option<String>,
    /// With `sql`: run it on a connection of its own and keep that connection open, with
    /// the transaction and locks its statements took, while the next steps run, until a
    /// `release` step names it (or the run ends).
    pub hold: Option<Spanned<String>>,
    /// Closes the connection an earlier `hold` kept open; the engine rolls back what it
    /// held.
    pub release: Option<Spanned<String>>,
    /// A deliberate pause before the next step, in milliseconds.
    pub sleep_ms: Option<u64>,
    /// Samples the app's /metrics under this label: the 5xx rate of the requests since
    /// the previous sample (ops and metrics routes excluded).
    pub metrics: Option<String>,
    /// With `metrics`: the window's 5xx rate must be above this fraction (0.01 = 1%).
    pub error_rate_above: Option<f64>,
    /// With `metrics`: the window's 5xx rate must be below this fraction.
    pub error_rate_below: Option<f64>,
    /// Values taken from the response for later steps: `name = "header:x-request-id"`,
    /// `name = "json:/pointer"` or `name = "status"`; used as `{{name}}`.
    #[serde(default)]
    pub capture: BTreeMap<String, Spanned<String>>,
    /// Expectations in every mode.
    #[serde(default)]
    pub expect: Expect,
    /// Expectations in dev only.
    #[serde(default)]
    pub dev: Expect,
    /// Expectations in prod only.
    #[serde(default)]
    pub prod: Expect,
    /// Expectations in bare only.
    #[serde(default)]
    pub bare: Expect,
    /// What the corrected app answers, in every mode: the only expectations
    /// `harness check` applies (the lesson's tables describe the flaw).
    #[serde(default)]
    pub fixed: Expect,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub method: Option<String>,
    pub path: Option<String>,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Shorthand for the `Accept` header.
    pub accept: Option<String>,
    /// A JSON body (sent with `Content-Type: application/json`).
    pub json: Option<toml::Value>,
    /// A raw body, sent as is (set `content-type` in `headers`).
    pub body: Option<String>,
    /// Wait this long before sending (staggers the requests of a `parallel` step so a race
    /// always starts the same way).
    #[serde(default)]
    pub delay_ms: u64,
    /// Gives up waiting for the response after this many milliseconds (default 30 s).
    pub timeout_ms: Option<u64>,
    /// Sends on a new connection instead of the run's kept-alive one.
    #[serde(default)]
    pub new_connection: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Every response of the step has this status.
    pub status: Option<u16>,
    /// The step's responses (with `repeat` or `parallel`) have exactly these statuses, in
    /// any order, e.g. `[201, 503]` for a race with one winner.
    #[serde(default)]
    pub statuses: Vec<u16>,
    /// The step's responses include at least one of each of these statuses.
    #[serde(default)]
    pub statuses_include: Vec<u16>,
    /// Every response's status is one of these: `[200, 404, 409]` for "any answer a
    /// careful fix might give, never a 500".
    #[serde(default)]
    pub status_in: Vec<u16>,
    /// The other checks apply only to the responses with this status (e.g. the loser of
    /// a race).
    pub only_status: Option<u16>,
    /// Prefix of the Content-Type header, e.g. `application/problem+json`.
    pub content_type: Option<String>,
    #[serde(default)]
    pub headers_present: Vec<String>,
    #[serde(default)]
    pub headers_absent: Vec<String>,
    /// Exact header values.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// JSON pointer -> expected value, e.g. `"/status" = 500`.
    #[serde(default)]
    pub json: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub body_contains: Vec<String>,
    #[serde(default)]
    pub body_not_contains: Vec<String>,
    /// Leak rules that must fire on the response.
    #[serde(default)]
    pub leaks: Vec<Spanned<String>>,
    /// No leak rule may fire on the response.
    #[serde(default)]
    pub no_leaks: bool,
    /// A log line carrying the response's correlation id contains each of these.
    #[serde(default)]
    pub log_contains: Vec<String>,
    /// The response took at least this long (e.g. a request stalled behind blocked
    /// workers). Only lower bounds: an upper bound would make a timed test.
    pub min_duration_ms: Option<u64>,
    /// The response took at most this long: for `[steps.fixed]` only, with a margin of
    /// seconds (a request no longer stalled behind a blocked worker), never as a timing test.
    pub max_duration_ms: Option<u64>,
    /// No ERROR log line carries the response's correlation id.
    #[serde(default)]
    pub no_error_log: bool,
    /// The harness flags (true) or does not flag (false) the response as a hidden
    /// failure: a 2xx whose correlation id has an ERROR log line.
    pub hidden_failure: Option<bool>,
    /// No response arrives: the transport error contains this text, e.g. "timed out"
    /// (with `timeout_ms`), "could not connect", or "connection dropped" (the server closed
    /// the connection without answering, as actix-web does when a handler panics).
    pub no_response: Option<String>,
    /// With `times`, `repeat` or `parallel`: at least one request gets no response, with a
    /// transport error containing this text (e.g. "connection dropped" when some of the
    /// requests panic in bare). Those requests are not held to the response checks; the
    /// answered ones are.
    pub no_response_include: Option<String>,
    /// On a `metrics` step, in this mode: the window's 5xx rate must be above this fraction.
    pub error_rate_above: Option<f64>,
    /// On a `metrics` step, in this mode: the window's 5xx rate must be below this fraction.
    pub error_rate_below: Option<f64>,
}

impl Expect {
    /// Nothing is expected at all.
    pub fn is_empty(&self) -> bool {
        !self.expects_of_requests() && !self.expects_of_metrics()
    }

    /// Whether anything is expected of the step's requests: a response, or none.
    pub fn expects_of_requests(&self) -> bool {
        self.checks_response() || self.no_response.is_some() || self.no_response_include.is_some()
    }

    /// Whether a 5xx-rate bound is set (for `metrics` steps).
    pub fn expects_of_metrics(&self) -> bool {
        self.error_rate_above.is_some() || self.error_rate_below.is_some()
    }

    /// Whether anything is expected of a response (everything but `no_response`).
    pub fn checks_response(&self) -> bool {
        self.status.is_some()
            || !self.status_in.is_empty()
            || !self.statuses.is_empty()
            || !self.statuses_include.is_empty()
            || self.content_type.is_some()
            || !self.headers_present.is_empty()
            || !self.headers_absent.is_empty()
            || !self.headers.is_empty()
            || !self.json.is_empty()
            || !self.body_contains.is_empty()
            || !self.body_not_contains.is_empty()
            || !self.leaks.is_empty()
            || self.no_leaks
            || !self.log_contains.is_empty()
            || self.min_duration_ms.is_some()
            || self.max_duration_ms.is_some()
            || self.no_error_log
            || self.hidden_failure.is_some()
    }
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
        self.startup.fixed.is_some() || self.steps.iter().any(|s| !s.get_ref().fixed.is_empty())
    }
}

impl Step {
    /// Whether the step sends HTTP requests (`path` or `parallel`), and so has responses
    /// to expect things of.
    pub fn sends_requests(&self) -> bool {
        self.path.is_some() || !self.parallel.is_empty()
    }

    /// The step's own request (for `request` steps).
    pub fn request_spec(&self) -> RequestSpec {
        RequestSpec {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            accept: self.accept.clone(),
            json: self.json.clone(),
            body: self.body.clone(),
            delay_ms: 0,
            timeout_ms: self.timeout_ms,
            new_connection: self.new_connection,
        }
    }

    /// The tables that apply: the lesson's (`expect` and the mode's own) or, for
    /// `harness check`, only `fixed`.
    pub fn expectations(&self, mode: ModeName, of: Expectations) -> Vec<&Expect> {
        match of {
            Expectations::Fixed => vec![&self.fixed],
            Expectations::Lesson => vec![&self.expect, self.mode_table(mode)],
        }
    }

    /// The step's own table for `mode` (`[steps.dev]`, `[steps.prod]`, `[steps.bare]`).
    pub fn mode_table(&self, mode: ModeName) -> &Expect {
        match mode {
            ModeName::Dev => &self.dev,
            ModeName::Prod => &self.prod,
            ModeName::Bare => &self.bare,
        }
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
