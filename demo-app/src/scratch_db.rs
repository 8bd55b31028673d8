//! A fresh, empty database per run: an SQLite file in the temp directory, or a new
//! PostgreSQL database on the local server. The app's migrations fill it on start-up;
//! `drop_database` removes it afterwards. Used by the harness and the integration tests.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::{AnyConnection, Connection as _, Executor as _};

use crate::db::Backend;

/// The server the lab's PostgreSQL runs and tests use unless told otherwise.
pub const DEFAULT_POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Environment variable that points the lab at another PostgreSQL server (an admin URL:
/// a role that may create databases, connected to an existing database).
pub const POSTGRES_URL_ENV: &str = "CRASH_COURSE_POSTGRES_URL";

/// The admin URL in force: `CRASH_COURSE_POSTGRES_URL` or the local default.
pub fn postgres_admin_url() -> String {
    std::env::var(POSTGRES_URL_ENV).unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.to_string())
}

/// Checks that the PostgreSQL server answers, within a couple of seconds.
pub async fn postgres_reachable(admin_url: &str) -> anyhow::Result<()> {
    sqlx::any::install_default_drivers();
    let connect = AnyConnection::connect(admin_url);
    let conn = tokio::time::timeout(Duration::from_secs(3), connect)
        .await
        .with_context(|| {
            format!(
                "PostgreSQL at {} did not answer within 3 s",
                redact(admin_url)
            )
        })?
        .with_context(|| format!("Could not connect to PostgreSQL at {}", redact(admin_url)))?;
    conn.close().await.ok();
    Ok(())
}

/// One run's own database.
#[derive(Debug)]
pub struct ScratchDatabase {
    pub backend: Backend,
    /// What to pass to the app as `database_url`.
    pub url: String,
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
                Ok(ScratchDatabase {
                    backend,
                    url: format!("sqlite://{}?mode=rwc", path.display()),
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
                admin.close().await.ok();
                Ok(ScratchDatabase {
                    backend,
                    url: with_database(&admin_url, &name),
                    target: Target::Postgres { admin_url, name },
                })
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

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}

/// The admin URL with its database name replaced.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

/// The URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    match (rest.find('@'), rest.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!(
                "{}{}:***{}",
                &url[..scheme_end],
                &rest[..colon],
                &rest[at..]
            )
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
