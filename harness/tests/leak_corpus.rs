//! The leak audit on saved responses of other stacks: `leak_samples/<stack>.leak.txt` is
//! what a careless service of that stack answers, `<stack>.safe.txt` what a careful one
//! answers instead (or ordinary content that looks alike). Every file is scanned exactly as
//! `harness scan` scans it. `leak_samples/expected.toml` lists, per leaking file, every rule
//! that must report it; the test prints recall and false positives per stack and per rule
//! and fails below 100 % recall, on any unlisted finding, or on any finding in a safe file.
//!
//! The same files, the scenario transcripts and fuzzed text also check that the anchored
//! scan returns exactly what the plain full-regex scan returns, and never panics.

use proptest::test_runner::{RngAlgorithm, TestRng};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use harness::leaks;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/leak_samples");

/// What `harness scan FILE` reports, as rule ids.
fn audit(text: &str) -> Vec<leaks::Finding> {
    let (headers, body) = leaks::split_saved_response(text);
    leaks::scan(&leaks::Response {
        headers: &headers,
        body,
    })
}

fn files(suffix: &str) -> Vec<(String, PathBuf)> {
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(SAMPLES)
        .expect("tests/leak_samples")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_str()?;
            let stack = name.strip_suffix(suffix)?.to_string();
            Some((stack, path))
        })
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> String {
    // As `harness scan` reads: bytes, then lossy UTF-8.
    String::from_utf8_lossy(&std::fs::read(path).expect("readable sample")).into_owned()
}

fn expected() -> BTreeMap<String, BTreeSet<String>> {
    let text =
        std::fs::read_to_string(Path::new(SAMPLES).join("expected.toml")).expect("expected.toml");
    let table: toml::Table = toml::from_str(&text).expect("expected.toml parses");
    table
        .into_iter()
        .map(|(stack, value)| {
            let rules = value
                .get("rules")
                .and_then(toml::Value::as_array)
                .unwrap_or_else(|| panic!("expected.toml: [{stack}] needs rules = [...]"))
                .iter()
                .map(|r| r.as_str().expect("rule ids are strings").to_string())
                .collect();
            (stack, rules)
        })
        .collect()
}

