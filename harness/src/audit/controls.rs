//! The control catalogue: every control the audit maps evidence to, as data in one table.
//! Each row says which framework it belongs to, what it asks, which check of the audit
//! evidences it (several controls share a check: ASVS 4.0.3's 7.4.3 is ASVS 5.0's 16.5.4),
//! what the check needs to be tested at all, and how a failure is fixed. Reports, SARIF
//! rules and docs/compliance.md read this table.

use serde::Serialize;

/// A catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    /// OWASP ASVS 5.0.
    Asvs5,
    /// OWASP ASVS 4.0.3.
    Asvs4,
    /// NIST SP 800-53 rev. 5.
    Nist,
}

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Framework::Asvs5 => "OWASP ASVS 5.0",
            Framework::Asvs4 => "OWASP ASVS 4.0.3",
            Framework::Nist => "NIST SP 800-53 rev. 5",
        }
    }
}

/// What the audit observes to decide a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// No error answer carries a leak finding.
    GenericMessage,
    /// No leak finding, and every 4xx/5xx carries a correlation id (header or body).
    GenericMessageWithId,
    /// With a failing dependency the answer is an error, leak-free, not a dropped connection.
    DependencyFailure,
    /// Refusals stay refusals: no unauthenticated request to a secured route, and no
    /// request whose dependency failed, is answered 2xx.
    NoFailOpen,
    /// No crash or hostile input drops the connection, and the process answers afterwards.
    LastResort,
    /// Every 5xx (and dropped connection) has its log entry.
    ErrorsLogged,
    /// Hostile values reach the log encoded: no forged line.
    LogInjection,
    /// The log entry of an error carries its correlation id and a time.
    Correlatable,
    /// No debug page, stack trace or debug header; no debug route answers.
    DebugOff,
    /// TRACE is not answered with an echo, nor offered in `Allow`.
    NoTrace,
    /// Documentation and monitoring endpoints answer only where intended (allow-listed).
    IntendedEndpoints,
    /// No version banner of a backend component in headers or error bodies.
    NoVersions,
    /// `/.git/` is not served.
    NoGit,
    /// Error detail is withheld from clients and kept for designated personnel (the logs).
    DetailToPersonnel,
}

/// One control of a catalogue.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Control {
    /// Stable id, also the SARIF rule id: `asvs5-16.5.1`.
    pub id: &'static str,
    pub framework: Framework,
    /// The control's own number in its catalogue: `16.5.1`, `SI-11a`.
    pub number: &'static str,
    pub title: &'static str,
    /// ASVS level (`L1`-`L3`), or the NIST baseline.
    pub level: &'static str,
    pub cwe: &'static [&'static str],
    /// What the control asks, in a sentence.
    pub asks: &'static str,
    pub check: Check,
    /// How a failure is fixed, for reports and SARIF help.
    pub fix: &'static str,
    /// SARIF `security-severity`, 0.1 to 10.0.
    pub severity: &'static str,
}

const FIX_GENERIC: &str = "Answer every error with a generic body (RFC 9457 problem+json: type, title, status, a generic detail) and a correlation id; write the error chain, SQL, stack and versions to the log under that id, never to the response.";
const FIX_LAST_RESORT: &str = "Install a last-resort handler: catch panics/exceptions per request (catch_unwind middleware, a framework error handler) and answer a generic 500 with an id instead of dropping the connection or the process.";
const FIX_DEBUG: &str = "Turn debug mode off in production (DEBUG=False, no debug page, no backtraces in answers) and make it a start-up check: refuse to start a production build with it on.";
const FIX_VERSIONS: &str = "Remove Server/X-Powered-By version banners (or reduce them to a product name) and keep library and engine versions out of error bodies.";
const FIX_LOGGED: &str = "Log every unexpected error once, at error level, with its correlation id, time and full detail (chain, SQL, stack), where operators can find it by the id the client was given.";

