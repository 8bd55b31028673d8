//! JSON log lines on stderr (stdout's first line is reserved for the listening address).
//! Each line inside a request carries its span with the correlation id.
//!
//! Lines go through a non-blocking writer: the request thread formats the line and hands
//! it to a dedicated writer thread through a bounded queue, so an attacker who can make
//! errors (each one a long log line) does not make every request wait on stderr. The
//! queue holds `QUEUED_LINES`; when it is full (stderr cannot keep up for that long) the
//! request thread waits for room rather than dropping the line: no error detail is ever
//! lost, and the slowdown is the back-pressure a full disk or pipe deserves.

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// The filter used when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "info,sqlx=warn,actix_server=warn";

/// Log lines the writer queue holds before a request has to wait for stderr.
pub const QUEUED_LINES: usize = 65_536;

/// Installs the logger. Keep the guard until the process ends: dropping it writes out
/// whatever is still queued. `None` when a logger was already installed (a test or bench
/// building two apps keeps the first).
#[must_use = "dropping the guard stops the log writer"]
pub fn init() -> Option<WorkerGuard> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .lossy(false)
        .thread_name("demo-app-log-writer")
        .finish(std::io::stderr());
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_ansi(false)
        .with_env_filter(filter)
        .with_writer(writer)
        .try_init()
        .ok()
        .map(|()| guard)
}