#[test]
fn every_stack_leak_is_found_and_no_safe_look_alike_is_flagged() {
    let expected = expected();
    let leaking = files(".leak.txt");
    let safe = files(".safe.txt");
    let mut problems = Vec::new();
    // Per rule: (files expected, files found, findings on safe files).
    let mut per_rule: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    println!(
        "\n{:<20} {:>8} {:>6} {:>7} {:>10} {:>8}",
        "stack", "expected", "found", "recall", "unexpected", "safe FP"
    );
    let (mut all_expected, mut all_found, mut all_unexpected, mut all_fp) = (0, 0, 0, 0);
    let safe_findings: BTreeMap<&str, Vec<leaks::Finding>> = safe
        .iter()
        .map(|(stack, path)| (stack.as_str(), audit(&read(path))))
        .collect();
    for (stack, path) in &leaking {
        let Some(want) = expected.get(stack) else {
            problems.push(format!("{stack}: no entry in expected.toml"));
            continue;
        };
        let got: BTreeSet<String> = audit(&read(path))
            .iter()
            .map(|f| f.rule.to_string())
            .collect();
        for rule in want {
            let entry = per_rule.entry(rule.clone()).or_default();
            entry.0 += 1;
            if got.contains(rule) {
                entry.1 += 1;
            }
        }
        let found = want.intersection(&got).count();
        let missed: Vec<_> = want.difference(&got).collect();
        let unexpected: Vec<_> = got.difference(want).collect();
        let fp = safe_findings.get(stack.as_str()).map_or(0, Vec::len);
        all_expected += want.len();
        all_found += found;
        all_unexpected += unexpected.len();
        all_fp += fp;
        println!(
            "{stack:<20} {:>8} {found:>6} {:>6.1}% {:>10} {fp:>8}",
            want.len(),
            100.0 * found as f64 / want.len().max(1) as f64,
            unexpected.len()
        );
        if !missed.is_empty() {
            problems.push(format!("{stack}: missed {missed:?}"));
        }
        if !unexpected.is_empty() {
            problems.push(format!("{stack}: reported {unexpected:?}, not in expected.toml (a false positive, or add it after review)"));
        }
    }
    for (stack, findings) in &safe_findings {
        for f in findings {
            per_rule.entry(f.rule.to_string()).or_default().2 += 1;
            problems.push(format!(
                "{stack}.safe.txt: false positive {} at {}: {}",
                f.rule, f.location, f.evidence
            ));
        }
        if !leaking.iter().any(|(s, _)| s == stack) {
            all_fp += findings.len();
            println!(
                "{stack:<20} {:>8} {:>6} {:>7} {:>10} {:>8}",
                "-",
                "-",
                "-",
                "-",
                findings.len()
            );
        }
    }
    println!(
        "{:<20} {all_expected:>8} {all_found:>6} {:>6.1}% {all_unexpected:>10} {all_fp:>8}   ({} leaking files, {} safe files)",
        "total",
        100.0 * all_found as f64 / all_expected.max(1) as f64,
        leaking.len(),
        safe.len()
    );
    println!(
        "\n{:<26} {:>8} {:>6} {:>7} {:>8}",
        "rule", "expected", "found", "recall", "safe FP"
    );
    for (rule, (want, found, fp)) in &per_rule {
        println!(
            "{rule:<26} {want:>8} {found:>6} {:>6.1}% {fp:>8}",
            100.0 * *found as f64 / (*want).max(1) as f64
        );
    }
    for stack in expected.keys() {
        if !leaking.iter().any(|(s, _)| s == stack) {
            problems.push(format!("expected.toml: [{stack}] has no {stack}.leak.txt"));
        }
    }
    assert!(
        leaking.len() >= 16,
        "the corpus covers at least 16 stacks, has {}",
        leaking.len()
    );
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Texts the anchored scan must agree on with the plain scan: every sample, every scenario
/// transcript (the lab's own dev and prod bodies), the benchmark bodies.
fn corpus() -> Vec<(String, String)> {
    let mut texts: Vec<(String, String)> = Vec::new();
    for dir in [
        SAMPLES,
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/benches/corpus"),
    ] {
        for entry in std::fs::read_dir(dir).expect("corpus dir") {
            let path = entry.expect("entry").path();
            texts.push((path.display().to_string(), read(&path)));
        }
    }
    for rule in leaks::RULES {
        for text in rule.samples.iter().chain(rule.lookalikes) {
            texts.push((rule.id.to_string(), text.to_string()));
        }
    }
    texts
}

#[test]
fn the_anchored_scan_equals_the_plain_scan_on_every_corpus_text() {
    let texts = corpus();
    assert!(texts.len() > 150, "{} texts", texts.len());
    for (name, text) in &texts {
        let (headers, body) = leaks::split_saved_response(text);
        let response = leaks::Response {
            headers: &headers,
            body,
        };
        assert_eq!(
            leaks::scan(&response),
            leaks::scan_plain(&response),
            "on {name}"
        );
    }
}

/// A seeded generator (proptest's, which the harness already uses), so a failure
/// reproduces: `below(n)` is a number in `0..n`.
fn below(rng: &mut TestRng, n: usize) -> usize {
    use proptest::prelude::*;
    rng.random_range(0..n)
}

#[test]
fn fuzzed_text_never_panics_and_scans_the_same_both_ways() {
    // Pieces of real leaks, anchors, escapes and multi-byte characters, glued at random
    // and cut at random byte offsets (then read as `harness scan` reads: lossy UTF-8), so
    // windows start and end inside characters, next to anchors and at the body's ends.
    let mut pieces: Vec<String> = vec![
        "é",
        "😀",
        "ß",
        "\u{212A}",
        "\u{17F}",
        "\\n\\tat ",
        "\\\"",
        "&quot;",
        "&#39;",
        "<br>",
        "</code>",
        "\n",
        " ",
        "\r\n\r\n",
        "HTTP/1.1 500 X\r\nServer: a/1\r\n\r\n",
        "/home/",
        ".rs:",
        "::",
        "10.",
        "ORA-",
        "at ",
        "(",
        ")",
        "\"",
        ":",
        "_exception",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for rule in leaks::RULES {
        pieces.extend(
            rule.anchors
                .iter()
                .map(|a| a.trim_start_matches("(?i)").to_string()),
        );
        pieces.extend(rule.samples.iter().map(|s| s.to_string()));
    }
    let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    for round in 0..3000 {
        let mut text = String::new();
        for _ in 0..below(&mut rng, 12) + 1 {
            text.push_str(&pieces[below(&mut rng, pieces.len())]);
        }
        let bytes = text.as_bytes();
        let (a, b) = (
            below(&mut rng, bytes.len() + 1),
            below(&mut rng, bytes.len() + 1),
        );
        let cut = String::from_utf8_lossy(&bytes[a.min(b)..a.max(b)]).into_owned();
        for text in [&text, &cut] {
            let (headers, body) = leaks::split_saved_response(text);
            let response = leaks::Response {
                headers: &headers,
                body,
            };
            let anchored = leaks::scan(&response);
            assert_eq!(
                anchored,
                leaks::scan_plain(&response),
                "round {round} on {text:?}"
            );
            let _ = leaks::highlights(body);
        }
    }
}
