//! Whether the lab's PostgreSQL can be used, and if not, why, in words that lead to the
//! next step. "Not reachable, start it" is right only when nothing answers: a server that
//! answered and refused (an unknown role, a wrong password) or a URL no driver reads (a
//! misspelled scheme) needs a different fix, and starting a running server fixes nothing.

use std::time::Duration;

use sqlx::{AnyConnection, Connection as _};

use crate::scratch_db::{POSTGRES_URL_ENV, redact};

/// How long the server has to answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// Why PostgreSQL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnavailableKind {
    /// The URL cannot be used at all: unknown scheme, bad port, not a URL.
    BadUrl,
    /// Nothing answered: the server is down, or not at this host and port.
    NotAnswering,
    /// The server answered and refused the connection: a role, password or database.
    Refused {
        /// The SQLSTATE the server gave, when it gave one.
        sqlstate: Option<String>,
    },
}

/// PostgreSQL at `url` cannot be used. Its `Display` is one line, the cause said once.
#[derive(Debug, Clone)]
pub struct Unavailable {
    pub kind: UnavailableKind,
    /// The URL tried, its password masked.
    pub url: String,
    /// Whether the URL came from `CRASH_COURSE_POSTGRES_URL` (else the lab's default).
    pub from_env: bool,
    /// The driver's or the server's own words, once, without the server's source line.
    pub cause: String,
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = if self.from_env {
            format!(" (from {POSTGRES_URL_ENV})")
        } else {
            String::new()
        };
        let url = &self.url;
        let cause = &self.cause;
        match self.kind {
            UnavailableKind::BadUrl => {
                write!(f, "the PostgreSQL URL {url}{source} is not usable: {cause}")
            }
            UnavailableKind::NotAnswering => {
                write!(f, "PostgreSQL is not reachable at {url}{source}: {cause}")
            }
            UnavailableKind::Refused { .. } => write!(
                f,
                "PostgreSQL at {url}{source} answered but refused the connection: {cause}"
            ),
        }
    }
}

impl std::error::Error for Unavailable {}

impl Unavailable {
    /// The next step, for a `= help:` line.
    pub fn hint(&self) -> String {
        let verb = if self.from_env { "correct" } else { "set" };
        let set_it = format!(
            "{verb} {POSTGRES_URL_ENV} (an admin URL such as postgres://postgres@127.0.0.1:5432/postgres)"
        );
        match &self.kind {
            UnavailableKind::BadUrl => format!(
                "write it as postgres://USER[:PASSWORD]@HOST:PORT/DATABASE (the scheme is postgres:// or postgresql://); {set_it}"
            ),
            UnavailableKind::NotAnswering => format!(
                "start it with `just postgres` or `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or {set_it}"
            ),
            UnavailableKind::Refused { sqlstate } => match sqlstate.as_deref() {
                // invalid_authorization_specification: no such role (or pg_hba refused it).
                Some("28000") => format!(
                    "the server is up: use a role that exists and may create databases (the lab uses `postgres`), or create one with `createuser --createdb NAME`; {set_it}"
                ),
                Some("28P01") => {
                    format!("the server is up: check the password in the URL; {set_it}")
                }
                Some("3D000") => format!(
                    "the server is up: point the URL at a database that exists (`postgres` always does); {set_it}"
                ),
                _ => format!(
                    "the server is up: check the URL's role, password and database; {set_it}"
                ),
            },
        }
    }
}

/// Checks that the PostgreSQL server answers and lets `admin_url` in, within 3 seconds.
pub async fn postgres_reachable(admin_url: &str) -> Result<(), Unavailable> {
    sqlx::any::install_default_drivers();
    let unavailable = |kind, cause: String| Unavailable {
        kind,
        url: redact(admin_url),
        from_env: std::env::var(POSTGRES_URL_ENV).is_ok_and(|v| v == admin_url),
        cause,
    };
    match tokio::time::timeout(ANSWER_WITHIN, AnyConnection::connect(admin_url)).await {
        Err(_elapsed) => Err(unavailable(
            UnavailableKind::NotAnswering,
            format!("no answer within {} s", ANSWER_WITHIN.as_secs()),
        )),
        Ok(Err(error)) => {
            let (kind, cause) = classify(&error);
            Err(unavailable(kind, cause))
        }
        Ok(Ok(conn)) => {
            conn.close().await.ok();
            Ok(())
        }
    }
}

/// The kind of failure and its cause, said once: sqlx's own `Display` repeats its source
/// after the message, and PostgreSQL's message ends in the server's C source line.
fn classify(error: &sqlx::Error) -> (UnavailableKind, String) {
    match error {
        sqlx::Error::Configuration(cause) => (UnavailableKind::BadUrl, cause.to_string()),
        sqlx::Error::Database(db) => {
            let sqlstate = db.code().map(|c| c.into_owned());
            let cause = match &sqlstate {
                Some(code) => format!("{} (SQLSTATE {code})", db.message()),
                None => db.message().to_string(),
            };
            (UnavailableKind::Refused { sqlstate }, cause)
        }
        sqlx::Error::Io(cause) => (UnavailableKind::NotAnswering, cause.to_string()),
        sqlx::Error::Tls(cause) => (
            UnavailableKind::Refused { sqlstate: None },
            format!("TLS: {cause}"),
        ),
        other => (UnavailableKind::NotAnswering, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_misspelled_scheme_is_a_bad_url_not_a_server_to_start() {
        let error = postgres_reachable("postgress://postgres@127.0.0.1/postgres")
            .await
            .expect_err("no driver");
        assert_eq!(error.kind, UnavailableKind::BadUrl, "{error}");
        let text = error.to_string();
        assert_eq!(
            text.matches("postgress").count(),
            2,
            "URL and cause: {text}"
        );
        assert!(!error.hint().contains("start it"), "{}", error.hint());
        assert!(error.hint().contains("postgres://"), "{}", error.hint());
    }

    #[tokio::test]
    async fn a_port_nothing_listens_on_is_not_answering() {
        let held = crate::refusing_port::RefusingPort::bind().expect("a held port");
        let url = format!("postgres://postgres@{}/postgres", held.address());
        let error = postgres_reachable(&url).await.expect_err("refused");
        assert_eq!(error.kind, UnavailableKind::NotAnswering, "{error}");
        assert_eq!(error.to_string().matches("refused").count(), 1, "{error}");
        assert!(error.hint().contains("start it"), "{}", error.hint());
    }

    #[test]
    fn the_password_is_masked_and_the_source_named() {
        let error = Unavailable {
            kind: UnavailableKind::Refused {
                sqlstate: Some("28P01".into()),
            },
            url: redact("postgres://ada:secret@h/db"),
            from_env: true,
            cause: "password authentication failed for user \"ada\" (SQLSTATE 28P01)".into(),
        };
        let text = error.to_string();
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains(POSTGRES_URL_ENV), "{text}");
        assert!(error.hint().contains("password"), "{}", error.hint());
    }
}
