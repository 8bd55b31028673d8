//! Failing inputs kept between runs (one JSON object per line), replayed before anything
//! new is generated, the way proptest keeps its regression files.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::case::Case;
use super::{Bucket, FuzzRun};

/// One saved reproduction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saved {
    pub method: String,
    pub route: String,
    /// The bucket it reproduced, for the reader of the file.
    pub bucket: String,
    pub case: Case,
}

impl Saved {
    /// A bucket's smallest input, with the operation it was sent to (a site-wide bucket's
    /// `* *` names none) and the key it fell under.
    pub fn of(bucket: &Bucket) -> Self {
        Self {
            method: bucket.operation.0.clone(),
            route: bucket.operation.1.clone(),
            bucket: bucket.key.to_string(),
            case: bucket.input.clone(),
        }
    }
}

/// What the next run replays first: each severe bucket's smallest input.
pub fn severe(runs: &[FuzzRun]) -> Vec<Saved> {
    runs.iter()
        .flat_map(|run| &run.buckets)
        .filter(|b| b.is_severe())
        .map(Saved::of)
        .collect()
}

/// The file for one target inside `dir`: `demo-app.jsonl`, or the target's host and port.
pub fn file_for(dir: &Path, target_name: &str) -> PathBuf {
    let slug: String = target_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{slug}.jsonl"))
}

/// Reads saved cases; a missing file is an empty list, a malformed line an error naming it.
pub fn load(file: &Path) -> Result<Vec<Saved>, String> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| {
                format!(
                    "{}:{}: not a saved fuzz case ({e}); delete the line or the file",
                    file.display(),
                    i + 1
                )
            })
        })
        .collect()
}

/// Adds the cases not saved yet (one per bucket) and writes the file.
pub fn save(file: &Path, found: &[Saved]) -> Result<usize, String> {
    let mut saved = load(file)?;
    let before = saved.len();
    for case in found {
        if !saved.iter().any(|s| s.bucket == case.bucket) {
            saved.push(case.clone());
        }
    }
    if saved.len() == before {
        return Ok(0);
    }
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        keep_out_of_git(dir)?;
    }
    let mut text = String::new();
    for case in &saved {
        let line = serde_json::to_string(case).map_err(|e| e.to_string())?;
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(saved.len() - before)
}

/// A `.gitignore` that ignores the folder's whole content, as cargo does for `target/`:
/// saved inputs are local state, and `git status` stays clean wherever the folder is.
fn keep_out_of_git(dir: &Path) -> Result<(), String> {
    let ignore = dir.join(".gitignore");
    if ignore.exists() {
        return Ok(());
    }
    std::fs::write(
        &ignore,
        "# Written by `harness fuzz`: saved failing inputs are local state, not sources.\n*\n",
    )
    .map_err(|e| format!("cannot write {}: {e}", ignore.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_cases_round_trip_once_per_bucket_and_bad_lines_are_located() {
        let temp = tempfile::tempdir().expect("a temp folder");
        let dir = temp.path().join("saved");
        let file = file_for(&dir, "127.0.0.1:8443");
        assert!(file.ends_with("127_0_0_1_8443.jsonl"));
        let case = Saved {
            method: "GET".into(),
            route: "/search".into(),
            bucket: "GET /search 500 crash.char-boundary".into(),
            case: Case {
                path: vec![],
                query: vec![("q".into(), Some("aaaaaaaaaaaaaaaaaaaaaaa🦀".into()))],
                headers: vec![],
                body: None,
            },
        };
        assert_eq!(save(&file, &[case.clone(), case.clone()]), Ok(1));
        assert_eq!(save(&file, std::slice::from_ref(&case)), Ok(0));
        assert_eq!(load(&file), Ok(vec![case]));
        let ignore = std::fs::read_to_string(dir.join(".gitignore")).expect("a .gitignore");
        assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
        std::fs::write(&file, "{}\n").expect("write");
        let error = load(&file).expect_err("refused");
        assert!(error.contains(".jsonl:1:"), "{error}");
    }
}
