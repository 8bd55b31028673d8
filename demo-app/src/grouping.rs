//! How errors are grouped, the way an error aggregator (Sentry) groups them: one defect is
//! one group, whatever the input that triggered it. The fingerprint is the error's kind,
//! where in the app it happened (the panic's location, or the route and the error site's
//! own context message), and the cause's message with everything that comes from input or
//! the moment replaced by placeholders: quoted text, numbers, ids.

use std::fmt::Write as _;

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

/// The fingerprint of `error` at `route`; `chain` is the error's cause chain
/// (`AppError::chain`), which the caller has already worked out for its log line.
pub fn fingerprint(error: &AppError, chain: &[String], route: &str) -> Fingerprint {
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
    // Written into one allocation of the right size: `format!` starts from a guess and
    // grew its buffer several times here, on every 5xx.
    let kind = error.kind.slug();
    let mut key =
        String::with_capacity(kind.len() + route.len() + location.len() + message.len() + 16);
    // A String takes every write.
    let _ = write!(
        key,
        "v{FINGERPRINT_VERSION} {kind} {route} {location}: {message}"
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
///
/// One pass copying whole words and runs of punctuation as slices: this runs on every
/// 5xx, and the per-character version was a fifth of prod's error path (a test keeps it
/// as the reference this one must agree with).
pub fn parameterize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MESSAGE_CHARS) + 8);
    // Characters in `out` so far (its length in bytes overcounts non-ASCII text).
    let mut written = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if written >= MESSAGE_CHARS {
            break;
        }
        let taken = match c {
            '"' | '\'' | '`' => {
                // Up to the matching quote; an unmatched one swallows the rest, which is
                // input too (a literal the input broke open).
                let inside = &rest[1..];
                out.push(c);
                out.push_str("<str>");
                out.push(c);
                written += 7;
                match inside.find(c) {
                    Some(end) => 1 + end + 1,
                    None => rest.len(),
                }
            }
            c if is_word_char(c) => {
                let end = word_end(rest);
                let word = &rest[..end];
                if word.bytes().any(|b| b.is_ascii_digit()) {
                    out.push_str("<n>");
                    written += 3;
                } else {
                    out.push_str(word);
                    written += if word.is_ascii() {
                        word.len()
                    } else {
                        word.chars().count()
                    };
                }
                end
            }
            c => {
                out.push(c);
                written += 1;
                c.len_utf8()
            }
        };
        rest = &rest[taken..];
    }
    if written > MESSAGE_CHARS
        && let Some((cut, _)) = out.char_indices().nth(MESSAGE_CHARS)
    {
        out.truncate(cut);
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

/// Where the word `text` starts with ends: ASCII byte by byte (most messages are), the
/// rest of the text by Unicode's alphanumerics once a non-ASCII character turns up.
fn word_end(text: &str) -> usize {
    for (at, byte) in text.bytes().enumerate() {
        if !byte.is_ascii() {
            // Every byte before `at` is ASCII: `at` is a character boundary.
            let rest = &text[at..];
            return at + rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        }
        if !(byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'.') {
            return at;
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::{MESSAGE_CHARS, parameterize};

    /// The per-character version `parameterize` replaced, kept as its reference.
    /// Replaces what varies between occurrences of one defect: quoted text (`"…"`, `'…'`,
    /// `` `…` ``) becomes `<str>`, and any word with a digit in it (numbers, ids, uuids,
    /// hex, addresses, timestamps) becomes `<n>`. Cut to a readable length.
    fn reference(text: &str) -> String {
        let mut out = String::with_capacity(text.len().min(MESSAGE_CHARS));
        // Characters in `out` so far: counting them again after every push made this
        // quadratic in the message's length, on every 5xx.
        let mut written = 0;
        let mut chars = text.chars().peekable();
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String, written: &mut usize| {
            if word.chars().any(|c| c.is_ascii_digit()) {
                out.push_str("<n>");
                *written += 3;
            } else {
                out.push_str(word);
                *written += word.chars().count();
            }
            word.clear();
        };
        while let Some(c) = chars.next() {
            match c {
                '"' | '\'' | '`' => {
                    flush(&mut word, &mut out, &mut written);
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
                    written += 7;
                }
                c if c.is_alphanumeric() || c == '_' || c == '.' => word.push(c),
                c => {
                    flush(&mut word, &mut out, &mut written);
                    out.push(c);
                    written += 1;
                }
            }
            if written >= MESSAGE_CHARS {
                break;
            }
        }
        flush(&mut word, &mut out, &mut written);
        out.chars().take(MESSAGE_CHARS).collect()
    }

    #[test]
    fn agrees_with_the_per_character_reference() {
        let long = [
            "日本語のテキスト".repeat(40),
            "word ".repeat(100),
            "x".repeat(1000),
            "a\"b".repeat(100),
            "🦀 ".repeat(200),
            "1 ".repeat(100),
        ];
        let samples = [
            r#"near "Hara": syntax error"#,
            "unknown loyalty tier `platinum-plus` of customer 4",
            "order 5f0c2a9e-41d7-4c3b-9a1e-0b2c3d4e5f60 failed after 1.5s",
            "unrecognized token: \"' ORDER BY id\"",
            "it's broken",
            "",
            "\"",
            "''",
            "byte index 24 is not a char boundary; it is inside '🦀' (bytes 22..26) of `ab🦀`",
            "ünïcödé wörds and 数字 123 and ½ and x1y2",
            "a.b_c d..e __init__ v2.3.4-rc1",
            "trailing quote `",
            "abcé1 é1abc abc½def x_y.z数 ab.cd:ef 9ü üé9",
        ];
        for sample in samples.into_iter().chain(long.iter().map(String::as_str)) {
            assert_eq!(parameterize(sample), reference(sample), "{sample:?}");
            assert!(parameterize(sample).chars().count() <= MESSAGE_CHARS);
        }
    }

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
