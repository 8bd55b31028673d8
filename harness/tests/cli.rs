//! The harness binary as a user meets it: malformed scenario files, filters that match
//! nothing, the scan command, exit codes.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{harness, tempdir};

/// A scenarios folder holding one file with `text`.
fn folder_with(name: &str, text: &str) -> tempdir::Dir {
    let dir = tempdir::Dir::new(name);
    std::fs::create_dir_all(dir.path().join("crash")).expect("folder");
    std::fs::write(dir.path().join("crash/bad.toml"), text).expect("file");
    dir
}

const GOOD: &str = r#"id = "crash.x"
class = "crash.unwrap-none"
title = "t"
summary = "s"

[notes]
notice = "n"
why = "w"
fix = "f"

[[steps]]
method = "GET"
path = "/books/13"
"#;

fn assert_located(output: &Output, line_col: &str, words: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("crash/bad.toml:{line_col}")),
        "{stderr}"
    );
    for word in words {
        assert!(stderr.contains(word), "missing {word:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_missing_field_is_located() {
    let dir = folder_with("missing", &GOOD.replace("title = \"t\"\n", ""));
    let output = harness(&["list"], dir.path());
    assert_located(&output, "1:1", &["missing field `title`", "help:"]);
}

#[test]
fn a_wrong_type_is_located() {
    let dir = folder_with(
        "type",
        &GOOD.replace(
            "path = \"/books/13\"",
            "path = \"/books/13\"\nrepeat = \"twice\"",
        ),
    );
    let output = harness(&["list"], dir.path());
    assert_located(&output, "14:10", &["invalid type", "expected u32"]);
}

#[test]
fn an_unknown_class_is_located_with_a_suggestion() {
    let dir = folder_with(
        "class",
        &GOOD.replace("crash.unwrap-none", "crash.unwrap-nnoe"),
    );
    let output = harness(&["run"], dir.path());
    assert_located(
        &output,
        "2:9",
        &[
            "unknown failure class `crash.unwrap-nnoe`",
            "Did you mean `crash.unwrap-none`?",
        ],
    );
}

#[test]
fn an_unknown_key_is_located() {
    let dir = folder_with(
        "key",
        &GOOD.replace(
            "path = \"/books/13\"",
            "path = \"/books/13\"\nstatuss = 500",
        ),
    );
    let output = harness(&["list"], dir.path());
    assert_located(&output, "14:1", &["unknown field `statuss`"]);
}

#[test]
fn an_unknown_leak_rule_is_located() {
    let text = format!("{GOOD}\n[steps.dev]\nleaks = [\"rust.panic\"]\n");
    let dir = folder_with("rule", &text);
    let output = harness(&["list"], dir.path());
    assert_located(
        &output,
        "16:10",
        &[
            "unknown leak rule `rust.panic`",
            "Did you mean `rust.panic-message`?",
        ],
    );
}

#[test]
fn no_response_with_response_checks_is_refused() {
    let text = format!(
        "{GOOD}timeout_ms = 500\n\n[steps.expect]\nno_response = \"timed out\"\n\n[steps.prod]\nstatus = 503\n"
    );
    let dir = folder_with("contradiction", &text);
    let output = harness(&["list"], dir.path());
    assert_located(
        &output,
        "11:1",
        &["in prod, `no_response` is combined with expectations of a response"],
    );
}

#[test]
fn a_bare_table_is_checked_like_the_others() {
    let text =
        format!("{GOOD}\n[steps.bare]\nno_response = \"connection dropped\"\nstatus = 500\n");
    let dir = folder_with("bare-contradiction", &text);
    let output = harness(&["list"], dir.path());
    assert_located(
        &output,
        "11:1",
        &["in bare, `no_response` is combined with expectations of a response"],
    );

    let text = format!("{GOOD}\n[steps.bare]\nerror_rate_below = 0.01\n");
    let dir = folder_with("bare-rate", &text);
    let output = harness(&["list"], dir.path());
    assert_located(
        &output,
        "11:1",
        &["`error_rate_above` and `error_rate_below` belong to a `metrics` step"],
    );
}

#[test]
fn releasing_a_connection_nobody_holds_is_located_with_the_held_names() {
    let text = format!(
        "{GOOD}\n[[steps]]\nsql = \"BEGIN EXCLUSIVE\"\nhold = \"backup\"\n\n[[steps]]\nrelease = \"bakup\"\n"
    );
    let dir = folder_with("release", &text);
    let output = harness(&["list"], dir.path());
    assert_located(
        &output,
        "20:11",
        &[
            "no earlier step holds a connection named `bakup`",
            "Held at this point: `backup`.",
        ],
    );
}

#[test]
fn an_unknown_signal_is_located_with_a_suggestion() {
    let text = format!("{GOOD}\n[steps.expect.process_exit]\nsignal = \"SIGABORT\"\n");
    let dir = folder_with("signal", &text);
    let output = harness(&["list"], dir.path());
    assert_located(
        &output,
        "16:10",
        &["unknown signal `SIGABORT`", "Did you mean `SIGABRT`?"],
    );
}

#[test]
fn an_answer_expected_after_the_app_process_exits_is_located() {
    let text = format!(
        "{GOOD}\n[steps.expect.process_exit]\nsignal = \"SIGABRT\"\n\n[[steps]]\npath = \"/healthz\"\n\n[steps.expect]\nstatus = 200\n"
    );
    let dir = folder_with("after-exit", &text);
    let output = harness(&["list"], dir.path());
    assert_located(
        &output,
        "18:1",
        &[
            "in dev, this step expects an answer, but the app process is expected to exit during step 1",
            "could not connect",
        ],
    );
    // Nothing listening is what can be expected after it.
    let text = text.replace("status = 200", "no_response = \"could not connect\"");
    let dir = folder_with("after-exit-refused", &text);
    let output = harness(&["list"], dir.path());
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn hold_without_sql_is_located() {
    let text = format!("{GOOD}hold = \"backup\"\n");
    let dir = folder_with("hold", &text);
    let output = harness(&["list"], dir.path());
    assert_located(
        &output,
        "14:8",
        &["`hold` keeps an `sql` step's connection open"],
    );
}

#[test]
fn a_request_key_on_a_step_that_sends_no_request_is_located() {
    let text = format!("{GOOD}\n[[steps]]\nsql = \"DELETE FROM orders\"\ntimeout_ms = 500\n");
    let dir = folder_with("request-key", &text);
    let output = harness(&["list"], dir.path());
    assert_located(
        &output,
        "15:1",
        &[
            "`timeout_ms` belongs to a request step (one with `path`)",
            "Move it to the step that sends the request.",
        ],
    );
}

#[test]
fn an_after_log_no_line_can_open_is_located() {
    let step = |entries: &str| format!("{GOOD}\n[[steps]]\nparallel = [\n{entries}]\n");
    let first = r#"  { path = "/healthz" },"#;
    for (entries, words) in [
        (
            format!("{first}\n  {{ path = \"/healthz\", after_log = \" \" }},\n"),
            &["`after_log` is empty"][..],
        ),
        (
            format!("{first}\n  {{ path = \"/healthz\", after_log = \"one\\ntwo\" }},\n"),
            &["`after_log` has a line break"][..],
        ),
        (
            format!(
                "{first}\n  {{ path = \"/healthz\", after_log = \"{}\" }},\n",
                "x".repeat(201)
            ),
            &["longer than 200 characters"][..],
        ),
        (
            format!("{first}\n  {{ path = \"/healthz\", after_log = \"order {{{{id}}}}\" }},\n"),
            &["takes no `{{capture}}`"][..],
        ),
        (
            r#"  { path = "/healthz", after_log = "a" },
  { path = "/healthz", after_log = "b" },
"#
            .to_string(),
            &[
                "every request of this `parallel` step waits for a log line",
                "Leave `after_log` off the request the others wait for.",
            ][..],
        ),
    ] {
        let dir = folder_with("after-log", &step(&entries));
        let output = harness(&["list"], dir.path());
        assert_located(&output, "15:1", words);
    }
}

#[test]
fn broken_toml_is_located() {
    let dir = folder_with("toml", &GOOD.replace("title = \"t\"", "title = \"t"));
    let output = harness(&["list"], dir.path());
    assert_located(&output, "3:", &["error:"]);
}

#[test]
fn a_filter_that_matches_nothing_suggests_the_closest_id() {
    let dir = folder_with("filter", GOOD);
    let output = harness(&["run", "crash.y"], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no scenario matches `crash.y`; did you mean `crash.x`?"),
        "{stderr}"
    );
}

#[test]
fn scan_finds_leaks_in_a_saved_response_and_exits_1() {
    let dir = tempdir::Dir::new("scan");
    let file = dir.path().join("response.txt");
    std::fs::write(
        &file,
        "HTTP/1.1 500 Internal Server Error\r\nServer: nginx/1.25.3\r\n\r\nTraceback (most recent call last):\n  File \"/srv/app/views.py\", line 12, in get\n",
    )
    .expect("file");
    let output = harness(
        &["scan", &file.display().to_string(), "--format", "json"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let rules: Vec<&str> = findings
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"header.server-version"), "{rules:?}");
    assert!(rules.contains(&"stacktrace.python"), "{rules:?}");
    assert!(rules.contains(&"path.absolute"), "{rules:?}");
}

#[test]
fn color_is_off_off_a_terminal_unless_asked_for_and_never_changes_the_text() {
    let dir = tempdir::Dir::new("color");
    let file = dir.path().join("response.txt");
    std::fs::write(
        &file,
        "HTTP/1.1 500 Internal Server Error\r\nServer: nginx/1.25.3\r\n\r\nboom\n",
    )
    .expect("file");
    let path = file.display().to_string();
    let stdout = |color: &[&str]| {
        let mut args = vec!["scan", path.as_str()];
        args.extend(color);
        let output = harness(&args, dir.path());
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        String::from_utf8(output.stdout).expect("utf-8")
    };
    // The helper sets NO_COLOR and stdout is a pipe: auto and never are both plain.
    let auto = stdout(&[]);
    assert!(
        !auto.contains('\x1b') && auto.contains("header.server-version"),
        "{auto}"
    );
    assert_eq!(stdout(&["--color", "never"]), auto);
    // `always` wins over NO_COLOR, and only adds escape codes around the same text.
    let always = stdout(&["--color", "always"]);
    assert!(always.contains("\x1b["), "{always:?}");
    let stripped = regex::Regex::new("\x1b\\[[0-9;]*m")
        .expect("regex")
        .replace_all(&always, "");
    assert_eq!(stripped, auto);
    let refused = harness(&["scan", path.as_str(), "--color", "sometimes"], dir.path());
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
}

#[test]
fn scan_of_a_clean_body_exits_0() {
    let dir = tempdir::Dir::new("clean");
    let file = dir.path().join("body.json");
    std::fs::write(
        &file,
        r#"{"type":"/problems/internal-error","status":500,"correlation_id":"abc"}"#,
    )
    .expect("file");
    let output = harness(&["scan", &file.display().to_string()], dir.path());
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let dir = tempdir::Dir::new("help");
    let output = harness(&["run", "--help"], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout.contains("Exit codes:") && stdout.contains("malformed scenario file"),
        "{stdout}"
    );
}

#[test]
fn counts_out_of_range_are_refused_not_clamped() {
    let dir = folder_with("ranges", GOOD);
    for args in [
        &["run", "--jobs", "0"][..],
        &["load", "--requests", "0"],
        &["load", "--concurrency", "0"],
        &["load", "--max-seconds", "0"],
    ] {
        let output = harness(args, dir.path());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("0 is not in 1..="), "{args:?}: {stderr}");
    }
}

#[test]
fn a_reader_that_stops_early_is_no_panic_and_changes_no_exit_code() {
    // `harness list | head -1`: the pipe closes while the harness still writes. The read
    // end is dropped at once, long before the child has parsed the scenarios.
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("list")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("harness runs");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("harness ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn a_target_where_nothing_listens_is_a_runtime_error_said_once() {
    // A port nothing listens on, held (bound, not listening) until the test ends.
    let refusing = lab_support::refusing_port::RefusingPort::bind().expect("a held port");
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let target = refusing.http_url();
    let output = harness(
        &["run", "crash.unwrap-none", "--target", &target],
        &scenarios,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert_eq!(stdout.matches("cannot reach").count(), 1, "{stdout}");
    assert!(stdout.contains("Connection refused"), "{stdout}");
}

/// Every failing command says its error once: one `error:` line, however many layers it
/// crossed on its way to `main` (fuzz once printed a second one for the same cause).
#[test]
fn a_failing_fuzz_says_its_error_once_with_the_exit_code_of_its_kind() {
    let refusing = lab_support::refusing_port::RefusingPort::bind().expect("a held port");
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let dir = tempdir::Dir::new("fuzz-error-once");
    let spec = dir.path().join("spec.json");
    std::fs::write(&spec, "{\"swagger\": \"1.2\"}").expect("spec");
    let spec = spec.display().to_string();
    let target = refusing.http_url();
    let unreachable = harness(&["fuzz", "--target", &target, "--seconds", "5"], &scenarios);
    let answering = answering_server();
    let unusable = harness(
        &["fuzz", "--target", &answering, "--spec", &spec],
        &scenarios,
    );
    let bad_url = harness(&["fuzz", "--target", "127.0.0.1:8080"], &scenarios);
    for (output, code, words) in [
        (&unreachable, 3, "cannot reach"),
        (&unusable, 2, "is not usable"),
        (&bad_url, 2, "is not an http:// or https:// URL"),
    ] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{stderr}");
        let said = stderr.lines().filter(|l| l.starts_with("error:")).count();
        assert_eq!(said, 1, "{stderr}");
        assert!(stderr.contains(words), "{stderr}");
    }
}

/// A server on loopback that answers a few requests `200` with an empty body, then stops.
fn answering_server() -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4).flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    url
}

