//! Which release serves traffic. `POST /ops/release` moves the app between v1 and v2 at
//! run time, the way a deploy or a feature flag would (release.bad-deploy). Every change is
//! kept in a short history (`GET /ops/release`), as a deploy tool's release list is: the
//! first thing a responder compares with the moment the 5xx rate jumped.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use serde::Serialize;

/// Entries the history keeps; older ones are dropped.
pub const HISTORY_KEPT: usize = 50;

#[derive(Debug, Default)]
pub struct Release {
    /// 1 or 2.
    version: AtomicU8,
    /// Requests to the book page since start-up (v2's experiment assignment uses it).
    book_views: AtomicU64,
    /// Oldest first. Also serialises switches, so `from` and the entry agree.
    history: Mutex<VecDeque<Deployed>>,
}

/// One entry of the history: a release and since when it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Deployed {
    #[schema(example = "v2")]
    pub release: &'static str,
    pub since_unix_ms: u64,
    /// `start-up` for the release the process started with, `ops` for a switch.
    #[schema(example = "ops")]
    pub by: &'static str,
}

/// What a switch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switched {
    pub from: &'static str,
    pub to: &'static str,
}

fn name_of(version: u8) -> &'static str {
    match version {
        2 => "v2",
        _ => "v1",
    }
}

impl Release {
    pub fn new() -> Release {
        Release {
            version: AtomicU8::new(1),
            book_views: AtomicU64::new(0),
            history: Mutex::new(VecDeque::from([Deployed {
                release: name_of(1),
                since_unix_ms: crate::calendar::now_unix_ms(),
                by: "start-up",
            }])),
        }
    }

    pub fn name(&self) -> &'static str {
        name_of(self.version.load(Ordering::Relaxed))
    }

    /// Switches to `name` (`v1` or `v2`); `None` for any other name. Switching to the
    /// release already serving adds nothing to the history.
    pub fn switch(&self, name: &str) -> Option<Switched> {
        let version = match name {
            "v1" => 1,
            "v2" => 2,
            _ => return None,
        };
        let mut history = crate::lock::lock(&self.history);
        let from = name_of(self.version.swap(version, Ordering::Relaxed));
        let to = name_of(version);
        if from != to {
            if history.len() == HISTORY_KEPT {
                history.pop_front();
            }
            history.push_back(Deployed {
                release: to,
                since_unix_ms: crate::calendar::now_unix_ms(),
                by: "ops",
            });
        }
        Some(Switched { from, to })
    }

    /// The releases served since start-up (the last `HISTORY_KEPT`), oldest first.
    pub fn history(&self) -> Vec<Deployed> {
        crate::lock::lock(&self.history).iter().cloned().collect()
    }

    /// Counts a book view and says whether it falls in v2's 5% experiment.
    pub fn in_experiment(&self) -> bool {
        let view = self.book_views.fetch_add(1, Ordering::Relaxed) + 1;
        self.name() == "v2" && view.is_multiple_of(20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_records_real_changes_only_and_keeps_the_last_fifty() {
        let release = Release::new();
        assert_eq!(release.history()[0].by, "start-up");
        assert_eq!(
            release.switch("v1"),
            Some(Switched {
                from: "v1",
                to: "v1"
            })
        );
        assert_eq!(release.history().len(), 1, "no change, no entry");
        assert_eq!(release.switch("v3"), None);
        assert_eq!(release.switch("v2").map(|s| s.from), Some("v1"));
        let history = release.history();
        assert_eq!(history.len(), 2);
        assert_eq!((history[1].release, history[1].by), ("v2", "ops"));
        assert!(history[1].since_unix_ms >= history[0].since_unix_ms);
        for _ in 0..60 {
            release.switch("v1");
            release.switch("v2");
        }
        let history = release.history();
        assert_eq!(history.len(), HISTORY_KEPT);
        assert_eq!(history.last().map(|d| d.release), Some("v2"));
        assert!(history.iter().all(|d| d.by == "ops"), "start-up rolled off");
    }
}
