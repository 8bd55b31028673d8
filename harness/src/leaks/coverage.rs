//! The proof behind the anchored scan: every text a rule's pattern can match contains one
//! of the rule's anchors. Decided on the pattern's syntax tree, conservatively (it may call
//! a covered pattern uncovered, never the reverse). Each part of the pattern is summarized
//! by what is known of its matches that are not yet proved to hold an anchor: either the
//! exact strings they can be, or the strings they start and end with; a concatenation
//! joins the end of one part to the start of the next, so an anchor may straddle parts.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Longest list of strings tracked for a part before giving up on it.
const LIMIT: usize = 4096;

type Set = Vec<Vec<u8>>;

/// What is known of the matches of a part that may still lack an anchor.
enum Part {
    /// Each is exactly one of these strings (none: every match holds an anchor).
    Finite(Set),
    /// Each non-empty one starts with one of `prefix` and ends with one of `suffix`; the
    /// part can also match the empty text if `nullable`.
    Open {
        prefix: Set,
        suffix: Set,
        nullable: bool,
    },
}

/// An anchor as the scanner searches it: exact, or ASCII case-insensitive with `(?i)`.
struct Anchor {
    text: Vec<u8>,
    folded: bool,
}

impl Anchor {
    fn found_in(&self, haystack: &[u8]) -> bool {
        haystack.windows(self.text.len().max(1)).any(|w| {
            if self.folded {
                w.eq_ignore_ascii_case(&self.text)
            } else {
                w == self.text.as_slice()
            }
        })
    }
}

/// Whether every match of `pattern` contains one of `anchors`.
pub(super) fn anchors_cover(pattern: &str, anchors: &[&str]) -> bool {
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(pattern) else {
        return false;
    };
    let anchors: Vec<Anchor> = anchors
        .iter()
        .map(|a| match a.strip_prefix("(?i)") {
            Some(text) => Anchor {
                text: text.as_bytes().to_vec(),
                folded: true,
            },
            None => Anchor {
                text: a.as_bytes().to_vec(),
                folded: false,
            },
        })
        .collect();
    matches!(Summary { anchors: &anchors }.part(&hir), Part::Finite(set) if set.is_empty())
}

fn unknown() -> Set {
    vec![Vec::new()]
}

fn product(left: &[Vec<u8>], right: &[Vec<u8>]) -> Option<Set> {
    if left.len().saturating_mul(right.len()) > LIMIT {
        return None;
    }
    Some(
        left.iter()
            .flat_map(|l| right.iter().map(move |r| [l.as_slice(), r].concat()))
            .collect(),
    )
}

fn union(mut a: Set, b: &[Vec<u8>]) -> Set {
    a.extend(b.iter().cloned());
    a.sort();
    a.dedup();
    if a.len() > LIMIT { unknown() } else { a }
}

struct Summary<'a> {
    anchors: &'a [Anchor],
}

