//! `harness run` as a user meets it, beyond its arguments: comparisons printed as runs
//! finish, a binary copied away from its checkout, and an app sized for a many-core
//! machine.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Held by every test here for its whole run: two of them crowd the machine with dozens of
/// apps on purpose, and the others' lessons (a pool timing out, a comparison printed while
/// a slow run goes on) must not run beside a crowd they did not ask for.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    // A failed test poisons the lock; the next one still runs alone.
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

#[test]
fn the_first_comparison_is_printed_while_later_runs_still_go_on() {
    let _alone = one_at_a_time();
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
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("utf-8 output");
        if line.starts_with("━━") {
            headings.push((started.elapsed(), line.clone()));
        }
        printed.push_str(&line);
        printed.push('\n');
    }
    let output = child.wait_with_output().expect("harness ends");
    let ended = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{printed}{stderr}");
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

/// A temporary folder outside the checkout, removed on drop.
struct Away(PathBuf);

impl Away {
    fn new(name: &str) -> Away {
        let dir = std::env::temp_dir().join(format!("harness-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp folder");
        Away(dir)
    }
}

impl Drop for Away {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_copied_binary_runs_the_lab_away_from_its_checkout() {
    let _alone = one_at_a_time();
    let away = Away::new("copied");
    let harness = away.0.join("harness");
    std::fs::copy(env!("CARGO_BIN_EXE_harness"), &harness).expect("copy the binary");
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the checkout");
    let checkout = checkout.display().to_string();
    let bytes = std::fs::read(&harness).expect("the copy");
    for asset in [
        "/demo-app/templates/invoice.txt",
        "/demo-app/assets/cover.svg",
    ] {
        let compiled_in = format!("{checkout}{asset}");
        let found = bytes
            .windows(compiled_in.len())
            .any(|w| w == compiled_in.as_bytes());
        assert!(!found, "{compiled_in} is compiled into the binary");
    }

    // The app's settings name no file of the checkout.
    let config = Command::new(&harness)
        .args(["serve-app", "--check-config"])
        .current_dir(&away.0)
        .output()
        .expect("the copy runs");
    let config_text = String::from_utf8_lossy(&config.stdout);
    assert_eq!(config.status.code(), Some(0), "{config:?}");
    assert!(!config_text.contains(&checkout), "{config_text}");

