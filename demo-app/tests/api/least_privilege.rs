//! The blast radius of the deliberate injection on every path a user takes: README.md's
//! `createdb` + `--database-url postgres://postgres@...` (a superuser URL) ends with an
//! app that serves as the table-only role, whose injection reads no host file.

use demo_app::db::Backend;
use demo_app::db::app_role::{self, APP_ROLE, APP_ROLE_PASSWORD, TABLE_GRANTS};
use demo_app::db::serving_role::{self, RoleRefused, with_user};
use demo_app::settings::Mode;
use lab_support::scratch_db::ScratchDatabase;
use serde_json::Value;
use sqlx::{AnyConnection, Connection as _};

use crate::support::{TestApp, backends, spawn_app_on};

async fn postgres_available() -> bool {
    backends().await.contains(&Backend::Postgres)
}

/// `/authors?name=...`: the answer's status, body and the log line of the request.
async fn inject(app: &TestApp, name: &str) -> (u16, String, String) {
    let url =
        reqwest::Url::parse_with_params(&app.url("/authors"), &[("name", name)]).expect("url");
    let response = app.client.get(url).send().await.expect("answer");
    let status = response.status().as_u16();
    let id = response.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_string();
    let body = response.text().await.expect("body");
    let log = app
        .log_lines_for(&id)
        .await
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    (status, body, log)
}

/// The start-up line that names the role serving (the logs are written by a background
/// thread and read from a pipe: give them a moment).
async fn serving_line(app: &TestApp) -> Value {
    for _ in 0..100 {
        if let Some(line) = app.app.find_log_line(|l| l.contains("\"serving_role\"")) {
            return serde_json::from_str(&line).expect("json");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!(
        "no start-up line names the serving role: {:#?}",
        app.app.log_lines()
    );
}

/// What an injection into the author search tries for the host's files and programs, and
/// to get the owner back. Each must be refused with SQLSTATE 42501.
const HOST_ATTACKS: &[&str] = &[
    "' UNION SELECT 1, pg_read_file('/etc/passwd') --",
    "' UNION SELECT 1, encode(pg_read_binary_file('/etc/passwd'), 'escape') --",
    "' UNION SELECT 1, pg_ls_dir('/') --",
    "' UNION SELECT 1, lo_import('/etc/passwd')::text --",
    "' UNION SELECT 1, set_config('role', 'postgres', false) --",
    "' UNION SELECT 1, set_config('session_authorization', 'postgres', false) --",
];

async fn assert_contained(app: &TestApp) {
    for attack in HOST_ATTACKS {
        let (status, body, log) = inject(app, attack).await;
        assert_eq!(status, 500, "{attack}: {body}");
        assert!(!body.contains("root:x:0:0"), "{attack}: {body}");
        assert!(!log.contains("root:x:0:0"), "{attack}: {log}");
        assert!(
            log.contains("permission denied") && log.contains("42501"),
            "{attack}: {log}"
        );
    }
    // The lesson itself stays: the injection reads what the app role may read.
    let (status, body, _) = inject(app, "' UNION SELECT id, email FROM customers --").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ada@example.com"), "{body}");
    let (status, body, _) = inject(
        app,
        "' UNION SELECT 1, session_user || ' ' || current_setting('is_superuser') --",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&format!("{APP_ROLE} off")), "{body}");
}

/// As the serving role itself, what no injection can reach but a stacked statement would
/// try: server programs, server files, other roles, DDL.
async fn assert_serving_role_denied(owner_url: &str) {
    let url = with_user(owner_url, APP_ROLE, APP_ROLE_PASSWORD).expect("url");
    let mut conn = AnyConnection::connect(&url)
        .await
        .expect("app role logs in");
    for statement in [
        "COPY (SELECT 1) TO PROGRAM 'true'",
        "COPY authors FROM '/etc/passwd'",
        "COPY authors TO '/tmp/crash-course-copied'",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT lo_import('/etc/passwd')",
        "SET ROLE postgres",
        "SET SESSION AUTHORIZATION postgres",
        "CREATE TABLE planted (i int)",
        "CREATE ROLE planted",
    ] {
        let error = sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&mut conn)
            .await
            .expect_err(statement);
        let code = error
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.into_owned());
        assert_eq!(code.as_deref(), Some("42501"), "{statement}: {error}");
    }
    // RESET ROLE returns to the login role, which is this one: still nothing to read.
    sqlx::raw_sql("RESET ROLE")
        .execute(&mut conn)
        .await
        .expect("reset");
    assert!(
        sqlx::raw_sql("SELECT pg_read_file('/etc/passwd')")
            .execute(&mut conn)
            .await
            .is_err()
    );
    conn.close().await.ok();
}

