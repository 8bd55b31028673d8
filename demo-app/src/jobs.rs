//! Background jobs: `catalogue-sync`, the scheduled sync of the catalogue. A scheduler (or
//! an operator) starts it with `POST /ops/jobs/catalogue-sync {"state": "running"}`, and
//! the responder whose pool it drains pauses it the same way (`"paused"`).
//!
//! Each state change bumps a generation: a task of an older generation ends at its next
//! iteration, so starting the job twice leaves one set of tasks, and a pause gives every
//! connection back within one hold (`HOLD`).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use sqlx::AnyPool;

/// The one job there is.
pub const CATALOGUE_SYNC: &str = "catalogue-sync";

/// How long one sync step keeps its transaction (and so its pooled connection) open.
pub const HOLD: Duration = Duration::from_millis(1500);

/// The step's read: a real statement on the app's own tables (the PostgreSQL app role may
/// read and write tables, nothing more).
const COUNT_SQL: &str = "SELECT COUNT(*) FROM books";

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Not started since start-up.
    Idle,
    Running,
    Paused,
}

impl JobState {
    pub fn name(self) -> &'static str {
        match self {
            JobState::Idle => "idle",
            JobState::Running => "running",
            JobState::Paused => "paused",
        }
    }

    /// The states a request may ask for (`idle` is only where a job starts).
    pub fn requested(text: &str) -> Option<JobState> {
        match text {
            "running" => Some(JobState::Running),
            "paused" => Some(JobState::Paused),
            _ => None,
        }
    }
}

/// A job as `GET /ops/jobs` lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobStatus {
    #[schema(example = "catalogue-sync")]
    pub name: &'static str,
    pub state: JobState,
    /// When it entered this state (start-up for `idle`).
    pub since_unix_ms: u64,
    /// Pooled connections its tasks hold now.
    pub connections_held: u32,
}

/// The app's jobs and what they run on.
#[derive(Debug)]
pub struct Jobs {
    catalogue_sync: Arc<Job>,
    pool: AnyPool,
    pool_max_connections: u32,
}

#[derive(Debug)]
struct Job {
    name: &'static str,
    control: Mutex<Control>,
    connections_held: AtomicU32,
}

#[derive(Debug, Clone, Copy)]
struct Control {
    state: JobState,
    since_unix_ms: u64,
    /// Bumped by every change: the tasks of an older one stop.
    generation: u64,
}

/// One held connection, counted while it lives.
struct Held<'a>(&'a AtomicU32);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Job {
    fn runs(&self, generation: u64) -> bool {
        let control = *crate::lock::lock(&self.control);
        control.state == JobState::Running && control.generation == generation
    }

    fn hold(&self) -> Held<'_> {
        self.connections_held.fetch_add(1, Ordering::AcqRel);
        Held(&self.connections_held)
    }
}

impl Jobs {
    pub fn new(pool: AnyPool, pool_max_connections: u32) -> Jobs {
        Jobs {
            catalogue_sync: Arc::new(Job {
                name: CATALOGUE_SYNC,
                control: Mutex::new(Control {
                    state: JobState::Idle,
                    since_unix_ms: crate::calendar::now_unix_ms(),
                    generation: 0,
                }),
                connections_held: AtomicU32::new(0),
            }),
            pool,
            pool_max_connections,
        }
    }

    /// Every job, for `GET /ops/jobs`.
    pub fn list(&self) -> Vec<JobStatus> {
        [&self.catalogue_sync]
            .into_iter()
            .map(|job| {
                let control = *crate::lock::lock(&job.control);
                JobStatus {
                    name: job.name,
                    state: control.state,
                    since_unix_ms: control.since_unix_ms,
                    connections_held: job.connections_held.load(Ordering::Acquire),
                }
            })
            .collect()
    }

    /// Moves job `name` to `to` and returns the state it left; `None` for an unknown job.
    /// Asking for the state it is in changes nothing (no second set of tasks). Must run
    /// inside the Tokio runtime (a handler), which its tasks are spawned on.
    pub fn set(&self, name: &str, to: JobState) -> Option<JobState> {
        let job = (name == CATALOGUE_SYNC).then_some(&self.catalogue_sync)?;
        let mut control = crate::lock::lock(&job.control);
        let from = control.state;
        if from == to {
            return Some(from);
        }
        *control = Control {
            state: to,
            since_unix_ms: crate::calendar::now_unix_ms(),
            generation: control.generation + 1,
        };
        if to == JobState::Running {
            // DELIBERATE (db.pool-exhausted): the job has no concurrency limit of its own
            // and shares the request pool. It starts two tasks per pooled connection, each
            // holding a transaction for `HOLD`, so every connection is always taken and
            // the shop's requests wait `pool_acquire_timeout_ms`, then fail with sqlx's
            // PoolTimedOut (prod: 503). Nothing in the request path is wrong; the pool is
            // simply never free. The fix: give the job a pool (or a semaphore) of its own
            // with one or two connections, so the request pool stays the shop's.
            for _ in 0..self.pool_max_connections.saturating_mul(2) {
                tokio::spawn(sync_task(
                    Arc::clone(job),
                    self.pool.clone(),
                    control.generation,
                ));
            }
        }
        Some(from)
    }
}

/// One of the job's tasks: sync steps until the job is paused or restarted.
async fn sync_task(job: Arc<Job>, pool: AnyPool, generation: u64) {
    while job.runs(generation) {
        let mut tx = match pool.begin().await {
            Ok(tx) => tx,
            Err(e) => {
                // Usually PoolTimedOut (the job waits like everyone else); otherwise give
                // the database a moment instead of spinning on it.
                tracing::debug!(job = job.name, error = %e, "sync step could not start");
                if !matches!(e, sqlx::Error::PoolTimedOut) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                continue;
            }
        };
        if !job.runs(generation) {
            // Paused while it waited for the connection: give it back at once (the
            // transaction rolls back as it drops).
            break;
        }
        let _held = job.hold();
        let step = async {
            let _books: i64 = sqlx::query_scalar(COUNT_SQL).fetch_one(&mut *tx).await?;
            tokio::time::sleep(HOLD).await;
            tx.commit().await
        };
        if let Err(e) = step.await {
            tracing::warn!(job = job.name, error = %e, "sync step failed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::JobState;

    #[test]
    fn only_running_and_paused_may_be_asked_for() {
        assert_eq!(JobState::requested("running"), Some(JobState::Running));
        assert_eq!(JobState::requested("paused"), Some(JobState::Paused));
        assert_eq!(JobState::requested("idle"), None);
        assert_eq!(JobState::requested("Running"), None);
        assert_eq!(JobState::Paused.name(), "paused");
    }
}