/// The catalogue, in report order.
pub const CONTROLS: &[Control] = &[
    Control {
        id: "asvs5-16.5.1",
        framework: Framework::Asvs5,
        number: "16.5.1",
        title: "Generic message on unexpected or security-sensitive errors",
        level: "L2",
        cwe: &["CWE-209", "CWE-497"],
        asks: "A generic message is returned to the consumer when an unexpected or security-sensitive error occurs, without stack traces, queries, secret keys or tokens.",
        check: Check::GenericMessage,
        fix: FIX_GENERIC,
        severity: "5.3",
    },
    Control {
        id: "asvs5-16.5.2",
        framework: Framework::Asvs5,
        number: "16.5.2",
        title: "Secure when an external resource fails",
        level: "L2",
        cwe: &["CWE-209", "CWE-755"],
        asks: "The application continues to operate securely when an external resource (a database, an upstream API) fails or is unavailable.",
        check: Check::DependencyFailure,
        fix: "Map an upstream's failure to 502/504 with a generic body, never pass its status, body or URL through; bound the call with a timeout.",
        severity: "5.3",
    },
    Control {
        id: "asvs5-16.5.3",
        framework: Framework::Asvs5,
        number: "16.5.3",
        title: "Fail gracefully and securely (no fail-open)",
        level: "L2",
        cwe: &["CWE-636", "CWE-755"],
        asks: "The application fails gracefully and securely, including when an exception occurs, and does not fail open (e.g. completing a transaction or granting access despite an error).",
        check: Check::NoFailOpen,
        fix: "Make every error path deny: an authorization check that errors refuses, a transaction whose dependency failed is not completed.",
        severity: "7.5",
    },
    Control {
        id: "asvs5-16.5.4",
        framework: Framework::Asvs5,
        number: "16.5.4",
        title: "Last-resort error handler keeps the process alive",
        level: "L3",
        cwe: &["CWE-248", "CWE-756"],
        asks: "A last-resort error handler catches all unhandled exceptions, both to avoid losing error details that must go to the log and to keep the process from going down.",
        check: Check::LastResort,
        fix: FIX_LAST_RESORT,
        severity: "5.3",
    },
    Control {
        id: "asvs5-16.3.4",
        framework: Framework::Asvs5,
        number: "16.3.4",
        title: "Unexpected errors and security-control failures are logged",
        level: "L2",
        cwe: &["CWE-778"],
        asks: "The application logs unexpected errors and failures of security controls, such as backend TLS failures.",
        check: Check::ErrorsLogged,
        fix: FIX_LOGGED,
        severity: "4.0",
    },
    Control {
        id: "asvs5-16.4.1",
        framework: Framework::Asvs5,
        number: "16.4.1",
        title: "Log injection is prevented by encoding",
        level: "L2",
        cwe: &["CWE-117"],
        asks: "Every logging component encodes data to prevent log injection.",
        check: Check::LogInjection,
        fix: "Write structured logs (JSON lines) or encode CR, LF and other control characters in every value that reaches the log.",
        severity: "5.3",
    },
    Control {
        id: "asvs5-16.2.1",
        framework: Framework::Asvs5,
        number: "16.2.1",
        title: "Log entries carry what is needed to investigate (when, where, who, what)",
        level: "L2",
        cwe: &["CWE-778"],
        asks: "Each log entry includes the metadata a detailed investigation needs: when, where, who and what; with 16.2.4, entries of one request can be correlated.",
        check: Check::Correlatable,
        fix: "Carry the request's correlation id and a timestamp on every log line of the request (a request span), and give the same id to the client.",
        severity: "3.1",
    },
    Control {
        id: "asvs5-13.4.1",
        framework: Framework::Asvs5,
        number: "13.4.1",
        title: "No source-control metadata deployed",
        level: "L1",
        cwe: &["CWE-527", "CWE-538"],
        asks: "The application is deployed without source-control metadata (.git, .svn) or makes it unreachable.",
        check: Check::NoGit,
        fix: "Deploy a build artifact, not a checkout; deny /.git/ and other dot-folders at the server.",
        severity: "7.5",
    },
    Control {
        id: "asvs5-13.4.2",
        framework: Framework::Asvs5,
        number: "13.4.2",
        title: "Debug modes are disabled in production",
        level: "L2",
        cwe: &["CWE-489", "CWE-215"],
        asks: "Debug modes are disabled for all components in production, to prevent exposure of debugging features and information leakage.",
        check: Check::DebugOff,
        fix: FIX_DEBUG,
        severity: "7.5",
    },
    Control {
        id: "asvs5-13.4.4",
        framework: Framework::Asvs5,
        number: "13.4.4",
        title: "HTTP TRACE is not supported",
        level: "L2",
        cwe: &["CWE-693"],
        asks: "Using the HTTP TRACE method is not supported in production, to avoid potential information leakage.",
        check: Check::NoTrace,
        fix: "Refuse TRACE (405) at the server or the proxy, and leave it out of Allow.",
        severity: "4.3",
    },
    Control {
        id: "asvs5-13.4.5",
        framework: Framework::Asvs5,
        number: "13.4.5",
        title: "Documentation and monitoring endpoints are not exposed unless intended",
        level: "L2",
        cwe: &["CWE-200", "CWE-497"],
        asks: "Documentation (such as for internal APIs) and monitoring endpoints are not exposed unless explicitly intended.",
        check: Check::IntendedEndpoints,
        fix: "Serve debug consoles, actuators and internal docs on an internal listener or behind authentication; allow-list (--allow-path) the ones meant to be public.",
        severity: "5.3",
    },
    Control {
        id: "asvs5-13.4.6",
        framework: Framework::Asvs5,
        number: "13.4.6",
        title: "No detailed versions of backend components",
        level: "L3",
        cwe: &["CWE-497", "CWE-200"],
        asks: "The application does not expose detailed version information of backend components.",
        check: Check::NoVersions,
        fix: FIX_VERSIONS,
        severity: "3.7",
    },
    Control {
        id: "asvs4-7.4.1",
        framework: Framework::Asvs4,
        number: "7.4.1",
        title: "Generic message, potentially with a unique ID support can look up",
        level: "L1",
        cwe: &["CWE-210"],
        asks: "A generic message is shown when an unexpected or security-sensitive error occurs, potentially with a unique ID which support personnel can use to investigate.",
        check: Check::GenericMessageWithId,
        fix: FIX_GENERIC,
        severity: "5.3",
    },
    Control {
        id: "asvs4-7.4.3",
        framework: Framework::Asvs4,
        number: "7.4.3",
        title: "A last-resort error handler catches all unhandled exceptions",
        level: "L2",
        cwe: &["CWE-431"],
        asks: "A \"last resort\" error handler is defined which will catch all unhandled exceptions.",
        check: Check::LastResort,
        fix: FIX_LAST_RESORT,
        severity: "5.3",
    },
    Control {
        id: "asvs4-14.3.2",
        framework: Framework::Asvs4,
        number: "14.3.2",
        title: "Debug modes are disabled in production",
        level: "L1",
        cwe: &["CWE-497"],
        asks: "Web or application server and application framework debug modes are disabled in production to eliminate debug features, developer consoles and unintended security disclosures.",
        check: Check::DebugOff,
        fix: FIX_DEBUG,
        severity: "7.5",
    },
    Control {
        id: "asvs4-14.3.3",
        framework: Framework::Asvs4,
        number: "14.3.3",
        title: "Headers do not expose detailed versions",
        level: "L1",
        cwe: &["CWE-200"],
        asks: "The HTTP headers or any part of the HTTP response do not expose detailed version information of system components.",
        check: Check::NoVersions,
        fix: FIX_VERSIONS,
        severity: "3.7",
    },
    Control {
        id: "nist-si-11a",
        framework: Framework::Nist,
        number: "SI-11a",
        title: "Error messages give what corrective action needs, nothing exploitable",
        level: "moderate",
        cwe: &["CWE-209"],
        asks: "Generate error messages that provide information necessary for corrective actions without revealing information that could be exploited.",
        check: Check::GenericMessageWithId,
        fix: FIX_GENERIC,
        severity: "5.3",
    },
    Control {
        id: "nist-si-11b",
        framework: Framework::Nist,
        number: "SI-11b",
        title: "Error detail is revealed only to designated personnel",
        level: "moderate",
        cwe: &["CWE-209", "CWE-532"],
        asks: "Reveal error messages (the detail) only to designated organization-defined personnel or roles.",
        check: Check::DetailToPersonnel,
        fix: "Keep the detail out of every response and in the logs (or an error tracker) that only operators read, findable by the id the client was given.",
        severity: "5.3",
    },
    Control {
        id: "nist-au-3",
        framework: Framework::Nist,
        number: "AU-3",
        title: "Content of audit records",
        level: "low",
        cwe: &["CWE-778"],
        asks: "Audit records contain what type of event occurred, when, where, its source, its outcome and the identity associated with it.",
        check: Check::Correlatable,
        fix: "Log each error with its time, route, status (outcome), client and correlation id.",
        severity: "3.1",
    },
];