/// A gzip stream (stored, level 0) whose payload is a dev panic page: the leak's words are
/// in the file verbatim, but not as text the response carried.
fn gzip_of_a_leak() -> Vec<u8> {
    let mut bytes = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03];
    bytes.extend_from_slice(
        b"thread 'actix-rt' panicked at src/routes/books.rs:12:5\nerror returned from database",
    );
    bytes
}

#[test]
fn scan_refuses_a_file_that_is_not_text_and_says_what_it_is() {
    let dir = tempdir::Dir::new("scan-binary");
    let gz = dir.path().join("body.gz");
    std::fs::write(&gz, gzip_of_a_leak()).expect("file");
    let output = harness(&["scan", &gz.to_string_lossy()], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not text: gzip-compressed data"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was scanned"), "{stderr}");
    assert!(stderr.contains("gunzip"), "the hint: {stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("leak"));

    // An executable: no findings in its bytes, however many strings it holds.
    let exe = env!("CARGO_BIN_EXE_harness");
    let output = harness(&["scan", exe, "--format", "json"], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("an ELF executable") || stderr.contains("binary data"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "no findings document");
}

#[test]
fn scan_of_a_response_with_a_compressed_body_scans_its_headers_only_and_says_so() {
    let dir = tempdir::Dir::new("scan-gzip-body");
    let mut raw = b"HTTP/1.1 500 Internal Server Error\r\nServer: nginx/1.18.0\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
    raw.extend(gzip_of_a_leak());
    let file = dir.path().join("saved.txt");
    std::fs::write(&file, raw).expect("file");
    let output = harness(&["scan", &file.to_string_lossy()], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("header.server-version"), "{stdout}");
    assert!(
        stdout.contains("1 finding(s)"),
        "only the header's: {stdout}"
    );
    assert!(!stdout.contains("panicked"), "{stdout}");
    assert!(
        stderr.contains("only the status line and headers were scanned"),
        "{stderr}"
    );
    assert!(stderr.contains("--compressed"), "the hint: {stderr}");
}

#[test]
fn an_unwritable_report_path_is_refused_before_anything_runs() {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let dir = tempdir::Dir::new("report-path");
    let missing_folder = dir.path().join("no-such-folder/report.html");
    let a_folder = dir.path().to_string_lossy().into_owned();
    for path in [missing_folder.to_string_lossy().into_owned(), a_folder] {
        let started = std::time::Instant::now();
        // The whole lab: were it run first, this would take far longer than the bound below.
        let output = harness(
            &["run", "--backend", "sqlite", "--report", &path],
            &scenarios,
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{path}: {stderr}");
        assert!(stderr.contains("cannot write the report"), "{stderr}");
        assert!(stderr.contains("nothing was run"), "{stderr}");
        assert!(output.stdout.is_empty(), "no run: {:?}", output.stdout);
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
    assert!(!missing_folder.exists());
    // A writable path is left as it was found: the check creates nothing.
    let fine = dir.path().join("report.html");
    let output = harness(
        &[
            "run",
            "no-such-scenario",
            "--report",
            &fine.to_string_lossy(),
        ],
        &scenarios,
    );
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(!fine.exists(), "the check left a file behind");
}

/// `harness run --backend all` with the lab's PostgreSQL URL set to `url`.
fn run_with_postgres_url(url: &str) -> (Option<i32>, String) {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "run",
            "crash.unwrap-none",
            "--backend",
            "all",
            "--scenarios",
        ])
        .arg(&scenarios)
        .env("CRASH_COURSE_POSTGRES_URL", url)
        .env("NO_COLOR", "1")
        .output()
        .expect("harness runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code(), stderr)
}

#[test]
fn a_misspelled_postgres_scheme_is_a_url_to_fix_not_a_server_to_start() {
    let (code, stderr) = run_with_postgres_url("postgress://postgres@127.0.0.1/postgres");
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("is not usable"), "{stderr}");
    assert_eq!(
        stderr
            .matches(r#"no driver found for URL scheme "postgress""#)
            .count(),
        1,
        "said once: {stderr}"
    );
    assert!(stderr.contains("CRASH_COURSE_POSTGRES_URL"), "{stderr}");
    assert!(stderr.contains("postgresql://"), "the hint: {stderr}");
    assert!(!stderr.contains("not reachable"), "{stderr}");
    assert!(!stderr.contains("pg_ctlcluster"), "{stderr}");
}

#[test]
fn a_postgres_target_where_nothing_listens_says_start_it() {
    let refusing = lab_support::refusing_port::RefusingPort::bind().expect("a held port");
    let url = format!("postgres://postgres@{}/postgres", refusing.address());
    let (code, stderr) = run_with_postgres_url(&url);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("not reachable"), "{stderr}");
    assert_eq!(stderr.matches("Connection refused").count(), 1, "{stderr}");
    assert!(stderr.contains("pg_ctlcluster"), "{stderr}");
}

#[test]
fn an_unknown_postgres_role_is_named_once_and_the_server_not_blamed() {
    if std::net::TcpStream::connect("127.0.0.1:5432").is_err() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI needs PostgreSQL"
        );
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "*** SKIPPING: no PostgreSQL on 127.0.0.1:5432"
        );
        return;
    }
    let (code, stderr) = run_with_postgres_url("postgres://nobody@127.0.0.1:5432/postgres");
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(
        stderr.matches(r#"role "nobody" does not exist"#).count(),
        1,
        "said once: {stderr}"
    );
    assert!(
        !stderr.contains(" at line "),
        "no server source line: {stderr}"
    );
    assert!(stderr.contains("answered but refused"), "{stderr}");
    assert!(stderr.contains("createuser"), "the hint: {stderr}");
    assert!(!stderr.contains("not reachable"), "{stderr}");
    assert!(!stderr.contains("pg_ctlcluster"), "{stderr}");
}

