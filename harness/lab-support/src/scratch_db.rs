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

/// The role the app connects as on PostgreSQL, and its password. Cluster-wide and shared
/// by every run; each database grants it table privileges only. The password is the
/// lab's, like its other fake secrets (loopback only; ignored under trust auth).
pub const APP_ROLE: &str = "crash_course_app";
const APP_ROLE_PASSWORD: &str = "crash-course-lab";

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
                sqlx::any::install_default_drivers();
                let admin_url = postgres_admin_url();
                let name = format!("crash_course_{id}");
                let mut admin = AnyConnection::connect(&admin_url).await.with_context(|| {
                    format!("Could not connect to PostgreSQL at {}", redact(&admin_url))
                })?;
                // The name is generated above from hex digits only: safe to splice.
                let create = format!("CREATE DATABASE {name}");
                admin
                    .execute(sqlx::AssertSqlSafe(create))
                    .await
                    .with_context(|| format!("Could not create the database {name}"))?;
                ensure_app_role(&mut admin).await?;
                admin.close().await.ok();
                let owner_url = with_database(&admin_url, &name);
                let scratch = ScratchDatabase {
                    backend,
                    url: with_user(&owner_url, APP_ROLE, APP_ROLE_PASSWORD),
                    admin_url: owner_url.clone(),
                    target: Target::Postgres { admin_url, name },
                };
                if let Err(e) = migrate_and_grant(&owner_url).await {
                    let _ = scratch.drop_database().await;
                    return Err(e);
                }
                Ok(scratch)
            }
        }
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

/// Creates the app role if this server does not have it yet. Parallel runs may race to
/// create it: whoever loses finds it there, which is all that is needed.
async fn ensure_app_role(admin: &mut AnyConnection) -> anyhow::Result<()> {
    let create = format!(
        "DO $$ BEGIN \
           CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_ROLE_PASSWORD}' \
             NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; \
         END $$"
    );
    admin
        .execute(sqlx::AssertSqlSafe(create))
        .await
        .with_context(|| format!("Could not create the role {APP_ROLE}"))?;
    // A role of that name made by someone else must still be an ordinary one.
    let (superuser, reads_files): (bool, bool) = sqlx::query_as(
        "SELECT rolsuper, pg_has_role(rolname, 'pg_read_server_files', 'MEMBER') \
         FROM pg_roles WHERE rolname = $1",
    )
    .bind(APP_ROLE)
    .fetch_one(&mut *admin)
    .await
    .with_context(|| format!("Could not inspect the role {APP_ROLE}"))?;
    if superuser || reads_files {
        anyhow::bail!(
            "the role {APP_ROLE} on this server is a superuser or may read server files; \
             the lab runs its app with table privileges only (ALTER ROLE {APP_ROLE} NOSUPERUSER, \
             REVOKE pg_read_server_files FROM {APP_ROLE})"
        );
    }
    Ok(())
}

/// As the owner: the app's migrations (schema and seed), then table privileges for the app
/// role and nothing more.
async fn migrate_and_grant(owner_url: &str) -> anyhow::Result<()> {
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(owner_url)
        .await
        .context("Could not connect to the new database as its owner")?;
    demo_app::db::migrate(Backend::Postgres, &pool).await?;
    let grants = format!(
        "GRANT USAGE ON SCHEMA public TO {APP_ROLE}; \
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}; \
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(grants))
        .execute(&pool)
        .await
        .context("Could not grant the app role its table privileges")?;
    pool.close().await;
    Ok(())
}

/// The URL with its user (and password) replaced.
fn with_user(url: &str, user: &str, password: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_string();
    };
    if parsed.set_username(user).is_err() || parsed.set_password(Some(password)).is_err() {
        return url.to_string();
    }
    parsed.into()
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
    fn the_user_is_replaced_with_or_without_one_before() {
        assert_eq!(
            with_user("postgres://postgres@127.0.0.1:5432/x", "app", "pw"),
            "postgres://app:pw@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_user("postgres://h/x", "app", "pw"),
            "postgres://app:pw@h/x"
        );
        assert_eq!(
            with_user("postgres://u:p@h/x?a=b@c", "app", "pw"),
            "postgres://app:pw@h/x?a=b@c"
        );
    }

    #[test]
    fn passwords_are_masked_in_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
