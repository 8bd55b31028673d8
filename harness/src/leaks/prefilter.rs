//! Finding every occurrence of every rule's anchors, fast on clean text.
//!
//! An Aho-Corasick automaton finds them all in one pass, but with four hundred anchors
//! `aho-corasick` has no SIMD prefilter to offer (its Teddy takes at most 64 patterns, and
//! none with case folding) and reads every byte through a large DFA: 150-500 MB/s here
//! (docs/performance.md). Clean bodies hold almost no anchor, so this finder samples them:
//!
//! - every anchor of at least [`WINDOW`] bytes is keyed by one window of that length, the
//!   one made of the rarest bytes; the four-byte grams starting at the first [`STRIDE`] offsets
//!   of that window go into a two-hash Bloom filter, ASCII letters folded (so
//!   case-insensitive anchors need nothing extra);
//! - the text is read one gram every [`STRIDE`] bytes: an occurrence of a window always
//!   puts one of its inserted grams on a sample, so none is missed. Where the filter
//!   says maybe, the windows that could cover that sample are looked up exactly, and each
//!   anchor keyed by one is compared with the text (exactly, or ignoring ASCII case);
//! - the few anchors shorter than a window (`::`) are found with `aho-corasick`'s packed
//!   (Teddy) searcher, SIMD where the CPU has it.
//!
//! The result is every occurrence, overlapping ones included: tested against an
//! Aho-Corasick automaton over the whole text.

use aho_corasick::packed;

/// Four-byte grams are sampled: one load each, and selective.
const Q: usize = 4;
/// Anchors at least this long are keyed by a window this long; shorter ones are packed.
pub(super) const WINDOW: usize = 5;
/// Samples are this far apart: any window holds a whole gram that starts on a sample.
const STRIDE: usize = WINDOW - Q + 1;
/// The filter's bits per hash (2^17: two 16 KiB tables, they stay in the L1 cache).
const BITS: u32 = 17;

/// One anchor: its text and whether it ignores ASCII case.
pub(super) struct Anchor {
    pub(super) text: Vec<u8>,
    pub(super) folded: bool,
}

impl Anchor {
    fn at(&self, haystack: &[u8], start: usize) -> bool {
        haystack
            .get(start..start + self.text.len())
            .is_some_and(|found| {
                if self.folded {
                    found.eq_ignore_ascii_case(&self.text)
                } else {
                    found == self.text.as_slice()
                }
            })
    }
}

pub(super) struct AnchorFinder {
    anchors: Vec<Anchor>,
    bloom: [Vec<u64>; 2],
    /// Folded window -> (anchor, where the window starts in it).
    keyed: Keyed,
    /// The anchors shorter than a window, grouped by length (a packed searcher keys on
    /// its shortest pattern's first bytes), with their searchers.
    short: Vec<(Vec<usize>, packed::Searcher)>,
}

/// The low `WINDOW` bytes of a u64.
const WINDOW_MASK: u64 = (1 << (8 * WINDOW)) - 1;

/// A window as a table key: its bytes, little-endian, in a u64.
fn key(window: &[u8]) -> u64 {
    window
        .iter()
        .rev()
        .fold(0, |acc, &b| acc << 8 | u64::from(b))
}

/// The four bytes at the start of `bytes`, little-endian.
fn gram(bytes: &[u8]) -> u32 {
    u32::from(bytes[0])
        | u32::from(bytes[1]) << 8
        | u32::from(bytes[2]) << 16
        | u32::from(bytes[3]) << 24
}

/// The window itself, or, for a case-insensitive anchor, every case variant of it.
fn variants(window: &[u8], folded: bool) -> Vec<[u8; WINDOW]> {
    let mut all = vec![[0u8; WINDOW]];
    for (i, &b) in window.iter().enumerate() {
        let cases: &[u8] = if folded && b.is_ascii_alphabetic() {
            &[b.to_ascii_lowercase(), b.to_ascii_uppercase()]
        } else {
            &[b]
        };
        all = all
            .iter()
            .flat_map(|prefix| {
                cases.iter().map(move |&c| {
                    let mut next = *prefix;
                    next[i] = c;
                    next
                })
            })
            .collect();
    }
    all
}

fn hashes(gram: u32) -> [usize; 2] {
    [
        (gram.wrapping_mul(0x9E37_79B1) >> (32 - BITS)) as usize,
        (gram.wrapping_mul(0x85EB_CA77) >> (32 - BITS)) as usize,
    ]
}

