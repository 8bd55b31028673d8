//! Scanning an HTTP response for information it should not disclose.
//!
//! Each body rule's regex searches the body once (linear time, with the regex crate's
//! literal prefilters doing most of the work). A combined `RegexSet` was measured 50x
//! slower on debug bodies: its automaton is too large for the lazy DFA's cache, so it falls
//! back to the NFA (see docs/performance.md). Headers are checked rule by rule.

mod rules;

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use serde::Serialize;

pub use rules::{RULES, Rule, Scope, Severity, rule};

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

struct Compiled {
    body_rules: Vec<BodyRule>,
    header_rules: Vec<(&'static Rule, &'static str, Regex)>,
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let mut body_rules = Vec::new();
        let mut header_rules = Vec::new();
        for rule in RULES {
            // The patterns are constants checked by the `every_rule_compiles` test.
            let regex = RegexBuilder::new(rule.pattern)
                .size_limit(64 << 20)
                .build()
                .unwrap_or_else(|e| panic!("leak rule {} has an invalid pattern: {e}", rule.id));
            match rule.scope {
                Scope::Body => body_rules.push(BodyRule {
                    rule,
                    leak_group: regex.capture_names().position(|name| name == Some("leak")),
                    regex,
                }),
                Scope::Header(name) => header_rules.push((rule, name, regex)),
            }
        }
        Compiled {
            body_rules,
            header_rules,
        }
    })
}

/// Longest evidence excerpt kept.
const EVIDENCE_CHARS: usize = 120;

/// Every finding in a response: one per rule and place (the first match of each body rule,
/// which is enough to prove the leak and keeps reports short).
pub fn scan(response: &Response<'_>) -> Vec<Finding> {
    let compiled = compiled();
    let mut findings = Vec::new();
    for (rule, name, regex) in &compiled.header_rules {
        for (header, value) in response.headers {
            if header.eq_ignore_ascii_case(name) && regex.is_match(value) {
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
    for body_rule in &compiled.body_rules {
        let rule = body_rule.rule;
        if let Some((offset, end)) = body_rule
            .leak_spans(response.body)
            .find(|&(s, e)| rule.counts(&response.body[s..e]))
        {
            let start = word_start(response.body, offset);
            findings.push(Finding {
                rule: rule.id,
                severity: rule.severity,
                location: "body".to_string(),
                offset,
                length: end - offset,
                evidence: excerpt(response.body[start..end].trim()),
            });
        }
    }
    findings
}

/// Every match of the body rules, for highlighting (offset, length, rule id), sorted.
pub fn highlights(body: &str) -> Vec<(usize, usize, &'static str)> {
    let mut spans = Vec::new();
    for body_rule in &compiled().body_rules {
        let rule = body_rule.rule;
        spans.extend(
            body_rule
                .leak_spans(body)
                .filter(|&(start, end)| rule.counts(&body[start..end]))
                .map(|(start, end)| (start, end - start, rule.id)),
        );
    }
    spans.sort();
    spans
}

struct BodyRule {
    rule: &'static Rule,
    regex: Regex,
    /// The index of the pattern's `leak` group, if it names one.
    leak_group: Option<usize>,
}

impl BodyRule {
    /// The spans of the rule's leaks in `body`: the `leak` group where the pattern names
    /// one (the rest of the match is context the regex crate cannot look behind for, like
    /// the boundary before a path), else the whole match. Groups are resolved only for
    /// the matches found, so the search itself stays a plain `find`.
    fn leak_spans<'b>(&'b self, body: &'b str) -> impl Iterator<Item = (usize, usize)> + 'b {
        self.regex.find_iter(body).map(move |found| {
            self.leak_group
                .and_then(|group| self.regex.captures_at(body, found.start())?.get(group))
                .map_or((found.start(), found.end()), |leak| {
                    (leak.start(), leak.end())
                })
        })
    }
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
    at
}

fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EVIDENCE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests;
