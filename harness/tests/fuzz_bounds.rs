//! `harness fuzz` against a service nobody here wrote, one that misbehaves the way real ones
//! do (tests/fuzz_service: slow, trickling, endless, huge, redirecting, dropping, with a
//! Python traceback), described by a Swagger 2.0 document: the run ends within its bound
//! plus a request timeout, finds the traceback as a bucket with its finding and the slow
//! routes under `response_time`, never follows a redirect to another origin, keeps a CI
//! log alive, and keeps its saved inputs out of git. A second run says which buckets came
//! from replaying them. Every member its JSON writes is documented in
//! docs/report-formats.md.

mod fuzz_service;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The run's bound and request timeout, and the margin the wall time is allowed on top
/// (start-up, a loaded machine): generous, this is not a timing benchmark.
const SECONDS: u64 = 12;
const REQUEST_TIMEOUT: u64 = 2;
const MARGIN: Duration = Duration::from_secs(5);

fn fuzz(address: &str, save: &Path, seconds: u64, extra: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["fuzz", "--target", &format!("http://{address}")])
        .args(["--spec", &format!("http://{address}/spec.json")])
        .args(["--seconds", &seconds.to_string()])
        .args(["--request-timeout", &REQUEST_TIMEOUT.to_string()])
        .args([
            "--time-limit-ms",
            "1000",
            "--requests",
            "100000",
            "--seed",
            "5",
        ])
        .args(["--format", "json", "--save"])
        .arg(save)
        .args(extra)
        .output()
        .expect("harness runs");
    (output, started.elapsed())
}

fn buckets_of(output: &Output) -> Vec<serde_json::Value> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let document: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "JSON output ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    document["runs"][0]["buckets"]
        .as_array()
        .expect("buckets")
        .clone()
}

/// The member names the `harness fuzz --format json` example of docs/report-formats.md
/// shows: every `"name":` in the section's JSON block.
fn documented_fuzz_members() -> std::collections::BTreeSet<String> {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/report-formats.md"),
    )
    .expect("docs/report-formats.md");
    let section = doc
        .split("\n## ")
        .find(|s| s.starts_with("`harness fuzz --format json`"))
        .expect("the fuzz JSON section");
    let block = section
        .split("```json")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the section's JSON example");
    let mut names = std::collections::BTreeSet::new();
    for piece in block.split('"').collect::<Vec<_>>().windows(2) {
        // `"name":` splits into [.., "name", ": ..."]; a string value is followed by `,`.
        if piece[1].trim_start().starts_with(':')
            && !piece[0].is_empty()
            && piece[0]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            names.insert(piece[0].to_string());
        }
    }
    names
}

/// Every member of the document, its runs, their buckets and the buckets' inputs (and an
/// `app_died` object, when there is one) is named in the documented example.
fn assert_documented(document: &serde_json::Value) {
    let documented = documented_fuzz_members();
    let mut objects: Vec<(&str, &serde_json::Value)> = vec![("document", document)];
    for run in document["runs"].as_array().into_iter().flatten() {
        objects.push(("run", run));
        if run["app_died"].is_object() {
            objects.push(("app_died", &run["app_died"]));
        }
        for bucket in run["buckets"].as_array().into_iter().flatten() {
            objects.push(("bucket", bucket));
            objects.push(("input", &bucket["input"]));
        }
    }
    for (what, object) in objects {
        for name in object.as_object().expect("an object").keys() {
            assert!(
                documented.contains(name),
                "the fuzz JSON writes {what}.{name}, which docs/report-formats.md does not show \
                 (documented: {documented:?})"
            );
        }
    }
}

fn fails(bucket: &serde_json::Value, check: &str) -> bool {
    bucket["checks"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c == check))
}

#[test]
fn fuzz_holds_its_bound_against_a_misbehaving_swagger2_service() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let service = fuzz_service::start(&runtime);
    let address = service.address.to_string();
    let save = std::env::temp_dir().join(format!("fuzz-bounds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&save);

    let (output, wall) = fuzz(&address, &save, SECONDS, &[]);
    let read_by_service = service.requests.load(Ordering::SeqCst);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let bound = Duration::from_secs(SECONDS + REQUEST_TIMEOUT) + MARGIN;
    assert!(wall <= bound, "took {wall:?}, bound {bound:?}\n{stderr}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_documented(&document);
    let run = &document["runs"][0];
    assert_eq!(run["dialect"], "Swagger 2.0");
    assert_eq!(run["stopped_by"], "seconds", "{stdout}");
    let reported = run["seconds"].as_f64().expect("seconds");
    assert!(
        reported <= SECONDS as f64 + 0.5,
        "the run's own time is within its bound: {reported}"
    );
    assert!(
        (wall.as_secs_f64() - reported).abs() < 3.0,
        "the summary's time is the wall time: {reported} vs {wall:?}"
    );

    // The run's own count is the traffic it sent: its inputs, its shrink steps, the spec
    // and the reachability probe (a few fewer when requests in flight were cut at the bound
    // before the service read them).
    let said = run["requests"].as_u64().expect("requests") as usize
        + run["shrink_requests"].as_u64().expect("shrink_requests") as usize
        + 2;
    assert!(
        read_by_service <= said && read_by_service + 4 >= said,
        "the service read {read_by_service} requests, the run says {said}"
    );

    let buckets = buckets_of(&output);
    let keys: Vec<String> = buckets
        .iter()
        .map(|b| {
            format!(
                "{} {} {} {}",
                b["method"], b["route"], b["status"], b["checks"]
            )
        })
        .collect();
    let traceback = buckets
        .iter()
        .find(|b| b["route"] == "/reports/{id}" && b["status"] == 500)
        .unwrap_or_else(|| panic!("no 500 bucket on /reports/{{id}}: {keys:#?}"));
    assert!(
        traceback["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|r| r == "stacktrace.python")),
        "{traceback}"
    );
    for slow in ["/delay/{delay}", "/drip"] {
        assert!(
            buckets
                .iter()
                .any(|b| b["route"] == slow && fails(b, "response_time")),
            "{slow} is slow: {keys:#?}"
        );
    }
    assert!(
        buckets
            .iter()
            .any(|b| b["route"] == "/status/drop" && fails(b, "responded")),
        "a dropped connection is its own bucket: {keys:#?}"
    );
    assert_eq!(
        service.elsewhere_hits.load(Ordering::SeqCst),
        0,
        "a redirect off the target's origin is never followed"
    );
    assert!(
        stderr.contains("· sending ·"),
        "a line on a pipe every few seconds: {stderr}"
    );
    let ignore = std::fs::read_to_string(save.join(".gitignore")).expect("saved inputs ignored");
    assert!(ignore.lines().any(|l| l == "*"));

    // The saved traceback input is replayed first; a bucket it finds says so.
    let (again, wall) = fuzz(&address, &save, 4, &["/reports/*"]);
    assert!(wall <= Duration::from_secs(4 + REQUEST_TIMEOUT) + MARGIN);
    let replayed = buckets_of(&again)
        .into_iter()
        .find(|b| b["route"] == "/reports/{id}")
        .unwrap_or_else(|| {
            panic!(
                "the traceback again: {}\n{}",
                String::from_utf8_lossy(&again.stdout),
                String::from_utf8_lossy(&again.stderr)
            )
        });
    assert_eq!(replayed["replayed"], true, "{replayed}");
    let fresh = replayed["first_found_after"].as_u64();
    assert!(
        fresh.is_none_or(|n| n >= 1),
        "fresh generation counts from its own first request: {replayed}"
    );
    let _ = std::fs::remove_dir_all(save);
}
