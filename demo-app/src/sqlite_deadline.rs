//! SQLite has no statement timeout. A connection opened here carries one anyway: a
//! progress handler that SQLite calls every few hundred VM steps interrupts the statement
//! once the deadline has passed (SQLITE_INTERRUPT, "interrupted"), the way
//! `sqlite3_interrupt` would. The statement stops on time and its connection is free,
//! instead of burning on after the client was told 503.

use std::str::FromStr as _;
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions as _, Connection as _};

/// SQLite virtual-machine steps between two deadline checks (microseconds of work).
const STEPS_PER_CHECK: i32 = 1_000;

/// SQLite's extended result code for an interrupted statement.
pub const INTERRUPTED: &str = "9";

/// A connection to `url` whose statements are interrupted once `deadline` has passed.
pub async fn connect(
    url: &str,
    busy_timeout: Duration,
    deadline: Duration,
) -> Result<SqliteConnection, sqlx::Error> {
    let mut connection = SqliteConnectOptions::from_str(url)?
        .busy_timeout(busy_timeout)
        // A statement here runs up to the deadline by design; sqlx's "slow statement"
        // warning would fire or not depending on a millisecond either side of it.
        .log_slow_statements(log::LevelFilter::Off, deadline)
        .connect()
        .await?;
    let expires = Instant::now() + deadline;
    connection
        .lock_handle()
        .await?
        .set_progress_handler(STEPS_PER_CHECK, move || Instant::now() < expires);
    Ok(connection)
}

/// Closes the connection; a failure to close is only logged (the statement's result, or
/// its error, is what the caller answers with).
pub async fn close(connection: SqliteConnection) {
    if let Err(error) = connection.close().await {
        tracing::warn!(error = %error, "closing a deadline connection failed");
    }
}
