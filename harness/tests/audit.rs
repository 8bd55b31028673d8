//! `harness audit`: demo-app in its three modes (dev fails the disclosure and debug
//! controls, prod passes every tested control, bare fails the last-resort handler), and
//! services of another stack (Python's standard library) over HTTPS with a self-signed
//! certificate: a careless one fails with evidence, a tidy one passes.

mod common;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::tempdir::Dir;
use sha2::{Digest as _, Sha256};

/// Lowercase hex, computed here rather than by the harness: the test checks its hashes.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn audit(args: &[&str]) -> Output {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    common::harness(&all, &scenarios())
}

fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn control<'a>(run: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    run["controls"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no control {id} in {}", run["name"]))
}

fn status(run: &serde_json::Value, id: &str) -> String {
    control(run, id)["status"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// A failed control names findings, and each has a curl line, an excerpt and a rule.
fn assert_evidenced(run: &serde_json::Value, id: &str) {
    let control = control(run, id);
    assert_eq!(
        control["status"], "fail",
        "{id} in {}: {control}",
        run["name"]
    );
    let ids = control["findings"].as_array().expect("finding ids");
    assert!(!ids.is_empty(), "{id} fails without evidence: {control}");
    for finding_id in ids {
        let finding = run["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["id"] == *finding_id))
            .unwrap_or_else(|| panic!("{id} names {finding_id}, which is not there"));
        assert!(
            finding["curl"]
                .as_str()
                .is_some_and(|c| c.starts_with("curl ")),
            "{finding}"
        );
        assert!(
            finding["response_excerpt"]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "{finding}"
        );
        assert!(
            finding["rule"].as_str().is_some_and(|r| !r.is_empty()),
            "{finding}"
        );
        assert!(
            finding["controls"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c == id)),
            "{finding}"
        );
    }
}

#[test]
fn demo_app_dev_fails_disclosure_prod_passes_and_bare_fails_the_last_resort_handler() {
    let dir = Dir::new("audit-lab");
    let html = dir.path().join("audit.html");
    let output = audit(&[
        "--budget",
        "60",
        "--format",
        "json",
        "--report",
        html.to_str().expect("path"),
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document = json_of(&output);
    assert_eq!(document["format_version"], 1);
    let runs = document["runs"].as_array().expect("runs");
    let run = |mode: &str| {
        runs.iter()
            .find(|r| r["mode"] == mode)
            .unwrap_or_else(|| panic!("no {mode} run"))
    };
    let (dev, prod, bare) = (run("dev"), run("prod"), run("bare"));

    for id in [
        "asvs5-16.5.1",
        "asvs5-13.4.2",
        "asvs5-13.4.6",
        "asvs4-7.4.1",
        "asvs4-14.3.3",
    ] {
        assert_evidenced(dev, id);
    }
    // A panic in dev is caught: the last-resort handler is there, the leak is the lesson.
    assert_eq!(status(dev, "asvs5-16.5.4"), "pass");
    for c in prod["controls"].as_array().expect("controls") {
        assert_ne!(c["status"], "fail", "prod: {c}");
    }
    let prod_tested = prod["controls"]
        .as_array()
        .map_or(0, |c| c.iter().filter(|c| c["status"] == "pass").count());
    assert!(
        prod_tested >= 17,
        "prod tests nearly every control: {prod_tested}"
    );
    // The logs are read: every 5xx's id is there, the hostile values are encoded.
    assert_eq!(
        status(prod, "asvs5-16.3.4"),
        "pass",
        "{}",
        control(prod, "asvs5-16.3.4")
    );
    assert_eq!(
        status(prod, "asvs5-16.4.1"),
        "pass",
        "{}",
        control(prod, "asvs5-16.4.1")
    );
    assert_eq!(
        status(prod, "asvs5-16.5.2"),
        "pass",
        "{}",
        control(prod, "asvs5-16.5.2")
    );
    for id in ["asvs5-16.5.4", "asvs5-16.5.1", "asvs4-7.4.3"] {
        assert_evidenced(bare, id);
    }
    let dropped = bare["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "asvs5-16.5.4")
        .expect("a dropped-connection finding");
    assert!(
        dropped["response_excerpt"]
            .as_str()
            .is_some_and(|e| e.contains("no response")),
        "{dropped}"
    );
    // Bare sends no correlation id: 7.4.1's id part fails even where nothing leaks.
    assert!(
        control(bare, "asvs4-7.4.1")["reason"]
            .as_str()
            .is_some_and(|r| r.contains("no correlation id"))
    );

    // The configuration evidence: the app's own account of its mode, hashed, no secrets.
    for (run, mode) in [(dev, "dev"), (prod, "prod"), (bare, "bare")] {
        let config = &run["config_evidence"];
        assert_eq!(
            config["sha256"].as_str().map(str::len),
            Some(64),
            "{config}"
        );
        let content: serde_json::Value =
            serde_json::from_str(config["content"].as_str().expect("content")).expect("JSON");
        assert_eq!(content["mode"], mode);
        assert_eq!(
            content["correlation_header"].is_null(),
            mode == "bare",
            "{content}"
        );
        let text = config["content"].as_str().unwrap_or("");
        assert!(
            !text.contains("harness-ops-token") && !text.contains("fxk_live"),
            "{text}"
        );
    }

    // The HTML document, and beside it the JSON its closing hash is over.
    let page = std::fs::read_to_string(&html).expect("html written");
    let evidence =
        std::fs::read(dir.path().join("audit.evidence.json")).expect("evidence JSON written");
    let hash = hex(&Sha256::digest(&evidence));
    assert!(
        page.contains(&hash),
        "the HTML closes with the evidence JSON's hash {hash}"
    );
    assert!(page.contains("@media print"), "print styles");
    assert!(page.contains("asvs5") || page.contains("16.5.1"));
}

/// A Python service of `style`, over HTTPS with a fresh self-signed certificate.
struct PythonService {
    child: Child,
    port: u16,
}

impl Drop for PythonService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `None` (with a loud note) when python3 is missing on a laptop; CI must have it.
fn python_service(style: &str, dir: &Path, log: &Path) -> Option<PythonService> {
    if Command::new("python3").arg("--version").output().is_err() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have python3 for the other-stack audit test"
        );
        eprintln!("SKIPPED: python3 is not installed; the other-stack audit test did not run");
        return None;
    }
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("certificate");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).expect("cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("key");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audit_services/service.py");
    let mut child = Command::new("python3")
        .arg(script)
        .args(["--style", style, "--cert"])
        .arg(&cert)
        .arg("--key")
        .arg(&key)
        .arg("--log")
        .arg(log)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let port = line
        .trim()
        .strip_prefix("listening ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    Some(PythonService { child, port })
}

#[test]
fn a_careless_python_service_fails_with_evidence_and_a_tidy_one_passes_over_https() {
    let dir = Dir::new("audit-python");
    let leaky_log = dir.path().join("leaky.log");
    let Some(leaky) = python_service("leaky", dir.path(), &leaky_log) else {
        return;
    };
    let target = format!("https://127.0.0.1:{}", leaky.port);

    // The certificate is self-signed: without --insecure the audit refuses, as a runtime error.
    let refused = audit(&["--target", &target, "--budget", "10"]);
    assert_eq!(
        refused.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--insecure"));

    let leaky_log_arg = leaky_log.to_str().expect("path");
    let output = audit(&[
        "--target",
        &target,
        "--insecure",
        "--logs",
        leaky_log_arg,
        "--budget",
        "40",
        "--format",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document = json_of(&output);
    let run = &document["runs"][0];
    for id in [
        "asvs5-16.5.1",
        "asvs5-13.4.2",
        "asvs5-13.4.6",
        "asvs5-13.4.4",
        "asvs5-13.4.1",
        "asvs5-16.4.1",
        "asvs5-16.5.3",
        "asvs4-7.4.1",
    ] {
        assert_evidenced(run, id);
    }
    let rules: Vec<&str> = run["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"stacktrace.python"), "{rules:?}");
    assert!(rules.contains(&"header.server-version"), "{rules:?}");
    // What the audit cannot see for another service is said, not guessed.
    assert_eq!(status(run, "asvs5-16.5.2"), "not-tested");
    assert!(run["findings"].as_array().is_some_and(|f| {
        f.iter()
            .all(|f| f["curl"].as_str().is_some_and(|c| c.contains(" -k ")))
    }));
    drop(leaky);

    let tidy_log = dir.path().join("tidy.log");
    let Some(tidy) = python_service("tidy", dir.path(), &tidy_log) else {
        return;
    };
    let target = format!("https://127.0.0.1:{}", tidy.port);
    let config = dir.path().join("error-handling.toml");
    std::fs::write(
        &config,
        "debug = false\nerror_body = \"json with request_id\"\n",
    )
    .expect("config file");
    let output = audit(&[
        "--target",
        &target,
        "--insecure",
        "--logs",
        tidy_log.to_str().expect("path"),
        "--config-evidence",
        config.to_str().expect("path"),
        "--allow-path",
        "/openapi.json",
        "--budget",
        "150",
        "--format",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let document = json_of(&output);
    let run = &document["runs"][0];
    for c in run["controls"].as_array().expect("controls") {
        assert_ne!(c["status"], "fail", "{c}");
    }
    for id in [
        "asvs5-16.5.1",
        "asvs4-7.4.1",
        "asvs5-16.3.4",
        "asvs5-16.4.1",
        "asvs5-16.2.1",
        "asvs5-13.4.4",
        "asvs5-16.5.3",
    ] {
        assert_eq!(status(run, id), "pass", "{}", control(run, id));
    }
    let file_hash = hex(&Sha256::digest(std::fs::read(&config).expect("config")));
    assert_eq!(run["config_evidence"]["sha256"], file_hash.as_str());

    // Without the allow-list, the spec it publishes is an exposed docs endpoint (13.4.5).
    let output = audit(&[
        "--target",
        &target,
        "--insecure",
        "--budget",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_evidenced(&json_of(&output)["runs"][0], "asvs5-13.4.5");
    drop(tidy);
}

#[test]
fn bad_flags_are_usage_errors() {
    let output = audit(&["--target", "ftp://example.test"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("http://"));
    let output = audit(&["--target", "http://127.0.0.1:9", "--report", "audit.pdf"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains(".html, .md, .json or .sarif"));
    let output = audit(&["--target", "http://127.0.0.1:9", "--allow-path", "metrics"]);
    assert_eq!(output.status.code(), Some(2));
    let output = audit(&["--config-evidence", "x.toml"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "--config-evidence needs --target"
    );
}
