//! Picking scenarios from the command line. The rule, most specific first, per pattern:
//!
//! 1. a scenario's exact id (`crash.unwrap-none`) or its file, relative to the scenarios
//!    folder, with or without `.toml` (`db/database-locked`), or as a path on disk
//!    (`scenarios/db/database-locked.toml`): that one scenario;
//! 2. `class:<class>`: every scenario of that failure class;
//! 3. a glob (`db/*`, `crash.*`, `**/unwrap*`) over ids, files and classes;
//! 4. a failure class that is no scenario's id: every scenario of that class.
//!
//! So a scenario written next to a lesson (`harness new crash.unwrap-none my-case`, id
//! `crash.unwrap-none.my-case`) does not join `run crash.unwrap-none`: the id names the
//! lesson's own scenario, and `class:crash.unwrap-none` names them all.

use std::path::{Path, PathBuf};

use super::Scenario;

/// The prefix that asks for a whole failure class.
const CLASS_PREFIX: &str = "class:";

/// A filter that matched no scenario, with a suggestion.
#[derive(Debug, thiserror::Error)]
#[error("no scenario matches `{pattern}`{suggestion}")]
pub struct SelectError {
    pub pattern: String,
    pub suggestion: String,
}

/// The scenarios matching any of `patterns` (all when empty), in their original order.
/// `root` is the scenarios folder the files were loaded from (for patterns that are paths).
pub fn select<'a>(
    scenarios: &'a [Scenario],
    patterns: &[String],
    root: &Path,
) -> Result<Vec<&'a Scenario>, SelectError> {
    if patterns.is_empty() {
        return Ok(scenarios.iter().collect());
    }
    let mut wanted = vec![false; scenarios.len()];
    for pattern in patterns {
        let picked = pick(scenarios, pattern, root);
        if picked.is_empty() {
            return Err(SelectError {
                pattern: pattern.clone(),
                suggestion: suggest(scenarios, pattern, root),
            });
        }
        for index in picked {
            wanted[index] = true;
        }
    }
    Ok(scenarios
        .iter()
        .zip(wanted)
        .filter_map(|(s, wanted)| wanted.then_some(s))
        .collect())
}

/// The indexes of the scenarios one pattern names, by the module's rule.
fn pick(scenarios: &[Scenario], pattern: &str, root: &Path) -> Vec<usize> {
    let indexes = |keep: &dyn Fn(&Scenario) -> bool| -> Vec<usize> {
        (0..scenarios.len())
            .filter(|&i| keep(&scenarios[i]))
            .collect()
    };
    let exact = indexes(&|s| s.id() == pattern || names_file(s, pattern));
    if !exact.is_empty() {
        return exact;
    }
    if let Some(on_disk) = existing_file(pattern) {
        let same = indexes(&|s| canonical(&root.join(&s.file)).as_ref() == Some(&on_disk));
        if !same.is_empty() {
            return same;
        }
    }
    if let Some(class) = pattern.strip_prefix(CLASS_PREFIX) {
        return indexes(&|s| s.class() == class);
    }
    if pattern.contains(['*', '?']) {
        let Some(glob) = glob(pattern) else {
            return Vec::new();
        };
        return indexes(&|s| {
            let file = s.file.trim_end_matches(".toml");
            [s.id(), file, &s.file, s.class()]
                .iter()
                .any(|text| glob.is_match(text))
        });
    }
    indexes(&|s| s.class() == pattern)
}

/// `db/database-locked`, `db/database-locked.toml`, `./db/database-locked.toml`.
fn names_file(scenario: &Scenario, pattern: &str) -> bool {
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    let file = scenario.file.replace('\\', "/");
    file == pattern || file.strip_suffix(".toml") == Some(pattern)
}

/// The pattern as an existing file on disk (with `.toml` added when it lacks one).
fn existing_file(pattern: &str) -> Option<PathBuf> {
    if !pattern.contains('/') && !pattern.ends_with(".toml") {
        return None;
    }
    canonical(Path::new(pattern)).or_else(|| canonical(Path::new(&format!("{pattern}.toml"))))
}

fn canonical(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok().filter(|p| p.is_file())
}

/// The closest id or file name, or where to look.
fn suggest(scenarios: &[Scenario], pattern: &str, root: &Path) -> String {
    if let Some(class) = pattern.strip_prefix(CLASS_PREFIX) {
        let classes = super::Classes::load(root).unwrap_or_default();
        let hint = super::suggest(class, classes.ids(), "failure classes");
        return format!("; {hint}");
    }
    let names = scenarios.iter().flat_map(|s| {
        [
            s.id().to_string(),
            s.file.trim_end_matches(".toml").to_string(),
        ]
    });
    let closest = names
        .map(|name| (strsim::levenshtein(pattern, &name), name))
        .min();
    match closest {
        Some((distance, name)) if distance <= pattern.len() / 2 + 1 => {
            format!("; did you mean `{name}`?")
        }
        _ => "; `harness list` shows every scenario id".to_string(),
    }
}

/// `*` matches within a path segment, `**` across segments, `?` one character (globset,
/// with `/` as the separator). A pattern globset cannot read matches nothing.
fn glob(pattern: &str) -> Option<globset::GlobMatcher> {
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .ok()?;
    Some(glob.compile_matcher())
}

#[cfg(test)]
fn glob_match(pattern: &str, text: &str) -> bool {
    glob(pattern).is_some_and(|glob| glob.is_match(text))
}

#[cfg(test)]
mod tests;
