//! The error tracker as evidence, for real: the lab's script starts Bugsink (a venv, loopback,
//! phone-home off), demo-app runs in dev and prod with the SDK pointed at a project each,
//! the same requests go to both, and `harness::tracker` reads back what Bugsink stored.
//!
//! Shown, on SQLite and on PostgreSQL (one Bugsink, a project per mode and backend): dev's
//! events leak (leak rules fire; the FX key, a customer's e-mail and the database URL are in
//! them), prod's are clean; four `/authors` names are four issues under dev's default
//! grouping and one with prod's fingerprint; every event's correlation id is the one its
//! response carried.
//!
//! Needs python3 with venv (and, on first use, PyPI): skips loudly without it, except under
//! CI=true, where it must run (.ci/run installs Bugsink first with `bugsink.sh install`).
//! The PostgreSQL half skips loudly when no server answers, except under CI=true.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use harness::tracker::{self, Connection, Options, ProjectEvidence};
use lab_support::Backend;
use lab_support::launch::{Launch, RunningApp, Started};
use lab_support::scratch_db::ScratchDatabase;

const OPS_TOKEN: &str = "tracker-test-ops-token-0123";
const NAMES: [&str; 4] = ["O'Hara", "D'Arcy", "O'Neil", "L'Amour"];
const CUSTOMER_EMAIL: &str = "margaret@example.com";
/// How long the SDK and Bugsink may take to store what was sent.
const STORE_WITHIN: Duration = Duration::from_secs(30);

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo-app/tracker/bugsink.sh")
}

/// Whether this machine can run Bugsink; panics under CI=true when it cannot.
fn python_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "CI=true requires python3 with venv for the tracker tests (apt-get install python3-venv)"
            );
        }
        eprintln!(
            "\n*** SKIPPING the tracker tests: no python3 with venv here (apt-get install python3-venv); Bugsink cannot be installed\n"
        );
    }
    ok
}

/// The backends to run on: SQLite, and PostgreSQL when it answers (required under CI=true).
async fn backends() -> Vec<Backend> {
    let admin_url = lab_support::scratch_db::postgres_admin_url();
    match lab_support::scratch_db::postgres_reachable(&admin_url).await {
        Ok(()) => vec![Backend::Sqlite, Backend::Postgres],
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true requires PostgreSQL for the tracker test: {e:#}")
        }
        Err(e) => {
            // Not `eprintln!`: libtest would capture it and the skip would be silent.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPING the tracker test on PostgreSQL: {e:#}\n"
            );
            vec![Backend::Sqlite]
        }
    }
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// A Bugsink started by the lab's script, stopped (and its data removed) on drop; a dev and
/// a prod project per backend.
struct Bugsink {
    dir: PathBuf,
    url: String,
    token: String,
    /// `(mode-backend, DSN)`, e.g. `("dev-postgres", "http://...")`.
    dsns: Vec<(String, String)>,
}

impl Bugsink {
    fn start(backends: &[Backend]) -> Bugsink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let dir = std::env::temp_dir().join(format!("crash-course-bugsink-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let started = Instant::now();
        let output = Command::new("bash")
            .arg(script())
            .args(["start", "--port", &port.to_string(), "--dir"])
            .arg(&dir)
            .args(
                projects(backends)
                    .iter()
                    .flat_map(|p| ["--project", p.as_str()]),
            )
            .output()
            .expect("bash runs the tracker script");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "bugsink.sh start failed:\n{stderr}"
        );
        eprintln!(
            "Bugsink up in {:.1} s:\n{stderr}",
            started.elapsed().as_secs_f64()
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let value = |name: &str| {
            stdout
                .lines()
                .filter_map(|l| l.strip_prefix("export "))
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("bugsink.sh printed no {name}:\n{stdout}"))
                .to_string()
        };
        Bugsink {
            url: value("BUGSINK_URL"),
            token: value("BUGSINK_TOKEN"),
            dsns: projects(backends)
                .into_iter()
                .map(|p| {
                    let dsn = value(&format!(
                        "BUGSINK_DSN_{}",
                        p.to_uppercase().replace('-', "_")
                    ));
                    (p, dsn)
                })
                .collect(),
            dir,
        }
    }

