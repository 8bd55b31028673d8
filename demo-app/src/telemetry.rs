//! JSON log lines on stderr (stdout's first line is reserved for the listening address).
//! Each line inside a request carries its span with the correlation id.
//!
//! The request thread formats its line (`log_format`, the document tracing-subscriber's
//! JSON format writes, for less) and appends it to the log writer's buffer
//! (`log_writer`); one writer thread writes the buffer out, so an attacker who can make
//! errors (each one a long log line) does not make every request wait on stderr, and no
//! line is ever dropped.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;

use crate::log_format::JsonLine;
use crate::log_writer::{self, Flush};

/// The filter used when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "info,sqlx=warn,actix_server=warn";

/// Installs the logger. Keep the guard until the process ends: dropping it writes out
/// whatever is still buffered. `None` when a logger was already installed (a test or bench
/// building two apps keeps the first), or when no thread could be started for the writer:
/// then each line is written to stderr by the thread that logs it (slower, nothing lost).
#[must_use = "dropping the guard stops the log writer"]
pub fn init() -> Option<Flush> {
    init_with(std::io::stderr())
}

/// `init` with the lines going to `out` instead of stderr (the benches' sink). Where no
/// writer thread can be started, lines go to stderr, as with `init`.
#[must_use = "dropping the guard stops the log writer"]
pub fn init_with(out: impl std::io::Write + Send + 'static) -> Option<Flush> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let (writer, flush) = match log_writer::start(out) {
        Ok((writer, flush)) => (BoxMakeWriter::new(writer), Some(flush)),
        Err(error) => {
            eprintln!("demo-app: no log writer thread ({error}); logging straight to stderr");
            (BoxMakeWriter::new(std::io::stderr), None)
        }
    };
    tracing_subscriber::fmt()
        .json()
        // Plain JSON, no colour codes: `JsonLine` writes none.
        .event_format(JsonLine)
        .with_env_filter(filter)
        .with_writer(writer)
        .try_init()
        .ok()
        .and(flush)
}
