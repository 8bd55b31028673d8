//! SARIF from `audit`, `scan` and `fuzz`: validated against the SARIF 2.1.0 JSON schema, and
//! checked for what GitHub code scanning needs beyond the schema: relative artifact URIs
//! with `originalUriBaseIds`, `partialFingerprints`, `security-severity` and CWE tags.
//!
//! The schema and validator come from package registries at test time: `.ci/sarif-tools`
//! fetches npm's @microsoft/jest-sarif (which ships sarif-2.1.0-rtm.5.json) and makes a
//! venv with PyPI's jsonschema, and prints the folder for CRASH_COURSE_SARIF_TOOLS.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::tempdir::Dir;

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn sarif_of(args: &[&str]) -> serde_json::Value {
    let output = common::harness(args, &scenarios());
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON: {e}"))
}

/// What GitHub's upload checks and ranks by.
fn assert_github_ready(log: &serde_json::Value, with_base: bool) {
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(
        run["tool"]["driver"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    for rule in rules {
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(
                rule[field]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{field} of {rule}"
            );
        }
        let severity: f64 = rule["properties"]["security-severity"]
            .as_str()
            .expect("security-severity")
            .parse()
            .expect("a number");
        assert!((0.1..=10.0).contains(&severity));
        let tags = rule["properties"]["tags"].as_array().expect("tags");
        assert!(
            tags.iter().any(|t| t
                .as_str()
                .is_some_and(|t| t.starts_with("external/cwe/cwe-"))),
            "{rule}"
        );
    }
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty(), "a flawed target gives results");
    for result in results {
        let id = result["ruleId"].as_str().expect("ruleId");
        assert!(rules.iter().any(|r| r["id"] == id), "{id} has a rule");
        assert!(
            result["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let location = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        let uri = location["uri"].as_str().expect("uri");
        assert!(
            !uri.contains("://") && !uri.starts_with('/'),
            "relative: {uri}"
        );
        if with_base {
            assert_eq!(location["uriBaseId"], "TARGET");
        }
        let fingerprints = result["partialFingerprints"]
            .as_object()
            .expect("partialFingerprints");
        assert!(!fingerprints.is_empty());
    }
    if with_base {
        let base = run["originalUriBaseIds"]["TARGET"]["uri"]
            .as_str()
            .expect("base");
        assert!(base.starts_with("http") && base.ends_with('/'), "{base}");
    }
}

/// Validates against the schema, or says loudly why it could not (CI must).
fn assert_schema_valid(log: &serde_json::Value, dir: &Path, name: &str) {
    let Ok(tools) = std::env::var("CRASH_COURSE_SARIF_TOOLS") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set CRASH_COURSE_SARIF_TOOLS (run .ci/sarif-tools)"
        );
        eprintln!(
            "SKIPPED schema validation of {name}: set CRASH_COURSE_SARIF_TOOLS=$(bash .ci/sarif-tools)"
        );
        return;
    };
    let tools = PathBuf::from(tools);
    let file = dir.join(format!("{name}.sarif"));
    std::fs::write(&file, serde_json::to_string_pretty(log).expect("json")).expect("write");
    let script = "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\ndoc=json.load(open(sys.argv[2]))\nerrors=list(jsonschema.Draft4Validator(schema).iter_errors(doc))\nfor e in errors[:10]: print('/'.join(map(str,e.path)), e.message[:300])\nsys.exit(1 if errors else 0)";
    let output = Command::new(tools.join("venv/bin/python"))
        .args(["-c", script])
        .arg(tools.join("sarif-schema-2.1.0.json"))
        .arg(&file)
        .output()
        .expect("the validator runs");
    assert!(
        output.status.success(),
        "{name} is not valid SARIF 2.1.0:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn audit_scan_and_fuzz_write_sarif_that_validates_and_github_accepts() {
    let dir = Dir::new("sarif");
    let audit = sarif_of(&[
        "audit", "--mode", "bare", "--budget", "20", "--format", "sarif",
    ]);
    assert_github_ready(&audit, true);
    let rules = audit["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(
        rules.iter().any(|r| r["id"] == "asvs5-16.5.4"),
        "a rule per control"
    );
    assert!(
        rules.iter().any(|r| r["id"] == "rust.backtrace"),
        "a rule per leak rule"
    );
    assert!(
        audit["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .any(|r| r["ruleId"] == "asvs5-16.5.4"),
        "bare's dropped connection"
    );
    assert_schema_valid(&audit, dir.path(), "audit");

    let saved = dir.path().join("response.txt");
    std::fs::write(&saved, "HTTP/1.1 500 Internal Server Error\r\nserver: nginx/1.25.3\r\n\r\nthread 'actix-rt|system:0|arbiter:0' panicked at src/routes/books.rs:41:10:\ncalled `Option::unwrap()` on a `None` value").expect("saved");
    let scan = sarif_of(&["scan", saved.to_str().expect("path"), "--format", "sarif"]);
    assert_github_ready(&scan, false);
    assert_schema_valid(&scan, dir.path(), "scan");

    let fuzz = sarif_of(&[
        "fuzz",
        "--mode",
        "bare",
        "--backend",
        "sqlite",
        // One valid request per operation (40 of them) and then some: enough that the
        // flawed target's crash inputs come up, whatever operations the spec grows.
        "--requests",
        "150",
        "--seconds",
        "20",
        "--format",
        "sarif",
        "--save",
        dir.path().to_str().expect("path"),
    ]);
    assert_github_ready(&fuzz, true);
    assert_schema_valid(&fuzz, dir.path(), "fuzz");
}