/// How often a byte occurs in ordinary text, JSON and HTML, per ten thousand bytes (a
/// rough English-letter and JSON-punctuation estimate); it steers each anchor's window to
/// its rarest part, so clean text rarely wakes the verification.
fn frequency(b: u8) -> u32 {
    match b.to_ascii_lowercase() {
        b' ' => 1500,
        b'e' => 900,
        b't' => 650,
        b'a' => 600,
        b'o' => 570,
        b'i' => 550,
        b'n' => 530,
        b's' => 500,
        b'r' => 480,
        b'"' => 400,
        b'h' => 350,
        b'l' => 320,
        b'd' => 300,
        b'c' => 250,
        b'u' => 220,
        b'm' => 200,
        b'f' => 170,
        b'p' => 160,
        b':' => 400,
        b',' => 150,
        b'g' => 150,
        b'.' => 120,
        b'w' | b'y' => 120,
        b'0'..=b'9' => 100,
        b'b' => 100,
        b'/' => 600,
        b'v' => 80,
        b'k' | b'-' => 60,
        b'<' | b'>' => 50,
        b'_' => 40,
        b'=' => 30,
        b'x' => 20,
        b'j' => 15,
        b'q' | b'z' => 10,
        _ => 5,
    }
}

/// The cost of keying an anchor by `window`: how likely clean text is to hold it, as
/// the sum of its bytes' log-frequencies, the middle ones twice (they are in both sampled
/// sampled grams). Upper-case letters of a case-sensitive anchor are rarer than lower-case.
fn cost(window: &[u8], folded: bool) -> u64 {
    window
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let f = frequency(b);
            let f = if !folded && b.is_ascii_uppercase() {
                (f / 8).max(5)
            } else {
                f
            };
            let weight = if i == 0 || i + 1 == window.len() {
                1.0
            } else {
                2.0
            };
            // Scaled to an integer so windows compare exactly and deterministically.
            (weight * f64::from(f).ln() * 1000.0) as u64
        })
        .sum()
}

/// A small open-addressing table: folded window -> the anchors keyed by it.
struct Keyed {
    /// (window, first candidate, candidate count); `count == 0` marks an empty slot.
    slots: Vec<(u64, u32, u32)>,
    /// (anchor, where the window starts in it), grouped by window.
    candidates: Vec<(usize, usize)>,
}

impl Keyed {
    fn new(mut entries: Vec<(u64, usize, usize)>) -> Keyed {
        entries.sort_unstable();
        let size = (entries.len() * 4).next_power_of_two().max(16);
        let mut slots = vec![(0, 0, 0); size];
        let mut candidates = Vec::with_capacity(entries.len());
        let mut i = 0;
        while i < entries.len() {
            let key = entries[i].0;
            let first = candidates.len() as u32;
            while i < entries.len() && entries[i].0 == key {
                candidates.push((entries[i].1, entries[i].2));
                i += 1;
            }
            let mut slot = Self::slot(key, size);
            while slots[slot].2 != 0 {
                slot = (slot + 1) & (size - 1);
            }
            slots[slot] = (key, first, candidates.len() as u32 - first);
        }
        Keyed { slots, candidates }
    }

    fn slot(key: u64, size: usize) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & (size - 1)
    }

    fn get(&self, key: u64) -> &[(usize, usize)] {
        let size = self.slots.len();
        let mut slot = Self::slot(key, size);
        loop {
            let (k, first, count) = self.slots[slot];
            if count == 0 {
                return &[];
            }
            if k == key {
                return &self.candidates[first as usize..(first + count) as usize];
            }
            slot = (slot + 1) & (size - 1);
        }
    }
}

impl AnchorFinder {
    pub(super) fn new(anchors: Vec<Anchor>) -> AnchorFinder {
        let mut bloom = [vec![0u64; 1 << (BITS - 6)], vec![0u64; 1 << (BITS - 6)]];
        let mut keyed = Vec::new();
        let mut short_by_len: Vec<Vec<usize>> = vec![Vec::new(); WINDOW];
        for (id, anchor) in anchors.iter().enumerate() {
            let text = &anchor.text;
            if text.len() < WINDOW {
                // The packed searcher is exact: short anchors must be case-sensitive
                // (a test checks every rule's).
                assert!(
                    !anchor.folded,
                    "a case-insensitive anchor needs {WINDOW} bytes"
                );
                short_by_len[text.len()].push(id);
                continue;
            }
            let best = (0..=text.len() - WINDOW)
                .min_by_key(|&at| cost(&text[at..at + WINDOW], anchor.folded))
                .unwrap_or(0);
            // The text is sampled as it is, so a case-insensitive anchor is keyed by every
            // case variant of its window (at most 32: five letters).
            for window in variants(&text[best..best + WINDOW], anchor.folded) {
                keyed.push((key(&window), id, best));
                for offset in 0..STRIDE {
                    for (table, hash) in bloom.iter_mut().zip(hashes(gram(&window[offset..]))) {
                        table[hash >> 6] |= 1 << (hash & 63);
                    }
                }
            }
        }
        // Lengths 1-2 in one searcher, 3-4 in another: a packed searcher keys on the first
        // bytes of its shortest pattern.
        let short = [1..3, 3..WINDOW]
            .into_iter()
            .filter_map(|lengths| {
                let ids: Vec<usize> = short_by_len[lengths].concat();
                let mut builder = packed::Config::new().builder();
                for &id in &ids {
                    builder.add(&anchors[id].text);
                }
                let searcher = if ids.is_empty() {
                    None
                } else {
                    builder.build()
                }?;
                Some((ids, searcher))
            })
            .collect();
        AnchorFinder {
            anchors,
            bloom,
            keyed: Keyed::new(keyed),
            short,
        }
    }

