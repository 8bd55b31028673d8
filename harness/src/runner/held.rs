//! Connections an `sql` step keeps open across steps (`hold = "NAME"`), so that what its
//! statements took (a transaction, an exclusive lock) stays in force while the next
//! requests run, until a `release` step closes it. Closing is the release: the engine
//! rolls back whatever the connection still held.

use std::collections::BTreeMap;

use sqlx::{AnyConnection, AnyPool, Connection as _};

#[derive(Default)]
pub struct HeldConnections {
    open: BTreeMap<String, AnyConnection>,
}

impl HeldConnections {
    /// Runs `sql` on a connection of its own and keeps it under `name`. Returns the rows
    /// affected.
    pub async fn hold(&mut self, pool: &AnyPool, name: &str, sql: &str) -> sqlx::Result<u64> {
        // Taken out of the pool for good: the pool neither reuses nor recycles it.
        let mut connection = pool.acquire().await?.detach();
        let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut connection)
            .await;
        match done {
            Ok(done) => {
                self.open.insert(name.to_string(), connection);
                Ok(done.rows_affected())
            }
            Err(e) => {
                connection.close().await.ok();
                Err(e)
            }
        }
    }

    /// Closes the connection held as `name`; false when none is (validation rules that
    /// out for scenario files).
    pub async fn release(&mut self, name: &str) -> sqlx::Result<bool> {
        match self.open.remove(name) {
            Some(connection) => connection.close().await.map(|()| true),
            None => Ok(false),
        }
    }

    /// Closes every connection still held: the end of a run releases everything, before
    /// the invariants read the database.
    pub async fn release_all(&mut self) {
        for (_, connection) in std::mem::take(&mut self.open) {
            connection.close().await.ok();
        }
    }
}
