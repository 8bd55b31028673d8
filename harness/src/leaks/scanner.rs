//! The compiled rules and the two ways of running them over a body.
//!
//! Anchored (what [`super::scan`] uses): one multi-literal pass finds every rule's anchors
//! (Aho-Corasick, exact and ASCII-case-insensitive automata), then each rule's regex runs
//! only on the windows around its anchors. Every match of a rule contains one of its anchors
//! and is at most `reach` bytes long (both proved for every rule by the tests), so a window
//! of `reach` bytes on each side of an anchor holds every match that contains it; the
//! windows of a rule are merged and searched left to right with the same leftmost-first,
//! non-overlapping iteration as a plain scan, with look-around assertions (`\b`, `^`)
//! seeing the text outside the window. The result is exactly the plain scan's.
//!
//! Plain (the reference the tests and the bench compare against): each rule's regex over
//! the whole body.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input, PatternID};

use super::prefilter::Prefilter;
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

pub(super) struct BodyRule {
    pub(super) rule: &'static Rule,
    regex: Regex,
    /// The index of the pattern's `leak` group, if it names one.
    leak_group: Option<usize>,
    /// The longest match in bytes.
    reach: usize,
}

/// Every body rule's anchors, found in one pass per case mode.
struct Anchors {
    /// (automaton, for each of its patterns the body rules that own it).
    automata: Vec<(AhoCorasick, Vec<Vec<usize>>)>,
    /// Skips the text no anchor can start in.
    prefilter: Prefilter,
}

impl Scanner {
    /// Compiles every rule. The rules are constants checked by the tests; a broken one is a
    /// programming error, reported with the rule's id.
    pub(super) fn new() -> Scanner {
        let mut body = Vec::new();
        let mut headers = Vec::new();
        for rule in RULES {
            let source = rule.regex();
            let regex = Regex::builder()
                .configure(Regex::config().nfa_size_limit(Some(64 << 20)))
                .build(&source)
                .unwrap_or_else(|e| panic!("leak rule {} has an invalid pattern: {e}", rule.id));
            match rule.scope {
                Scope::Header(name) => headers.push(HeaderRule { rule, name, regex }),
                Scope::Body => {
                    let reach = longest_match(&source).unwrap_or_else(|| {
                        panic!("leak rule {} has an unbounded pattern", rule.id)
                    });
                    let leak_group = regex.group_info().to_index(PatternID::ZERO, "leak");
                    body.push(BodyRule {
                        rule,
                        regex,
                        leak_group,
                        reach,
                    });
                }
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
        for region in self.anchors.prefilter.regions(body.as_bytes()) {
            for (automaton, owners) in &self.anchors.automata {
                let input = aho_corasick::Input::new(body).span(region.clone());
                for found in automaton.find_overlapping_iter(input) {
                    for &r in &owners[found.pattern().as_usize()] {
                        let reach = self.body[r].reach;
                        let start = floor_char_boundary(body, found.end().saturating_sub(reach));
                        let end = ceil_char_boundary(body, found.start().saturating_add(reach));
                        windows[r].push(start..end);
                    }
                }
            }
        }
        for list in &mut windows {
            merge(list);
        }
        windows
    }
}

impl BodyRule {
    /// The rule's leak spans inside `windows` (sorted, disjoint): the same spans, in the
    /// same order, as [`BodyRule::spans`] over the whole body.
    pub(super) fn spans_in<'b>(
        &'b self,
        body: &'b str,
        windows: &'b [Range<usize>],
    ) -> impl Iterator<Item = (usize, usize)> + 'b {
        let mut pos = 0;
        windows
            .iter()
            .flat_map(move |window| {
                let mut matches = Vec::new();
                let mut at = window.start.max(pos);
                while at < window.end {
                    let Some(found) = self.regex.search(&Input::new(body).range(at..window.end))
                    else {
                        break;
                    };
                    matches.push(found.range());
                    // Never empty (tested), so the search moves on.
                    at = found.end().max(at + 1);
                }
                if let Some(last) = matches.last() {
                    pos = last.end;
                }
                matches
            })
            .map(move |found| self.leak_span(body, found))
    }

    pub(super) fn has_leak_group(&self) -> bool {
        self.leak_group.is_some()
    }

    /// The rule's leak spans over the whole body: the plain scan.
    pub(super) fn spans<'b>(&'b self, body: &'b str) -> impl Iterator<Item = (usize, usize)> + 'b {
        self.regex
            .find_iter(body)
            .map(move |found| self.leak_span(body, found.range()))
    }

    /// The `leak` group where the pattern names one (the rest of the match is context the
    /// regex crate cannot look behind for, like the boundary before a path), else the whole
    /// match. Groups are resolved only for the matches found, so the search stays a `find`.
    fn leak_span(&self, body: &str, found: Range<usize>) -> (usize, usize) {
        let whole = (found.start, found.end);
        let Some(group) = self.leak_group else {
            return whole;
        };
        let mut caps = self.regex.create_captures();
        let input = Input::new(body).range(found).anchored(Anchored::Yes);
        self.regex.search_captures(&input, &mut caps);
        caps.get_group(group)
            .map_or(whole, |leak| (leak.start, leak.end))
    }
}

impl Anchors {
    fn new(body: &[BodyRule]) -> Anchors {
        let mut exact: Vec<(&str, Vec<usize>)> = Vec::new();
        let mut folded: Vec<(String, Vec<usize>)> = Vec::new();
        for (r, body_rule) in body.iter().enumerate() {
            let rule = body_rule.rule;
            assert!(
                !rule.anchors.is_empty(),
                "leak rule {} has no anchor",
                rule.id
            );
            for anchor in rule.anchors {
                match anchor.strip_prefix("(?i)") {
                    Some(text) => add_owner(&mut folded, text.to_ascii_lowercase(), r),
                    None => add_owner(&mut exact, *anchor, r),
                }
            }
        }
        let prefilter = Prefilter::new(
            exact
                .iter()
                .map(|(a, _)| (a.as_bytes(), false))
                .chain(folded.iter().map(|(a, _)| (a.as_bytes(), true))),
        );
        let automata = [
            (
                exact
                    .iter()
                    .map(|(a, o)| (a.to_string(), o.clone()))
                    .collect::<Vec<_>>(),
                false,
            ),
            (folded, true),
        ]
        .into_iter()
        .filter(|(list, _)| !list.is_empty())
        .map(|(list, fold)| {
            let (patterns, owners): (Vec<String>, Vec<Vec<usize>>) = list.into_iter().unzip();
            let automaton = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(fold)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
                .unwrap_or_else(|e| panic!("leak rule anchors do not build: {e}"));
            (automaton, owners)
        })
        .collect();
        Anchors {
            automata,
            prefilter,
        }
    }
}

fn add_owner<A: PartialEq>(list: &mut Vec<(A, Vec<usize>)>, anchor: A, rule: usize) {
    match list.iter_mut().find(|(a, _)| *a == anchor) {
        Some((_, owners)) if !owners.contains(&rule) => owners.push(rule),
        Some(_) => {}
        None => list.push((anchor, vec![rule])),
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
