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

/// What each engine's codes mean, written out apart from the tables.
const POSTGRES_CODES: &[(&str, ErrorKind, Option<&str>)] = &[
    ("23505", ErrorKind::Conflict, Some("db.constraint")),
    ("23503", ErrorKind::Unprocessable, None),
    ("40P01", ErrorKind::Unavailable, Some("db.deadlock")),
    ("40001", ErrorKind::Unavailable, Some("db.deadlock")),
    ("55P03", ErrorKind::Unavailable, None),
    (
        "57014",
        ErrorKind::Unavailable,
        Some("db.statement-timeout"),
    ),
    ("57P01", ErrorKind::Unavailable, Some("db.connection-lost")),
    ("57P02", ErrorKind::Unavailable, Some("db.connection-lost")),
    ("57P03", ErrorKind::Unavailable, Some("db.connection-lost")),
    ("08000", ErrorKind::Unavailable, Some("db.connection-lost")),
    ("08006", ErrorKind::Unavailable, Some("db.connection-lost")),
    ("08P01", ErrorKind::Unavailable, Some("db.connection-lost")),
    // syntax_error, undefined_column, insufficient_privilege: the code's own faults.
    ("42601", ErrorKind::Internal, None),
    ("42703", ErrorKind::Internal, None),
    ("42501", ErrorKind::Internal, None),
];

const SQLITE_CODES: &[(&str, ErrorKind, Option<&str>)] = &[
    ("2067", ErrorKind::Conflict, Some("db.constraint")),
    ("1555", ErrorKind::Conflict, Some("db.constraint")),
    ("787", ErrorKind::Unprocessable, None),
    ("5", ErrorKind::Unavailable, Some("db.connection-lost")),
    ("6", ErrorKind::Unavailable, Some("db.connection-lost")),
    ("261", ErrorKind::Unavailable, Some("db.connection-lost")),
    ("517", ErrorKind::Unavailable, Some("db.connection-lost")),
    ("773", ErrorKind::Unavailable, Some("db.connection-lost")),
    ("9", ErrorKind::Unavailable, Some("db.statement-timeout")),
    // SQLITE_ERROR (a syntax error), SQLITE_CONSTRAINT_NOTNULL, SQLITE_CONSTRAINT_CHECK.
    ("1", ErrorKind::Internal, None),
    ("1299", ErrorKind::Internal, None),
    ("275", ErrorKind::Internal, None),
];

#[test]
fn every_postgres_sqlstate_has_its_kind_and_class() {
    for &(code, kind, class) in POSTGRES_CODES {
        assert_eq!(of_code(code), meaning(kind, class), "SQLSTATE {code}");
    }
}

#[test]
fn every_sqlite_result_code_has_its_kind_and_class() {
    for &(code, kind, class) in SQLITE_CODES {
        assert_eq!(of_code(code), meaning(kind, class), "SQLite code {code}");
    }
}

#[test]
fn every_row_of_both_tables_is_tested() {
    for (table, tested) in [(POSTGRES, POSTGRES_CODES), (SQLITE, SQLITE_CODES)] {
        for (pattern, ..) in table {
            assert!(
                tested.iter().any(|(code, ..)| pattern.matches(code)),
                "{pattern:?} has no expectation in this file"
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
