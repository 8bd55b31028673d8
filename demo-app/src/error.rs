//! The app's one error type. Handlers return it; the response middleware renders it with
//! the mode's renderer. It keeps everything a developer needs (cause chain, SQL, backtrace,
//! panic details); what reaches the client is the renderer's decision, never this type's.

use std::backtrace::Backtrace;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::{flaw, request_context};

mod database;
mod kind;

pub use database::{Classified, classify_database_error};
pub use kind::{ErrorKind, KindInfo};

/// Where and why a handler panicked, as captured by the panic hook.
#[derive(Debug, Clone)]
pub struct PanicDetails {
    pub message: String,
    pub location: Option<String>,
    /// The failure class armed where it panicked (see `flaw::arm`).
    pub class: Option<&'static str>,
}

/// An error on its way to the client, with all the detail the logs need.
pub struct AppError {
    pub kind: ErrorKind,
    pub error: anyhow::Error,
    /// The SQL statement that failed, when there was one.
    pub sql: Option<String>,
    /// The database driver's own `Debug` rendering (SQLSTATE, DETAIL, hint, routine...).
    pub driver_debug: Option<String>,
    pub panic: Option<Box<PanicDetails>>,
    /// A message written for the client on purpose (4xx only); prod may show it.
    pub public_detail: Option<String>,
    /// Captured only when the request runs with backtraces on (dev by default).
    pub backtrace: Option<Box<Backtrace>>,
    /// The failure class this error teaches, when it comes from a planted flaw: the flaw
    /// armed where it was built (`flaw::arm`), else what the engine's error says.
    pub class: Option<&'static str>,
}

impl AppError {
    pub fn new(kind: ErrorKind, error: impl Into<anyhow::Error>) -> Self {
        AppError {
            kind,
            error: error.into(),
            sql: None,
            driver_debug: None,
            panic: None,
            public_detail: None,
            backtrace: request_context::capture_backtrace().map(Box::new),
            class: flaw::current(),
        }
    }

    /// Names the failure class explicitly (for errors built outside an armed flaw).
    pub fn in_class(mut self, class: &'static str) -> Self {
        self.class = Some(class);
        self
    }

    /// A bug: anything the code did not expect.
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        AppError::new(ErrorKind::Internal, error)
    }

    /// A client mistake; `message` is written for the client and prod shows it.
    pub fn bad_request(message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::new(ErrorKind::BadRequest, anyhow::anyhow!("{message}"))
            .with_public_detail(message)
    }

    /// Keeps the underlying error as the root of the chain (for dev and the logs).
    pub fn with_cause<E>(mut self, cause: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let outer = self.error.to_string();
        self.error = anyhow::Error::new(cause).context(outer);
        self
    }

    /// Sets the client-facing detail (used by prod for 4xx answers only).
    pub fn with_public_detail(mut self, detail: impl Into<String>) -> Self {
        self.public_detail = Some(detail.into());
        self
    }

    /// A client mistake of a specific kind (413, 415, 422); `message` is for the client.
    pub fn client(kind: ErrorKind, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::new(kind, anyhow::anyhow!("{message}")).with_public_detail(message)
    }

    pub fn not_found(message: impl fmt::Display) -> Self {
        AppError::new(ErrorKind::NotFound, anyhow::anyhow!("{message}"))
    }

    pub fn unauthorized(message: impl fmt::Display) -> Self {
        AppError::new(ErrorKind::Unauthorized, anyhow::anyhow!("{message}"))
    }

    /// Refused whatever the credentials; `message` is written for the client.
    pub fn forbidden(message: &str) -> Self {
        AppError::new(ErrorKind::Forbidden, anyhow::anyhow!("{message}"))
            .with_public_detail(message)
    }

    /// A database error, classified by what the engine said, with the statement attached.
    /// The class is the armed flaw's, else the one the engine's words point at.
    pub fn database(error: sqlx::Error, sql: &str, context: &'static str) -> Self {
        let Classified { kind, class } = classify_database_error(&error);
        let driver_debug = Some(format!("{error:?}"));
        let mut app_error = AppError::new(kind, anyhow::Error::new(error).context(context));
        app_error.class = app_error.class.or(class);
        app_error.sql = Some(sql.to_string());
        app_error.driver_debug = driver_debug;
        app_error
    }

    pub fn from_panic(details: PanicDetails, backtrace: Option<Backtrace>) -> Self {
        AppError {
            class: details.class,
            kind: ErrorKind::Internal,
            error: anyhow::anyhow!("handler panicked: {}", details.message),
            sql: None,
            driver_debug: None,
            panic: Some(Box::new(details)),
            public_detail: None,
            backtrace: backtrace.map(Box::new),
        }
    }

    /// The backtrace as lines, cut to the frames nearest the error (the rest is runtime
    /// plumbing) and to a readable width: a debug page, not a core dump.
    pub fn backtrace_lines(&self) -> Vec<String> {
        const MAX_LINES: usize = 48;
        const MAX_WIDTH: usize = 180;
        let Some(backtrace) = &self.backtrace else {
            return Vec::new();
        };
        let text = backtrace.to_string();
        let total = text.lines().count();
        let mut lines: Vec<String> = text
            .lines()
            .take(MAX_LINES)
            .map(|line| match line.char_indices().nth(MAX_WIDTH) {
                Some((cut, _)) => format!("{}…", &line[..cut]),
                None => line.to_string(),
            })
            .collect();
        if total > MAX_LINES {
            lines.push(format!("… {} more lines", total - MAX_LINES));
        }
        lines
    }

    /// The cause chain, outermost first.
    pub fn chain(&self) -> Vec<String> {
        self.error.chain().map(|cause| cause.to_string()).collect()
    }
}

impl fmt::Debug for AppError {
    /// The whole story: kind, cause chain (anyhow's `{:?}`), SQL and driver detail.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:?}: {:?}", self.kind, self.error)?;
        if let Some(sql) = &self.sql {
            writeln!(f, "SQL: {sql}")?;
        }
        if let Some(debug) = &self.driver_debug {
            writeln!(f, "driver: {debug}")?;
        }
        Ok(())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    /// A body-less placeholder. The response middleware always replaces it with the mode's
    /// rendering; actix's default would write `Display` as text/plain, which leaks.
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).finish()
    }
}

/// Attaches the SQL text and a context to database errors at the query site.
pub trait DbResultExt<T> {
    fn or_db_error(self, sql: &str, context: &'static str) -> Result<T, AppError>;
}

impl<T> DbResultExt<T> for Result<T, sqlx::Error> {
    fn or_db_error(self, sql: &str, context: &'static str) -> Result<T, AppError> {
        self.map_err(|e| AppError::database(e, sql, context))
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        AppError::internal(error)
    }
}
