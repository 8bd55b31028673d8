//! The compiled rules and the two ways of running them over a body.
//!
//! Anchored (what [`super::scan`] uses): one multi-literal pass finds every occurrence of
//! every rule's anchors (`prefilter.rs`: sampled, exact, tested against Aho-Corasick), then
//! each rule's regex runs only on the windows around its anchors. Every match of a rule
//! contains one of its anchors and is at most `reach` bytes long (both proved for every
//! rule by the tests), so a window of `reach` bytes on each side of an anchor holds every
//! match that contains it; the windows of a rule are merged and searched left to right
//! with the same leftmost-first, non-overlapping iteration as a plain scan, with look-around
//! assertions (`\b`, `^`) seeing the text outside the window. The result is exactly the
//! plain scan's. A rule is compiled the first time one of its anchors turns up.
//!
//! Plain (the reference the tests and the bench compare against): each rule's regex over
//! the whole body.

use std::ops::Range;
use std::sync::OnceLock;

use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input, PatternID};

use super::prefilter::{Anchor, AnchorFinder};
use super::rules::{RULES, Rule, Scope};

pub(super) struct Scanner {
    pub(super) body: Vec<BodyRule>,
    pub(super) headers: Vec<HeaderRule>,
    anchors: Anchors,
}

pub(super) struct HeaderRule {
    pub(super) rule: &'static Rule,
    pub(super) name: &'static str,
    pub(super) regex: Regex,
}

/// A body rule, compiled when first needed: most bodies wake only a few rules, and a
/// one-shot `harness scan` should not pay for compiling all of them.
pub(super) struct BodyRule {
    pub(super) rule: &'static Rule,
    compiled: OnceLock<Compiled>,
}

struct Compiled {
    regex: Regex,
    /// The index of the pattern's `leak` group, if it names one.
    leak_group: Option<usize>,
    /// The longest match in bytes.
    reach: usize,
}

/// Every body rule's anchors, found in one pass.
struct Anchors {
    finder: AnchorFinder,
    /// For each anchor, the body rules it anchors.
    owners: Vec<Vec<usize>>,
}

impl Scanner {
    /// Compiles every rule. The rules are constants checked by the tests; a broken one is a
    /// programming error, reported with the rule's id.
    pub(super) fn new() -> Scanner {
        let mut body = Vec::new();
        let mut headers = Vec::new();
        for rule in RULES {
            match rule.scope {
                Scope::Header(name) => headers.push(HeaderRule {
                    rule,
                    name,
                    regex: compile(rule, &rule.regex()),
                }),
                Scope::Body => body.push(BodyRule {
                    rule,
                    compiled: OnceLock::new(),
                }),
            }
        }
        let anchors = Anchors::new(&body);
        Scanner {
            body,
            headers,
            anchors,
        }
    }

    /// For each body rule, the merged windows its matches can lie in.
    pub(super) fn windows(&self, body: &str) -> Vec<Vec<Range<usize>>> {
        let mut windows: Vec<Vec<Range<usize>>> = vec![Vec::new(); self.body.len()];
        let anchors = self.anchors.finder.anchors();
        self.anchors.finder.find(body.as_bytes(), |id, start| {
            let end = start + anchors[id].text.len();
            for &r in &self.anchors.owners[id] {
                let reach = self.body[r].compiled().reach;
                let from = floor_char_boundary(body, end.saturating_sub(reach));
                let to = ceil_char_boundary(body, start.saturating_add(reach));
                windows[r].push(from..to);
            }
        });
        for list in &mut windows {
            merge(list);
        }
        windows
    }

    /// Every anchor occurrence (anchor text, start), sorted: what the finder reports.
    #[cfg(test)]
    pub(super) fn anchor_occurrences(&self, body: &str) -> Vec<(Vec<u8>, usize)> {
        let anchors = self.anchors.finder.anchors();
        let mut found = Vec::new();
        self.anchors.finder.find(body.as_bytes(), |id, start| {
            found.push((anchors[id].text.clone(), start))
        });
        found.sort();
        found
    }

    #[cfg(test)]
    pub(super) fn finder(&self) -> &AnchorFinder {
        &self.anchors.finder
    }
}

/// Compiles a rule's pattern. The rules are constants checked by the tests; a broken one
/// is a programming error, reported with the rule's id.
fn compile(rule: &Rule, source: &str) -> Regex {
    Regex::builder()
        .configure(
            Regex::config()
                .nfa_size_limit(Some(64 << 20))
                .hybrid_cache_capacity(32 << 20),
        )
        .build(source)
        .unwrap_or_else(|e| panic!("leak rule {} has an invalid pattern: {e}", rule.id))
}

