//! The open-files budget the resource.file-handles lesson runs under. An absolute limit
//! (`open_files_limit`) leaves a different number of descriptors for the lesson on every
//! machine: each HTTP worker holds 4 (its runtime's pollers, a waker, a socket), so the
//! same 64 gives 40 covers with 2 workers and none with 16. `open_files_headroom` counts
//! on top of what the started app holds, the same budget whatever the worker count.

use super::worker_floor::WorkerFloor;
use super::{ConfigError, Layers};

/// Below this the runtime itself cannot start (its epoll and wake-up descriptors,
/// measured: 2 workers need 24), and actix would panic instead of the lesson failing.
const FLOOR: WorkerFloor = WorkerFloor {
    base: 32,
    per_worker: 4,
    unit: "",
};

impl Layers {
    /// The two settings, read as numbers (`table.rs`), checked together: an absolute limit
    /// the workers can start under, and at most one of the two set.
    pub(super) fn check_open_files(
        &self,
        workers: usize,
        limit: u64,
        headroom: u64,
    ) -> Result<(), ConfigError> {
        if let Some(problem) = FLOOR.problem(limit, workers) {
            let floor = FLOOR.of(workers);
            return Err(self.invalid(
                "open_files_limit",
                problem,
                &format!(
                    "Use 0 to leave the limit alone, at least {floor}, or open_files_headroom \
                     for a budget that does not depend on the worker count."
                ),
            ));
        }
        if limit != 0 && headroom != 0 {
            return Err(self.invalid(
                "open_files_headroom",
                format!("is {headroom}, but open_files_limit is set too ({limit})"),
                "Set one of them: open_files_headroom counts on top of the descriptors the \
                 started app holds (the same budget on every machine), open_files_limit is \
                 absolute.",
            ));
        }
        Ok(())
    }
}
