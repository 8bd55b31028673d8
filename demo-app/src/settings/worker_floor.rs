//! A limit the app lowers for itself must leave room for every worker to start: below its
//! floor the runtime or a thread fails to start instead of the lesson teaching. The floor
//! grows with the worker count, and its formula is said once, here, for both the check and
//! the message that explains it.

/// `base` plus `per_worker` for each worker, in `unit` (empty for a count).
pub(super) struct WorkerFloor {
    pub base: u64,
    pub per_worker: u64,
    pub unit: &'static str,
}

impl WorkerFloor {
    /// The floor for `workers`.
    pub fn of(&self, workers: usize) -> u64 {
        self.base + self.per_worker * workers as u64
    }

    /// What is wrong with `limit` (0: no limit) for `workers`, if it is below the floor.
    pub fn problem(&self, limit: u64, workers: usize) -> Option<String> {
        let floor = self.of(workers);
        let Self {
            base,
            per_worker,
            unit,
        } = self;
        (limit != 0 && limit < floor).then(|| {
            format!(
                "is {limit}, below the {floor}{unit} that {workers} workers need to start \
                 ({base} + {per_worker} per worker)"
            )
        })
    }
}
