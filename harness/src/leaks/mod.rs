//! Scanning an HTTP response for information it should not disclose.
//!
//! The rules (`rules/`) cover the lab's own Rust stack and every common one: framework
//! debug pages, stack traces, database errors, versions, secrets, paths. The scanner
//! (`scanner.rs`) finds every rule's anchor literals in one multi-literal pass and runs a
//! rule's regex only on the windows around them, which returns exactly what running each
//! regex over the whole body would (tested), at a fraction of the cost on clean bodies
//! (docs/performance.md). Headers are checked rule by rule.

mod clean_traffic;
mod prefilter;
mod rules;
mod saved;
mod scanner;
mod table;

use std::sync::OnceLock;

use serde::Serialize;

pub use clean_traffic::clean_json_lines;
pub use rules::{RULES, Rule, Scope, Severity, rule};
pub use saved::{NotText, Saved, read_saved};
pub use table::{rules_markdown, rules_table};

/// One leak found in a response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// `header:NAME` or `body`.
    pub location: String,
    /// Byte offset of the match in the body (0 for headers).
    pub offset: usize,
    /// Byte length of the match.
    pub length: usize,
    /// The matched text, cut to a readable length.
    pub evidence: String,
}

/// What the scanner looks at.
pub struct Response<'a> {
    pub headers: &'a [(String, String)],
    pub body: &'a str,
}

fn scanner() -> &'static scanner::Scanner {
    static SCANNER: OnceLock<scanner::Scanner> = OnceLock::new();
    SCANNER.get_or_init(scanner::Scanner::new)
}

/// Longest evidence excerpt kept.
const EVIDENCE_CHARS: usize = 120;

/// A saved response (`HTTP/1.1 500 ...`, headers, a blank line, the body) split into its
/// headers (names lower-cased) and body; any other text is a bare body. What `harness scan`
/// reads.
pub fn split_saved_response(text: &str) -> (Vec<(String, String)>, &str) {
    if !text.starts_with("HTTP/") {
        return (Vec::new(), text);
    }
    let (head, body) = text
        .split_once("\r\n\r\n")
        .or_else(|| text.split_once("\n\n"))
        .unwrap_or((text, ""));
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (headers, body)
}

/// Every finding in a response: one per rule and place (the first match of each body rule,
/// which is enough to prove the leak and keeps reports short).
pub fn scan(response: &Response<'_>) -> Vec<Finding> {
    let scanner = scanner();
    let windows = scanner.windows(response.body);
    findings(response, |r, body| {
        let rule = &scanner.body[r];
        rule.spans_in(body, &windows[r])
            .find(|&(s, e)| rule.rule.counts(&body[s..e]))
    })
}

/// The same findings as [`scan`], found by running every rule's regex over the whole body:
/// the reference the anchored scan is tested (and benchmarked) against.
pub fn scan_plain(response: &Response<'_>) -> Vec<Finding> {
    let scanner = scanner();
    findings(response, |r, body| {
        let rule = &scanner.body[r];
        rule.spans(body)
            .find(|&(s, e)| rule.rule.counts(&body[s..e]))
    })
}

fn findings(
    response: &Response<'_>,
    mut first_leak: impl FnMut(usize, &str) -> Option<(usize, usize)>,
) -> Vec<Finding> {
    let scanner = scanner();
    let mut findings = Vec::new();
    for header_rule in &scanner.headers {
        let (rule, name) = (header_rule.rule, header_rule.name);
        for (header, value) in response.headers {
            if header.eq_ignore_ascii_case(name) && header_rule.regex.is_match(value.as_str()) {
                findings.push(Finding {
                    rule: rule.id,
                    severity: rule.severity,
                    location: format!("header:{name}"),
                    offset: 0,
                    length: value.len(),
                    evidence: format!("{header}: {}", excerpt(value)),
                });
            }
        }
    }
    let body = response.body;
    for (r, body_rule) in scanner.body.iter().enumerate() {
        if let Some((offset, end)) = first_leak(r, body) {
            // A `leak` group marks the evidence itself; a bare match may start inside the
            // identifier it belongs to.
            let start = match body_rule.has_leak_group() {
                true => offset,
                false => word_start(body, offset),
            };
            findings.push(Finding {
                rule: body_rule.rule.id,
                severity: body_rule.rule.severity,
                location: "body".to_string(),
                offset,
                length: end - offset,
                evidence: excerpt(body[start..end].trim()),
            });
        }
    }
    findings
}

/// Every match of the body rules, for highlighting (offset, length, rule id), sorted.
pub fn highlights(body: &str) -> Vec<(usize, usize, &'static str)> {
    let scanner = scanner();
    let windows = scanner.windows(body);
    let mut spans = Vec::new();
    for (r, body_rule) in scanner.body.iter().enumerate() {
        let rule = body_rule.rule;
        spans.extend(
            body_rule
                .spans_in(body, &windows[r])
                .filter(|&(start, end)| rule.counts(&body[start..end]))
                .map(|(start, end)| (start, end - start, rule.id)),
        );
    }
    spans.sort();
    spans
}

/// The body rules' regexes as a grep tool takes them (one per line, placeholders expanded,
/// groups unnamed): what `rg -f` gets in the speed comparison of docs/performance.md.
pub fn body_patterns() -> Vec<String> {
    RULES
        .iter()
        .filter(|r| r.scope == Scope::Body)
        .map(|r| r.regex().replace("(?P<leak>", "(?:"))
        .collect()
}

/// Where the identifier that a match starts inside begins (at most 24 bytes back), so the
/// evidence reads `fx_api_key: ...` and not `api_key: ...`. Widening after the match keeps
/// the patterns free of leading wildcards, which would make every search slow.
fn word_start(body: &str, start: usize) -> usize {
    let bytes = body.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    if !bytes.get(start).copied().is_some_and(is_word) {
        return start;
    }
    let mut at = start;
    while at > 0 && start - at < 24 && is_word(bytes[at - 1]) {
        at -= 1;
    }
    // `\nInvalid`: the `n` belongs to a JSON escape, not to the word.
    if at < start && at > 0 && bytes[at - 1] == b'\\' && matches!(bytes[at], b'n' | b't' | b'r') {
        at += 1;
    }
    at
}

fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EVIDENCE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod coverage;
#[cfg(test)]
mod tests;
