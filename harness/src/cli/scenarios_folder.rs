//! Where the scenarios are when `--scenarios` does not say: the `scenarios/` folder of the
//! current directory or of the nearest folder above it (a checkout, from any of its
//! subfolders). Never a path compiled into the binary: a harness copied to another machine
//! or installed with `cargo install` has no checkout to point at.

use std::path::{Path, PathBuf};

/// The folder's name in a checkout.
const FOLDER: &str = "scenarios";

/// The scenarios folder: the flag, else `scenarios/` here or in the nearest folder above.
pub fn locate(flag: Option<&Path>, current_dir: &Path) -> Result<PathBuf, String> {
    if let Some(path) = flag {
        return Ok(path.to_path_buf());
    }
    if current_dir.join(FOLDER).is_dir() {
        // Relative, so messages stay short (`scenarios/crash/unwrap-none.toml`).
        return Ok(PathBuf::from(FOLDER));
    }
    current_dir
        .ancestors()
        .map(|dir| dir.join(FOLDER))
        .find(|candidate| candidate.is_dir())
        .ok_or_else(|| {
            format!(
                "no scenarios folder: there is no `{FOLDER}/` in {} or any folder above it\n  \
                 = help: pass --scenarios DIR (the lab's `{FOLDER}/` folder), or run the \
                 harness from inside the repository",
                current_dir.display()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::locate;
    use std::path::Path;

    fn temp() -> tempfile::TempDir {
        tempfile::tempdir().expect("a temp folder")
    }

    #[test]
    fn the_flag_wins() {
        let found = locate(Some(Path::new("/x/y")), Path::new("/")).expect("flag");
        assert_eq!(found, Path::new("/x/y"));
    }

    #[test]
    fn a_folder_above_the_current_directory_is_found() {
        let temp = temp();
        let repo = temp.path();
        std::fs::create_dir_all(repo.join("scenarios")).expect("scenarios");
        std::fs::create_dir_all(repo.join("harness/src")).expect("subfolder");
        let found = locate(None, &repo.join("harness/src")).expect("found above");
        assert_eq!(found, repo.join("scenarios"));
        assert_eq!(locate(None, repo).expect("here"), Path::new("scenarios"));
    }

    #[test]
    fn nowhere_is_an_error_that_names_the_flag() {
        let temp = temp();
        let empty = temp.path();
        // Only meaningful where no folder above the temp folder has a `scenarios/`.
        if !empty.ancestors().any(|dir| dir.join("scenarios").is_dir()) {
            let message = locate(None, empty).expect_err("nothing to find");
            assert!(message.contains("--scenarios DIR"), "{message}");
            assert!(message.contains(&empty.display().to_string()), "{message}");
        }
    }
}
