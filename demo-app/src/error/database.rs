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

/// How a row names its codes: one code, or a whole SQLSTATE class by its first two
/// characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Code {
    Exact(&'static str),
    Class(&'static str),
}

/// One row of the table: a code, what prod answers, the class it teaches.
type Row = (Code, ErrorKind, Option<&'static str>);

use Code::{Class, Exact};
use ErrorKind::{Conflict, Unavailable, Unprocessable};

const CONSTRAINT: Option<&str> = Some("db.constraint");
const DEADLOCK: Option<&str> = Some("db.deadlock");
const STATEMENT_TIMEOUT: Option<&str> = Some("db.statement-timeout");
const CONNECTION_LOST: Option<&str> = Some("db.connection-lost");

// Every engine code the app answers with something other than a plain 500. A unique
// violation is the client's conflict (409); a foreign-key violation names something that
// does not exist, the client's mistake (422); the rest are transient (503). A code in
// neither table is a fault (500) of no particular class. The codes never collide:
// SQLSTATEs are five characters, SQLite's extended result codes numbers below 5000.

/// PostgreSQL's SQLSTATEs.
const POSTGRES: &[Row] = &[
    (Exact("23505"), Conflict, CONSTRAINT),  // unique_violation
    (Exact("23503"), Unprocessable, None),   // foreign_key_violation
    (Exact("40P01"), Unavailable, DEADLOCK), // deadlock_detected
    (Exact("40001"), Unavailable, DEADLOCK), // serialization_failure
    (Exact("55P03"), Unavailable, None),     // lock_not_available
    (Exact("57014"), Unavailable, STATEMENT_TIMEOUT), // query_canceled
    (Exact("57P01"), Unavailable, CONNECTION_LOST), // admin_shutdown
    (Exact("57P02"), Unavailable, CONNECTION_LOST), // crash_shutdown
    (Exact("57P03"), Unavailable, CONNECTION_LOST), // cannot_connect_now
    (Class("08"), Unavailable, CONNECTION_LOST), // connection_exception
];

/// SQLite's extended result codes.
const SQLITE: &[Row] = &[
    (Exact("2067"), Conflict, CONSTRAINT), // SQLITE_CONSTRAINT_UNIQUE
    (Exact("1555"), Conflict, CONSTRAINT), // SQLITE_CONSTRAINT_PRIMARYKEY
    (Exact("787"), Unprocessable, None),   // SQLITE_CONSTRAINT_FOREIGNKEY
    // The database file is held by someone else: for this app, its database is gone.
    (Exact("5"), Unavailable, CONNECTION_LOST), // SQLITE_BUSY
    (Exact("6"), Unavailable, CONNECTION_LOST), // SQLITE_LOCKED
    (Exact("261"), Unavailable, CONNECTION_LOST), // SQLITE_BUSY_RECOVERY
    (Exact("517"), Unavailable, CONNECTION_LOST), // SQLITE_BUSY_SNAPSHOT
    (Exact("773"), Unavailable, CONNECTION_LOST), // SQLITE_BUSY_TIMEOUT
    // SQLITE_INTERRUPT: the app's own statement deadline (sqlite_deadline.rs).
    (
        Exact(sqlite_deadline::INTERRUPTED),
        Unavailable,
        STATEMENT_TIMEOUT,
    ),
];

impl Code {
    fn matches(self, code: &str) -> bool {
        match self {
            Code::Exact(exact) => code == exact,
            Code::Class(prefix) => code.starts_with(prefix),
        }
    }
}

/// The row of `code`, if either table has one.
fn row_of(code: &str) -> Option<&'static Row> {
    POSTGRES
        .iter()
        .chain(SQLITE)
        .find(|(pattern, ..)| pattern.matches(code))
}

/// What `error` means: by sqlx's own variant, else by the engine's code.
pub fn classify_database_error(error: &sqlx::Error) -> Classified {
    let (kind, class) = match error {
        sqlx::Error::PoolTimedOut => (Unavailable, Some("db.pool-exhausted")),
        sqlx::Error::PoolClosed | sqlx::Error::Io(_) => (Unavailable, CONNECTION_LOST),
        sqlx::Error::RowNotFound => (ErrorKind::NotFound, None),
        sqlx::Error::Database(db) => match db.code().as_deref().and_then(row_of) {
            Some(&(_, kind, class)) => (kind, class),
            None => (ErrorKind::Internal, None),
        },
        _ => (ErrorKind::Internal, None),
    };
    Classified { kind, class }
}

#[cfg(test)]
mod tests;
