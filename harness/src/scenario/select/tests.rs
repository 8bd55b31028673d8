use std::path::Path;

use super::{glob_match, select};
use crate::scenario::{Classes, Scenario, Vocabulary, parse};

/// A scenario with this id and class, loaded from `file` (relative to the folder).
fn scenario(id: &str, class: &str, file: &str) -> Scenario {
    let text = format!(
        "id = \"{id}\"\nclass = \"{class}\"\ntitle = \"t\"\nsummary = \"s\"\n\n\
         [notes]\nnotice = \"n\"\nwhy = \"w\"\nfix = \"f\"\n\n\
         [[steps]]\nmethod = \"GET\"\npath = \"/healthz\"\n"
    );
    let vocabulary = Vocabulary {
        classes: Classes::lab(),
        app_settings: Vec::new(),
        tracker_setting: None,
    };
    let mut scenario = parse(file, &text, &vocabulary).expect("a valid scenario");
    scenario.file = file.to_string();
    scenario
}

/// The lab's own lesson, a scenario an attendee added to its class, and a scenario whose
/// id is not its file name.
fn lab() -> Vec<Scenario> {
    vec![
        scenario(
            "crash.unwrap-none",
            "crash.unwrap-none",
            "crash/unwrap-none.toml",
        ),
        scenario(
            "crash.unwrap-none.my-case",
            "crash.unwrap-none",
            "crash/my-case.toml",
        ),
        scenario(
            "db.connection-lost.locked",
            "db.connection-lost",
            "db/database-locked.toml",
        ),
    ]
}

fn ids(scenarios: &[Scenario], pattern: &str) -> Vec<String> {
    select(scenarios, &[pattern.to_string()], Path::new("/nonexistent"))
        .expect("something matches")
        .iter()
        .map(|s| s.id().to_string())
        .collect()
}

#[test]
fn an_exact_id_selects_that_scenario_only_not_its_whole_class() {
    assert_eq!(ids(&lab(), "crash.unwrap-none"), ["crash.unwrap-none"]);
}

#[test]
fn class_prefix_selects_every_scenario_of_the_class() {
    assert_eq!(
        ids(&lab(), "class:crash.unwrap-none"),
        ["crash.unwrap-none", "crash.unwrap-none.my-case"]
    );
}

#[test]
fn a_class_that_is_no_id_selects_its_scenarios() {
    assert_eq!(
        ids(&lab(), "db.connection-lost"),
        ["db.connection-lost.locked"]
    );
}

#[test]
fn a_file_path_relative_to_the_folder_selects_with_or_without_toml() {
    for pattern in [
        "db/database-locked",
        "db/database-locked.toml",
        "./db/database-locked.toml",
    ] {
        assert_eq!(
            ids(&lab(), pattern),
            ["db.connection-lost.locked"],
            "{pattern}"
        );
    }
}

#[test]
fn a_path_on_disk_selects_the_scenario_loaded_from_it() {
    let temp = tempfile::tempdir().expect("a temp folder");
    let root = temp.path().to_path_buf();
    std::fs::create_dir_all(root.join("db")).expect("folder");
    std::fs::write(root.join("db/database-locked.toml"), "").expect("file");
    let on_disk = root.join("db/database-locked.toml").display().to_string();
    let without_toml = root.join("db/database-locked").display().to_string();
    let lab = lab();
    for pattern in [on_disk, without_toml] {
        let picked = select(&lab, std::slice::from_ref(&pattern), &root).expect("matches");
        let picked: Vec<&str> = picked.iter().map(|s| s.id()).collect();
        assert_eq!(picked, ["db.connection-lost.locked"], "{pattern}");
    }
}

#[test]
fn globs_match_ids_files_and_classes() {
    assert_eq!(ids(&lab(), "crash.*").len(), 2);
    assert_eq!(ids(&lab(), "db/*"), ["db.connection-lost.locked"]);
    assert_eq!(ids(&lab(), "crash/my-*"), ["crash.unwrap-none.my-case"]);
}

#[test]
fn a_near_miss_suggests_the_file_name() {
    let error = select(&lab(), &["db.database-locked".to_string()], Path::new("."))
        .expect_err("no such id");
    assert!(
        error
            .to_string()
            .contains("did you mean `db/database-locked`"),
        "{error}"
    );
}

#[test]
fn an_unknown_class_suggests_a_known_one() {
    let error = select(
        &lab(),
        &["class:crash.unwrap-nne".to_string()],
        Path::new("."),
    )
    .expect_err("no such class");
    assert!(error.to_string().contains("crash.unwrap-none"), "{error}");
}

#[test]
fn globs_match_like_a_shell() {
    assert!(glob_match("db/*", "db/deadlock"));
    assert!(!glob_match("db/*", "db/x/deadlock"));
    assert!(glob_match("**/deadlock", "db/x/deadlock"));
    assert!(glob_match("crash.*", "crash.unwrap-none"));
    assert!(glob_match("crash.unwrap-non?", "crash.unwrap-none"));
    assert!(!glob_match("crash", "crash.unwrap-none"));
}
