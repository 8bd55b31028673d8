//! How errors are grouped, the way an error aggregator (Sentry) groups them: one defect is
//! one group, whatever the input that triggered it. The fingerprint is the error's kind,
//! where in the app it happened (the panic's location, or the route and the error site's
//! own context message), and the cause's message with everything that comes from input or
//! the moment replaced by placeholders: quoted text, numbers, ids.

use crate::error::AppError;

/// Bumped whenever the fingerprint's recipe changes (groups of two versions never merge).
pub const FINGERPRINT_VERSION: u32 = 2;

/// Longest parameterized message kept.
const MESSAGE_CHARS: usize = 160;

/// What identifies one defect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// `v2 internal-error /authors Failed to search authors: near "<str>": syntax error`
    pub key: String,
    /// The in-app location: a panic's `file:line:col`, else the error site's context.
    pub location: String,
    /// The cause, parameterized.
    pub message: String,
}

pub fn fingerprint(error: &AppError, route: &str) -> Fingerprint {
    let chain = error.chain();
    let (location, message) = match &error.panic {
        // A panic's location is the defect's address; its message may quote input
        // ("byte index 24 is not a char boundary; it is inside '🦀'"), so it is
        // parameterized too.
        Some(panic) => (
            panic
                .location
                .clone()
                .unwrap_or_else(|| "unknown location".to_string()),
            parameterize(&panic.message),
        ),
        None => (
            chain.first().map(|c| parameterize(c)).unwrap_or_default(),
            chain.last().map(|c| parameterize(c)).unwrap_or_default(),
        ),
    };
    let key = format!(
        "v{FINGERPRINT_VERSION} {} {route} {location}: {message}",
        error.kind.slug()
    );
    Fingerprint {
        key,
        location,
        message,
    }
}

/// Replaces what varies between occurrences of one defect: quoted text (`"…"`, `'…'`,
/// `` `…` ``) becomes `<str>`, and any word with a digit in it (numbers, ids, uuids,
/// hex, addresses, timestamps) becomes `<n>`. Cut to a readable length.
pub fn parameterize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MESSAGE_CHARS));
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.chars().any(|c| c.is_ascii_digit()) {
            out.push_str("<n>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                flush(&mut word, &mut out);
                // Up to the matching quote; an unmatched one swallows the rest, which is
                // input too (a literal the input broke open).
                for inner in chars.by_ref() {
                    if inner == c {
                        break;
                    }
                }
                out.push(c);
                out.push_str("<str>");
                out.push(c);
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' => word.push(c),
            c => {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        if out.chars().count() >= MESSAGE_CHARS {
            break;
        }
    }
    flush(&mut word, &mut out);
    out.chars().take(MESSAGE_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::parameterize;

    #[test]
    fn input_and_ids_become_placeholders_and_the_shape_stays() {
        let names = [
            r#"near "Hara": syntax error"#,
            r#"near "Arcy": syntax error"#,
            r#"near "Brien": syntax error"#,
        ];
        let shapes: Vec<String> = names.iter().map(|n| parameterize(n)).collect();
        assert!(
            shapes.iter().all(|s| s == r#"near "<str>": syntax error"#),
            "{shapes:?}"
        );
        assert_eq!(
            parameterize("unknown loyalty tier `platinum-plus` of customer 4"),
            "unknown loyalty tier `<str>` of customer <n>"
        );
        assert_eq!(
            parameterize("order 5f0c2a9e-41d7-4c3b-9a1e-0b2c3d4e5f60 failed after 1.5s"),
            "order <n>-<n>-<n>-<n>-<n> failed after <n>"
        );
        assert_eq!(
            parameterize("unrecognized token: \"' ORDER BY id\""),
            "unrecognized token: \"<str>\""
        );
        assert_eq!(parameterize("it's broken"), "it'<str>'");
        assert!(parameterize(&"x ".repeat(500)).chars().count() <= 160);
    }
}
