//! Which planted flaw an error comes from, so the logs (and the harness's fuzzer, which
//! reads them) can name the failure class of a 5xx without guessing from its text.
//!
//! A handler arms the class right where its deliberate flaw runs; the panic hook and
//! every `AppError` built while it is armed pick it up. Disarming happens when the guard
//! drops: after the flawed statement succeeded, or during the unwinding of the panic it
//! caused (the panic hook has already read it by then).

use crate::request_context;

/// Marks the flaw of `class` as running until the guard drops.
#[must_use = "the flaw is armed only while the guard lives"]
pub struct Armed {
    previous: Option<&'static str>,
}

/// Arms `class` (a failure class id such as `crash.unwrap-none`) for the current request.
pub fn arm(class: &'static str) -> Armed {
    Armed {
        previous: request_context::swap_flaw(Some(class)),
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        request_context::swap_flaw(self.previous);
    }
}

/// The class armed in the current request, if any.
pub fn current() -> Option<&'static str> {
    request_context::flaw()
}

/// The failure class an engine error belongs to when no flaw was armed where it happened:
/// the engine's own words decide (a pool timeout is pool exhaustion wherever it strikes).
pub fn of_database_error(error: &sqlx::Error) -> Option<&'static str> {
    match error {
        sqlx::Error::PoolTimedOut => Some("db.pool-exhausted"),
        sqlx::Error::PoolClosed | sqlx::Error::Io(_) => Some("db.connection-lost"),
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                return Some("db.constraint");
            }
            match db.code().as_deref() {
                Some("40P01" | "40001") => Some("db.deadlock"),
                Some("57014") => Some("db.statement-timeout"),
                Some(crate::sqlite_deadline::INTERRUPTED) => Some("db.statement-timeout"),
                Some("57P01" | "57P02" | "57P03") => Some("db.connection-lost"),
                Some(code) if code.starts_with("08") => Some("db.connection-lost"),
                // SQLite: the database file is held by someone else.
                Some("5" | "6" | "517" | "261" | "773") => Some("db.connection-lost"),
                _ => None,
            }
        }
        _ => None,
    }
}
