use super::*;

fn body_findings(body: &str) -> Vec<&'static str> {
    scan(&Response { headers: &[], body })
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn every_rule_compiles_and_ids_are_unique() {
    let _ = compiled();
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len());
}

/// (rule, text that must fire it, text that must not).
const SAMPLES: &[(&str, &str, &str)] = &[
    (
        "rust.panic-message",
        "thread 'main' panicked at src/main.rs:3:5",
        "Don't panic, it is fine.",
    ),
    (
        "rust.source-location",
        "demo-app/src/routes/books.rs:70:25",
        "see /books/13 and file.rs",
    ),
    (
        "rust.backtrace",
        "   0: core::ops::function::FnOnce::call_once",
        "step 1: add::two numbers",
    ),
    (
        "path.absolute",
        "cwd \"/home/ada/lab/target\"",
        "GET /books/13 then /problems/not-found",
    ),
    (
        "sql.statement",
        "SELECT id, name FROM authors WHERE 1",
        "Please select a book from the list.",
    ),
    (
        "db.engine-error",
        "error returned from database: boom",
        "the database is fine",
    ),
    (
        "db.sqlstate",
        "PgDatabaseError { code: \"40P01\" }",
        "order 40501 shipped in 12345 ms",
    ),
    (
        "framework.error-text",
        "Json deserialize error: EOF",
        "json is a format",
    ),
    (
        "version.disclosure",
        "\"actix-web\":\"4.18.1\"",
        "Built with Rust and love",
    ),
    (
        "secret.connection-string",
        "postgres://app:hunter2@db.internal/shop",
        "see https://example.com/a",
    ),
    (
        "secret.credential",
        "\"fx_api_key\":\"fxk_live_LAB_FAKE_7c1e0b9a52d34f6e\"",
        "\"token\": null, \"password\": \"***\"",
    ),
    (
        "network.private-ip",
        "upstream 10.0.3.7 refused",
        "version 1.2.3.4 and 127.0.0.1",
    ),
    (
        "debug.page",
        "You are seeing this page because demo-app runs",
        "You are welcome",
    ),
    (
        "stacktrace.python",
        "Traceback (most recent call last):",
        "trace back your steps",
    ),
    (
        "stacktrace.java",
        "at com.shop.Api.get(Api.java:42)",
        "at home (on Sunday)",
    ),
    (
        "stacktrace.dotnet",
        "at Shop.Api.Get(Int32 id) in C:\\src\\Api.cs:line 42",
        "at noon in the office",
    ),
    (
        "stacktrace.php",
        "Fatal error: Uncaught Error in /var/www/index.php on line 7",
        "a fatal error of judgement",
    ),
    (
        "stacktrace.node",
        "at getBook (/srv/app/books.js:12:7)",
        "at 12:07 the book arrived",
    ),
];

#[test]
fn each_rule_fires_on_its_signature_and_not_on_lookalikes() {
    for (id, positive, negative) in SAMPLES {
        assert!(rule(id).is_some(), "sample for unknown rule {id}");
        assert!(
            body_findings(positive).contains(id),
            "{id} should fire on {positive:?}"
        );
        assert!(
            !body_findings(negative).contains(id),
            "{id} should not fire on {negative:?}, got {:?}",
            body_findings(negative)
        );
    }
    let body_rules = RULES.iter().filter(|r| r.scope == Scope::Body).count();
    assert_eq!(SAMPLES.len(), body_rules, "every body rule has a sample");
}

#[test]
fn a_source_path_leaks_under_any_root() {
    // A checkout under a root the well-known list lacks (CI runners, containers) still
    // leaks its sources; the evidence is the path itself, not a later one.
    let body = r#"{"backtrace":"at /builds/ci-7/demo-app/src/request_context.rs:35:9"}"#;
    let finding = scan(&Response { headers: &[], body })
        .into_iter()
        .find(|f| f.rule == "path.absolute")
        .expect("path.absolute fires");
    assert_eq!(
        finding.evidence,
        "/builds/ci-7/demo-app/src/request_context.rs"
    );
    let asset = r#"{"error":"No such file: /ci/7/demo-app/assets/cover.svg"}"#;
    assert!(body_findings(asset).contains(&"path.absolute"));
    // The boundary before the path (here a quote) is context, not evidence or mark.
    let quoted = r#"{"invoice_template":"/srv/shop/templates/invoice.txt"}"#;
    let finding = scan(&Response {
        headers: &[],
        body: quoted,
    })
    .into_iter()
    .find(|f| f.rule == "path.absolute")
    .expect("path.absolute fires");
    assert_eq!(finding.evidence, "/srv/shop/templates/invoice.txt");
    assert_eq!(
        &quoted[finding.offset..finding.offset + finding.length],
        "/srv/shop/templates/invoice.txt"
    );
    assert!(highlights(quoted).contains(&(finding.offset, finding.length, "path.absolute")));
    for clean in [
        "see https://example.com/docs/page.html",
        "GET /books/13.json then /problems/not-found",
        "the file report.html is attached",
        r#"<link href="/static/css/site.css"> <img src="/assets/img/logo.svg">"#,
        "at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/ops/function.rs",
    ] {
        assert!(
            !body_findings(clean).contains(&"path.absolute"),
            "path.absolute should not fire on {clean:?}"
        );
    }
}

#[test]
fn a_safe_problem_body_produces_no_finding() {
    let body = r#"{"type":"/problems/internal-error","title":"Internal Server Error","status":500,"detail":"The server could not complete the request. Quote the correlation id when you report it.","instance":"/books/13","correlation_id":"94808445-4a46-4d6c-8fe6-8764e90d0ce0"}"#;
    let headers = vec![
        (
            "content-type".to_string(),
            "application/problem+json".to_string(),
        ),
        (
            "x-request-id".to_string(),
            "94808445-4a46-4d6c-8fe6-8764e90d0ce0".to_string(),
        ),
        ("cache-control".to_string(), "no-store".to_string()),
    ];
    assert_eq!(
        scan(&Response {
            headers: &headers,
            body
        }),
        vec![]
    );
}

#[test]
fn version_headers_are_found_as_zap_does() {
    let headers = vec![
        ("Server".to_string(), "actix-web/4.18.1".to_string()),
        ("X-Powered-By".to_string(), "Rust/1.95.0".to_string()),
    ];
    let findings = scan(&Response {
        headers: &headers,
        body: "",
    });
    let ids: Vec<_> = findings.iter().map(|f| f.rule).collect();
    assert_eq!(ids, ["header.server-version", "header.x-powered-by"]);
    assert_eq!(findings[0].location, "header:server");

    let plain = vec![("Server".to_string(), "demo".to_string())];
    assert!(
        scan(&Response {
            headers: &plain,
            body: ""
        })
        .is_empty()
    );
}

#[test]
fn findings_point_at_the_evidence() {
    let body = "ok ... SELECT id FROM books ...";
    let finding = &scan(&Response { headers: &[], body })[0];
    assert_eq!(
        &body[finding.offset..finding.offset + finding.length],
        "SELECT id FROM books"
    );
    assert_eq!(finding.evidence, "SELECT id FROM books");
}

#[test]
fn the_rules_document_lists_every_rule() {
    let doc = include_str!("../../../docs/leak-rules.md");
    for rule in RULES {
        assert!(
            doc.contains(&format!("`{}`", rule.id)),
            "docs/leak-rules.md lacks {}",
            rule.id
        );
    }
}
