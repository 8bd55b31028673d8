//! Requests by client population: the shop's only client identity is the `User-Agent`
//! header, so `/metrics` counts the shop's requests per agent
//! (`demo_app_http_requests_by_agent_total{agent="..."}`). That is the signal that names a
//! traffic spike's population, and the value `POST /ops/rate-limit` takes.
//!
//! Bounded, since a client picks its own header: the first `AGENTS_KEPT` distinct agents
//! get a series each, every later one counts as `other`, a missing (or empty) header as
//! `""`. Labels are sanitised to printable ASCII without quotes or backslashes and cut to
//! `AGENT_LABEL_MAX` characters. On the request path an agent already known costs a scan
//! of at most 16 short labels and one atomic increment: no lock, no allocation. Only the
//! first request of a new agent takes a lock (to claim a slot) and allocates its label.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// Agents with a series of their own.
pub const AGENTS_KEPT: usize = 16;
/// The longest label, in characters.
pub const AGENT_LABEL_MAX: usize = 64;
/// The label every agent beyond the first `AGENTS_KEPT` counts under.
pub const OTHER: &str = "other";

#[derive(Debug, Default)]
pub struct AgentTraffic {
    /// Claimed in order: an empty slot means every later one is empty too.
    slots: [Slot; AGENTS_KEPT],
    missing: AtomicU64,
    other: AtomicU64,
    /// Held only to claim a slot.
    claiming: Mutex<()>,
}

#[derive(Debug, Default)]
struct Slot {
    label: OnceLock<Box<str>>,
    count: AtomicU64,
}

impl AgentTraffic {
    /// Counts one request whose `User-Agent` header is `agent` (its raw bytes).
    pub fn record(&self, agent: Option<&[u8]>) {
        let raw = match agent {
            Some(raw) if !raw.is_empty() => raw,
            _ => {
                self.missing.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        match self.find(raw) {
            Found::Slot(slot) => {
                slot.count.fetch_add(1, Ordering::Relaxed);
            }
            Found::Full => {
                self.other.fetch_add(1, Ordering::Relaxed);
            }
            Found::NotYet => self.claim(raw),
        }
    }

    fn find(&self, raw: &[u8]) -> Found<'_> {
        for slot in &self.slots {
            match slot.label.get() {
                Some(label) if matches(raw, label) => return Found::Slot(slot),
                Some(_) => {}
                None => return Found::NotYet,
            }
        }
        Found::Full
    }

    /// A new agent: the next free slot, unless another request claimed one for it first.
    fn claim(&self, raw: &[u8]) {
        let _claiming = crate::lock::lock(&self.claiming);
        let counter = match self.find(raw) {
            Found::Slot(slot) => &slot.count,
            Found::Full => &self.other,
            Found::NotYet => {
                let free = self.slots.iter().find(|slot| slot.label.get().is_none());
                match free {
                    Some(slot) => {
                        // Under `claiming`, so nobody else is setting it.
                        let _ = slot.label.set(label_of(raw).into_boxed_str());
                        &slot.count
                    }
                    None => &self.other,
                }
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// (label, count) for every agent seen, sorted by label. Labels that sanitising made
    /// equal are summed, so the exposition never repeats a series.
    pub fn snapshot(&self) -> Vec<(String, u64)> {
        let mut by_label: BTreeMap<String, u64> = BTreeMap::new();
        for slot in &self.slots {
            if let Some(label) = slot.label.get() {
                *by_label.entry(label.to_string()).or_default() +=
                    slot.count.load(Ordering::Relaxed);
            }
        }
        for (label, counter) in [("", &self.missing), (OTHER, &self.other)] {
            let count = counter.load(Ordering::Relaxed);
            if count > 0 {
                *by_label.entry(label.to_string()).or_default() += count;
            }
        }
        by_label.into_iter().collect()
    }
}

enum Found<'a> {
    Slot(&'a Slot),
    /// Every slot is taken by other agents.
    Full,
    /// Not seen, and a slot is still free.
    NotYet,
}

/// The label's bytes: printable ASCII kept, anything else (quotes, backslashes, control
/// characters, each byte of a non-ASCII character) as `_`, at most `AGENT_LABEL_MAX`.
fn label_bytes(raw: &[u8]) -> impl Iterator<Item = u8> + '_ {
    raw.iter()
        .map(|&byte| match byte {
            b'"' | b'\\' => b'_',
            0x20..=0x7e => byte,
            _ => b'_',
        })
        .take(AGENT_LABEL_MAX)
}

fn label_of(raw: &[u8]) -> String {
    label_bytes(raw).map(char::from).collect()
}

fn matches(raw: &[u8], label: &str) -> bool {
    label_bytes(raw).eq(label.bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_are_counted_apart_up_to_the_bound_then_as_other() {
        let traffic = AgentTraffic::default();
        traffic.record(Some(b"curl/8.5.0"));
        traffic.record(Some(b"curl/8.5.0"));
        traffic.record(None);
        traffic.record(Some(b""));
        for i in 0..20 {
            traffic.record(Some(format!("bot-{i}").as_bytes()));
        }
        let snapshot: BTreeMap<String, u64> = traffic.snapshot().into_iter().collect();
        assert_eq!(snapshot["curl/8.5.0"], 2);
        assert_eq!(snapshot[""], 2, "a missing and an empty header");
        assert_eq!(snapshot["bot-0"], 1);
        assert_eq!(snapshot["bot-14"], 1);
        assert!(
            !snapshot.contains_key("bot-15"),
            "16 slots: curl and 15 bots"
        );
        assert_eq!(snapshot[OTHER], 5);
        assert_eq!(snapshot.len(), AGENTS_KEPT + 2);
    }

    #[test]
    fn labels_are_printable_ascii_without_quotes_and_at_most_64_characters() {
        assert_eq!(label_of(b"a\"b\\c\nd\xc3\xa9"), "a_b_c_d__");
        let long = [b'x'; 100];
        assert_eq!(label_of(&long).len(), AGENT_LABEL_MAX);
        let traffic = AgentTraffic::default();
        // Two agents that differ only past the cut share their series.
        traffic.record(Some(&[b'y'; 70]));
        let mut longer = vec![b'y'; 70];
        longer.push(b'z');
        traffic.record(Some(&longer));
        assert_eq!(traffic.snapshot(), vec![("y".repeat(64), 2)]);
    }
}