    // Without --scenarios and no scenarios/ around, a clear error names the flag.
    if !away.0.ancestors().any(|dir| dir.join("scenarios").is_dir()) {
        let lost = Command::new(&harness)
            .arg("list")
            .current_dir(&away.0)
            .output()
            .expect("the copy runs");
        let stderr = String::from_utf8_lossy(&lost.stderr);
        assert_eq!(lost.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--scenarios DIR"), "{stderr}");
    }

    // The lessons that read the template and the cover pass from the copy; prod starts
    // (it checks the template) and the missing-file lesson keeps its wrong path.
    let run = Command::new(&harness)
        .arg("--scenarios")
        .arg(scenarios())
        .args(["run", "resource.file-handles", "config.missing-file"])
        .args(["crash.unwrap-none", "--backend", "sqlite", "--jobs", "4"])
        .current_dir(&away.0)
        .env("NO_COLOR", "1")
        .output()
        .expect("the copy runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("6 passed, 0 failed"), "{stdout}");
}

#[test]
fn the_file_handle_lesson_passes_with_the_app_sized_for_sixteen_cores() {
    let _alone = one_at_a_time();
    // actix's default is one worker per core; each holds 4 descriptors. The lesson's
    // budget must not depend on it: the same scenario with 16 workers.
    let folder = Away::new("sixteen-workers");
    let lesson = std::fs::read_to_string(scenarios().join("resource/file-handles.toml"))
        .expect("the lesson");
    assert!(lesson.contains("\n[app]\n"), "the lesson has app settings");
    let sized = lesson.replacen("\n[app]\n", "\n[app]\nworkers = 16\n", 1);
    std::fs::create_dir_all(folder.0.join("resource")).expect("folder");
    std::fs::write(folder.0.join("resource/file-handles.toml"), sized).expect("write");
    let run = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("--scenarios")
        .arg(&folder.0)
        .args(["run", "resource.file-handles", "--backend", "sqlite"])
        .env("NO_COLOR", "1")
        .output()
        .expect("harness runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("2 passed, 0 failed"), "{stdout}");
}

/// The "nothing listens" upstream is unreachable by construction: many copies of the lesson,
/// at the highest `--jobs`, beside as many apps starting at the same moment (each binding a
/// free port, as the one that once took a freed upstream port and answered 404 did).
#[test]
fn the_unreachable_upstream_stays_unreachable_among_many_apps_starting_at_once() {
    let _alone = one_at_a_time();
    const COPIES: usize = 12;
    let dir = std::env::temp_dir().join(format!("harness-unreachable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for folder in ["upstream", "crash"] {
        std::fs::create_dir_all(dir.join(folder)).expect("folder");
    }
    let copy = |file: &str, id: &str, n: usize| {
        let text = std::fs::read_to_string(scenarios().join(file)).expect("the lesson");
        let renamed = text.replacen(
            &format!("id = \"{id}\""),
            &format!("id = \"{id}.copy-{n}\""),
            1,
        );
        assert_ne!(renamed, text, "{file} has the id {id}");
        let name = file.replace(".toml", &format!("-{n}.toml"));
        std::fs::write(dir.join(name), renamed).expect("copy");
    };
    for n in 0..COPIES {
        copy("upstream/unreachable.toml", "upstream.unreachable", n);
        copy("crash/unwrap-none.toml", "crash.unwrap-none", n);
    }
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("--scenarios")
        .arg(&dir)
        .args(["run", "--backend", "sqlite", "--jobs", "64"])
        .env("NO_COLOR", "1")
        .output()
        .expect("harness runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let runs = COPIES * 2 * 2;
    assert!(
        stdout.contains(&format!("{runs} passed, 0 failed")),
        "{stdout}"
    );
}

/// A race whose second request waits for the first one's log line (`after_log`) and then
/// 300 ms, listed first and with the shorter delay so that without the wait it would go
/// out first and win: the other transfer wins in every mode, each run among many at once
/// on the machine's cores (as db/deadlock.toml's race, whose winner its snapshots show).
const GATED_RACE: &str = r#"id = "db.deadlock.gated-COPY"
class = "db.deadlock"
title = "the opposite transfer goes out once the first holds its lock"
summary = "s"
backends = ["sqlite"]
modes = ["dev", "prod", "bare"]

[notes]
notice = "n"
why = "w"
fix = "f"

[app]
transfer_lock_pause_ms = 1000

[[steps]]
parallel = [
    { method = "POST", path = "/transfers", json = { from_wallet = 2, to_wallet = 1, amount_cents = 700 }, after_log = "transfer pausing with the source wallet locked", delay_ms = 300 },
    { method = "POST", path = "/transfers", json = { from_wallet = 1, to_wallet = 2, amount_cents = 1000 }, delay_ms = 600 },
]

[steps.expect]
statuses_include = [201]
only_status = 201
json = { "/from_wallet" = 1 }
"#;

#[test]
fn a_request_after_a_log_line_waits_for_it_on_a_crowded_machine() {
    let _alone = one_at_a_time();
    const COPIES: usize = 8;
    let away = Away::new("after-log");
    std::fs::create_dir_all(away.0.join("db")).expect("folder");
    for n in 0..COPIES {
        let scenario = GATED_RACE.replace("COPY", &n.to_string());
        std::fs::write(away.0.join(format!("db/gated-{n}.toml")), scenario).expect("scenario");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("--scenarios")
        .arg(&away.0)
        .args([
            "run",
            "--mode",
            "all",
            "--backend",
            "sqlite",
            "--jobs",
            "64",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("harness runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let runs = COPIES * 3;
    assert!(
        stdout.contains(&format!("{runs} passed, 0 failed")),
        "{stdout}"
    );
}

#[test]
fn a_request_whose_log_line_never_comes_is_not_sent_and_the_run_is_an_error() {
    let _alone = one_at_a_time();
    let away = Away::new("after-log-never");
    std::fs::create_dir_all(away.0.join("db")).expect("folder");
    let scenario = GATED_RACE.replace("COPY", "never").replace(
        "after_log = \"transfer pausing with the source wallet locked\"",
        "after_log = \"a line nobody logs\", timeout_ms = 2000",
    );
    std::fs::write(away.0.join("db/never.toml"), scenario).expect("scenario");
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("--scenarios")
        .arg(&away.0)
        .args(["run", "--mode", "prod", "--backend", "sqlite"])
        .env("NO_COLOR", "1")
        .output()
        .expect("harness runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The scenario could not stage its race: a run error (exit 3), not a verdict on the app.
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains(
            "not sent: the app logged no line containing `a line nobody logs` within 2000 ms"
        ),
        "{stdout}"
    );
}
