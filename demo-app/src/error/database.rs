//! What a database error means, said once: for each SQLSTATE (PostgreSQL) and extended
//! result code (SQLite) the lessons meet, the `ErrorKind` prod answers with and the failure
//! class it teaches. `AppError::database` reads both from here: the kind decides prod's
//! status, the class names the lesson in the logs when no flaw was armed where the engine
//! failed (a pool timeout is pool exhaustion wherever it strikes).

use super::ErrorKind;
use crate::sqlite_deadline;

/// What one database error means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified {
    /// What prod tells the client (its status).
    pub kind: ErrorKind,
    /// The failure class the engine's words point at, if any.
    pub class: Option<&'static str>,
}

/// One row of the table: what prod answers, the class taught, and the codes that mean it
/// on PostgreSQL (SQLSTATEs; `08*` is the whole class 08) and on SQLite (extended result
/// codes). The two never collide: SQLSTATEs are five characters, SQLite's codes numbers
/// below 5000.
type Row = (
    ErrorKind,
    Option<&'static str>,
    &'static [&'static str],
    &'static [&'static str],
);

use ErrorKind::{Conflict, Unavailable, Unprocessable};

const CONSTRAINT: Option<&str> = Some("db.constraint");
const DEADLOCK: Option<&str> = Some("db.deadlock");
const STATEMENT_TIMEOUT: Option<&str> = Some("db.statement-timeout");
const CONNECTION_LOST: Option<&str> = Some("db.connection-lost");

/// Every engine code the app answers with something other than a plain 500; a code that
/// is not here is a fault (500) of no particular class.
const CODES: &[Row] = &[
    // unique_violation; SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY: the
    // client's conflict.
    (Conflict, CONSTRAINT, &["23505"], &["2067", "1555"]),
    // foreign_key_violation; SQLITE_CONSTRAINT_FOREIGNKEY: the request names something
    // that does not exist, the client's mistake.
    (Unprocessable, None, &["23503"], &["787"]),
    // deadlock_detected, serialization_failure.
    (Unavailable, DEADLOCK, &["40P01", "40001"], &[]),
    // lock_not_available.
    (Unavailable, None, &["55P03"], &[]),
    // query_canceled; SQLITE_INTERRUPT, from the app's own deadline (sqlite_deadline.rs).
    (
        Unavailable,
        STATEMENT_TIMEOUT,
        &["57014"],
        &[sqlite_deadline::INTERRUPTED],
    ),
    // admin_shutdown, crash_shutdown, cannot_connect_now, any connection_exception.
    (
        Unavailable,
        CONNECTION_LOST,
        &["57P01", "57P02", "57P03", "08*"],
        &[],
    ),
    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_BUSY_RECOVERY, SQLITE_BUSY_SNAPSHOT,
    // SQLITE_BUSY_TIMEOUT: the database file is held by someone else; for this app, its
    // database is gone.
    (
        Unavailable,
        CONNECTION_LOST,
        &[],
        &["5", "6", "261", "517", "773"],
    ),
];

/// Whether `code` is the one `pattern` names, or in the class a `*` pattern names.
fn matches(pattern: &str, code: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(class) => code.starts_with(class),
        None => code == pattern,
    }
}

/// The row of `code`, if the table has one.
fn row_of(code: &str) -> Option<&'static Row> {
    CODES.iter().find(|(_, _, postgres, sqlite)| {
        postgres
            .iter()
            .chain(*sqlite)
            .any(|pattern| matches(pattern, code))
    })
}

/// What `error` means: by sqlx's own variant, else by the engine's code.
pub fn classify_database_error(error: &sqlx::Error) -> Classified {
    let (kind, class) = match error {
        sqlx::Error::PoolTimedOut => (Unavailable, Some("db.pool-exhausted")),
        sqlx::Error::PoolClosed | sqlx::Error::Io(_) => (Unavailable, CONNECTION_LOST),
        sqlx::Error::RowNotFound => (ErrorKind::NotFound, None),
        sqlx::Error::Database(db) => match db.code().as_deref().and_then(row_of) {
            Some(&(kind, class, ..)) => (kind, class),
            None => (ErrorKind::Internal, None),
        },
        _ => (ErrorKind::Internal, None),
    };
    Classified { kind, class }
}

#[cfg(test)]
mod tests;
