//! Checks on client text and dates that are correct code, not lessons: what a careful
//! service rejects with a 400 before its database (or a panic) gets to see it.

use crate::error::AppError;

/// Rejects text with control characters (NUL, escapes, line breaks): no field of this API
/// needs them, PostgreSQL refuses NUL in text (22021), and in logs they forge lines.
pub fn plain_text<'a>(field: &str, value: &'a str) -> Result<&'a str, AppError> {
    if value.chars().any(char::is_control) {
        return Err(AppError::bad_request(format!(
            "`{field}` must not contain control characters (NUL, line breaks, escapes)."
        )));
    }
    Ok(value)
}

/// A real calendar date as `YYYY-MM-DD`, year 1 to 9999: 2026-02-30 and 2025-02-29 are
/// not dates, whatever their digits look like.
pub fn is_calendar_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &text[range];
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1 && (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_dates_pass() {
        for good in [
            "2026-11-22",
            "2024-02-29",
            "2000-02-29",
            "0001-01-01",
            "9999-12-31",
        ] {
            assert!(is_calendar_date(good), "{good}");
        }
        for bad in [
            "2026-02-30",
            "2026-11-31",
            "2025-02-29",
            "1900-02-29",
            "0000-01-01",
            "2026-13-01",
            "2026-00-10",
            "2026-11-32",
            "26-11-22",
            "2026/11/22",
            "2026-1a-22",
            "+026-11-22",
            "🦀🦀🦀",
            "2026-11-2\u{0}",
        ] {
            assert!(!is_calendar_date(bad), "{bad}");
        }
    }

    #[test]
    fn control_characters_are_refused_and_ordinary_text_passes() {
        assert!(plain_text("q", "O'Reilly 🦀 café").is_ok());
        for bad in [
            "a\u{0}b",
            "line\nbreak",
            "\u{1b}[31m",
            "tab\there",
            "\u{85}",
        ] {
            assert!(plain_text("q", bad).is_err(), "{bad:?}");
        }
    }
}
