//! The running drill's session: where its app listens, its ops token, its log file, and the
//! events the responder's other commands (`ack`, `diagnose`, `act`) append. A folder of the
//! user's own (0700) under the temp dir, or `--session DIR`; one drill per folder.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What the other commands need to reach the running drill.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub base_url: String,
    pub ops_token: String,
    pub log_file: PathBuf,
    pub pid: u32,
    pub started_unix_ms: u64,
}

/// One thing the responder said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    Ack {
        at_unix_ms: u64,
    },
    Diagnose {
        at_unix_ms: u64,
        cause: String,
    },
    /// An `act` command's request and the app's answer status (the drill counts actions
    /// from the app's log; this is the responder's side of it).
    Act {
        at_unix_ms: u64,
        action: String,
        status: Option<u16>,
    },
}

pub const SESSION_FILE: &str = "session.json";
const EVENTS_FILE: &str = "events.jsonl";
/// The app's JSON log, as the drill writes it.
pub const LOG_FILE: &str = "demo-app.log.jsonl";

/// The default folder: per user, so two people on one machine do not meet.
pub fn default_dir() -> PathBuf {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "user".to_string());
    let user: String = user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(32)
        .collect();
    std::env::temp_dir().join(format!("crash-course-drill-{user}"))
}

pub fn now_unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Creates (or empties) the folder for a new drill, readable by its owner only.
pub fn prepare(dir: &Path) -> std::io::Result<()> {
    create_private_dir(dir)?;
    for name in [SESSION_FILE, EVENTS_FILE, LOG_FILE] {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    std::fs::File::create(dir.join(EVENTS_FILE))?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        // An existing folder keeps its mode: make sure nobody else reads the token.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

pub fn write(dir: &Path, session: &Session) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(session).map_err(std::io::Error::other)?;
    std::fs::write(dir.join(SESSION_FILE), text)
}

/// The running drill's session, or why there is none.
pub fn read(dir: &Path) -> Result<Session, String> {
    let path = dir.join(SESSION_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "no drill is running ({} does not exist); start one with `harness drill` in \
             another terminal, or pass the --session it uses",
            path.display()
        ),
        _ => format!("could not read {}: {e}", path.display()),
    })?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a drill session: {e}", path.display()))
}

/// Removes the session file at the end of a drill (the log and events stay).
pub fn close(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(SESSION_FILE));
}

pub fn append(dir: &Path, event: &Event) -> std::io::Result<()> {
    let mut line = serde_json::to_string(event).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(EVENTS_FILE))?;
    // One write per line: concurrent appenders never interleave within a line.
    file.write_all(line.as_bytes())
}

/// The events from byte `offset` on, and the offset after the last whole line.
pub fn events_since(dir: &Path, offset: u64) -> (Vec<Event>, u64) {
    let Ok(bytes) = std::fs::read(dir.join(EVENTS_FILE)) else {
        return (Vec::new(), offset);
    };
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let rest = &bytes[start..];
    let whole = rest.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let events = rest[..whole]
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect();
    (events, offset + whole as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_a_partial_line_waits() {
        let dir = tempfile::tempdir().expect("test set-up");
        prepare(dir.path()).expect("test set-up");
        append(dir.path(), &Event::Ack { at_unix_ms: 5 }).expect("test set-up");
        let (events, offset) = events_since(dir.path(), 0);
        assert_eq!(events, vec![Event::Ack { at_unix_ms: 5 }]);
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(EVENTS_FILE))
            .expect("test set-up")
            .write_all(b"{\"event\":\"diag")
            .expect("test set-up");
        let (events, again) = events_since(dir.path(), offset);
        assert!(events.is_empty());
        assert_eq!(again, offset);
    }

    #[test]
    fn no_session_says_how_to_start_one() {
        let dir = tempfile::tempdir().expect("test set-up");
        let error = read(dir.path()).expect_err("refused");
        assert!(error.contains("no drill is running"), "{error}");
    }
}
