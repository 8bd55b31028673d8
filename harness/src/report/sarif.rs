//! SARIF 2.1.0 for GitHub code scanning, shared by `audit`, `scan` and `fuzz`. What GitHub
//! requires and ZAP's SARIF lacks: a relative `artifactLocation.uri` (the route, against a
//! `uriBaseId` whose absolute URL is in `originalUriBaseIds`), `partialFingerprints` so an
//! alert is tracked across runs, and `security-severity` plus CWE tags on every rule.

use serde_json::{Value, json};

use crate::leaks;

/// The base id every location is relative to.
pub const BASE_ID: &str = "TARGET";

/// A rule: a leak rule or an audit control.
pub struct SarifRule {
    pub id: String,
    pub name: String,
    pub short: String,
    pub full: String,
    /// Markdown help: the fix, and where to read more.
    pub help: String,
    pub severity: String,
    pub cwe: Vec<String>,
    pub extra_tags: Vec<String>,
}

/// One result.
pub struct SarifResult {
    pub rule_id: String,
    pub level: &'static str,
    pub message: String,
    /// Relative to the target: `books/13`, or a file name for `scan`.
    pub uri: String,
    pub method: Option<String>,
    pub route: String,
    pub parameter: Option<String>,
    pub properties: Value,
}

/// A leak rule as a SARIF rule.
pub fn leak_rule(rule: &leaks::Rule) -> SarifRule {
    let zap = rule
        .zap
        .map(|z| format!(" ZAP passive rule {z} covers the same ground."))
        .unwrap_or_default();
    SarifRule {
        id: rule.id.to_string(),
        name: rule.id.replace(['.', '-'], "_"),
        short: rule.title.to_string(),
        full: format!(
            "{}. The response discloses it to any client ({}).",
            rule.title,
            rule.cwe.join(", ")
        ),
        help: format!(
            "**{}**\n\nA response should not carry this. Answer errors with a generic body and a correlation id; keep the detail in the logs.{zap}\n\nGuard: {}\n\nSee docs/leak-rules.md and docs/compliance.md in Crash Course.",
            rule.title, rule.guard
        ),
        severity: match rule.severity {
            leaks::Severity::High => "7.5",
            leaks::Severity::Medium => "5.3",
            leaks::Severity::Low => "3.1",
        }
        .to_string(),
        cwe: rule.cwe.iter().map(|s| s.to_string()).collect(),
        extra_tags: Vec::new(),
    }
}

/// A SARIF level for a leak severity.
pub fn level(severity: leaks::Severity) -> &'static str {
    match severity {
        leaks::Severity::High => "error",
        leaks::Severity::Medium => "warning",
        leaks::Severity::Low => "note",
    }
}

/// `/books/13?x=1` as a relative reference: `books/13` (root: `./`).
pub fn relative_uri(target: &str) -> String {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let trimmed = path.trim_start_matches('/');
    if trimmed.is_empty() {
        "./".to_string()
    } else {
        crate::report::sarif::escape_uri(trimmed)
    }
}

/// Percent-encodes what may not stand in a URI reference (spaces, quotes, non-ASCII).
fn escape_uri(path: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'|')
        .add(b'\\')
        .add(b'^');
    percent_encoding::utf8_percent_encode(path, KEEP).to_string()
}

/// A base URL as `originalUriBaseIds` wants it: absolute, ending in `/`.
pub fn base_uri(base: &str) -> String {
    if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    }
}

/// The fingerprint GitHub tracks an alert by: rule, method, route and parameter.
pub fn fingerprint(
    rule: &str,
    method: Option<&str>,
    route: &str,
    parameter: Option<&str>,
) -> String {
    let key = format!(
        "{rule}\u{1f}{}\u{1f}{route}\u{1f}{}",
        method.unwrap_or(""),
        parameter.unwrap_or("")
    );
    crate::audit::evidence::sha256_hex(key.as_bytes())[..32].to_string()
}