#[test]
fn a_refused_start_up_is_said_with_its_exit_code_not_rust_debug_text() {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let lesson =
        std::fs::read_to_string(scenarios.join("config/missing-env.toml")).expect("the lesson");
    let output = harness(&["run", "config.missing-env", "--mode", "prod"], &scenarios);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("prod refused to start (exit code 78): "),
        "{stdout}"
    );
    assert!(!stdout.contains("Some("), "{stdout}");

    // The same lesson expecting another exit code: the unmet reason reads as plainly.
    let dir = tempdir::Dir::new("exit-code");
    std::fs::create_dir_all(dir.path().join("config")).expect("folder");
    let expecting_77 = lesson.replace("exit_code = 78", "exit_code = 77");
    assert_ne!(expecting_77, lesson);
    std::fs::write(dir.path().join("config/missing-env.toml"), expecting_77).expect("file");
    let output = harness(&["run", "config.missing-env", "--mode", "prod"], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("start-up: exit code 78 (expected exit code 77)"),
        "{stdout}"
    );
    assert!(!stdout.contains("Some("), "{stdout}");
}

#[test]
fn a_missing_postgres_database_is_named_once_with_the_createdb_step() {
    if std::net::TcpStream::connect("127.0.0.1:5432").is_err() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI needs PostgreSQL"
        );
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "*** SKIPPING: no PostgreSQL on 127.0.0.1:5432"
        );
        return;
    }
    let name = format!("crash_course_absent_{}", std::process::id());
    let url = format!("postgres://postgres@127.0.0.1/{name}");
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["serve-app", "--database-url", &url])
        .output()
        .expect("harness runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let missing = format!("database \"{name}\" does not exist");
    assert_eq!(stderr.matches(&missing).count(), 1, "said once: {stderr}");
    assert!(
        !stderr.contains(" at line "),
        "no server source line: {stderr}"
    );
    let hint = format!("createdb -h 127.0.0.1 -U postgres {name}");
    assert!(stderr.contains(&hint), "{stderr}");
}
