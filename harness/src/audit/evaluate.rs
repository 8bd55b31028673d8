//! From exchanges (and logs, where there are any) to a verdict per check: pass, fail or not
//! tested, always with the reason, and the exchanges that are its evidence.

use serde::Serialize;

use super::controls::Check;
use super::logs::Logs;
use super::send::Exchange;
use super::{answers, log_checks};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    NotTested,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotTested => "not tested",
        }
    }
}

/// One piece of evidence: an exchange, and what in it counts.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// Index into the run's exchanges.
    pub exchange: usize,
    /// The leak rule that fired, when the evidence is a leak finding.
    pub rule: Option<&'static str>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub status: Status,
    pub reason: String,
    pub evidence: Vec<Evidence>,
}

pub(super) fn pass(reason: String) -> Verdict {
    Verdict {
        status: Status::Pass,
        reason,
        evidence: Vec::new(),
    }
}

pub(super) fn not_tested(reason: &str) -> Verdict {
    Verdict {
        status: Status::NotTested,
        reason: reason.to_string(),
        evidence: Vec::new(),
    }
}

pub(super) fn fail(reason: String, evidence: Vec<Evidence>) -> Verdict {
    Verdict {
        status: Status::Fail,
        reason,
        evidence,
    }
}

/// Leak rules that show a debug mode at work (a debug page, a stack, a debug header).
pub fn is_debug_rule(rule: &str) -> bool {
    rule.starts_with("stacktrace.")
        || rule.starts_with("framework.") && rule != "framework.error-text"
        || matches!(
            rule,
            "debug.page"
                | "rust.backtrace"
                | "rust.panic-message"
                | "rust.source-location"
                | "header.x-debug-token"
                | "error.exception-field"
        )
}

/// Leak rules that disclose a component's version.
pub fn is_version_rule(rule: &str) -> bool {
    matches!(
        rule,
        "version.disclosure"
            | "header.server-version"
            | "header.x-powered-by"
            | "header.x-aspnet-version"
    )
}

/// What the checks look at.
pub struct Inputs<'a> {
    pub exchanges: &'a [Exchange],
    pub logs: Option<&'a Logs>,
    pub nonce: &'a str,
}

pub fn verdict(check: Check, inputs: &Inputs<'_>) -> Verdict {
    match check {
        Check::GenericMessage => answers::generic_message(inputs),
        Check::GenericMessageWithId => answers::generic_message_with_id(inputs),
        Check::DependencyFailure => answers::dependency_failure(inputs),
        Check::NoFailOpen => answers::no_fail_open(inputs),
        Check::LastResort => answers::last_resort(inputs),
        Check::ErrorsLogged => log_checks::errors_logged(inputs),
        Check::LogInjection => log_checks::log_injection(inputs),
        Check::Correlatable => log_checks::correlatable(inputs),
        Check::DetailToPersonnel => log_checks::detail_to_personnel(inputs),
        Check::DebugOff => answers::debug_off(inputs),
        Check::NoTrace => answers::no_trace(inputs),
        Check::IntendedEndpoints => answers::intended_endpoints(inputs),
        Check::NoVersions => answers::no_versions(inputs),
        Check::NoGit => answers::no_git(inputs),
    }
}

pub fn cut(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}
