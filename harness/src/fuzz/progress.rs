//! What a run has done so far, for a progress line drawn by whoever runs the engine: the
//! engine only counts (atomics, no printing); `cli` reads the counts on its own clock.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

#[derive(Debug, Default)]
pub struct Progress {
    sent: AtomicUsize,
    buckets: AtomicUsize,
    phase: AtomicU8,
    shrink_requests: AtomicUsize,
}

/// What the run is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Drawing the inputs, before the first request.
    Planning,
    Sending,
    Shrinking,
}

/// One reading of a `Progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub sent: usize,
    pub buckets: usize,
    pub stage: Stage,
    pub shrink_requests: usize,
}

impl Progress {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            sent: self.sent.load(Ordering::Relaxed),
            buckets: self.buckets.load(Ordering::Relaxed),
            stage: match self.phase.load(Ordering::Relaxed) {
                0 => Stage::Planning,
                1 => Stage::Sending,
                _ => Stage::Shrinking,
            },
            shrink_requests: self.shrink_requests.load(Ordering::Relaxed),
        }
    }

    /// Starts over for the next run (one `Progress` can serve the runs of a command).
    pub fn reset(&self) {
        self.sent.store(0, Ordering::Relaxed);
        self.buckets.store(0, Ordering::Relaxed);
        self.phase.store(0, Ordering::Relaxed);
        self.shrink_requests.store(0, Ordering::Relaxed);
    }

    pub(super) fn sent(&self, sent: usize, buckets: usize) {
        self.sent.store(sent, Ordering::Relaxed);
        self.buckets.store(buckets, Ordering::Relaxed);
    }

    pub(super) fn sending(&self) {
        self.phase.store(1, Ordering::Relaxed);
    }

    pub(super) fn shrinking(&self) {
        self.phase.store(2, Ordering::Relaxed);
    }

    pub(super) fn shrink_request(&self) {
        self.shrink_requests.fetch_add(1, Ordering::Relaxed);
    }
}
