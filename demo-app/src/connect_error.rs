//! Why the app could not connect to its database, said once and with the next step.
//! sqlx's own rendering repeats itself under a cause chain (its `Database` and `Io`
//! variants print their source inside their own message, then again as the source), and
//! PostgreSQL's message carries the server's C source line (`at line 948`), which helps
//! nobody starting the app.

use sqlx::error::DatabaseError;

/// PostgreSQL's SQLSTATE for a database name the server does not know.
const UNKNOWN_DATABASE: &str = "3D000";

/// The connect error as one message, with a hint where one is known.
pub fn explain(error: sqlx::Error, url: &str) -> anyhow::Error {
    match &error {
        sqlx::Error::Database(db) => anyhow::anyhow!("{}", describe_database_error(&**db, url)),
        // Display only: the source is already inside sqlx's message.
        other => anyhow::anyhow!("{other}"),
    }
}

fn describe_database_error(db: &dyn DatabaseError, url: &str) -> String {
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let mut text = db.message().to_string();
    if !code.is_empty() {
        text.push_str(&format!(" (SQLSTATE {code})"));
    }
    if code == UNKNOWN_DATABASE
        && let Some(command) = createdb_command(url)
    {
        text.push_str(&format!("\n  = help: create it first: {command}"));
    }
    text
}

/// `createdb -h HOST [-p PORT] [-U USER] NAME` for a postgres:// URL.
pub fn createdb_command(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    let name = url.path().trim_start_matches('/');
    if name.is_empty() {
        return None;
    }
    let mut command = String::from("createdb");
    if let Some(host) = url.host_str() {
        command.push_str(&format!(" -h {host}"));
    }
    if let Some(port) = url.port() {
        command.push_str(&format!(" -p {port}"));
    }
    if !url.username().is_empty() {
        command.push_str(&format!(" -U {}", url.username()));
    }
    command.push_str(&format!(" {name}"));
    Some(command)
}

#[cfg(test)]
mod tests {
    use super::createdb_command;

    #[test]
    fn the_hint_names_host_user_and_database() {
        assert_eq!(
            createdb_command("postgres://postgres@127.0.0.1/mydb").as_deref(),
            Some("createdb -h 127.0.0.1 -U postgres mydb")
        );
        assert_eq!(
            createdb_command("postgresql://ada:secret@db.internal:6432/shop?sslmode=disable")
                .as_deref(),
            Some("createdb -h db.internal -p 6432 -U ada shop")
        );
        assert_eq!(createdb_command("postgres://127.0.0.1/"), None);
    }

    #[test]
    fn an_io_error_is_said_once() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused here");
        let text = format!(
            "{:#}",
            super::explain(sqlx::Error::Io(refused), "postgres://x/y")
        );
        assert_eq!(text.matches("refused here").count(), 1, "{text}");
    }
}
