//! The address-space budget the resource.out-of-memory lesson runs under. Every thread the
//! app starts reserves address space (its stack, and a malloc arena of up to 64 MiB once it
//! allocates), so the floor grows with the worker count: measured on Linux, 2 workers
//! reserve about 650 MiB and 16 about 1050 MiB; the floor leaves room for more arenas on
//! machines with more cores. Below it the app could fail to start a thread instead of
//! teaching the lesson.

use super::worker_floor::WorkerFloor;
use super::{ConfigError, Layers};

/// What the threads of `workers` workers reserve, with room for more arenas (above).
const FLOOR: WorkerFloor = WorkerFloor {
    base: 1024,
    per_worker: 64,
    unit: " MiB",
};

/// What a value that is not a number of MiB gets.
pub(super) const HINT: &str =
    "Use a whole number of MiB, e.g. 4096, or 0 to leave the limit alone.";

impl Layers {
    /// The limit, read as a number (`table.rs`), checked against what `workers` need and
    /// what the platform can do.
    pub(super) fn check_memory_limit_mb(
        &self,
        workers: usize,
        limit: u64,
    ) -> Result<(), ConfigError> {
        if let Some(problem) = FLOOR.problem(limit, workers) {
            let floor = FLOOR.of(workers);
            return Err(self.invalid(
                "memory_limit_mb",
                problem,
                &format!("Use 0 to leave the limit alone, or at least {floor}."),
            ));
        }
        if limit > u64::MAX >> 20 {
            return Err(self.invalid(
                "memory_limit_mb",
                format!("is {limit}, more MiB than an address space has"),
                HINT,
            ));
        }
        // setrlimit is POSIX: elsewhere the setting would silently do nothing, and a
        // lesson that depends on it must not pass on nothing.
        if limit != 0 && !cfg!(unix) {
            return Err(self.invalid(
                "memory_limit_mb",
                format!("is {limit}, but the limit is applied with setrlimit, which only Unix has"),
                "Set it to 0 on this platform (resource.out-of-memory needs Linux or macOS).",
            ));
        }
        Ok(())
    }
}
