//! `harness run` as a user meets it, beyond its arguments: comparisons printed as runs
//! finish, a binary copied away from its checkout, and an app sized for a many-core
//! machine.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

#[test]
fn the_first_comparison_is_printed_while_later_runs_still_go_on() {
    // crash.unwrap-none is done in about a second; db.pool-exhausted waits on a slow
    // upstream for 3 s on purpose, and comes second in the report.
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("--scenarios")
        .arg(scenarios())
        .args(["run", "crash.unwrap-none", "db.pool-exhausted"])
        .args(["--backend", "sqlite", "--jobs", "4"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("harness runs");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut headings: Vec<(Duration, String)> = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("utf-8 output");
        if line.starts_with("━━") {
            headings.push((started.elapsed(), line));
        }
    }
    let output = child.wait_with_output().expect("harness ends");
    let ended = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(headings.len(), 2, "{headings:?}");
    assert!(headings[0].1.contains("crash.unwrap-none"), "{headings:?}");
    assert!(
        headings[1].1.contains("db.pool-exhausted"),
        "plan order kept"
    );
    assert!(
        ended - headings[0].0 >= Duration::from_millis(1500),
        "the first comparison came {:?} before the end, not while the slow run went on",
        ended - headings[0].0
    );
    assert!(
        !stderr.contains(" runs "),
        "no progress line when piped: {stderr}"
    );
}
