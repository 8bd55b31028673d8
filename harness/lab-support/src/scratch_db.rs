//! A fresh, empty database per run: an SQLite file in the temp directory, or a new
//! PostgreSQL database on the local server. `drop_database` removes it afterwards. Used
//! by the harness and the integration tests.
//!
//! On PostgreSQL the blast radius of the deliberate bugs is contained the way a real
//! deployment would contain it: the schema is created by the admin role (the owner), and
//! the app connects as `crash_course_app`, a role with table privileges only: no
//! superuser, no `pg_read_server_files`, no DDL. The SQL injection lesson then shows what
//! an injection can read through the app's own grants, and `pg_read_file('/etc/passwd')`
//! is refused. On SQLite the app migrates its own file on start-up.

use anyhow::Context as _;
use sqlx::{AnyConnection, Connection as _, Executor as _};
use std::path::PathBuf;

pub use demo_app::db::Backend;

/// The server the lab's PostgreSQL runs and tests use unless told otherwise.
pub const DEFAULT_POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Environment variable that points the lab at another PostgreSQL server (an admin URL:
/// a role that may create databases, connected to an existing database).
pub const POSTGRES_URL_ENV: &str = "CRASH_COURSE_POSTGRES_URL";

/// The admin URL in force: `CRASH_COURSE_POSTGRES_URL` or the local default.
pub fn postgres_admin_url() -> String {
    std::env::var(POSTGRES_URL_ENV).unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.to_string())
}

pub use crate::postgres_check::{Unavailable, postgres_reachable};

/// The role the app connects as on PostgreSQL, and its password: demo-app's own (the
/// role demo-app serves as when it is given a privileged one), so the lab and a user's
/// `cargo run` share one table-only role per server.
pub use demo_app::db::app_role::{APP_ROLE, APP_ROLE_PASSWORD};

/// One run's own database.
#[derive(Debug)]
pub struct ScratchDatabase {
    pub backend: Backend,
    /// What to pass to the app as `database_url` (the least-privileged app role).
    pub url: String,
    /// The same database as its owner, for setup, sabotage and invariant SQL that the app
    /// itself could not run (terminating sessions, bulk inserts, checks).
    pub admin_url: String,
    target: Target,
}

#[derive(Debug)]
enum Target {
    SqliteFile(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl ScratchDatabase {
    /// Creates an empty database for `backend`.
    pub async fn create(backend: Backend) -> anyhow::Result<ScratchDatabase> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("crash-course-{id}.sqlite3"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                Ok(ScratchDatabase {
                    backend,
                    admin_url: url.clone(),
                    url,
                    target: Target::SqliteFile(path),
                })
            }
            Backend::Postgres => {
                let mut scratch = ScratchDatabase::create_postgres(&id).await?;
                let owner_url = scratch.admin_url.clone();
                let prepared = async {
                    let mut admin = AnyConnection::connect(&owner_url).await?;
                    let ensured = ensure_app_role(&mut admin).await;
                    admin.close().await.ok();
                    ensured?;
                    migrate_and_grant(&owner_url).await
                }
                .await;
                if let Err(e) = prepared {
                    let _ = scratch.drop_database().await;
                    return Err(e);
                }
                scratch.url =
                    demo_app::db::serving_role::with_user(&owner_url, APP_ROLE, APP_ROLE_PASSWORD)
                        .context("the admin URL could not be rewritten for the app role")?;
                Ok(scratch)
            }
        }
    }

    /// A new PostgreSQL database and nothing else, as README.md's `createdb` leaves it:
    /// `url` is the admin role's (a superuser on the lab's server), not migrated. What
    /// demo-app does with that URL is its own start-up check's business.
    pub async fn create_empty_postgres() -> anyhow::Result<ScratchDatabase> {
        ScratchDatabase::create_postgres(&uuid::Uuid::new_v4().simple().to_string()).await
    }

    async fn create_postgres(id: &str) -> anyhow::Result<ScratchDatabase> {
        sqlx::any::install_default_drivers();
        let admin_url = postgres_admin_url();
        let name = format!("crash_course_{id}");
        let mut admin = AnyConnection::connect(&admin_url).await.with_context(|| {
            format!("Could not connect to PostgreSQL at {}", redact(&admin_url))
        })?;
        // The name is generated from hex digits only: safe to splice.
        let create = format!("CREATE DATABASE {name}");
        let created = admin
            .execute(sqlx::AssertSqlSafe(create))
            .await
            .with_context(|| format!("Could not create the database {name}"));
        admin.close().await.ok();
        created?;
        let owner_url = with_database(&admin_url, &name);
        Ok(ScratchDatabase {
            backend: Backend::Postgres,
            url: owner_url.clone(),
            admin_url: owner_url,
            target: Target::Postgres { admin_url, name },
        })
    }

    /// Removes the database (the SQLite file and its WAL companions, or the PostgreSQL
    /// database, forcibly disconnecting whatever still holds it).
    pub async fn drop_database(self) -> anyhow::Result<()> {
        match &self.target {
            Target::SqliteFile(path) => {
                remove_sqlite_files(path);
                Ok(())
            }
            Target::Postgres { admin_url, name } => {
                let mut admin = AnyConnection::connect(admin_url).await?;
                let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                admin
                    .execute(sqlx::AssertSqlSafe(drop))
                    .await
                    .with_context(|| format!("Could not drop the database {name}"))?;
                admin.close().await.ok();
                Ok(())
            }
        }
    }
}

/// The app role, created if the server does not have it yet and checked to be an
/// ordinary one (demo-app's own check: no superuser, no server-file roles, no CREATEROLE).
async fn ensure_app_role(admin: &mut AnyConnection) -> anyhow::Result<()> {
    demo_app::db::app_role::ensure_app_role(admin)
        .await
        .map_err(anyhow::Error::new)
}

/// As the owner: the app's migrations (schema and seed), then the app role's tables and
/// nothing more.
async fn migrate_and_grant(owner_url: &str) -> anyhow::Result<()> {
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(owner_url)
        .await
        .context("Could not connect to the new database as its owner")?;
    let prepared = async {
        demo_app::db::migrate(Backend::Postgres, &pool).await?;
        demo_app::db::app_role::grant_table_privileges(&pool, APP_ROLE).await
    }
    .await;
    pool.close().await;
    prepared
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}

/// The admin URL with its database name replaced.
fn with_database(admin_url: &str, name: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(admin_url) else {
        return admin_url.to_string();
    };
    parsed.set_path(&format!("/{name}"));
    parsed.into()
}

/// The URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("***")).is_err() {
                return url.to_string();
            }
            parsed.into()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_options_kept() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }

    #[test]
    fn passwords_are_masked_in_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
