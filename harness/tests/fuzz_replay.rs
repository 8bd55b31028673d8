//! A dev fuzz run's saved regressions are replayed first on the next run: every kind of
//! bucket, the site-wide one (a version banner in every response's headers) included, whose
//! saved key once named the operation `* *` that replay never matched.

mod common;

use std::path::Path;

use common::{harness, tempdir};

fn fuzz(save: &Path) -> serde_json::Value {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let save = save.display().to_string();
    let output = harness(
        &[
            "fuzz",
            "--mode",
            "dev",
            "--backend",
            "sqlite",
            "--requests",
            "300",
            "--seed",
            "7",
            "--seconds",
            "60",
            "--save",
            &save,
            "--format",
            "json",
        ],
        &scenarios,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "dev has severe buckets: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("JSON ({e}): {stdout}"))
}

fn buckets(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|run| run["buckets"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn saved_regressions_of_every_kind_are_replayed_first_on_the_next_run() {
    let dir = tempdir::Dir::new("fuzz-replay");
    let first = fuzz(dir.path());
    let file = dir.path().join("demo-app.jsonl");
    let saved: Vec<serde_json::Value> = std::fs::read_to_string(&file)
        .expect("the first run saved its severe buckets")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a saved case"))
        .collect();
    let site_wide = |bucket: &str| bucket.starts_with("* * ");
    assert!(
        saved
            .iter()
            .any(|s| site_wide(s["bucket"].as_str().unwrap_or(""))),
        "dev's version banners make a site-wide bucket: {saved:#?}"
    );
    assert!(
        saved
            .iter()
            .any(|s| !site_wide(s["bucket"].as_str().unwrap_or(""))),
        "and route buckets: {saved:#?}"
    );
    assert!(
        buckets(&first).iter().all(|b| b["replayed"] == false),
        "nothing was saved before the first run"
    );

    let again = buckets(&fuzz(dir.path()));
    for case in &saved {
        let key = case["bucket"].as_str().unwrap_or("");
        let found = again.iter().any(|b| {
            b["replayed"] == true
                && if site_wide(key) {
                    b["method"] == "*"
                } else {
                    b["method"] == case["method"] && b["route"] == case["route"]
                }
        });
        assert!(
            found,
            "the saved `{key}` was replayed into its bucket: {again:#?}"
        );
    }
}