    pub(super) fn anchors(&self) -> &[Anchor] {
        &self.anchors
    }

    /// Calls `found(anchor, start)` for every occurrence of every anchor in `haystack`.
    pub(super) fn find(&self, haystack: &[u8], mut found: impl FnMut(usize, usize)) {
        let [first, second] = &self.bloom;
        let mut at = 0;
        while let Some(four) = haystack
            .get(at..at + Q)
            .and_then(|b| <[u8; Q]>::try_from(b).ok())
        {
            let [a, b] = hashes(u32::from_le_bytes(four));
            if first[a >> 6] & (1 << (a & 63)) != 0 && second[b >> 6] & (1 << (b & 63)) != 0 {
                self.verify(haystack, at, &mut found);
            }
            at += STRIDE;
        }
        for (ids, searcher) in &self.short {
            // Every start of a short anchor; an occurrence overlapping the previous one is
            // not skipped, since the search goes on from the next byte.
            let mut from = 0;
            while let Some(hit) =
                searcher.find_in(haystack, aho_corasick::Span::from(from..haystack.len()))
            {
                for &id in ids {
                    if self.anchors[id].at(haystack, hit.start()) {
                        found(id, hit.start());
                    }
                }
                from = hit.start() + 1;
            }
        }
    }

    /// The anchors whose window may start at one of the positions a sample at `at` covers.
    fn verify(&self, haystack: &[u8], at: usize, found: &mut impl FnMut(usize, usize)) {
        for window in at.saturating_sub(STRIDE - 1)..=at {
            let key = match haystack
                .get(window..window + 8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
            {
                Some(eight) => u64::from_le_bytes(eight) & WINDOW_MASK,
                None => match haystack.get(window..window + WINDOW) {
                    Some(bytes) => key(bytes),
                    None => continue,
                },
            };
            for &(id, offset) in self.keyed.get(key) {
                if let Some(start) = window.checked_sub(offset)
                    && self.anchors[id].at(haystack, start)
                {
                    found(id, start);
                }
            }
        }
    }
}

#[cfg(test)]
impl AnchorFinder {
    /// (samples, samples the filter passed, windows found keyed): where the time goes.
    pub(super) fn stats(&self, haystack: &[u8]) -> (usize, usize, usize, Vec<(String, usize)>) {
        let (mut samples, mut passed, mut keyed) = (0, 0, 0);
        let mut by_key: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
        let mut at = 0;
        while at + Q <= haystack.len() {
            samples += 1;
            let [a, b] = hashes(gram(&haystack[at..]));
            if self.bloom[0][a >> 6] & (1 << (a & 63)) != 0
                && self.bloom[1][b >> 6] & (1 << (b & 63)) != 0
            {
                passed += 1;
                for window in at.saturating_sub(STRIDE - 1)..=at {
                    if let Some(bytes) = haystack.get(window..window + WINDOW) {
                        let k = key(bytes);
                        if !self.keyed.get(k).is_empty() {
                            keyed += 1;
                            *by_key.entry(k).or_default() += 1;
                        }
                    }
                }
            }
            at += STRIDE;
        }
        let mut top: Vec<(String, usize)> = by_key
            .into_iter()
            .map(|(k, n)| {
                (
                    String::from_utf8_lossy(&k.to_le_bytes()[..WINDOW]).into_owned(),
                    n,
                )
            })
            .collect();
        top.sort_by_key(|entry| std::cmp::Reverse(entry.1));
        top.truncate(15);
        (samples, passed, keyed, top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_insensitive_window_is_keyed_by_every_case() {
        let all = variants(b"ve-rs", true);
        assert_eq!(all.len(), 16);
        assert!(all.contains(b"VE-rS") && all.contains(b"ve-Rs") && all.contains(b"ve-rs"));
        assert_eq!(variants(b"Ve-r ", false), vec![*b"Ve-r "]);
    }
}
