//! A scenario's steps. The file's `[[steps]]` tables (`StepFile`, a bag of optional keys)
//! are validated once, then become a `Step` whose `Action` is one of the things a step can
//! do: the runner and the commands match on it and never re-check which keys were set.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::expect::Expect;
use super::load::{LoadFile, LoadSpec};
use super::model::{Expectations, ModeName};

/// One step, validated: what it does and what is expected of its requests.
#[derive(Debug)]
pub struct Step {
    pub name: Option<String>,
    pub action: Action,
    /// Values taken from the step's first response for later steps (`{{name}}`).
    pub capture: BTreeMap<String, Spanned<String>>,
    /// Expectations in every mode.
    pub expect: Expect,
    /// Expectations in dev, prod and bare only.
    pub dev: Expect,
    pub prod: Expect,
    pub bare: Expect,
    /// What the corrected app answers, in every mode (`harness check`).
    pub fixed: Expect,
}

/// What a step does.
#[derive(Debug)]
pub enum Action {
    /// One request, sent once, several copies at once, or several times in a row.
    Request {
        request: RequestSpec,
        sending: Sending,
    },
    /// Different requests sent at the same moment (a race).
    Parallel(Vec<RequestSpec>),
    /// The request offered open-loop at a multiple of the capacity a probe measured, for a
    /// few seconds: goodput, p99 and the statuses, checked against the step's bounds.
    Load {
        request: RequestSpec,
        load: LoadSpec,
    },
    /// SQL on the run's database; with `hold`, on a connection kept open (with its
    /// transaction and locks) until a `Release` step names it.
    Sql { sql: String, hold: Option<String> },
    /// A deliberate pause, in milliseconds.
    Sleep { ms: u64 },
    /// A sample of the app's /metrics: the 5xx rate since the previous sample, with the
    /// bounds the step itself sets (the modes' tables may add theirs).
    Metrics {
        label: String,
        error_rate_above: Option<f64>,
        error_rate_below: Option<f64>,
    },
    /// Closes the connection an earlier `Sql` step holds under this name.
    Release { name: String },
    /// Reads what the run's error tracker stored (issues, events, leaks in them) once the
    /// app's events for the 5xx answers so far are in, and looks up the correlation id of
    /// an earlier step's first response (named), as a user would quote it.
    Tracker {
        label: String,
        correlation_id_of: Option<String>,
    },
}

/// Of a step's `[dev, prod, bare]` tables, the one for `mode`.
fn mode_table(mode: ModeName, [dev, prod, bare]: [&Expect; 3]) -> &Expect {
    match mode {
        ModeName::Dev => dev,
        ModeName::Prod => prod,
        ModeName::Bare => bare,
    }
}

/// How many copies of a step's request go out, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sending {
    Once,
    /// `repeat = N`: N copies at the same moment.
    AtOnce(u32),
    /// `times = N`: N times, one after another.
    OneAfterAnother(u32),
}

impl Step {
    /// Whether the step sends HTTP requests, and so has responses to expect things of.
    pub fn sends_requests(&self) -> bool {
        matches!(
            self.action,
            Action::Request { .. } | Action::Parallel(_) | Action::Load { .. }
        )
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
        mode_table(mode, [&self.dev, &self.prod, &self.bare])
    }
}

/// The request fields, written once: a step states them inline beside its other keys, a
/// `parallel` entry on their own. (serde cannot combine `flatten` with
/// `deny_unknown_fields`, and a typo in a scenario must be an error, so the list is
/// spliced into both structs.)
macro_rules! with_request_fields {
    ($(#[$meta:meta])* pub struct $name:ident { $($rest:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
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
            /// Gives up waiting for the response after this many milliseconds (default 30 s).
            pub timeout_ms: Option<u64>,
            /// Sends on a new connection instead of the run's kept-alive one (what a new
            /// client sees, e.g. while the app cannot accept connections).
            #[serde(default)]
            pub new_connection: bool,
            $($rest)*
        }
    };
}

