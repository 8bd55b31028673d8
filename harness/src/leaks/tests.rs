use super::*;

fn body_findings(body: &str) -> Vec<&'static str> {
    scan(&Response { headers: &[], body })
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

fn header_findings(name: &str, value: &str) -> Vec<&'static str> {
    let headers = vec![(name.to_string(), value.to_string())];
    scan(&Response {
        headers: &headers,
        body: "",
    })
    .into_iter()
    .map(|f| f.rule)
    .collect()
}

#[test]
fn every_rule_compiles_and_ids_are_unique() {
    for rule in &scanner().body {
        assert!(rule.compile_now() > 0, "{}", rule.rule.id);
    }
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len());
}

#[test]
fn each_rule_fires_on_its_samples_and_not_on_lookalikes() {
    for rule in RULES {
        assert!(!rule.samples.is_empty(), "{} has no sample", rule.id);
        assert!(!rule.lookalikes.is_empty(), "{} has no look-alike", rule.id);
        assert!(!rule.guard.is_empty(), "{} documents no guard", rule.id);
        let fired = |text: &str| match rule.scope {
            Scope::Body => body_findings(text),
            Scope::Header(name) => header_findings(name, text),
        };
        for sample in rule.samples {
            assert!(
                fired(sample).contains(&rule.id),
                "{} should fire on {sample:?}",
                rule.id
            );
        }
        for lookalike in rule.lookalikes {
            let got = fired(lookalike);
            assert!(
                !got.contains(&rule.id),
                "{} should not fire on {lookalike:?}, got {got:?}",
                rule.id
            );
        }
    }
}

#[test]
fn every_match_of_every_rule_contains_one_of_its_anchors() {
    // What makes the anchored scan exact: proved on each pattern's syntax tree.
    let uncovered: Vec<&str> = RULES
        .iter()
        .filter(|r| r.scope == Scope::Body)
        .filter(|r| r.anchors.is_empty() || !coverage::anchors_cover(&r.regex(), r.anchors))
        .map(|r| r.id)
        .collect();
    assert!(
        uncovered.is_empty(),
        "a match of these rules may contain none of their anchors: {uncovered:?}"
    );
}

#[test]
fn every_body_rule_matches_a_bounded_non_empty_text() {
    for rule in RULES.iter().filter(|r| r.scope == Scope::Body) {
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(&rule.regex())
            .expect("parses");
        let props = hir.properties();
        assert!(
            props.minimum_len().is_some_and(|n| n > 0),
            "{} can match the empty text",
            rule.id
        );
        let longest = props.maximum_len();
        assert!(
            longest.is_some_and(|n| n <= 64 << 10),
            "{} matches unbounded or huge texts ({longest:?} bytes): bound its repetitions",
            rule.id
        );
    }
}

#[test]
fn the_windowed_scan_equals_the_plain_scan_at_window_edges() {
    // Matches that start or end exactly at a window's edge, look-arounds just outside it,
    // anchors near the body's ends and multi-byte characters where a window is cut.
    let texts = [
        "panicked at".to_string(),
        "xpanicked at src/a.rs:1:2".to_string(),
        "é/home/ada/x é".to_string(),
        "10.0.0.1".to_string(),
        "1010.0.0.1 10.0.0.1".to_string(),
        "ü".repeat(300) + "SELECT a FROM b" + &"ü".repeat(300),
        format!("{}/home/ada/{}", "😀".repeat(100), "ß".repeat(200)),
        "code: \"40P01\" code: \"4\"".to_string(),
    ];
    for text in texts.iter().map(String::as_str) {
        let response = Response {
            headers: &[],
            body: text,
        };
        assert_eq!(scan(&response), scan_plain(&response), "on {text:?}");
    }
}

#[test]
fn the_clean_benchmark_traffic_is_clean() {
    let text = clean_json_lines(2 << 20);
    assert!(text.len() >= 2 << 20 && text.ends_with('\n'));
    assert_eq!(text, clean_json_lines(2 << 20), "deterministic");
    let response = Response {
        headers: &[],
        body: &text,
    };
    let findings = scan(&response);
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(findings, scan_plain(&response));
}

