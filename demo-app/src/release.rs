//! Which release serves traffic. `POST /ops/release` moves the app between v1 and v2 at
//! run time, the way a deploy or a feature flag would (release.bad-deploy).

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Release {
    /// 1 or 2.
    version: AtomicU8,
    /// Requests to the book page since start-up (v2's experiment assignment uses it).
    book_views: AtomicU64,
}

impl Release {
    pub fn new() -> Release {
        Release {
            version: AtomicU8::new(1),
            book_views: AtomicU64::new(0),
        }
    }

    pub fn name(&self) -> &'static str {
        match self.version.load(Ordering::Relaxed) {
            2 => "v2",
            _ => "v1",
        }
    }

    /// Switches to `name` (`v1` or `v2`); `false` for any other name.
    pub fn switch(&self, name: &str) -> bool {
        let version = match name {
            "v1" => 1,
            "v2" => 2,
            _ => return false,
        };
        self.version.store(version, Ordering::Relaxed);
        true
    }

    /// Counts a book view and says whether it falls in v2's 5% experiment.
    pub fn in_experiment(&self) -> bool {
        let view = self.book_views.fetch_add(1, Ordering::Relaxed) + 1;
        self.name() == "v2" && view.is_multiple_of(20)
    }
}
