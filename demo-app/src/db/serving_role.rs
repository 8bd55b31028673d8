//! The PostgreSQL role the app serves as. The bugs are real, the blast radius is not: a
//! role that is a superuser, may read or write server files or run server programs, or may
//! create roles (and so grant itself those) turns the deliberate injection of
//! `db.invalid-sql` into `pg_read_file('/etc/passwd')`. The app never serves with one.
//!
//! Given such a role (the README's `postgres://postgres@127.0.0.1/mydb`), the app treats
//! it as the owner: it creates (or reuses) `crash_course_app`, a role with table privileges
//! only, migrates as the owner, grants the app role its tables and nothing else, and then
//! *logs in* as `crash_course_app` for every pooled connection. `SET ROLE` on the owner's
//! session would be no containment: an injected `set_config('role', 'postgres', false)` or
//! `RESET ROLE` would get the owner back. Where that cannot be done (the owner may not
//! create roles, the server refuses the app role's login, a role of that name is itself
//! privileged), start-up stops with `RoleRefused` (exit 78), naming the role, why, and the
//! command that makes a suitable role.

use super::app_role::{
    APP_ROLE, APP_ROLE_PASSWORD, EnsureError, ROLE_RECIPE, ensure_role, grant_table_privileges,
    role_sql_command,
};
use anyhow::Context as _;
use sqlx::{AnyConnection, Connection as _};

/// What makes a role unfit to serve the lessons, as found on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCheck {
    pub name: String,
    /// Each privilege that makes it unfit ("a superuser", "a member of
    /// pg_read_server_files", ...); empty when the role is fit.
    pub unfit_because: Vec<&'static str>,
}

impl RoleCheck {
    pub fn is_fit(&self) -> bool {
        self.unfit_because.is_empty()
    }

    /// "a superuser and a member of pg_read_server_files"
    pub fn reasons(&self) -> String {
        self.unfit_because.join(" and ")
    }
}

/// Start-up refused to serve with the roles it had. Exit 78 (EX_CONFIG).
#[derive(Debug, thiserror::Error)]
#[error(
    "configuration error: the PostgreSQL role `{role}` of database_url is {reasons}, and the \
     app does not serve the lessons with such a role (the SQL injection of db.invalid-sql \
     would read the server's files), but {why}. {fix}"
)]
pub struct RoleRefused {
    pub role: String,
    pub reasons: String,
    pub why: String,
    pub fix: String,
}

/// Who serves, for the start-up log line.
#[derive(Debug, Clone)]
pub struct ServingRole {
    /// The role every pooled connection logs in as.
    pub name: String,
    /// The role of `database_url`, and why it does not serve (when it does not).
    pub given: RoleCheck,
    /// The URL the pool connects with.
    pub url: String,
}

impl ServingRole {
    pub fn demoted(&self) -> bool {
        !self.given.is_fit()
    }
}

/// The role's attributes and memberships. The server-file roles came with PostgreSQL 11
/// (before, only a superuser could read files): asked for only where they exist.
const PRIVILEGES: &str = "r.rolsuper, r.rolcreaterole, \
     CASE WHEN to_regrole('pg_read_server_files') IS NULL THEN false \
          ELSE pg_has_role(r.oid, 'pg_read_server_files', 'MEMBER') END, \
     CASE WHEN to_regrole('pg_write_server_files') IS NULL THEN false \
          ELSE pg_has_role(r.oid, 'pg_write_server_files', 'MEMBER') END, \
     CASE WHEN to_regrole('pg_execute_server_program') IS NULL THEN false \
          ELSE pg_has_role(r.oid, 'pg_execute_server_program', 'MEMBER') END";

type Privileges = (String, bool, bool, bool, bool, bool);

/// The login role of this session (`session_user`: what `RESET ROLE` returns to, whatever
/// `SET ROLE` or the URL's options made `current_user`).
pub async fn check_session(conn: &mut AnyConnection) -> anyhow::Result<RoleCheck> {
    let sql = format!(
        "SELECT r.rolname::text, {PRIVILEGES} FROM pg_roles r WHERE r.rolname = session_user"
    );
    let row: Privileges = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await
        .context("Failed to read the privileges of the database role")?;
    Ok(unfit(row))
}

/// The role `name`, if the server has one.
pub async fn check_role(conn: &mut AnyConnection, name: &str) -> anyhow::Result<Option<RoleCheck>> {
    let sql = format!("SELECT r.rolname::text, {PRIVILEGES} FROM pg_roles r WHERE r.rolname = $1");
    let row: Option<Privileges> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .with_context(|| format!("Failed to read the privileges of the role {name}"))?;
    Ok(row.map(unfit))
}

fn unfit((name, superuser, createrole, reads, writes, executes): Privileges) -> RoleCheck {
    let mut unfit_because = Vec::new();
    if superuser {
        unfit_because.push("a superuser");
    } else {
        // A superuser is everything below as well; saying so adds nothing.
        for (has, what) in [
            (reads, "a member of pg_read_server_files"),
            (writes, "a member of pg_write_server_files"),
            (executes, "a member of pg_execute_server_program"),
            (createrole, "allowed to create roles (CREATEROLE)"),
        ] {
            if has {
                unfit_because.push(what);
            }
        }
    }
    RoleCheck {
        name,
        unfit_because,
    }
}

