use std::borrow::Cow;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::error::{DatabaseError, ErrorKind as DriverKind};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode};

use super::*;

/// An engine error that says only its code: all the classifier reads.
#[derive(Debug)]
struct EngineError(&'static str);

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "engine error {}", self.0)
    }
}

impl std::error::Error for EngineError {}

impl DatabaseError for EngineError {
    fn message(&self) -> &str {
        "engine error"
    }
    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(self.0))
    }
    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }
    fn kind(&self) -> DriverKind {
        DriverKind::Other
    }
}

fn of_code(code: &'static str) -> Classified {
    classify_database_error(&sqlx::Error::Database(Box::new(EngineError(code))))
}

fn meaning(kind: ErrorKind, class: Option<&'static str>) -> Classified {
    Classified { kind, class }
}

/// What each engine's codes mean, written out apart from the table: (PostgreSQL
/// SQLSTATEs, SQLite extended result codes, what they mean).
fn expected() -> Vec<(&'static [&'static str], &'static [&'static str], Classified)> {
    use ErrorKind::{Conflict, Internal, Unavailable, Unprocessable};
    let lost = meaning(Unavailable, Some("db.connection-lost"));
    vec![
        (
            &["23505"],
            &["2067", "1555"],
            meaning(Conflict, Some("db.constraint")),
        ),
        (&["23503"], &["787"], meaning(Unprocessable, None)),
        (
            &["40P01", "40001"],
            &[],
            meaning(Unavailable, Some("db.deadlock")),
        ),
        (&["55P03"], &[], meaning(Unavailable, None)),
        (
            &["57014"],
            &["9"],
            meaning(Unavailable, Some("db.statement-timeout")),
        ),
        (
            &["57P01", "57P02", "57P03"],
            &["5", "6", "261", "517", "773"],
            lost,
        ),
        // Class 08, connection_exception: any of its codes.
        (&["08000", "08006", "08P01"], &[], lost),
        // syntax_error, undefined_column, insufficient_privilege; SQLITE_ERROR (a syntax
        // error), SQLITE_CONSTRAINT_NOTNULL, SQLITE_CONSTRAINT_CHECK: the code's own faults.
        (
            &["42601", "42703", "42501"],
            &["1", "1299", "275"],
            meaning(Internal, None),
        ),
    ]
}

#[test]
fn every_postgres_sqlstate_has_its_kind_and_class() {
    for (postgres, _, expected) in expected() {
        for code in postgres {
            assert_eq!(of_code(code), expected, "SQLSTATE {code}");
        }
    }
}

#[test]
fn every_sqlite_result_code_has_its_kind_and_class() {
    for (_, sqlite, expected) in expected() {
        for code in sqlite {
            assert_eq!(of_code(code), expected, "SQLite code {code}");
        }
    }
}

#[test]
fn every_code_of_the_table_is_tested_on_its_engine() {
    let expected = expected();
    for (_, _, postgres, sqlite) in CODES {
        for pattern in *postgres {
            let tested = expected.iter().flat_map(|(codes, ..)| codes.iter());
            assert!(
                tested.into_iter().any(|code| matches(pattern, code)),
                "SQLSTATE {pattern} has no expectation in this file"
            );
        }
        for pattern in *sqlite {
            let tested = expected.iter().flat_map(|(_, codes, _)| codes.iter());
            assert!(
                tested.into_iter().any(|code| matches(pattern, code)),
                "SQLite code {pattern} has no expectation in this file"
            );
        }
    }
}

#[test]
fn sqlx_errors_without_a_code_are_classified_by_their_variant() {
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
    for (error, expected) in [
        (
            sqlx::Error::PoolTimedOut,
            meaning(ErrorKind::Unavailable, Some("db.pool-exhausted")),
        ),
        (
            sqlx::Error::PoolClosed,
            meaning(ErrorKind::Unavailable, Some("db.connection-lost")),
        ),
        (
            sqlx::Error::Io(io),
            meaning(ErrorKind::Unavailable, Some("db.connection-lost")),
        ),
        (sqlx::Error::RowNotFound, meaning(ErrorKind::NotFound, None)),
        (
            sqlx::Error::Protocol("unexpected message".into()),
            meaning(ErrorKind::Internal, None),
        ),
    ] {
        assert_eq!(classify_database_error(&error), expected, "{error}");
    }
}

/// A real SQLite database in `dir`, with a customer table and an order table that
/// references it, as the app's schema has them.
async fn sqlite_shop(dir: &std::path::Path, busy_timeout: Duration) -> SqliteConnection {
    let options = SqliteConnectOptions::new()
        .filename(dir.join("shop.sqlite3"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Delete)
        .busy_timeout(busy_timeout);
    let mut connection = SqliteConnection::connect_with(&options)
        .await
        .expect("an SQLite file");
    for statement in [
        "CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)",
        "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, \
         customer_id INTEGER NOT NULL REFERENCES customers (id))",
        "INSERT OR IGNORE INTO customers (id, email) VALUES (1, 'ada@example.com')",
    ] {
        sqlx::query(statement)
            .execute(&mut connection)
            .await
            .expect("schema");
    }
    connection
}

async fn failing(connection: &mut SqliteConnection, sql: &'static str) -> Classified {
    let error = sqlx::query(sql)
        .execute(connection)
        .await
        .expect_err("the statement fails");
    classify_database_error(&error)
}

/// The SQLite driver's real errors carry the codes the table lists.
#[tokio::test]
async fn real_sqlite_errors_meet_their_rows() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut shop = sqlite_shop(dir.path(), Duration::ZERO).await;
    let duplicate = "INSERT INTO customers (id, email) VALUES (2, 'ada@example.com')";
    assert_eq!(
        failing(&mut shop, duplicate).await,
        meaning(ErrorKind::Conflict, Some("db.constraint"))
    );
    let same_key = "INSERT INTO customers (id, email) VALUES (1, 'grace@example.com')";
    assert_eq!(
        failing(&mut shop, same_key).await,
        meaning(ErrorKind::Conflict, Some("db.constraint"))
    );
    let unknown_customer = "INSERT INTO orders (customer_id) VALUES (99)";
    assert_eq!(
        failing(&mut shop, unknown_customer).await,
        meaning(ErrorKind::Unprocessable, None)
    );
    let typo = "SELEKT 1";
    assert_eq!(
        failing(&mut shop, typo).await,
        meaning(ErrorKind::Internal, None)
    );

    // Another connection holds the file: SQLITE_BUSY at once with no busy timeout.
    let mut holder = sqlite_shop(dir.path(), Duration::ZERO).await;
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut holder)
        .await
        .expect("an exclusive lock");
    let insert = "INSERT INTO customers (email) VALUES ('grace@example.com')";
    assert_eq!(
        failing(&mut shop, insert).await,
        meaning(ErrorKind::Unavailable, Some("db.connection-lost"))
    );
    sqlx::query("ROLLBACK")
        .execute(&mut holder)
        .await
        .expect("lock released");
}

/// The app's statement deadline interrupts a long statement with the code the table lists.
#[tokio::test]
async fn a_statement_past_its_sqlite_deadline_is_a_statement_timeout() {
    let mut connection =
        sqlite_deadline::connect("sqlite::memory:", Duration::ZERO, Duration::ZERO)
            .await
            .expect("an in-memory database");
    let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) \
                   SELECT count(*) FROM n";
    assert_eq!(
        failing(&mut connection, endless).await,
        meaning(ErrorKind::Unavailable, Some("db.statement-timeout"))
    );
}