/// The whole log: one run of `tool`, with its rules and results. `base` is the target's
/// absolute URL (or a directory URI for `scan`).
pub fn log(
    tool_name: &str,
    information_uri: &str,
    base: Option<&str>,
    rules: &[SarifRule],
    results: &[SarifResult],
) -> Value {
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|r| {
            let mut tags: Vec<String> = vec!["security".to_string()];
            tags.extend(
                r.cwe
                    .iter()
                    .map(|c| format!("external/cwe/{}", c.to_ascii_lowercase())),
            );
            tags.extend(r.extra_tags.iter().cloned());
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.short },
                "fullDescription": { "text": r.full },
                "help": { "text": strip_markdown(&r.help), "markdown": r.help },
                "defaultConfiguration": { "level": "warning" },
                "properties": {
                    "security-severity": r.severity,
                    "precision": "high",
                    "problem.severity": "warning",
                    "tags": tags,
                },
            })
        })
        .collect();
    let results_json: Vec<Value> = results
        .iter()
        .map(|r| {
            let rule_index = rules.iter().position(|x| x.id == r.rule_id);
            let mut result = json!({
                "ruleId": r.rule_id,
                "level": r.level,
                "message": { "text": r.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact(&r.uri, base.is_some()),
                        "region": { "startLine": 1 },
                    },
                }],
                "partialFingerprints": {
                    "crashCourseFinding/v1": fingerprint(&r.rule_id, r.method.as_deref(), &r.route, r.parameter.as_deref()),
                },
                "properties": r.properties,
            });
            if let (Some(index), Some(object)) = (rule_index, result.as_object_mut()) {
                object.insert("ruleIndex".to_string(), json!(index));
            }
            result
        })
        .collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": tool_name,
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": information_uri,
                "rules": rules_json,
            }
        },
        "results": results_json,
        "columnKind": "unicodeCodePoints",
    });
    if let (Some(base), Some(object)) = (base, run.as_object_mut()) {
        object.insert(
            "originalUriBaseIds".to_string(),
            json!({ BASE_ID: { "uri": base_uri(base), "description": { "text": "The audited service's base URL" } } }),
        );
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    })
}

/// A location relative to the target's base id (or, for a file, relative as it stands).
fn artifact(uri: &str, with_base: bool) -> Value {
    match with_base {
        true => json!({ "uri": uri, "uriBaseId": BASE_ID }),
        false => json!({ "uri": uri }),
    }
}

fn strip_markdown(text: &str) -> String {
    text.replace("**", "")
}

/// The project's home, for `informationUri`.
pub const INFORMATION_URI: &str = "https://github.com/crash-course/crash-course";

/// `harness scan --format sarif`: the findings of one saved response.
pub fn from_scan(file: &str, findings: &[leaks::Finding]) -> Value {
    let mut used: Vec<&leaks::Rule> = Vec::new();
    for f in findings {
        if let Some(rule) = leaks::rule(f.rule)
            && !used.iter().any(|r| r.id == rule.id)
        {
            used.push(rule);
        }
    }
    let rules: Vec<SarifRule> = used.iter().map(|r| leak_rule(r)).collect();
    let uri = if file == "-" {
        "stdin".to_string()
    } else {
        escape_uri(&relative_file(file))
    };
    let results: Vec<SarifResult> = findings
        .iter()
        .map(|f| SarifResult {
            rule_id: f.rule.to_string(),
            level: level(f.severity),
            message: format!(
                "{} at {}: {}",
                leaks::rule(f.rule).map_or(f.rule, |r| r.title),
                f.location,
                f.evidence
            ),
            uri: uri.clone(),
            method: None,
            route: uri.clone(),
            parameter: Some(f.location.clone()),
            properties: json!({ "location": f.location, "offset": f.offset }),
        })
        .collect();
    log(
        "harness scan (Crash Course)",
        INFORMATION_URI,
        None,
        &rules,
        &results,
    )
}

