//! Scenarios folders as an attendee or an auditor meets them: `new` writes a file that
//! runs, `show` and selections find it, and a folder brings its own failure classes
//! (`classes.toml`), or uses the lab's.

mod common;

use std::path::Path;
use std::process::Command;

use common::{harness, tempdir};

#[test]
fn new_writes_a_scenario_that_runs_and_never_overwrites() {
    let dir = tempdir::Dir::new("new");
    let output = harness(&["new", "crash.unwrap-none", "empty-cart"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let file = dir.path().join("crash/empty-cart.toml");
    let written = std::fs::read_to_string(&file).expect("the file is written");
    assert!(written.contains("id = \"crash.unwrap-none.empty-cart\""));

    let again = harness(&["new", "crash.unwrap-none", "empty-cart"], dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    assert_eq!(
        std::fs::read_to_string(&file).expect("still there"),
        written,
        "the file is untouched"
    );

    let typo = harness(&["new", "crash.unwrp-none", "x"], dir.path());
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&typo.stderr).contains("Did you mean `crash.unwrap-none`?"),
        "{typo:?}"
    );

    // The template runs as it is against the real app, in every mode.
    let run_in_every_mode = || {
        harness(
            &[
                "run",
                "crash.unwrap-none.empty-cart",
                "--backend",
                "sqlite",
                "--mode",
                "all",
            ],
            dir.path(),
        )
    };
    let run = run_in_every_mode();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("3 passed, 0 failed"), "{stdout}");

    // Without its [steps.bare] table, a bare run says so and fails instead of passing on
    // nothing; dev and prod are untouched.
    let without_bare = written.replace("[steps.bare]\nheaders_absent = [\"x-request-id\"]\n", "");
    assert_ne!(
        without_bare, written,
        "the template has a [steps.bare] table"
    );
    std::fs::write(&file, without_bare).expect("rewritten");
    let run = run_in_every_mode();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("2 passed, 1 failed"), "{stdout}");
    assert!(
        stdout.contains("bare: the scenario does not say what bare answers"),
        "{stdout}"
    );
}

#[test]
fn the_commands_new_prints_run_as_pasted_from_a_folder_outside_the_repository() {
    let dir = tempdir::Dir::new("pasted");
    let output = harness(&["new", "crash.unwrap-none", "my-case"], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // Outside the checkout the snapshot test never sees the file: no hint that says so.
    assert!(!stdout.contains("INSTA_UPDATE"), "{stdout}");
    let line = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("run it: cargo run -p harness -- "))
        .unwrap_or_else(|| panic!("no run line in:\n{stdout}"));
    assert!(line.contains("--scenarios"), "{line}");
    // Pasted somewhere else, as a newcomer would: the command finds the new scenario.
    let pasted = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(line.split_whitespace())
        .args(["--backend", "sqlite"])
        .current_dir(std::env::temp_dir())
        .env("NO_COLOR", "1")
        .output()
        .expect("harness runs");
    let out = String::from_utf8_lossy(&pasted.stdout);
    assert_eq!(pasted.status.code(), Some(0), "{out}{pasted:?}");
    assert!(out.contains("2 passed, 0 failed"), "{out}");

    let shown = harness(&["show", "crash.unwrap-none.my-case"], dir.path());
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains(&format!("Run it: cargo run -p harness -- {line}")),
        "{shown}"
    );
}

#[test]
fn an_id_selects_its_scenario_not_the_new_ones_of_its_class() {
    let dir = tempdir::Dir::new("select");
    let lesson = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/crash/unwrap-none.toml");
    std::fs::create_dir_all(dir.path().join("crash")).expect("folder");
    std::fs::copy(lesson, dir.path().join("crash/unwrap-none.toml")).expect("copy");
    let new = harness(&["new", "crash.unwrap-none", "my-case"], dir.path());
    assert_eq!(new.status.code(), Some(0), "{new:?}");
    let shown = |pattern: &str| {
        let output = harness(&["show", pattern], dir.path());
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        String::from_utf8_lossy(&output.stdout)
            .matches("Run it:")
            .count()
    };
    assert_eq!(shown("crash.unwrap-none"), 1, "the id names one scenario");
    assert_eq!(shown("class:crash.unwrap-none"), 2, "class: names them all");
}

#[test]
fn show_takes_a_scenario_file_relative_to_the_folder_or_the_current_directory() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for pattern in [
        "db/database-locked",
        "db/database-locked.toml",
        "scenarios/db/database-locked.toml",
        "scenarios/db/database-locked",
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["show", pattern])
            .current_dir(&repo)
            .env("NO_COLOR", "1")
            .output()
            .expect("harness runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{pattern}: {output:?}");
        assert!(
            stdout.contains("db.connection-lost.locked"),
            "{pattern}: {stdout}"
        );
    }
}

/// A scenario of another service's own class, as a `--target` audit would bring it.
const AUDIT: &str = r#"id = "shop.checkout-500"
class = "shop.checkout"
title = "t"
summary = "s"

[notes]
notice = "n"
why = "w"
fix = "f"

[[steps]]
path = "/checkout"
"#;

#[test]
fn a_folder_brings_its_own_failure_classes() {
    let dir = tempdir::Dir::new("own-classes");
    std::fs::create_dir_all(dir.path().join("shop")).expect("folder");
    std::fs::write(dir.path().join("shop/checkout.toml"), AUDIT).expect("scenario");

    // Without a classes.toml the lab's list applies, and it has no `shop.checkout`.
    let lab = harness(&["list"], dir.path());
    assert_eq!(lab.status.code(), Some(2), "{lab:?}");
    assert!(String::from_utf8_lossy(&lab.stderr).contains("unknown failure class `shop.checkout`"));

    std::fs::write(
        dir.path().join("classes.toml"),
        "[[class]]\nid = \"shop.checkout\"\ntitle = \"the checkout answers 500\"\n",
    )
    .expect("classes");
    let own = harness(&["show", "shop.checkout-500"], dir.path());
    let stdout = String::from_utf8_lossy(&own.stdout);
    assert_eq!(own.status.code(), Some(0), "{own:?}");
    assert!(
        stdout.contains("class      shop.checkout (the checkout answers 500)"),
        "{stdout}"
    );
    let listed = harness(&["list"], dir.path());
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("1 scenarios in"),
        "{listed:?}"
    );
}

#[test]
fn a_malformed_classes_file_is_located_with_a_hint() {
    let dir = tempdir::Dir::new("bad-classes");
    std::fs::create_dir_all(dir.path().join("shop")).expect("folder");
    std::fs::write(dir.path().join("shop/checkout.toml"), AUDIT).expect("scenario");
    std::fs::write(
        dir.path().join("classes.toml"),
        "[[class]]\nid = \"Shop Checkout\"\ntitle = \"t\"\n",
    )
    .expect("classes");
    let output = harness(&["list"], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("classes.toml:2:6"), "{stderr}");
    assert!(
        stderr.contains("= help: Write it like `crash.unwrap-none`"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
