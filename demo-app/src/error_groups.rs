//! The ops error list (`/ops/errors`): 5xx errors grouped by fingerprint (see
//! `grouping.rs`), with counts, first and last seen, distinct clients, sample correlation
//! ids and the release, the way an error aggregator shows them. Like one, it says when a
//! group is new and when a resolved group comes back (a regression): the two moments an
//! aggregator alerts on. `DELETE /ops/errors` resolves every group; a resolved group is
//! hidden until it happens again.
//!
//! Groups live in shards, so two errors of different defects never wait on one lock.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::error::AppError;
use crate::grouping;

/// How many correlation ids each group keeps (the newest ones).
const SAMPLES: usize = 5;
/// Distinct clients counted per group; past this the count stops growing.
const MAX_CLIENTS: usize = 1000;
const SHARDS: usize = 16;

#[derive(Debug)]
pub struct ErrorGroups {
    shards: Vec<Mutex<HashMap<String, ErrorGroup>>>,
}

impl Default for ErrorGroups {
    fn default() -> Self {
        ErrorGroups {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorGroup {
    pub fingerprint: String,
    pub fingerprint_version: u32,
    pub kind: &'static str,
    pub status: u16,
    pub route: String,
    /// A panic's `file:line:col`, or the error site's context.
    pub location: String,
    /// The cause with input and ids replaced by placeholders.
    pub message: String,
    pub count: u64,
    pub first_seen_unix_ms: u128,
    pub last_seen_unix_ms: u128,
    /// Distinct client addresses (up to 1000).
    pub clients: usize,
    pub sample_correlation_ids: VecDeque<String>,
    /// The release serving traffic when the group was first seen, and the last time.
    pub first_release: String,
    pub last_release: String,
    /// First seen since the service started, never resolved.
    pub new: bool,
    /// Seen again after `DELETE /ops/errors` resolved it.
    pub regressed: bool,
    #[serde(skip)]
    resolved: bool,
    #[serde(skip)]
    client_set: HashSet<String>,
}

/// One 5xx, as the response middleware saw it.
pub struct Occurrence<'a> {
    pub error: &'a AppError,
    /// The error's cause chain (`AppError::chain`).
    pub chain: &'a [String],
    pub status: u16,
    pub route: &'a str,
    pub correlation_id: &'a str,
    pub client: &'a str,
    pub release: &'a str,
}

/// What an aggregator would alert on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    NewGroup,
    Regression,
}

impl ErrorGroup {
    /// A group for the first occurrence of its fingerprint, counting nothing yet.
    fn first(fingerprint: &grouping::Fingerprint, occurrence: &Occurrence<'_>, now: u128) -> Self {
        ErrorGroup {
            fingerprint: fingerprint.key.clone(),
            fingerprint_version: grouping::FINGERPRINT_VERSION,
            kind: occurrence.error.kind.slug(),
            status: occurrence.status,
            route: occurrence.route.to_string(),
            location: fingerprint.location.clone(),
            message: fingerprint.message.clone(),
            count: 0,
            first_seen_unix_ms: now,
            last_seen_unix_ms: now,
            clients: 0,
            sample_correlation_ids: VecDeque::with_capacity(SAMPLES),
            first_release: occurrence.release.to_string(),
            last_release: occurrence.release.to_string(),
            new: true,
            regressed: false,
            resolved: false,
            client_set: HashSet::new(),
        }
    }

    /// Counts one occurrence; a regression when the group had been resolved.
    fn note(&mut self, occurrence: &Occurrence<'_>, now: u128) -> Option<Alert> {
        let mut alert = None;
        if self.resolved {
            self.resolved = false;
            self.new = false;
            self.regressed = true;
            alert = Some(Alert::Regression);
        }
        self.count += 1;
        self.last_seen_unix_ms = now;
        if self.last_release != occurrence.release {
            self.last_release = occurrence.release.to_string();
        }
        if self.client_set.len() < MAX_CLIENTS && !self.client_set.contains(occurrence.client) {
            self.client_set.insert(occurrence.client.to_string());
            self.clients = self.client_set.len();
        }
        if self.sample_correlation_ids.len() == SAMPLES {
            self.sample_correlation_ids.pop_front();
        }
        self.sample_correlation_ids
            .push_back(occurrence.correlation_id.to_string());
        alert
    }
}

impl ErrorGroups {
    /// Files the error in its group; says whether this is a new group or a regression.
    pub fn record(&self, occurrence: &Occurrence<'_>) -> (String, Option<Alert>) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        let fingerprint =
            grouping::fingerprint(occurrence.error, occurrence.chain, occurrence.route);
        let mut groups = crate::lock::lock(self.shard(&fingerprint.key));
        // A known group is updated in place: no copy of the key, the release or the
        // client unless they are new (this runs on every 5xx, under the shard's lock).
        let alert = match groups.get_mut(&fingerprint.key) {
            Some(group) => group.note(occurrence, now),
            None => {
                let mut group = ErrorGroup::first(&fingerprint, occurrence, now);
                group.note(occurrence, now);
                groups.insert(fingerprint.key.clone(), group);
                Some(Alert::NewGroup)
            }
        };
        drop(groups);
        (fingerprint.key, alert)
    }

    /// Every unresolved group, most frequent first.
    pub fn groups(&self) -> Vec<ErrorGroup> {
        let mut list: Vec<ErrorGroup> = Vec::new();
        for shard in &self.shards {
            let groups = crate::lock::lock(shard);
            list.extend(groups.values().filter(|g| !g.resolved).cloned());
        }
        list.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.fingerprint.cmp(&b.fingerprint))
        });
        list
    }

    /// Resolves every group: hidden from the list, remembered so a recurrence is known as
    /// a regression. Counts start again from the regression.
    pub fn clear(&self) {
        for shard in &self.shards {
            let mut groups = crate::lock::lock(shard);
            for group in groups.values_mut() {
                group.resolved = true;
                group.count = 0;
                group.client_set.clear();
                group.clients = 0;
                group.sample_correlation_ids.clear();
            }
        }
    }

    fn shard(&self, key: &str) -> &Mutex<HashMap<String, ErrorGroup>> {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        &self.shards[(hasher.finish() as usize) % SHARDS]
    }
}