#[test]
fn the_anchor_finder_finds_every_occurrence_an_automaton_finds() {
    // Anchors glued together and to odd bytes, in random case, overlapping, at the very
    // start and end of the text: every occurrence, exactly as Aho-Corasick reports them.
    let scanner = scanner();
    let mut pieces: Vec<String> = vec![
        "é".into(),
        "😀".into(),
        " ".into(),
        "\n".into(),
        "x".into(),
        ":".into(),
    ];
    for rule in RULES {
        pieces.extend(
            rule.anchors
                .iter()
                .map(|a| a.trim_start_matches("(?i)").to_string()),
        );
    }
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    // The reference: Aho-Corasick automata (exact, and ASCII case-insensitive) over the
    // whole text, every overlapping match.
    let automata: Vec<(aho_corasick::AhoCorasick, Vec<Vec<u8>>)> = [false, true]
        .into_iter()
        .map(|folded| {
            let texts: Vec<Vec<u8>> = scanner
                .finder()
                .anchors()
                .iter()
                .filter(|a| a.folded == folded)
                .map(|a| a.text.clone())
                .collect();
            let automaton = aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::Standard)
                .ascii_case_insensitive(folded)
                .build(&texts)
                .expect("anchors build");
            (automaton, texts)
        })
        .collect();
    let by_automaton = |text: &str| {
        let mut found: Vec<(Vec<u8>, usize)> = automata
            .iter()
            .flat_map(|(automaton, texts)| {
                automaton
                    .find_overlapping_iter(text)
                    .map(|m| (texts[m.pattern().as_usize()].clone(), m.start()))
            })
            .collect();
        found.sort();
        found
    };
    let mut texts = vec![clean_json_lines(256 << 10)];
    for _ in 0..2000 {
        let mut text = String::new();
        for _ in 0..next(6) + 1 {
            let piece = &pieces[next(pieces.len())];
            let cased: String = piece
                .chars()
                .map(|c| {
                    if next(3) == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect();
            text.push_str(&cased);
        }
        texts.push(text);
    }
    for text in &texts {
        assert_eq!(
            scanner.anchor_occurrences(text),
            by_automaton(text),
            "on {:?}",
            text.get(..200).unwrap_or(text)
        );
    }
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
        r#"{"cover":"https://cdn.example.com/covers/2026/11/9781098.jpg"}"#,
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
    assert!(header_findings("Server", "demo").is_empty());
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
fn a_version_in_a_catalogue_is_not_a_disclosure_but_a_footer_is() {
    let catalogue =
        r#"[{"title":"Learning Python 3.12","price":"39.90"},{"title":"Django 5.0 by Example"}]"#;
    assert!(!body_findings(catalogue).contains(&"version.disclosure"));
    let footer = "<hr><address>Apache/2.4.57 (Debian) Server at shop.example Port 80</address>";
    assert!(body_findings(footer).contains(&"version.disclosure"));
}

#[test]
fn rules_print_in_aligned_columns() {
    let table = rules_table();
    let lines: Vec<&str> = table.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(
        lines.len(),
        RULES.len() + 1,
        "a header and one line per rule"
    );
    // Every column starts at the same character offset on every line.
    let title_at = |line: &str| {
        let id = line.split_whitespace().next().unwrap_or_default();
        line.find(rule(id).map_or("title", |r| r.title))
    };
    let first = title_at(lines[0]).expect("title column");
    for line in &lines[1..] {
        assert_eq!(title_at(line), Some(first), "misaligned: {line}");
    }
}

#[test]
fn the_rules_document_is_generated_from_the_rules() {
    const BEGIN: &str = "<!-- BEGIN generated by leaks::rules_markdown; do not edit -->\n";
    const END: &str = "<!-- END generated -->";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/leak-rules.md");
    let doc = std::fs::read_to_string(path).expect("docs/leak-rules.md");
    let (head, rest) = doc.split_once(BEGIN).expect("the BEGIN marker");
    let (block, tail) = rest.split_once(END).expect("the END marker");
    let generated = rules_markdown();
    if block != generated && std::env::var_os("UPDATE_LEAK_RULES_DOC").is_some() {
        std::fs::write(path, format!("{head}{BEGIN}{generated}{END}{tail}")).expect("write");
        return;
    }
    assert!(
        block == generated,
        "docs/leak-rules.md is out of date: run `UPDATE_LEAK_RULES_DOC=1 cargo test -p harness --lib leaks` and review the diff"
    );
}

/// Where the scan's time goes on clean traffic, rule by rule (a diagnostic, not a check):
/// `cargo test --release -p harness --lib where_the_time_goes -- --ignored --nocapture`.
#[test]
#[ignore]
fn where_the_time_goes() {
    let text = clean_json_lines(16 << 20);
    let scanner = scanner();
    let (samples, passed, keyed, top) = scanner.finder().stats(text.as_bytes());
    eprintln!(
        "{samples} samples, {passed} passed the filter, {keyed} windows looked up; most: {top:?}"
    );
    let timed = |work: &mut dyn FnMut()| {
        let start = std::time::Instant::now();
        work();
        start.elapsed()
    };
    let mut windows = Vec::new();
    eprintln!(
        "anchors and windows: {:?}",
        timed(&mut || windows = scanner.windows(&text))
    );
    for (r, rule) in scanner.body.iter().enumerate() {
        let covered: usize = windows[r].iter().map(|w| w.len()).sum();
        let anchored =
            timed(&mut || assert!(rule.spans_in(&text, &windows[r]).count() < usize::MAX));
        let plain = timed(&mut || assert!(rule.spans(&text).count() < usize::MAX));
        eprintln!(
            "{:28} {:5.1}% of the text in windows: {anchored:>10.3?} (plain: {plain:>10.3?})",
            rule.rule.id,
            100.0 * covered as f64 / text.len() as f64,
        );
    }
}

#[test]
#[ignore]
fn where_the_time_goes_on_a_dev_body() {
    let text = include_str!("../../benches/corpus/dev-debug.json").repeat(1);
    let scanner = scanner();
    let windows = scanner.windows(&text);
    let mut rows = Vec::new();
    for (r, rule) in scanner.body.iter().enumerate() {
        let covered: usize = windows[r].iter().map(|w| w.len()).sum();
        let _ = rule.spans_in(&text, &windows[r]).count();
        let start = std::time::Instant::now();
        for _ in 0..200 {
            assert!(rule.spans_in(&text, &windows[r]).count() < usize::MAX);
        }
        let anchored = start.elapsed() / 200;
        let start = std::time::Instant::now();
        for _ in 0..200 {
            assert!(rule.spans_in(&text, &windows[r]).next() != Some((usize::MAX, 0)));
        }
        let plain = start.elapsed() / 200;
        rows.push((anchored, plain, rule.rule.id, covered));
    }
    rows.sort();
    for (anchored, plain, id, covered) in rows.iter().rev() {
        eprintln!(
            "{id:28} {covered:6} bytes in windows: all {anchored:>10.3?}, first {plain:>10.3?}"
        );
    }
    let start = std::time::Instant::now();
    for _ in 0..200 {
        let _ = scanner.windows(&text);
    }
    eprintln!(
        "anchors and windows: {:?} of {} bytes",
        start.elapsed() / 200,
        text.len()
    );
}