/// A file as a relative reference: relative to the working directory when it is under it,
/// else its name (code scanning rejects absolute URIs).
fn relative_file(file: &str) -> String {
    let path = std::path::Path::new(file);
    let relative = std::env::current_dir()
        .ok()
        .and_then(|here| path.strip_prefix(here).ok().map(|p| p.to_path_buf()))
        .unwrap_or_else(|| path.to_path_buf());
    let text = if relative.is_absolute() {
        relative.file_name().map_or_else(
            || "response".to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    } else {
        relative.to_string_lossy().into_owned()
    };
    text.trim_start_matches("./").replace('\\', "/")
}

/// `harness fuzz --format sarif`: each severe bucket as a result at its route.
pub fn from_fuzz(runs: &[crate::fuzz::FuzzRun]) -> Value {
    let mut rules: Vec<SarifRule> = Vec::new();
    let mut results = Vec::new();
    let base = runs.first().map(|r| r.target.clone());
    for run in runs {
        for bucket in run.buckets.iter().filter(|b| b.is_severe()) {
            let rule_ids: Vec<String> = if bucket.findings.is_empty() {
                vec![format!(
                    "fuzz.{}",
                    bucket.checks.first().map_or("failure", |c| c.name())
                )]
            } else {
                bucket.findings.clone()
            };
            for id in rule_ids {
                if !rules.iter().any(|r| r.id == id) {
                    rules.push(match leaks::rule(&id) {
                        Some(rule) => leak_rule(rule),
                        None => fuzz_rule(&id),
                    });
                }
                let mode = run.mode.map(|m| m.as_str()).unwrap_or_default();
                results.push(SarifResult {
                    rule_id: id.clone(),
                    level: "error",
                    message: format!(
                        "{} {} answered {} ({}){}. Reproduce: {}",
                        bucket.method,
                        bucket.route,
                        bucket.status.map_or("no response".to_string(), |s| s.to_string()),
                        bucket.checks.iter().map(|c| c.name()).collect::<Vec<_>>().join(", "),
                        if mode.is_empty() { String::new() } else { format!(" in {mode}") },
                        bucket.repro
                    ),
                    uri: relative_uri(&bucket.route),
                    method: Some(bucket.method.clone()),
                    route: format!("{}{}", bucket.route, if mode.is_empty() { String::new() } else { format!("#{mode}") }),
                    parameter: None,
                    properties: json!({ "status": bucket.status, "count": bucket.count, "mode": run.mode, "backend": run.backend }),
                });
            }
        }
    }
    log(
        "harness fuzz (Crash Course)",
        INFORMATION_URI,
        base.as_deref(),
        &rules,
        &results,
    )
}

fn fuzz_rule(id: &str) -> SarifRule {
    let (short, cwe, severity) = match id {
        "fuzz.not_a_server_error" => (
            "A fuzzed input made the server answer 5xx",
            "CWE-755",
            "5.3",
        ),
        "fuzz.responded" => (
            "A fuzzed input got no answer: the connection dropped",
            "CWE-248",
            "6.5",
        ),
        _ => ("A fuzzed input failed a check", "CWE-754", "4.0"),
    };
    SarifRule {
        id: id.to_string(),
        name: id.replace(['.', '-'], "_"),
        short: short.to_string(),
        full: format!("{short}. See the result's curl line to reproduce it."),
        help: "Reproduce with the result's curl line, find the failure in the logs by its correlation id, and fix the handler (docs/fuzzing.md).".to_string(),
        severity: severity.to_string(),
        cwe: vec![cwe.to_string()],
        extra_tags: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_fingerprints_stable() {
        assert_eq!(relative_uri("/books/13?x=1"), "books/13");
        assert_eq!(relative_uri("/"), "./");
        assert_eq!(relative_uri("/a b"), "a%20b");
        assert_eq!(base_uri("https://h:1"), "https://h:1/");
        assert_eq!(
            fingerprint("r", Some("GET"), "/x", None),
            fingerprint("r", Some("GET"), "/x", None)
        );
        assert_ne!(
            fingerprint("r", Some("GET"), "/x", None),
            fingerprint("r", Some("POST"), "/x", None)
        );
    }
}