with_request_fields! {
/// One `[[steps]]` table as the file says it: a request, several requests at once, SQL, a
/// pause, a metrics sample, the release of a held connection, or a reading of the error
/// tracker. `validate` checks that exactly one of `path`, `parallel`, `sql`, `sleep_ms`,
/// `metrics`, `release` and `tracker` is given;
/// `into_step` then makes it a `Step`, whose `Action` says which, once and for all.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    pub name: Option<String>,
    /// Sends `repeat` copies of the request at the same moment (default 1).
    pub repeat: Option<u32>,
    /// Sends the request `times` times, one after another (steady traffic, or a leak that
    /// needs many requests).
    pub times: Option<u32>,
    /// Different requests sent at the same moment.
    #[serde(default)]
    pub parallel: Vec<RequestSpec>,
    /// With `path` and `timeout_ms`: offers the request at a multiple of the measured
    /// capacity for a few seconds (see `scenario::load`).
    pub load: Option<Spanned<LoadFile>>,
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
    /// Reads the run's error tracker (`[tracker]`) under this label: its issues and stored
    /// events, judged with the leak rules (`[steps.<mode>.tracker]` expects things of them).
    pub tracker: Option<String>,
    /// With `tracker`: the earlier step (by name) whose first response's correlation id
    /// is looked up, as a user quotes it from the `x-request-id` header.
    pub correlation_id_of: Option<Spanned<String>>,
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
}

impl StepFile {
    /// The step's own request (for `path` steps).
    pub fn request_spec(&self) -> RequestSpec {
        RequestSpec {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            accept: self.accept.clone(),
            json: self.json.clone(),
            body: self.body.clone(),
            after_log: None,
            delay_ms: 0,
            timeout_ms: self.timeout_ms,
            new_connection: self.new_connection,
        }
    }

    /// Whether the step sends HTTP requests (`path` or `parallel`).
    pub fn sends_requests(&self) -> bool {
        self.path.is_some() || !self.parallel.is_empty()
    }

    /// The step's own table for `mode`.
    pub fn mode_table(&self, mode: ModeName) -> &Expect {
        mode_table(mode, [&self.dev, &self.prod, &self.bare])
    }

    /// The validated step. `validate` has checked that exactly one action is given; were
    /// none, the step would be a request (and `validate` would have said so).
    pub fn into_step(self) -> Step {
        let request = self.request_spec();
        let action = if let Some(ms) = self.sleep_ms {
            Action::Sleep { ms }
        } else if let Some(sql) = self.sql {
            Action::Sql {
                sql,
                hold: self.hold.map(Spanned::into_inner),
            }
        } else if let Some(release) = self.release {
            Action::Release {
                name: release.into_inner(),
            }
        } else if let Some(label) = self.tracker {
            Action::Tracker {
                label,
                correlation_id_of: self.correlation_id_of.map(Spanned::into_inner),
            }
        } else if let Some(label) = self.metrics {
            Action::Metrics {
                label,
                error_rate_above: self.error_rate_above,
                error_rate_below: self.error_rate_below,
            }
        } else if !self.parallel.is_empty() {
            Action::Parallel(self.parallel)
        } else if let Some(load) = self.load {
            let timeout_ms = request.timeout_ms.unwrap_or(0);
            Action::Load {
                request,
                load: load.into_inner().into_spec(timeout_ms),
            }
        } else {
            let sending = match (self.repeat, self.times) {
                (Some(n), _) => Sending::AtOnce(n),
                (None, Some(n)) => Sending::OneAfterAnother(n),
                (None, None) => Sending::Once,
            };
            Action::Request { request, sending }
        };
        Step {
            name: self.name,
            action,
            capture: self.capture,
            expect: self.expect,
            dev: self.dev,
            prod: self.prod,
            bare: self.bare,
            fixed: self.fixed,
        }
    }
}

with_request_fields! {
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// Send only once the app has logged, since the step began, a line containing this
    /// text (at most `timeout_ms`, or `runner::steps::AFTER_LOG_LIMIT`, later), then wait
    /// `delay_ms`: a race's second request goes out once the first has reached the point
    /// the race is about, however slowly the machine runs. Against a server the harness did
    /// not start there is no log to read: the wait is skipped.
    pub after_log: Option<String>,
    /// Wait this long before sending (staggers the requests of a `parallel` step so a race
    /// always starts the same way).
    #[serde(default)]
    pub delay_ms: u64,
}
}