/// Decides who serves. `owner` is a connection made with `url`; a fit role serves as it
/// is (the lab's own runs hand the app `crash_course_app`), an unfit one becomes the owner:
/// it migrates and grants, and the app logs in as `crash_course_app`.
pub async fn choose(url: &str, owner: &mut AnyConnection) -> anyhow::Result<ServingRole> {
    choose_as(url, owner, APP_ROLE, APP_ROLE_PASSWORD).await
}

/// `choose`, with the table-only role named (tests use a role of their own, so that they
/// can break it without breaking the lab's).
pub async fn choose_as(
    url: &str,
    owner: &mut AnyConnection,
    app_role: &str,
    app_password: &str,
) -> anyhow::Result<ServingRole> {
    let given = check_session(owner).await?;
    if given.is_fit() {
        return Ok(ServingRole {
            name: given.name.clone(),
            given,
            url: url.to_string(),
        });
    }
    let refuse = |why: String, fix: String| RoleRefused {
        role: given.name.clone(),
        reasons: given.reasons(),
        why,
        fix,
    };
    match ensure_role(owner, app_role, app_password).await {
        Ok(()) => {}
        Err(EnsureError::Unfit(existing)) => {
            return Err(refuse(
                format!(
                    "the role {app_role} it would serve as instead is {} on this server",
                    existing.reasons()
                ),
                fix_command(url, "to make it an ordinary role again"),
            )
            .into());
        }
        Err(EnsureError::CannotCreate(e)) => {
            return Err(refuse(
                format!("it may not create the table-only role {app_role} to serve as ({e})"),
                fix_command(url, "to create it (as a role that may create roles)"),
            )
            .into());
        }
        Err(EnsureError::Other(e)) => return Err(e),
    }
    let owner_pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .context("Failed to connect as the database owner to migrate")?;
    let prepared = async {
        super::migrate(super::Backend::Postgres, &owner_pool).await?;
        grant_table_privileges(&owner_pool, app_role).await
    }
    .await;
    owner_pool.close().await;
    prepared?;
    let serving_url = with_user(url, app_role, app_password)
        .context("database_url could not be rewritten for the app role")?;
    let mut serving = AnyConnection::connect(&serving_url).await.map_err(|e| {
        refuse(
            format!(
                "the server refused the login of {app_role}, the table-only role it would \
                 serve as ({})",
                crate::connect_error::explain(e, &serving_url)
            ),
            format!(
                "Allow {app_role} to log in from here (pg_hba.conf). {}",
                fix_command(url, "to (re)set its password to the lab's")
            ),
        )
    })?;
    let serving_check = check_session(&mut serving).await;
    serving.close().await.ok();
    let serving_check = serving_check?;
    if !serving_check.is_fit() {
        return Err(refuse(
            format!(
                "logged in as {app_role}, the session is still {}",
                serving_check.reasons()
            ),
            fix_command(url, "to make it an ordinary role again"),
        )
        .into());
    }
    Ok(ServingRole {
        name: serving_check.name,
        given,
        url: serving_url,
    })
}

fn fix_command(url: &str, purpose: &str) -> String {
    format!(
        "Run `{ROLE_RECIPE}` {purpose} (without just: {}), or give database_url a role \
         without those privileges.",
        role_sql_command(url)
    )
}

/// The URL with its user and password replaced (also in the query, where libpq-style URLs
/// may carry them).
pub fn with_user(url: &str, user: &str, password: &str) -> Option<String> {
    let mut parsed = reqwest::Url::parse(url).ok()?;
    parsed.set_username(user).ok()?;
    parsed.set_password(Some(password)).ok()?;
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "user" && k != "password")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if parsed.query().is_some() {
        if kept.is_empty() {
            parsed.set_query(None);
        } else {
            parsed.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Some(parsed.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_is_replaced_in_the_authority_and_the_query() {
        assert_eq!(
            with_user("postgres://postgres@127.0.0.1/mydb", "app", "pw").as_deref(),
            Some("postgres://app:pw@127.0.0.1/mydb")
        );
        assert_eq!(
            with_user("postgres://h/x?user=postgres&sslmode=disable", "app", "pw").as_deref(),
            Some("postgres://app:pw@h/x?sslmode=disable")
        );
        assert_eq!(
            with_user(
                "postgresql://u:secret@h:6432/x?password=secret",
                "app",
                "pw"
            )
            .as_deref(),
            Some("postgresql://app:pw@h:6432/x")
        );
    }

    #[test]
    fn a_superuser_is_unfit_once_and_every_other_privilege_is_named() {
        let superuser = unfit(("postgres".into(), true, true, true, true, true));
        assert_eq!(superuser.reasons(), "a superuser");
        let reader = unfit(("ada".into(), false, true, true, false, false));
        assert_eq!(
            reader.reasons(),
            "a member of pg_read_server_files and allowed to create roles (CREATEROLE)"
        );
        assert!(unfit(("app".into(), false, false, false, false, false)).is_fit());
    }
}