    fn dsn(&self, project: &str) -> &str {
        self.dsns
            .iter()
            .find(|(p, _)| p == project)
            .map(|(_, dsn)| dsn.as_str())
            .unwrap_or_else(|| panic!("no project {project}"))
    }

    fn connection(&self) -> Connection {
        Connection {
            url: self.url.clone(),
            token: self.token.clone(),
        }
    }
}

impl Drop for Bugsink {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .args(["stop", "--purge", "--dir"])
            .arg(&self.dir)
            .output();
    }
}

async fn start_app(mode: &str, dsn: &str, db: &ScratchDatabase) -> RunningApp {
    let launch = Launch {
        program: PathBuf::from(env!("CARGO_BIN_EXE_harness")),
        args: vec!["serve-app".into()],
        settings: vec![
            ("mode".into(), mode.into()),
            ("bind".into(), "127.0.0.1:0".into()),
            ("database_url".into(), db.url.clone()),
            ("ops_token".into(), OPS_TOKEN.into()),
            ("sentry_dsn".into(), dsn.into()),
        ],
    };
    match launch.start().await.expect("demo-app starts") {
        Started::Running(app) => *app,
        Started::Failed(failure) => panic!("{mode} did not start: {}", failure.stderr),
    }
}

/// The same traffic for both modes: four author names (one defect), a customer registered
/// who already exists (dev answers 500, prod 409: not the tracker's business), a missing author. Each
/// request carries what a careless SDK forwards: a session cookie, a bearer token, an
/// e-mail address in the query. Returns the correlation ids of the 5xx answers.
async fn traffic(app: &RunningApp) -> BTreeSet<String> {
    let client = reqwest::Client::new();
    let mut ids = BTreeSet::new();
    let mut record = |response: &reqwest::Response| {
        if response.status().is_server_error() {
            let id = response
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .expect("every 5xx carries its correlation id")
                .to_string();
            ids.insert(id);
        }
    };
    for name in NAMES {
        let query = format!(
            "name={}&notify={}",
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC),
            percent_encoding::utf8_percent_encode(
                CUSTOMER_EMAIL,
                percent_encoding::NON_ALPHANUMERIC
            ),
        );
        let response = client
            .get(format!("{}/authors?{query}", app.base_url))
            .header("cookie", "session=tracker-test-session")
            .header("authorization", "Bearer tracker-test-bearer")
            .send()
            .await
            .expect("the author search answers");
        assert_eq!(response.status(), 500, "{name}");
        record(&response);
    }
    // The seed already has this customer: a duplicate (db.constraint).
    let response = client
        .post(format!("{}/customers", app.base_url))
        .json(&serde_json::json!({"email": CUSTOMER_EMAIL, "name": "Margaret"}))
        .send()
        .await
        .expect("the registration answers");
    record(&response);
    let response = client
        .get(format!("{}/books/13", app.base_url))
        .send()
        .await
        .expect("the book page answers");
    assert_eq!(
        response.status(),
        500,
        "the book whose author row is missing"
    );
    record(&response);
    ids
}

