//! The JSON report is an interface (docs/report-formats.md): its shape, field order and
//! wording are pinned here by a snapshot of one quick run (crash.unwrap-none in prod and
//! bare, and a copy of it that expects what prod does not answer, so `reasons` shows too;
//! SQLite), with the volatile values (ids, dates, durations, ports, source lines) replaced by
//! insta filters. A change to this snapshot is a change to every consumer of `--format json`.

use harness::report;
use harness::runner::{self, AppCommand, Target};
use harness::scenario::{self, BackendName, ModeName};

/// The lesson's request, held to expectations prod does not meet.
const UNMET: &str = r#"
id = "crash.unwrap-none.unmet"
class = "crash.unwrap-none"
title = "The lesson's request, expecting what prod does not answer"
summary = "s"
modes = ["prod"]
backends = ["sqlite"]

[notes]
notice = "n"
why = "w"
fix = "f"

[[steps]]
name = "fetch the book whose author does not exist"
path = "/books/13"

[steps.prod]
status = 404
headers_present = ["retry-after"]
"#;

#[test]
fn the_json_report_keeps_its_shape() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let folder = harness::app::load_scenarios(&root).expect("the scenarios folder");
    assert!(folder.errors.is_empty(), "{}", folder.errors[0]);
    let selected =
        harness::scenario::select(&folder.scenarios, &["crash.unwrap-none".to_string()], &root)
            .expect("the lesson exists");
    let unmet = scenario::parse("unmet.toml", UNMET, &folder.vocabulary)
        .unwrap_or_else(|errors| panic!("{}", errors[0]));
    let selected: Vec<&scenario::Scenario> = selected.into_iter().chain([&unmet]).collect();
    let target = Target::Spawn(AppCommand::new(
        env!("CARGO_BIN_EXE_harness"),
        vec!["serve-app".into()],
    ));
    let plans = runner::plan(
        &selected,
        &[ModeName::Prod, ModeName::Bare],
        &[BackendName::Sqlite],
        &target,
    );
    let results = runtime.block_on(runner::run_all(plans, &target, 2));
    let passed: Vec<bool> = results.iter().map(|r| r.passed()).collect();
    assert_eq!(passed, [true, true, false], "{results:#?}");
    let codes: Vec<&str> = results[2].reasons.iter().map(|r| r.code).collect();
    assert_eq!(codes, ["status", "header_missing"]);
    let json = report::json::render(&results);

    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in [
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[uuid]",
        ),
        (
            r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT",
            "[date]",
        ),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[timestamp]"),
        (r#""duration_ms": \d+"#, r#""duration_ms": "[ms]""#),
        (r#"latency_ms\\":[0-9.]+"#, r#"latency_ms\":[ms]"#),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"\.rs:\d+:\d+", ".rs:[line]:[col]"),
        // hyper's wording of a connection closed mid-request varies with timing.
        (
            r#"connection dropped: [^"]*"#,
            "connection dropped: [detail]",
        ),
    ] {
        settings.add_filter(pattern, replacement);
    }
    settings.bind(|| insta::assert_snapshot!("crash.unwrap-none-prod-bare-sqlite", json));
}