impl BodyRule {
    fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| {
            let source = self.rule.regex();
            let regex = compile(self.rule, &source);
            let leak_group = regex.group_info().to_index(PatternID::ZERO, "leak");
            let reach = longest_match(&source)
                .unwrap_or_else(|| panic!("leak rule {} has an unbounded pattern", self.rule.id));
            Compiled {
                regex,
                leak_group,
                reach,
            }
        })
    }

    /// The rule's leak spans inside `windows` (sorted, disjoint): the same spans, in the
    /// same order, as [`BodyRule::spans`] over the whole body. Lazy: `scan` wants only the
    /// first one.
    pub(super) fn spans_in<'b>(
        &'b self,
        body: &'b str,
        windows: &'b [Range<usize>],
    ) -> impl Iterator<Item = (usize, usize)> + 'b {
        let regex = &self.compiled().regex;
        let mut windows = windows.iter();
        let mut current: Option<Range<usize>> = None;
        // Where the next search may start: the end of the last match (non-overlapping).
        let mut pos = 0;
        std::iter::from_fn(move || {
            loop {
                let window = match current.take() {
                    Some(window) => window,
                    None => windows.next()?.clone(),
                };
                let at = window.start.max(pos);
                if at >= window.end {
                    continue;
                }
                if let Some(found) = regex.search(&Input::new(body).range(at..window.end)) {
                    // Never empty (tested), so the search moves on.
                    pos = found.end().max(at + 1);
                    current = Some(window);
                    return Some(found.range());
                }
            }
        })
        .map(move |found| self.leak_span(body, found))
    }

    pub(super) fn has_leak_group(&self) -> bool {
        self.compiled().leak_group.is_some()
    }

    /// Compiles the rule now (the tests check every rule compiles).
    #[cfg(test)]
    pub(super) fn compile_now(&self) -> usize {
        self.compiled().reach
    }

    /// The rule's leak spans over the whole body: the plain scan.
    pub(super) fn spans<'b>(&'b self, body: &'b str) -> impl Iterator<Item = (usize, usize)> + 'b {
        self.compiled()
            .regex
            .find_iter(body)
            .map(move |found| self.leak_span(body, found.range()))
    }

    /// The `leak` group where the pattern names one (the rest of the match is context the
    /// regex crate cannot look behind for, like the boundary before a path), else the whole
    /// match. Groups are resolved only for the matches found, so the search stays a `find`.
    fn leak_span(&self, body: &str, found: Range<usize>) -> (usize, usize) {
        let whole = (found.start, found.end);
        let compiled = self.compiled();
        let Some(group) = compiled.leak_group else {
            return whole;
        };
        let mut caps = compiled.regex.create_captures();
        let input = Input::new(body).range(found).anchored(Anchored::Yes);
        compiled.regex.search_captures(&input, &mut caps);
        caps.get_group(group)
            .map_or(whole, |leak| (leak.start, leak.end))
    }
}

impl Anchors {
    fn new(body: &[BodyRule]) -> Anchors {
        let mut anchors: Vec<Anchor> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut ids: std::collections::HashMap<(Vec<u8>, bool), usize> = Default::default();
        for (r, body_rule) in body.iter().enumerate() {
            let rule = body_rule.rule;
            assert!(
                !rule.anchors.is_empty(),
                "leak rule {} has no anchor",
                rule.id
            );
            for written in rule.anchors {
                let anchor = match written.strip_prefix("(?i)") {
                    Some(text) => Anchor {
                        text: text.to_ascii_lowercase().into_bytes(),
                        folded: true,
                    },
                    None => Anchor {
                        text: written.as_bytes().to_vec(),
                        folded: false,
                    },
                };
                let id = *ids
                    .entry((anchor.text.clone(), anchor.folded))
                    .or_insert_with(|| {
                        anchors.push(anchor);
                        owners.push(Vec::new());
                        anchors.len() - 1
                    });
                if !owners[id].contains(&r) {
                    owners[id].push(r);
                }
            }
        }
        Anchors {
            finder: AnchorFinder::new(anchors),
            owners,
        }
    }
}

/// The longest text, in bytes, a pattern can match; `None` if unbounded.
pub(super) fn longest_match(pattern: &str) -> Option<usize> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    hir.properties().maximum_len()
}

/// Sorts and merges overlapping or touching ranges.
fn merge(list: &mut Vec<Range<usize>>) {
    if list.len() < 2 {
        return;
    }
    list.sort_unstable_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(list.len());
    for range in list.drain(..) {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    *list = merged;
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}