impl Summary<'_> {
    /// The strings of `set` that hold no anchor, once each.
    fn uncovered(&self, set: Set) -> Set {
        let mut left: Set = set
            .into_iter()
            .filter(|s| !self.anchors.iter().any(|a| a.found_in(s)))
            .collect();
        left.sort();
        left.dedup();
        left
    }

    /// A part as start/end sets of its non-empty matches, and whether it can be empty.
    fn open(part: Part) -> (Set, Set, bool) {
        match part {
            Part::Finite(set) => {
                let nullable = set.iter().any(Vec::is_empty);
                let rest: Set = set.into_iter().filter(|s| !s.is_empty()).collect();
                (rest.clone(), rest, nullable)
            }
            Part::Open {
                prefix,
                suffix,
                nullable,
            } => (prefix, suffix, nullable),
        }
    }

    fn part(&self, hir: &Hir) -> Part {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => Part::Finite(unknown()),
            HirKind::Literal(lit) => Part::Finite(self.uncovered(vec![lit.0.to_vec()])),
            HirKind::Class(class) => {
                let set: Option<Set> = match class {
                    Class::Unicode(c) => {
                        let count: u32 = c
                            .ranges()
                            .iter()
                            .map(|r| u32::from(r.end()) - u32::from(r.start()) + 1)
                            .sum();
                        (count <= 32).then(|| {
                            c.ranges()
                                .iter()
                                .flat_map(|r| r.start()..=r.end())
                                .map(|ch| ch.to_string().into_bytes())
                                .collect()
                        })
                    }
                    Class::Bytes(c) => {
                        let count: usize = c
                            .ranges()
                            .iter()
                            .map(|r| usize::from(r.end() - r.start()) + 1)
                            .sum();
                        (count <= 32).then(|| {
                            c.ranges()
                                .iter()
                                .flat_map(|r| r.start()..=r.end())
                                .map(|b| vec![b])
                                .collect()
                        })
                    }
                };
                match set {
                    Some(set) => Part::Finite(self.uncovered(set)),
                    None => Part::Open {
                        prefix: unknown(),
                        suffix: unknown(),
                        nullable: false,
                    },
                }
            }
            HirKind::Capture(capture) => self.part(&capture.sub),
            HirKind::Repetition(rep) => {
                let sub = self.part(&rep.sub);
                if let (Part::Finite(set), Some(max)) = (&sub, rep.max)
                    && let Some(all) = self.powers(set, rep.min, max)
                {
                    return Part::Finite(all);
                }
                let (prefix, suffix, nullable) = Self::open(sub);
                if prefix.is_empty() && !nullable {
                    // Every repetition holds an anchor: covered if there is at least one.
                    return Part::Finite(if rep.min >= 1 { Vec::new() } else { unknown() });
                }
                Part::Open {
                    prefix,
                    suffix,
                    nullable: nullable || rep.min == 0,
                }
            }
            HirKind::Alternation(branches) => {
                let parts: Vec<Part> = branches.iter().map(|b| self.part(b)).collect();
                if parts.iter().all(|p| matches!(p, Part::Finite(_))) {
                    let all: Set = parts.into_iter().flat_map(Self::open_finite).collect();
                    if all.len() <= LIMIT {
                        return Part::Finite(self.uncovered(all));
                    }
                    return Part::Open {
                        prefix: unknown(),
                        suffix: unknown(),
                        nullable: true,
                    };
                }
                let (mut prefix, mut suffix, mut nullable) = (Vec::new(), Vec::new(), false);
                for part in parts {
                    let (p, s, n) = Self::open(part);
                    prefix = union(prefix, &p);
                    suffix = union(suffix, &s);
                    nullable |= n;
                }
                Part::Open {
                    prefix,
                    suffix,
                    nullable,
                }
            }
            HirKind::Concat(children) => self.concat(children),
        }
    }

    fn open_finite(part: Part) -> Set {
        match part {
            Part::Finite(set) => set,
            Part::Open { .. } => unknown(),
        }
    }

    /// `set` repeated `min..=max` times, if that stays small.
    fn powers(&self, set: &[Vec<u8>], min: u32, max: u32) -> Option<Set> {
        if max > 4 {
            return None;
        }
        let mut all = Vec::new();
        let mut power = unknown();
        for k in 0..=max {
            if k >= min {
                all.extend(power.iter().cloned());
            }
            if k < max {
                power = self.uncovered(product(&power, set)?);
            }
        }
        (all.len() <= LIMIT).then(|| self.uncovered(all))
    }

    fn concat(&self, children: &[Hir]) -> Part {
        // The strings the uncovered matches so far end with (exactly, while `exact`).
        let mut run = unknown();
        let mut exact = true;
        let mut prefix: Option<Set> = None;
        let mut nullable = true;
        for child in children {
            match self.part(child) {
                Part::Finite(set) => {
                    if set.is_empty() {
                        return Part::Finite(Vec::new());
                    }
                    nullable &= set.iter().any(Vec::is_empty);
                    run = match product(&run, &set) {
                        Some(joined) => self.uncovered(joined),
                        None => {
                            if exact {
                                prefix = Some(run.clone());
                            }
                            exact = false;
                            unknown()
                        }
                    };
                }
                Part::Open {
                    prefix: p,
                    suffix: s,
                    nullable: n,
                } => {
                    let joined = match product(&run, &p) {
                        Some(joined) => self.uncovered(joined),
                        None => unknown(),
                    };
                    if exact {
                        // Every match starts with what came before (exactly `run`) and,
                        // unless this part can be empty, goes on with its start.
                        prefix = Some(if !n && !joined.is_empty() {
                            joined.clone()
                        } else {
                            run.clone()
                        });
                    }
                    exact = false;
                    let mut next = if joined.is_empty() { Vec::new() } else { s };
                    if n {
                        next = union(next, &run);
                    }
                    nullable &= n;
                    run = next;
                }
            }
            if run.is_empty() {
                return Part::Finite(Vec::new());
            }
        }
        if exact {
            Part::Finite(run)
        } else {
            Part::Open {
                prefix: prefix.unwrap_or_else(unknown),
                suffix: run,
                nullable,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::anchors_cover;

    #[test]
    fn the_proof_accepts_covered_patterns_and_rejects_the_rest() {
        assert!(anchors_cover("foo|bar", &["foo", "bar"]));
        assert!(!anchors_cover("foo|bar", &["foo"]));
        assert!(anchors_cover(r"a\d{1,3}: x(?:::y){2,5}", &["::"]));
        assert!(anchors_cover(
            r#"near \\?"[^"]{0,9}\\?": syntax"#,
            &["\": syntax"]
        ));
        assert!(anchors_cover(r"(?i-u:select) x", &["(?i)select"]));
        assert!(!anchors_cover(r"(?i-u:select) x", &["select"]));
        // Unicode case folding turns `k` into the Kelvin sign too: not ASCII-foldable.
        assert!(!anchors_cover(r"(?i:key)", &["(?i)key"]));
        assert!(!anchors_cover(r"x{0,3}foo", &["xfoo"]));
        assert!(!anchors_cover(r"\w{1,5}", &["a"]));
        assert!(anchors_cover(r"\.(?:m?js|cjs):\d", &["js:"]));
        // Anchors that straddle a repetition's start or an optional group.
        assert!(anchors_cover(r"[a-z]:(?:\\{1,4}[a-z]{1,9}){1,5}", &[":\\"]));
        assert!(!anchors_cover(
            r"\(x{0,99}(?:Native Method|Unknown Source)\)",
            &["(Native Method)", "(Unknown Source)"]
        ));
        assert!(anchors_cover(
            r"\((?:Native Method|Unknown Source)\)",
            &["(Native Method)", "(Unknown Source)"]
        ));
        assert!(anchors_cover(
            r"Exception(?: \(0x[0-9a-f]{8}\))?: ",
            &["Exception: ", "Exception (0x"]
        ));
        assert!(anchors_cover(
            r"(?:10\.\d{1,3}|172\.(?:1[6-9]|2\d)|192\.168)\.\d",
            &["10.", "172.", "192.168."]
        ));
        assert!(anchors_cover(
            r"(?:10\.\d{1,3}|192\.168)\.\d",
            &["10.", "192.168"]
        ));
    }
}
