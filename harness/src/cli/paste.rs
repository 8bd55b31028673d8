//! Commands the harness prints for the user to paste. They must run as printed: a hint
//! that drops the `--scenarios DIR` the user gave fails with `no scenario matches`.

use std::path::Path;

/// `cargo run -p harness -- run ID`, with `--scenarios DIR` when the folder was given.
pub fn run_command(id: &str, scenarios_flag: Option<&Path>) -> String {
    let mut command = format!("cargo run -p harness -- run {}", shell_word(id));
    if let Some(dir) = scenarios_flag {
        command.push_str(" --scenarios ");
        command.push_str(&shell_word(&dir.to_string_lossy()));
    }
    command
}

/// Whether `root` is the lab's own scenarios folder, the one `harness/tests/snapshots.rs`
/// snapshots: a `scenarios/` folder next to that test in a checkout.
pub fn is_the_labs_folder(root: &Path) -> bool {
    let checkout = match root.parent() {
        Some(parent) if parent.as_os_str().is_empty() => Path::new("."),
        Some(parent) => parent,
        None => return false,
    };
    root.file_name().is_some_and(|name| name == "scenarios")
        && checkout.join("harness/tests/snapshots.rs").is_file()
}

/// A word for a POSIX shell: as it is when it holds only characters no shell treats
/// specially, otherwise in single quotes (with `'` written `'\''`).
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_given_is_part_of_the_command() {
        assert_eq!(
            run_command("crash.x", None),
            "cargo run -p harness -- run crash.x"
        );
        assert_eq!(
            run_command("crash.x", Some(Path::new("/tmp/my cases"))),
            "cargo run -p harness -- run crash.x --scenarios '/tmp/my cases'"
        );
        assert_eq!(
            run_command("crash.x", Some(Path::new("it's"))),
            "cargo run -p harness -- run crash.x --scenarios 'it'\\''s'"
        );
        assert_eq!(
            run_command("crash.x", Some(Path::new("../cases"))),
            "cargo run -p harness -- run crash.x --scenarios ../cases"
        );
    }

    #[test]
    fn only_a_scenarios_folder_beside_the_snapshot_test_is_the_labs() {
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        assert!(is_the_labs_folder(&checkout.join("scenarios")));
        assert!(!is_the_labs_folder(&checkout.join("docs")));
        assert!(!is_the_labs_folder(&std::env::temp_dir().join("scenarios")));
        assert!(!is_the_labs_folder(Path::new("/")));
    }
}