/// Which catalogues an audit reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Selection {
    Asvs5,
    Asvs4,
    Nist,
    All,
}

impl Selection {
    pub fn includes(self, framework: Framework) -> bool {
        match self {
            Selection::All => true,
            Selection::Asvs5 => framework == Framework::Asvs5,
            Selection::Asvs4 => framework == Framework::Asvs4,
            Selection::Nist => framework == Framework::Nist,
        }
    }

    pub fn controls(self) -> impl Iterator<Item = &'static Control> {
        CONTROLS.iter().filter(move |c| self.includes(c.framework))
    }
}

pub fn control(id: &str) -> Option<&'static Control> {
    CONTROLS.iter().find(|c| c.id == id)
}

/// OWASP Top 10 2025's category that every control here belongs to.
pub const TOP_TEN: &str = "OWASP Top 10 2025 A10: Mishandling of Exceptional Conditions";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_check_is_reached_by_a_control() {
        let mut ids: Vec<&str> = CONTROLS.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), CONTROLS.len());
        for c in CONTROLS {
            let severity: f64 = c.severity.parse().expect("a number");
            assert!((0.1..=10.0).contains(&severity), "{}", c.id);
            assert!(c.cwe.iter().all(|w| w.starts_with("CWE-")), "{}", c.id);
        }
        assert_eq!(Selection::Asvs5.controls().count(), 12);
        assert_eq!(Selection::All.controls().count(), CONTROLS.len());
    }
}
