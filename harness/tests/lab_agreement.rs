//! The lab's concepts agree with each other: every failure class in
//! `scenarios/classes.toml` is taught by at least one scenario, has a section in
//! docs/failure-classes.md, and has a reviewed solution in `docs/solutions/`; every scenario
//! teaches a listed class. (Markers in demo-app/src and the docs' order are checked next to
//! the class list, in `scenario::classes`.) Adding a class without its scenario, docs
//! section or solution fails here, with the missing piece named.

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn every_class_has_a_scenario_a_docs_section_and_a_solution() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let folder =
        harness::app::load_scenarios(&repo.join("scenarios")).expect("the scenarios folder reads");
    assert!(
        folder.errors.is_empty(),
        "scenario errors: {:?}",
        folder.errors
    );
    let classes: BTreeSet<&str> = folder.vocabulary.classes.ids().collect();
    let taught: BTreeSet<&str> = folder.scenarios.iter().map(|s| s.class()).collect();
    let docs = std::fs::read_to_string(repo.join("docs/failure-classes.md")).expect("docs");
    let mut missing = Vec::new();
    for class in &classes {
        if !taught.contains(class) {
            missing.push(format!("{class}: no scenario in scenarios/ teaches it"));
        }
        if !docs
            .lines()
            .any(|line| line.trim() == format!("## {class}"))
        {
            missing.push(format!(
                "{class}: no `## {class}` section in docs/failure-classes.md"
            ));
        }
        if !repo.join(format!("docs/solutions/{class}.patch")).is_file() {
            missing.push(format!("{class}: no docs/solutions/{class}.patch"));
        }
    }
    for class in taught.difference(&classes) {
        missing.push(format!(
            "{class}: taught by a scenario but not in scenarios/classes.toml"
        ));
    }
    assert!(
        missing.is_empty(),
        "the lab disagrees with itself:\n{}",
        missing.join("\n")
    );
    for scenario in &folder.scenarios {
        assert!(
            scenario.has_fixed_expectations(),
            "{}: no [steps.fixed] or [startup.fixed], so `harness check` cannot tell a fix",
            scenario.file
        );
    }
}
