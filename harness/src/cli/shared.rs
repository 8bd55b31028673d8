//! What several commands need before and after their work: the scenarios, how to start
//! demo-app, a runtime, the backends, a target URL that answers, the HTML report file.

use std::path::Path;

use super::BackendArg;
use super::error::{Error, Outcome};
use crate::runner::{AppCommand, http};
use crate::scenario::{BackendName, Folder};

/// Loads every scenario; any malformed file stops the command (exit 2) with every problem
/// listed.
pub fn with_scenarios(root: &Path, then: impl FnOnce(&Folder) -> Outcome) -> Outcome {
    let folder = crate::app::load_scenarios(root).map_err(|e| {
        Error::usage(format!(
            "cannot read the scenarios folder {}: {e}",
            root.display()
        ))
        .with_help("run from the repository root, or pass --scenarios DIR")
    })?;
    if !folder.errors.is_empty() {
        let mut text = String::new();
        for error in &folder.errors {
            text.push_str(&format!("{error}\n\n"));
        }
        text.push_str(&format!(
            "{} malformed scenario file problem(s); nothing was run.",
            folder.errors.len()
        ));
        return Err(Error::preformatted(super::error::Kind::Usage, text));
    }
    then(&folder)
}

/// demo-app as this very executable runs it (`harness serve-app`).
pub fn own_app_command() -> Result<AppCommand, Error> {
    let exe = std::env::current_exe().map_err(|e| {
        Error::runtime("cannot find the harness executable to start demo-app").caused_by(e)
    })?;
    Ok(AppCommand::new(exe, vec!["serve-app".into()]))
}

/// Scenarios run at once: the flag, else one per core.
pub fn jobs_or_cores(jobs: Option<u16>) -> usize {
    jobs.map_or_else(
        || std::thread::available_parallelism().map_or(2, |n| n.get()),
        usize::from,
    )
}

pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::runtime("cannot start the async runtime").caused_by(e))
}

/// SQLite always; PostgreSQL when asked for (must be reachable) or, by default, when it
/// answers (with a notice when it does not).
pub async fn pick_backends(
    requested: Option<BackendArg>,
    external: bool,
) -> Result<Vec<BackendName>, Error> {
    if external {
        return Ok(vec![BackendName::Sqlite]);
    }
    let admin_url = lab_support::scratch_db::postgres_admin_url();
    let reachable = lab_support::scratch_db::postgres_reachable(&admin_url).await;
    match (requested, reachable) {
        (Some(BackendArg::Sqlite), _) => Ok(vec![BackendName::Sqlite]),
        (Some(BackendArg::Postgres), Ok(())) => Ok(vec![BackendName::Postgres]),
        (Some(BackendArg::All), Ok(())) | (None, Ok(())) => {
            Ok(vec![BackendName::Sqlite, BackendName::Postgres])
        }
        (Some(_), Err(e)) => Err(Error::runtime(e.to_string()).with_help(e.hint())),
        (None, Err(e)) => {
            eprintln!("note: running on SQLite only; {e}.\n  = help: {}", e.hint());
            Ok(vec![BackendName::Sqlite])
        }
    }
}

/// A `--target` must be an http:// or https:// URL.
pub fn check_target_url(url: &str) -> Result<(), Error> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "--target `{url}` is not an http:// or https:// URL"
        ))
        .with_help("e.g. --target http://127.0.0.1:3000"))
    }
}

/// One request before the work: an unreachable server or a certificate we do not trust
/// ends the command here, as a runtime error with its cause, not as a finding per request.
pub async fn reach(
    client: &reqwest::Client,
    base_url: &str,
    timeout: std::time::Duration,
) -> Result<(), Error> {
    let reached = tokio::time::timeout(timeout, client.get(base_url).timeout(timeout).send()).await;
    match reached {
        Ok(Err(e)) => {
            let cause = http::describe_transport_error(&e);
            let error = Error::runtime(format!("cannot reach {base_url}: {cause}"));
            Err(match cause.contains("certificate") {
                true => error.with_help("a self-signed test server? pass --insecure"),
                false => error,
            })
        }
        // An answer of any kind, or none within the timeout (a slow root is no reason to
        // stop: the work has its own bounds).
        _ => Ok(()),
    }
}

/// Before any run: a `--report FILE` that cannot be written is a usage error now, not a
/// runtime error after the whole run has finished. The file is opened for writing (and
/// removed again if this check created it); its contents are written at the end.
pub fn check_report_path(path: Option<&Path>) -> Result<(), Error> {
    let Some(path) = path else {
        return Ok(());
    };
    let existed = path.exists();
    let opened = if path.is_dir() {
        Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "it is a folder",
        ))
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
    };
    match opened {
        Ok(file) => {
            drop(file);
            if !existed {
                let _ = std::fs::remove_file(path);
            }
            Ok(())
        }
        Err(e) => Err(
            Error::usage(format!("cannot write the report {}: {e}", path.display())).with_help(
                "pass --report a file in a folder you can write to (the folder must exist); nothing was run",
            ),
        ),
    }
}

/// Writes a rendered report and says where; a failure is a runtime error (exit 3).
pub fn write_report(path: &Path, rendered: Result<String, impl ToString>) -> Result<(), Error> {
    let written = rendered
        .map_err(|e| e.to_string())
        .and_then(|text| std::fs::write(path, text).map_err(|e| e.to_string()));
    match written {
        Ok(()) => {
            eprintln!("report written to {}", path.display());
            Ok(())
        }
        Err(e) => Err(Error::runtime(format!(
            "could not write the report {}: {e}",
            path.display()
        ))),
    }
}