#[tokio::test]
async fn the_readme_postgres_commands_end_with_a_prod_app_that_reads_no_host_file() {
    if !postgres_available().await {
        return;
    }
    // README: `createdb -h 127.0.0.1 -U postgres mydb`, then
    // `cargo run -p demo-app -- --database-url postgres://postgres@127.0.0.1/mydb`.
    let db = ScratchDatabase::create_empty_postgres()
        .await
        .expect("empty database");
    let owner_url = db.admin_url.clone();
    let app = spawn_app_on(Mode::Prod, db, &[]).await;
    let line = serving_line(&app).await;
    assert_eq!(line["fields"]["serving_role"], APP_ROLE, "{line}");
    assert_eq!(line["fields"]["given_role"], "postgres", "{line}");
    assert_eq!(line["fields"]["given_role_is"], "a superuser", "{line}");
    assert_eq!(line["level"], "WARN", "{line}");
    assert_eq!(app.get("/books/1").await.status(), 200);
    assert_contained(&app).await;
    assert_serving_role_denied(&owner_url).await;
    // The grants cover exactly the tables the migrations made.
    let mut owner = AnyConnection::connect(&owner_url).await.expect("owner");
    let mut tables: Vec<String> =
        sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
            .fetch_all(&mut owner)
            .await
            .expect("tables");
    owner.close().await.ok();
    tables.sort();
    let mut granted: Vec<String> = TABLE_GRANTS.iter().map(|(t, _)| t.to_string()).collect();
    granted.sort();
    assert_eq!(tables, granted);
    app.stop().await;
}

/// A role made for one test, dropped by `drop_role`.
async fn make_role(admin_url: &str, name: &str, attributes: &str, grants: &str) {
    let mut admin = AnyConnection::connect(admin_url).await.expect("admin");
    let sql = format!("CREATE ROLE {name} {attributes}; {grants}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .expect("role made");
    admin.close().await.ok();
}

async fn drop_role(admin_url: &str, name: &str) {
    let mut admin = AnyConnection::connect(admin_url).await.expect("admin");
    let sql = format!("DROP ROLE IF EXISTS {name}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .expect("role dropped");
    admin.close().await.ok();
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn a_role_that_may_read_server_files_owns_the_schema_but_does_not_serve() {
    if !postgres_available().await {
        return;
    }
    let admin_url = lab_support::scratch_db::postgres_admin_url();
    // The lab role exists on every server the lab ran on; make sure of it here, since a
    // role without CREATEROLE could not make it.
    let mut admin = AnyConnection::connect(&admin_url).await.expect("admin");
    app_role::ensure_app_role(&mut admin)
        .await
        .expect("lab role");
    admin.close().await.ok();

    let reader = unique("reader");
    make_role(
        &admin_url,
        &reader,
        "LOGIN NOSUPERUSER NOCREATEROLE",
        &format!("GRANT pg_read_server_files TO {reader}"),
    )
    .await;
    let mut db = ScratchDatabase::create_empty_postgres()
        .await
        .expect("empty database");
    let name = reqwest::Url::parse(&db.admin_url)
        .expect("url")
        .path()
        .trim_start_matches('/')
        .to_string();
    let mut admin = AnyConnection::connect(&admin_url).await.expect("admin");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {name} OWNER TO {reader}"
    )))
    .execute(&mut admin)
    .await
    .expect("owner changed");
    admin.close().await.ok();
    db.url = with_user(&db.admin_url, &reader, "unused-under-trust").expect("url");
    let owner_url = db.admin_url.clone();
    let app = spawn_app_on(Mode::Dev, db, &[]).await;
    let line = serving_line(&app).await;
    assert_eq!(line["fields"]["serving_role"], APP_ROLE, "{line}");
    assert_eq!(line["fields"]["given_role"], reader.as_str(), "{line}");
    assert_eq!(
        line["fields"]["given_role_is"], "a member of pg_read_server_files",
        "{line}"
    );
    assert_contained(&app).await;
    assert_serving_role_denied(&owner_url).await;
    app.stop().await;
    drop_role(&admin_url, &reader).await;
}

