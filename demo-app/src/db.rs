//! The database: one sqlx `Any` pool, so SQLite and PostgreSQL run the same handler code.
//! Queries use `$1` placeholders, which both engines accept, and BIGINT/TEXT columns only.

use std::borrow::Cow;
use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;
use std::str::FromStr as _;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{
    AnyConnection, AnyPool, ConnectOptions as _, Connection as _, Executor as _, SqlSafeStr as _,
};

use crate::settings::Settings;

pub mod app_role;
pub mod serving_role;

/// Which engine a database URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The pool plus what the dev page reports about the engine.
#[derive(Debug, Clone)]
pub struct Database {
    pub pool: AnyPool,
    pub backend: Backend,
    /// As the engine reports it, e.g. `3.50.4` or `PostgreSQL 15.20 (Debian ...) on x86_64`.
    pub engine_version: String,
}

impl Database {
    /// Connects, migrates and seeds. Fails with context naming the step that failed.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Database> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(&settings.database_url)
            .context("database_url is neither sqlite: nor postgres://")?;
        // One direct connection first: a pool would report an unreachable server only as
        // "pool timed out", hiding the cause (refused, unknown host, bad password).
        let mut probe = AnyConnection::connect(&settings.database_url)
            .await
            .map_err(|e| crate::connect_error::explain(e, &settings.database_url))
            .with_context(|| format!("Failed to connect to the {} database", backend.name()))?;
        // Who serves: on PostgreSQL never a role that could read the server's files.
        let serving = match backend {
            Backend::Postgres => {
                let chosen = serving_role::choose(&settings.database_url, &mut probe).await;
                probe.close().await.ok();
                Some(chosen?)
            }
            Backend::Sqlite => {
                probe.close().await.ok();
                None
            }
        };
        let url = serving
            .as_ref()
            .map_or(settings.database_url.as_str(), |s| s.url.as_str());
        let statement_timeout_ms = settings.statement_timeout_ms;
        let busy_timeout_ms = settings.sqlite_busy_timeout_ms;
        let pool = AnyPoolOptions::new()
            .max_connections(settings.pool_max_connections)
            .acquire_timeout(Duration::from_millis(settings.pool_acquire_timeout_ms))
            // DELIBERATE (db.connection-lost): pooled connections are handed out without
            // the liveness check sqlx does by default ("saves a round trip"). After the
            // server drops them (a restart, a failover, pg_terminate_backend) the next
            // requests get a dead connection and fail before the pool replaces it. The
            // fix: keep `test_before_acquire(true)` and retry idempotent work once.
            .test_before_acquire(false)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    let set = match backend {
                        // Bounded statements (db.statement-timeout): the engine cancels
                        // anything slower, with SQLSTATE 57014.
                        Backend::Postgres => {
                            format!("SET statement_timeout = {statement_timeout_ms}")
                        }
                        // How long to wait for a lock another process holds before
                        // SQLITE_BUSY (the database "goes away" on SQLite: a backup or a
                        // maintenance job holding it exclusively; db.connection-lost).
                        Backend::Sqlite => format!("PRAGMA busy_timeout = {busy_timeout_ms}"),
                    };
                    conn.execute(sqlx::AssertSqlSafe(set)).await?;
                    Ok(())
                })
            })
            .connect_with(
                // sqlx's own "slow statement" warning would fire or not depending on a
                // millisecond around the statement deadline; the app's error line already
                // says what happened, with the SQL and the correlation id.
                AnyConnectOptions::from_str(url)
                    .context("database_url is not a URL sqlx can read")?
                    .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(1)),
            )
            .await
            .map_err(|e| crate::connect_error::explain(e, url))
            .with_context(|| format!("Failed to connect to the {} database", backend.name()))?;
        match &serving {
            // The owner migrated already; the app role could not.
            Some(role) if role.demoted() => log_demotion(role),
            Some(role) => {
                migrate(backend, &pool).await?;
                tracing::info!(
                    serving_role = %role.name,
                    "serving as the PostgreSQL role {}: no superuser, no server-file roles, \
                     no CREATEROLE",
                    role.name
                );
            }
            None => migrate(backend, &pool).await?,
        }
        let version_sql = match backend {
            Backend::Sqlite => "SELECT sqlite_version()",
            Backend::Postgres => "SELECT version()",
        };
        let engine_version: String = sqlx::query_scalar(version_sql)
            .fetch_one(&pool)
            .await
            .context("Failed to read the database engine version")?;
        Ok(Database {
            pool,
            backend,
            engine_version,
        })
    }

    /// The engine's display name, for the dev page.
    pub fn engine(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// The start-up line that says who serves when the URL's role was too powerful to.
fn log_demotion(role: &serving_role::ServingRole) {
    tracing::warn!(
        serving_role = %role.name,
        given_role = %role.given.name,
        given_role_is = %role.given.reasons(),
        "the PostgreSQL role {} of database_url is {}: it migrated the schema as the owner, \
         and the app serves as {}, a role with table privileges only (give database_url a \
         table-only role to silence this)",
        role.given.name,
        role.given.reasons(),
        role.name
    );
}

/// Applies the embedded migrations, unless every one is applied already: an app role with
/// table privileges only (no DDL) then starts against a schema its owner migrated.
pub async fn migrate(backend: Backend, pool: &AnyPool) -> anyhow::Result<()> {
    let migrator = migrator(backend);
    let applied: Result<i64, sqlx::Error> =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await;
    if applied.is_ok_and(|n| n == migrator.iter().count() as i64) {
        return Ok(());
    }
    migrator
        .run(pool)
        .await
        .context("Failed to migrate the database")
}

/// The embedded migrations for one engine: its schema, then the shared seed.
fn migrator(backend: Backend) -> Migrator {
    let schema = match backend {
        Backend::Sqlite => include_str!("../migrations/sqlite/0001_schema.sql"),
        Backend::Postgres => include_str!("../migrations/postgres/0001_schema.sql"),
    };
    let seed = include_str!("../migrations/seed.sql");
    let transfers = match backend {
        Backend::Sqlite => include_str!("../migrations/sqlite/0003_transfers.sql"),
        Backend::Postgres => include_str!("../migrations/postgres/0003_transfers.sql"),
    };
    let migration = |version, description: &'static str, sql: &'static str| {
        Migration::new(
            version,
            Cow::Borrowed(description),
            MigrationType::Simple,
            sql.into_sql_str(),
            false,
        )
    };
    // DELIBERATE (release.migration-drift): release v2 reads `books.isbn`, which
    // migrations/*/0004_book_isbn.sql adds, but this environment's migration job (this
    // list, which the app runs on SQLite and the database owner runs on PostgreSQL) never
    // got it: the code was deployed ahead of its migration. Nothing compares the schema
    // with what the code needs, so the app starts, /healthz (a `SELECT 1`) stays green, and
    // v2's catalogue answers 500 (`no such column`, SQLSTATE 42703). The fix: ship the
    // migration with the release (list it here), and check at start-up that every
    // migration the code needs is applied, refusing to serve (exit 78) when it is not.
    Migrator::with_migrations(vec![
        migration(1, "schema", schema),
        migration(2, "seed", seed),
        migration(3, "transfers", transfers),
    ])
}
