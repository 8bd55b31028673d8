//! Picking scenarios from the command line: by id, by file path, or by glob
//! (`db/*`, `crash.*`, `**/unwrap*`).

use super::Scenario;

/// A filter that matched no scenario, with a suggestion.
#[derive(Debug, thiserror::Error)]
#[error("no scenario matches `{pattern}`{suggestion}")]
pub struct SelectError {
    pub pattern: String,
    pub suggestion: String,
}

/// The scenarios matching any of `patterns` (all when empty), in their original order.
pub fn select<'a>(
    scenarios: &'a [Scenario],
    patterns: &[String],
) -> Result<Vec<&'a Scenario>, SelectError> {
    if patterns.is_empty() {
        return Ok(scenarios.iter().collect());
    }
    for pattern in patterns {
        if !scenarios.iter().any(|s| matches(s, pattern)) {
            let closest = scenarios
                .iter()
                .map(|s| (demo_app::settings::edit_distance(pattern, s.id()), s.id()))
                .min();
            let suggestion = match closest {
                Some((distance, id)) if distance <= pattern.len() / 2 + 1 => {
                    format!("; did you mean `{id}`?")
                }
                _ => "; `harness list` shows every scenario id".to_string(),
            };
            return Err(SelectError {
                pattern: pattern.clone(),
                suggestion,
            });
        }
    }
    Ok(scenarios
        .iter()
        .filter(|s| patterns.iter().any(|p| matches(s, p)))
        .collect())
}

fn matches(scenario: &Scenario, pattern: &str) -> bool {
    let file = scenario.file.trim_end_matches(".toml");
    glob_match(pattern, scenario.id())
        || glob_match(pattern, file)
        || glob_match(pattern, &scenario.file)
        || glob_match(pattern, scenario.class())
}

/// `*` matches within a path segment, `**` across segments, `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    fn go(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('*') if p.get(1) == Some(&'*') => {
                let rest = &p[2..];
                let rest = rest.strip_prefix(&['/']).unwrap_or(rest);
                (0..=t.len()).any(|i| go(rest, &t[i..]))
            }
            Some('*') => (0..=t.len())
                .take_while(|i| *i == 0 || t[i - 1] != '/')
                .any(|i| go(&p[1..], &t[i..])),
            Some('?') => !t.is_empty() && t[0] != '/' && go(&p[1..], &t[1..]),
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    go(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob_match("db/*", "db/deadlock"));
        assert!(!glob_match("db/*", "db/x/deadlock"));
        assert!(glob_match("**/deadlock", "db/x/deadlock"));
        assert!(glob_match("crash.*", "crash.unwrap-none"));
        assert!(glob_match("crash.unwrap-non?", "crash.unwrap-none"));
        assert!(!glob_match("crash", "crash.unwrap-none"));
    }
}
