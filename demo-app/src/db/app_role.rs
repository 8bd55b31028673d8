//! The table-only role the app serves as on PostgreSQL when it is given a more powerful
//! one (`serving_role`), and that the lab's own runs hand it: its name and password, the
//! tables it may use, making it, granting it, and the one command that makes it by hand.

use anyhow::Context as _;
use sqlx::{AnyConnection, AnyPool, Executor as _};

use super::serving_role::{RoleCheck, check_role};

/// The role the app serves as when it is given a privileged one. Cluster-wide and shared
/// by every lab database; each database grants it its tables only.
pub const APP_ROLE: &str = "crash_course_app";
/// The app role's password: the lab's, like its other fake secrets (ignored under trust
/// auth; under password auth it is what the app logs in with).
pub const APP_ROLE_PASSWORD: &str = "crash-course-lab";

/// The recipe (and the plain command behind it) that makes a suitable app role.
pub const ROLE_RECIPE: &str = "just postgres-app-role";

/// The tables the app's migrations create, and what the app role may do with each. The
/// app role gets these and nothing else: pointed at a database that holds other tables
/// too, it cannot read them. `_sqlx_migrations` is read at start-up to see that the owner
/// has migrated. A test keeps the list in step with the migrations.
pub const TABLE_GRANTS: &[(&str, &str)] = &[
    ("authors", "SELECT, INSERT, UPDATE, DELETE"),
    ("books", "SELECT, INSERT, UPDATE, DELETE"),
    ("customers", "SELECT, INSERT, UPDATE, DELETE"),
    ("wallets", "SELECT, INSERT, UPDATE, DELETE"),
    ("orders", "SELECT, INSERT, UPDATE, DELETE"),
    ("transfers", "SELECT, INSERT, UPDATE, DELETE"),
    ("_sqlx_migrations", "SELECT"),
];

/// The plain command the recipe runs, for people without `just`: psql as `postgres` on
/// the server of `url`.
pub fn role_sql_command(url: &str) -> String {
    let mut command = String::from("psql");
    if let Ok(parsed) = reqwest::Url::parse(url) {
        if let Some(host) = parsed.host_str() {
            command.push_str(&format!(" -h {host}"));
        }
        if let Some(port) = parsed.port() {
            command.push_str(&format!(" -p {port}"));
        }
    }
    format!(
        "{command} -U postgres -d postgres -c \"{}\"",
        role_sql().replace('$', "\\$")
    )
}

/// Creates the app role, or makes an existing one ordinary, with the lab's password.
pub fn role_sql() -> String {
    format!(
        "SET client_min_messages TO error; \
         DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; \
         END $$; ALTER ROLE {APP_ROLE} LOGIN PASSWORD '{APP_ROLE_PASSWORD}' NOSUPERUSER \
         NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; REVOKE pg_read_server_files, \
         pg_write_server_files, pg_execute_server_program FROM {APP_ROLE}"
    )
}

/// Why the app role could not be made ready.
#[derive(Debug)]
pub enum EnsureError {
    /// A role of that name exists and is privileged (someone else made it).
    Unfit(RoleCheck),
    /// This session may not create roles.
    CannotCreate(String),
    Other(anyhow::Error),
}

impl std::fmt::Display for EnsureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnsureError::Unfit(check) => write!(
                f,
                "the role {} on this server is {}; the lab serves with table privileges only \
                 (`{ROLE_RECIPE}` makes {APP_ROLE} an ordinary role)",
                check.name,
                check.reasons()
            ),
            EnsureError::CannotCreate(e) => write!(f, "could not create the app role: {e}"),
            EnsureError::Other(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for EnsureError {}

/// The lab's app role, ready: see `ensure_role`.
pub async fn ensure_app_role(admin: &mut AnyConnection) -> Result<(), EnsureError> {
    ensure_role(admin, APP_ROLE, APP_ROLE_PASSWORD).await
}

/// Creates the role `name` if this server does not have it yet, and checks that the one it
/// has is an ordinary role. Parallel starts may race to create it: whoever loses finds it
/// there, which is all that is needed.
pub async fn ensure_role(
    admin: &mut AnyConnection,
    name: &str,
    password: &str,
) -> Result<(), EnsureError> {
    checked_identifier(name).map_err(EnsureError::Other)?;
    let existing = check_role(admin, name).await.map_err(EnsureError::Other)?;
    if existing.is_none() {
        // Spliced: `name` is checked above, and the password is the lab's constant (or a
        // test's); doubled quotes keep any quote in it inside the literal.
        let create = format!(
            "DO $$ BEGIN \
               CREATE ROLE {name} LOGIN PASSWORD '{}' \
                 NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; \
             END $$",
            password.replace('\'', "''")
        );
        if let Err(e) = admin.execute(sqlx::AssertSqlSafe(create)).await {
            return Err(match &e {
                sqlx::Error::Database(db) if db.code().as_deref() == Some("42501") => {
                    EnsureError::CannotCreate(db.message().to_string())
                }
                _ => EnsureError::Other(
                    anyhow::Error::new(e).context(format!("Could not create the role {name}")),
                ),
            });
        }
    }
    match check_role(admin, name).await.map_err(EnsureError::Other)? {
        Some(check) if check.is_fit() => Ok(()),
        Some(check) => Err(EnsureError::Unfit(check)),
        None => Err(EnsureError::Other(anyhow::anyhow!(
            "the role {name} vanished right after it was created"
        ))),
    }
}

/// A role name this module splices into SQL: lowercase letters, digits and underscores.
fn checked_identifier(name: &str) -> anyhow::Result<&str> {
    let plain = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    anyhow::ensure!(plain, "`{name}` is not a plain role name");
    Ok(name)
}

/// As the owner, after the migrations: the app role may connect and use its tables, and
/// nothing more (no DDL, no other tables, no functions beyond what PUBLIC has).
pub async fn grant_table_privileges(owner: &AnyPool, role: &str) -> anyhow::Result<()> {
    let role = checked_identifier(role)?;
    let mut grants = format!(
        "DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {role}', \
         current_database()); END $$; GRANT USAGE ON SCHEMA public TO {role};"
    );
    for (table, privileges) in TABLE_GRANTS {
        grants.push_str(&format!(" GRANT {privileges} ON {table} TO {role};"));
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(grants))
        .execute(owner)
        .await
        .with_context(|| format!("Could not grant the role {role} its table privileges"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fix_command_is_one_shell_line_that_keeps_the_dollar_quotes() {
        let command = role_sql_command("postgres://postgres@db.internal:6432/mydb");
        assert!(
            command.starts_with("psql -h db.internal -p 6432 -U postgres"),
            "{command}"
        );
        assert!(command.contains(r"DO \$\$ BEGIN"), "{command}");
        assert!(!command.contains('\n'));
    }
}
