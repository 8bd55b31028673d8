//! `harness drill` for real: a prod demo-app under steady traffic, each incident injected,
//! and the autopilot (which reads only the signals) responding. Compressed timing: a 3 s
//! warm-up, a 4 s recovery window. Every incident must be diagnosed right and recovered, on
//! SQLite and on PostgreSQL (required under CI=true, skipped loudly without a server); a
//! wrong mitigation must leave the drill unrecovered.
//!
//! The drills run one at a time (a lock): each measures the machine's capacity, and two at
//! once would halve it.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const INCIDENTS: [&str; 7] = [
    "bad-deploy",
    "runaway-job",
    "data-growth",
    "upstream-down",
    "upstream-slow",
    "traffic-spike",
    "rotated-key",
];

fn drill(args: &[&str], session: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("drill")
        .args(args)
        .arg("--session")
        .arg(session)
        .output()
        .expect("harness runs")
}

fn autopilot(incident: &str, backend: &str) -> Result<serde_json::Value, String> {
    let session = tempfile::tempdir().expect("a temp dir");
    let output = drill(
        &[
            "--autopilot",
            "--incident",
            incident,
            "--backend",
            backend,
            "--warm-up",
            "3",
            "--recovery-window",
            "4",
            "--minutes",
            "1.5",
            "--format",
            "json",
        ],
        session.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let result: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("{incident} on {backend}: no JSON ({e}):\n{stderr}"))?;
    let diagnosis = &result["diagnosis"];
    let recovered = result["ended"] == "recovered" && output.status.success();
    if diagnosis["right"] != true || !recovered {
        return Err(format!(
            "{incident} on {backend}: diagnosis {diagnosis}, ended {}, actions {}\n{stderr}",
            result["ended"], result["actions"]
        ));
    }
    for key in [
        "injected_at_ms",
        "acked_at_ms",
        "recovered_at_ms",
        "mttd_ms",
        "mttr_ms",
        "budget_spent",
    ] {
        if !result[key].is_number() {
            return Err(format!(
                "{incident} on {backend}: `{key}` is not a number: {result}"
            ));
        }
    }
    Ok(result)
}

fn every_incident_on(backend: &str) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let mut failures = Vec::new();
    for incident in INCIDENTS {
        match autopilot(incident, backend) {
            Ok(result) => {
                // Not `eprintln!`: libtest would capture the table.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "{backend:<8} {incident:<14} MTTD {:>6} ms  MTTR {:>6} ms  wrong actions {}",
                    result["mttd_ms"],
                    result["mttr_ms"],
                    result["wrong_actions"]
                );
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_autopilot_diagnoses_and_recovers_every_incident_on_sqlite() {
    every_incident_on("sqlite");
}

#[test]
fn the_autopilot_diagnoses_and_recovers_every_incident_on_postgres() {
    let admin_url = lab_support::scratch_db::postgres_admin_url();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    if let Err(e) = runtime.block_on(lab_support::scratch_db::postgres_reachable(&admin_url)) {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true requires PostgreSQL for the drill test: {e:#}");
        }
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPING the drill on PostgreSQL: {e:#}\n"
        );
        return;
    }
    every_incident_on("postgres");
}

/// A person's drill (no autopilot): wait for the shop, then for the injection, then apply
/// `wrong` with `harness drill act`, as a responder would from another terminal.
fn with_a_wrong_action(incident: &str, wrong: &[&str]) -> serde_json::Value {
    let session = tempfile::tempdir().expect("a temp dir");
    let child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "drill",
            "--incident",
            incident,
            "--warm-up",
            "3",
            "--recovery-window",
            "4",
            "--minutes",
            "0.4",
            "--format",
            "json",
            "--session",
        ])
        .arg(session.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("harness runs");
    let started = Instant::now();
    while !session.path().join("session.json").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the drill wrote no session file"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Past the 3 s warm-up, and a few seconds of the incident.
    std::thread::sleep(Duration::from_secs(7));
    let mut args = vec!["act"];
    args.extend_from_slice(wrong);
    let acted = drill(&args, session.path());
    assert!(
        acted.status.success(),
        "act {wrong:?}: {}{}",
        String::from_utf8_lossy(&acted.stdout),
        String::from_utf8_lossy(&acted.stderr)
    );
    let printed = String::from_utf8_lossy(&acted.stdout);
    assert!(
        printed.starts_with("curl -sS -X POST http://127.0.0.1:"),
        "{printed}"
    );
    let output = child.wait_with_output().expect("the drill ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "not recovered is exit 1:\n{stderr}"
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("no JSON ({e}):\n{stderr}"))
}

#[test]
fn a_wrong_mitigation_leaves_the_incident_unrecovered() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    for (incident, wrong) in [
        ("upstream-down", &["rollback"][..]),
        ("runaway-job", &["reload"][..]),
        ("bad-deploy", &["open-breaker"][..]),
    ] {
        let result = with_a_wrong_action(incident, wrong);
        assert_eq!(result["ended"], "time-up", "{incident}: {result}");
        assert_eq!(result["recovered_at_ms"], serde_json::Value::Null);
        let actions = result["actions"].as_array().expect("actions[]");
        assert!(
            !actions.is_empty(),
            "{incident}: the app logged the action: {result}"
        );
        assert!(
            actions.iter().all(|a| a["cures"] == false),
            "{incident}: {actions:?}"
        );
        assert_eq!(result["wrong_actions"].as_u64(), Some(actions.len() as u64));
        assert_eq!(result["diagnosis"], serde_json::Value::Null);
    }
}

#[test]
fn the_responders_commands_need_a_running_drill_and_name_their_mistakes() {
    let session = tempfile::tempdir().expect("a temp dir");
    let ack = drill(&["ack"], session.path());
    assert_eq!(ack.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&ack.stderr).contains("no drill is running"));
    let typo = drill(&["act", "rolback"], session.path());
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&typo.stderr).contains("Did you mean `rollback`?"),
        "{}",
        String::from_utf8_lossy(&typo.stderr)
    );
    let cause = drill(&["diagnose", "dns"], session.path());
    assert_eq!(cause.status.code(), Some(2));
    let list = drill(&["--list"], session.path());
    let listed = String::from_utf8_lossy(&list.stdout);
    for incident in INCIDENTS {
        assert!(listed.contains(incident), "{listed}");
    }
}