/// Reads the project until it holds `events` events (the SDK sends in the background).
async fn stored(bugsink: &Bugsink, project: &str, events: u64) -> ProjectEvidence {
    let options = Options {
        project: project.into(),
        max_events_per_issue: 50,
    };
    let deadline = Instant::now() + STORE_WITHIN;
    loop {
        let evidence = tracker::read(&bugsink.connection(), &options)
            .await
            .expect("the tracker's API answers");
        if evidence.event_count() >= events || Instant::now() > deadline {
            return evidence;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn correlation_ids(evidence: &ProjectEvidence) -> BTreeSet<String> {
    evidence
        .events()
        .filter_map(|(_, e)| e.correlation_id.clone())
        .collect()
}

fn author_issues(evidence: &ProjectEvidence) -> usize {
    evidence
        .issues
        .iter()
        .filter(|i| i.issue.title.contains("authors"))
        .count()
}

/// The project names: `dev-sqlite`, `prod-sqlite`, and the same for each other backend.
fn projects(backends: &[Backend]) -> Vec<String> {
    backends
        .iter()
        .flat_map(|b| ["dev", "prod"].map(|mode| format!("{mode}-{}", backend_name(*b))))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tracker_shows_dev_leaking_prod_clean_and_grouping_by_fingerprint() {
    if !python_available() {
        return;
    }
    harness::runner::http::install_tls_provider();
    let backends = backends().await;
    let bugsink = Bugsink::start(&backends);
    for backend in backends {
        dev_leaks_prod_is_clean_and_grouped(&bugsink, backend).await;
    }
}

async fn dev_leaks_prod_is_clean_and_grouped(bugsink: &Bugsink, backend: Backend) {
    let (dev_project, prod_project) = (
        format!("dev-{}", backend_name(backend)),
        format!("prod-{}", backend_name(backend)),
    );
    let dev_db = ScratchDatabase::create(backend).await.expect("db");
    let prod_db = ScratchDatabase::create(backend).await.expect("db");
    let dev = start_app("dev", bugsink.dsn(&dev_project), &dev_db).await;
    let prod = start_app("prod", bugsink.dsn(&prod_project), &prod_db).await;
    let dev_ids = traffic(&dev).await;
    let prod_ids = traffic(&prod).await;
    // Dev: 4 searches, the duplicate registration, the book. Prod: the 409 is not sent.
    assert_eq!((dev_ids.len(), prod_ids.len()), (6, 5), "{backend:?}");
    let dev_stored = stored(bugsink, &dev_project, 6).await;
    let prod_stored = stored(bugsink, &prod_project, 5).await;
    dev.stop().await;
    prod.stop().await;
    let dev_url = dev_db.url.clone();
    let _ = dev_db.drop_database().await;
    let _ = prod_db.drop_database().await;
    eprintln!(
        "{backend:?}: dev: {} issues, {} events; prod: {} issues, {} events",
        dev_stored.issues.len(),
        dev_stored.event_count(),
        prod_stored.issues.len(),
        prod_stored.event_count()
    );

    // Every event is the one a response's correlation id names, and nothing else was sent.
    assert_eq!(correlation_ids(&dev_stored), dev_ids);
    assert_eq!(correlation_ids(&prod_stored), prod_ids);
    for id in &prod_ids {
        let (issue, _) = prod_stored.find(id).expect("each id leads to its issue");
        assert!(issue.friendly_id.starts_with("PROD-"), "{issue:?}");
    }

    // Dev's events leak what its responses already did, and more.
    let dev_events: Vec<_> = dev_stored.events().map(|(_, e)| e).collect();
    assert!(dev_events.iter().all(|e| e.leaks()), "{dev_events:#?}");
    let rules: BTreeSet<&str> = dev_events
        .iter()
        .flat_map(|e| e.findings.iter().map(|f| f.rule))
        .collect();
    for rule in [
        "secret.credential",
        "secret.connection-string",
        "sql.statement",
    ] {
        assert!(rules.contains(rule), "dev's events lack {rule}: {rules:?}");
    }
    assert!(
        dev_events
            .iter()
            .any(|e| e.emails.iter().any(|m| m == CUSTOMER_EMAIL)),
        "dev's events carry the customer's e-mail"
    );
    let dev_text: String = dev_events.iter().map(|e| e.data.to_string()).collect();
    for secret in [
        demo_app::settings::LAB_FX_API_KEY,
        &dev_url,
        "tracker-test-session",
    ] {
        assert!(dev_text.contains(secret), "dev's events lack {secret}");
    }

    // Prod's events: no finding of any leak rule, no e-mail address.
    let prod_leaks: Vec<_> = prod_stored.events().filter(|(_, e)| e.leaks()).collect();
    assert!(prod_leaks.is_empty(), "prod's events leak: {prod_leaks:#?}");

    // Grouping: four names, four issues by type and message; one with the fingerprint.
    assert_eq!(author_issues(&dev_stored), 4, "{:#?}", dev_stored.issues);
    assert_eq!(author_issues(&prod_stored), 1, "{:#?}", prod_stored.issues);
    let prod_search = prod_stored
        .issues
        .iter()
        .find(|i| i.issue.title.contains("authors"))
        .expect("the search's issue");
    assert_eq!(prod_search.issue.event_count, 4);
}

fn harness_tracker(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("tracker")
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("BUGSINK_URL")
        .env_remove("BUGSINK_TOKEN")
        .output()
        .expect("harness runs")
}

#[test]
fn an_unreachable_tracker_or_a_bad_url_is_a_clear_error_with_its_exit_code() {
    // Port 9 (discard) on loopback: nothing listens there on the lab's machines.
    let unreachable = harness_tracker(&[
        "--url",
        "http://127.0.0.1:9",
        "--token",
        "t",
        "--project",
        "dev",
    ]);
    let stderr = String::from_utf8_lossy(&unreachable.stderr);
    assert_eq!(unreachable.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("cannot reach the tracker at http://127.0.0.1:9"),
        "{stderr}"
    );

    let bad = harness_tracker(&[
        "--url",
        "ftp://127.0.0.1",
        "--token",
        "t",
        "--project",
        "dev",
    ]);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not http(s)://HOST:PORT"), "{stderr}");

    let missing = harness_tracker(&["--project", "dev"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--url"));
}

/// `harness run` of the tracker scenario where the lab's script finds no python3: a PATH
/// holding only bash, and an empty cache (no installed Bugsink).
#[cfg(unix)]
fn run_without_python(ci: bool) -> std::process::Output {
    let dir =
        std::env::temp_dir().join(format!("crash-course-nopython-{}-{ci}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("temp folder");
    let bash = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|p| p.join("bash"))
        .find(|p| p.is_file())
        .expect("bash on PATH");
    std::os::unix::fs::symlink(&bash, bin.join("bash")).expect("a link to bash");
    let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
    command
        .arg("--scenarios")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios"))
        .args(["run", "db.invalid-sql.tracker", "--backend", "sqlite"])
        .env("NO_COLOR", "1")
        .env("PATH", &bin)
        .env("CRASH_COURSE_CACHE", dir.join("cache"))
        .env_remove("BUGSINK_URL")
        .env_remove("BUGSINK_TOKEN");
    if ci {
        command.env("CI", "true");
    } else {
        command.env_remove("CI");
    }
    let output = command.output().expect("harness runs");
    let _ = std::fs::remove_dir_all(&dir);
    output
}

#[cfg(unix)]
#[test]
fn without_python_the_tracker_scenario_is_skipped_loudly_and_under_ci_it_is_an_error() {
    let skipped = run_without_python(false);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&skipped.stdout),
        String::from_utf8_lossy(&skipped.stderr),
    );
    assert_eq!(skipped.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("dev SKIPPED · prod SKIPPED"), "{stdout}");
    assert!(stdout.contains("python3 is not installed"), "{stdout}");
    assert!(stdout.contains("0 passed, 0 failed, 2 SKIPPED"), "{stdout}");
    assert!(stderr.contains("warning: 2 runs SKIPPED"), "{stderr}");

    let required = run_without_python(true);
    let stdout = String::from_utf8_lossy(&required.stdout);
    assert_eq!(required.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("CI=true requires the error tracker this scenario reads"),
        "{stdout}"
    );
}
