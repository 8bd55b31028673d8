//! What a step expects of its responses (`[steps.expect]`, the modes' tables and
//! `[steps.fixed]`): the file's keys, as the runner's expectation checks read them.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

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
    /// The app process ends during this step (an abort, a signal): how it ends. After it
    /// nothing listens; the harness restarts nothing.
    pub process_exit: Option<ProcessExitExpect>,
    /// On a `metrics` step, in this mode: the window's 5xx rate must be above this fraction.
    pub error_rate_above: Option<f64>,
    /// On a `metrics` step, in this mode: the window's 5xx rate must be below this fraction.
    pub error_rate_below: Option<f64>,
    /// On a `load` step: goodput (2xx answers within the clients' `timeout_ms`, per second
    /// of offered load) is above this fraction of the capacity the probe measured.
    pub goodput_above: Option<f64>,
    /// On a `load` step: goodput is below this fraction of the measured capacity.
    pub goodput_below: Option<f64>,
    /// On a `load` step: the 99th percentile of every request's time (a request with no
    /// answer counts with the time its client waited) is above this fraction of
    /// `timeout_ms`.
    pub p99_above: Option<f64>,
    /// On a `load` step: that p99 is below this fraction of `timeout_ms`.
    pub p99_below: Option<f64>,
    /// On a `tracker` step: what the run's tracker project holds (`[steps.dev.tracker]`).
    pub tracker: Option<super::tracker::TrackerExpect>,
}

/// `[steps.expect.process_exit]`: the app process ends during the step, and how.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessExitExpect {
    /// The signal that kills it, by name (`SIGABRT` for an abort, `SIGKILL`, `SIGSEGV`...).
    pub signal: Option<Spanned<String>>,
    /// The code it exits with (instead of a signal).
    pub exit_code: Option<i32>,
    /// Its stderr (the JSON logs and whatever the runtime printed last) contains each.
    #[serde(default)]
    pub stderr_contains: Vec<String>,
}

/// The signals a scenario may name, with their numbers where POSIX systems agree on them
/// (Linux and the BSDs, macOS included). Other signals are reported by number.
pub const SIGNALS: &[(&str, i32)] = &[
    ("SIGHUP", 1),
    ("SIGINT", 2),
    ("SIGQUIT", 3),
    ("SIGILL", 4),
    ("SIGTRAP", 5),
    ("SIGABRT", 6),
    ("SIGFPE", 8),
    ("SIGKILL", 9),
    ("SIGSEGV", 11),
    ("SIGPIPE", 13),
    ("SIGALRM", 14),
    ("SIGTERM", 15),
];

/// The name of a signal number, if it is one of `SIGNALS`.
pub fn signal_name(number: i32) -> Option<&'static str> {
    SIGNALS
        .iter()
        .find(|(_, n)| *n == number)
        .map(|(name, _)| *name)
}

impl Expect {
    /// Nothing is expected at all.
    pub fn is_empty(&self) -> bool {
        !self.expects_of_requests()
            && !self.expects_of_metrics()
            && !self.expects_of_load()
            && !self.expects_of_tracker()
    }

    /// Whether anything is expected of the step's requests: a response, or none.
    pub fn expects_of_requests(&self) -> bool {
        self.checks_response()
            || self.no_response.is_some()
            || self.no_response_include.is_some()
            || self.process_exit.is_some()
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
