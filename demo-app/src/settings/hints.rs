//! The hints a configuration error carries: "did you mean", where in the file, what to set.

use super::ENV_PREFIX;
use super::table::{KEYS, Key};

pub(super) const DATABASE_URL_HINT: &str = "Use sqlite://FILE?mode=rwc for the embedded database or \
     postgres://postgres@127.0.0.1:5432/DBNAME for PostgreSQL.";

pub(super) fn ops_token_hint() -> String {
    format!(
        "Set {ENV_PREFIX}OPS_TOKEN (or `ops_token` in the config file) to a random string of \
         at least 16 characters, for example the output of `openssl rand -hex 24`."
    )
}

pub(super) fn lookup_key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

pub(super) fn unknown_key_hint(name: &str) -> String {
    let closest = KEYS
        .iter()
        .map(|k| (strsim::levenshtein(name, k.name), k.name))
        .min()
        .filter(|(distance, _)| *distance <= 3);
    let known: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
    match closest {
        Some((_, suggestion)) => format!("Did you mean `{suggestion}`?"),
        None => format!("Known settings: {}.", known.join(", ")),
    }
}

pub(super) fn toml_location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return "the start of the file".to_string();
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("line {line}, column {column}")
}
