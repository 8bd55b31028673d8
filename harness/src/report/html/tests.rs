use super::*;
use crate::runner::{RequestRecord, ResponseRecord};

fn result_with_body(body: &str) -> RunResult {
    let response = ResponseRecord {
        status: 500,
        headers: vec![("server".into(), "<b>nginx/1.2</b>".into())],
        body: body.to_string(),
    };
    let findings = leaks::scan(&leaks::Response {
        headers: &response.headers,
        body,
    });
    RunResult {
        scenario: "x.<img src=x onerror=alert(1)>".into(),
        class: "crash.unwrap-none".into(),
        title: "<script>alert('title')</script>".into(),
        file: "x.toml".into(),
        mode: RunMode::Dev,
        backend: RunBackend::Sqlite,
        outcome: Outcome::Passed,
        reasons: vec![],
        startup: None,
        process_exit: None,
        exchanges: vec![Exchange {
            step_index: 0,
            step: "s".into(),
            request: RequestRecord {
                method: "GET".into(),
                target: "/authors?name=' OR 1=1 --<script>".into(),
                headers: vec![],
                body: None,
            },
            response: Some(response),
            error: None,
            correlation_id: None,
            log_lines: vec!["{\"msg\":\"<svg onload=alert(2)>\"}".into()],
            findings,
            hidden_failure: None,
            duration_ms: 1,
        }],
        sql: vec![],
        invariants: vec![],
        samples: vec![],
        loads: vec![],
        trackers: vec![],
        duration_ms: 1,
        declared_wait_ms: 0,
        lesson: Default::default(),
    }
}

#[test]
fn hostile_strings_are_shown_as_text_never_as_markup() {
    let result = result_with_body(
        "<script>alert(1)</script> SELECT id FROM users WHERE 1 panicked at src/main.rs:1:2",
    );
    let html = render(&[result]).expect("renders");
    for raw in ["<script>alert", "<img src=x", "<svg onload", "<b>nginx"] {
        assert!(!html.contains(raw), "unescaped {raw:?} in the report");
    }
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(html.contains("class=\"leak\""), "evidence is marked");
    assert!(html.contains("sql.statement"), "and labelled by rule id");
}

#[test]
fn the_page_needs_nothing_from_the_network() {
    let html = render(&[result_with_body("ok")]).expect("renders");
    for needle in ["<script", "<link", "src=\"http", "@import", "url("] {
        assert!(
            !html.contains(needle),
            "the page should not contain {needle:?}"
        );
    }
}

#[test]
fn sql_steps_appear_where_they_ran_and_escaped() {
    let mut result = result_with_body("ok");
    result.exchanges[0].step_index = 1;
    let record = |step_index: usize, step: &str, sql: &str, connection: Option<&str>| SqlRecord {
        step_index,
        step: step.into(),
        sql: sql.into(),
        connection: connection.map(str::to_string),
        rows_affected: None,
        error: None,
    };
    result.sql = vec![
        record(
            0,
            "lock it",
            "BEGIN EXCLUSIVE; -- <script>x</script>",
            Some("held as `job`"),
        ),
        record(2, "let go", "", Some("released `job`")),
    ];
    let html = render(&[result]).expect("renders");
    let lock = html
        .find("lock it")
        .expect("the SQL step before the request");
    let request = html
        .find("&#x2f;authors?name=")
        .or_else(|| html.find("/authors?name="))
        .expect("request");
    let release = html.find("let go").expect("the SQL step after the request");
    assert!(lock < request && request < release, "in step order");
    assert!(!html.contains("<script>x"), "SQL text is escaped");
    assert!(html.contains("held as `job`") || html.contains("held as &#x60;job&#x60;"));
}

#[test]
fn bare_is_a_third_column_after_dev_and_prod() {
    let runs: Vec<RunResult> = [RunMode::Bare, RunMode::Prod, RunMode::Dev]
        .into_iter()
        .map(|mode| {
            let mut result = result_with_body("ok");
            result.mode = mode;
            if mode == RunMode::Bare {
                // A dropped connection: no response, the transport error instead.
                result.exchanges[0].response = None;
                result.exchanges[0].findings.clear();
                result.exchanges[0].error = Some("connection dropped: connection closed".into());
            }
            result
        })
        .collect();
    let html = render(&runs).expect("renders");
    let header = |column: &str| html.find(&format!("<th scope=\"col\">{column}</th>"));
    let (dev, prod, bare) = (
        header("dev · sqlite").expect("a dev column"),
        header("prod · sqlite").expect("a prod column"),
        header("bare · sqlite").expect("a bare column"),
    );
    assert!(dev < prod && prod < bare, "matrix columns in mode order");
    let side = |mode: &str| html.find(&format!("class=\"side mode-{mode}\""));
    let sides = (side("dev"), side("prod"), side("bare"));
    assert!(
        matches!(sides, (Some(d), Some(p), Some(b)) if d < p && p < b),
        "three sides, in mode order: {sides:?}"
    );
    assert!(html.contains("bare: no response"));
    assert!(
        html.contains("</span> · no response · 0 findings"),
        "the matrix says the request got nothing, not 2xx"
    );
    assert!(html.contains("connection dropped: connection closed"));
    assert!(html.contains("<strong>bare</strong> shows actix-web"));
}