#[tokio::test]
async fn where_no_table_only_role_can_serve_start_up_names_the_role_why_and_the_recipe() {
    if !postgres_available().await {
        return;
    }
    let admin_url = lab_support::scratch_db::postgres_admin_url();
    let db = ScratchDatabase::create_empty_postgres()
        .await
        .expect("empty database");

    // A role that may read files but not create roles, and no app role to serve as.
    let reader = unique("reader");
    make_role(
        &admin_url,
        &reader,
        "LOGIN NOSUPERUSER NOCREATEROLE",
        &format!("GRANT pg_read_server_files TO {reader}"),
    )
    .await;
    let absent = unique("absent");
    let reader_url = with_user(&db.admin_url, &reader, "x").expect("url");
    let mut conn = AnyConnection::connect(&reader_url).await.expect("reader");
    let refused = serving_role::choose_as(&reader_url, &mut conn, &absent, "pw")
        .await
        .expect_err("refused");
    conn.close().await.ok();
    let refused = refused.downcast::<RoleRefused>().expect("a RoleRefused");
    let text = refused.to_string();
    assert_eq!(refused.role, reader);
    for needle in [
        "pg_read_server_files",
        "may not create",
        "just postgres-app-role",
        "psql -h 127.0.0.1",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }

    // The role it would serve as exists and is itself a superuser: refused too.
    let unfit = unique("unfit");
    make_role(&admin_url, &unfit, "LOGIN SUPERUSER", "").await;
    let mut conn = AnyConnection::connect(&db.admin_url).await.expect("admin");
    let refused = serving_role::choose_as(&db.admin_url, &mut conn, &unfit, "pw")
        .await
        .expect_err("refused")
        .downcast::<RoleRefused>()
        .expect("a RoleRefused");
    conn.close().await.ok();
    assert_eq!(refused.role, "postgres");
    assert!(
        refused
            .to_string()
            .contains(&format!("{unfit} it would serve as")),
        "{refused}"
    );

    db.drop_database().await.expect("dropped");
    drop_role(&admin_url, &reader).await;
    drop_role(&admin_url, &unfit).await;
}

#[test]
fn the_recipe_that_start_up_names_runs_the_sql_start_up_prints() {
    let justfile = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../justfile"))
        .expect("justfile");
    let recipe = app_role::ROLE_RECIPE
        .strip_prefix("just ")
        .expect("a just recipe");
    let body = justfile
        .split(&format!("\n{recipe}:\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("the justfile has no recipe {recipe}"));
    let first_line = body.lines().next().expect("a command");
    let sql = app_role::role_sql().replace('$', "\\$");
    assert!(first_line.contains(&sql), "{first_line}\n---\n{sql}");
    assert!(app_role::role_sql_command("postgres://postgres@127.0.0.1/mydb").contains(&sql));
}
