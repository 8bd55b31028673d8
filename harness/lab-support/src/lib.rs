//! Lab tooling around demo-app, kept out of the service's library: starting the app as a
//! child process (`launch`) and giving each run a fresh database (`scratch_db`). The
//! harness's launcher and the integration tests of both crates use it.

pub mod launch;
pub mod scratch_db;

pub use scratch_db::Backend;
