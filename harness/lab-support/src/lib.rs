//! Lab tooling around demo-app, kept out of the service's library: starting the app as a
//! child process (`launch`), giving each run a fresh database (`scratch_db`) on a
//! PostgreSQL server checked first (`postgres_check`), and an address where nothing
//! listens (`refusing_port`). The harness's launcher and the
//! integration tests of both crates use it.

pub mod launch;
pub mod postgres_check;
pub mod refusing_port;
pub mod scratch_db;

pub use scratch_db::Backend;
