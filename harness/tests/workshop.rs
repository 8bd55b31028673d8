//! docs/workshop.md's exercises run what their headings promise: each exercise's `Run:`
//! command selects exactly the failure classes its heading names, no more (an exercise
//! that runs the next one's class spoils it) and no fewer.

use std::collections::BTreeSet;
use std::path::Path;

/// The backticked words of a heading `### N. Title: `a`, `b``.
fn heading_patterns(heading: &str) -> Vec<String> {
    let listed = heading.split_once(": ").map_or("", |(_, rest)| rest);
    listed
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The patterns of a `cargo run -p harness -- run ...` command, up to its first flag, with
/// the shell's single quotes removed.
fn command_patterns(command: &str) -> Option<Vec<String>> {
    let args = command.strip_prefix("cargo run -p harness -- run ")?;
    Some(
        args.split_whitespace()
            .take_while(|word| !word.starts_with("--"))
            .map(|word| word.trim_matches('\'').to_string())
            .collect(),
    )
}

#[test]
fn every_exercise_runs_the_classes_its_heading_names() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = repo.join("scenarios");
    let folder = harness::app::load_scenarios(&root).expect("the scenarios folder reads");
    let workshop = std::fs::read_to_string(repo.join("docs/workshop.md")).expect("workshop");
    let classes_of = |patterns: &[String]| -> BTreeSet<String> {
        harness::scenario::select(&folder.scenarios, patterns, &root)
            .unwrap_or_else(|e| panic!("{patterns:?}: {e}"))
            .iter()
            .map(|s| s.class().to_string())
            .collect()
    };
    let mut checked = 0;
    let mut wrong = Vec::new();
    let mut heading: Option<&str> = None;
    // The text from one `Run:` to the end of its paragraph (a command may wrap).
    let exercises = workshop.split("\n### ").skip(1);
    for exercise in exercises {
        let title = exercise.lines().next().unwrap_or("");
        heading = Some(title);
        let promised = heading_patterns(title);
        let Some(run) = exercise.split("Run: `").nth(1) else {
            continue;
        };
        let command = run.split('`').next().unwrap_or("").replace('\n', " ");
        let (Some(patterns), false) = (command_patterns(&command), promised.is_empty()) else {
            continue;
        };
        checked += 1;
        let (runs, names) = (classes_of(&patterns), classes_of(&promised));
        if runs != names {
            wrong.push(format!("### {title}\n  runs {runs:?}\n  names {names:?}"));
        }
    }
    assert!(
        heading.is_some() && checked >= 6,
        "only {checked} exercises read"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
