//! JSON strings and integers written as serde_json writes them, for the two writers that
//! skip serde on the request thread: the log line (`log_format`) and prod's problem body
//! (`render::prod`). In strings `"` and `\` are escaped, control characters as `\n`-style
//! or `\u00XX` escapes, everything else (all of Unicode) as it is; integers in decimal.
//!
//! Most text needs no escape at all, so the scan reads eight bytes at a time and looks at
//! single bytes only where a word holds one that may need it: escaping was the largest
//! part of an error's log line (docs/performance.md).

use std::fmt::{self, Write as _};

/// `text` as a JSON string, quotes included.
pub fn write_str(writer: &mut impl fmt::Write, text: &str) -> fmt::Result {
    writer.write_char('"')?;
    Escaping(&mut *writer).write_str(text)?;
    writer.write_char('"')
}

/// `value` in decimal, as serde_json (and `{}`) writes it, without the formatting machinery:
/// every line has a status, and so has every problem body.
pub fn write_u64(writer: &mut impl fmt::Write, mut value: u64) -> fmt::Result {
    let mut digits = [0u8; 20];
    let mut from = digits.len();
    loop {
        from -= 1;
        digits[from] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    writer.write_str(std::str::from_utf8(&digits[from..]).map_err(|_| fmt::Error)?)
}

/// Escapes what passes through it as the inside of a JSON string.
pub struct Escaping<W>(pub W);

impl<W: fmt::Write> fmt::Write for Escaping<W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let bytes = text.as_bytes();
        let mut plain_from = 0;
        let mut at = 0;
        while at < bytes.len() {
            if let Some(word) = bytes
                .get(at..at + 8)
                .and_then(|w| <[u8; 8]>::try_from(w).ok())
                && !may_need_escape(u64::from_le_bytes(word))
            {
                at += 8;
                continue;
            }
            let byte = bytes[at];
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0x00..=0x1f => "",
                _ => {
                    at += 1;
                    continue;
                }
            };
            // Bytes below 0x80 are whole characters: the cut is on a char boundary.
            self.0.write_str(&text[plain_from..at])?;
            if escape.is_empty() {
                write!(self.0, "\\u{byte:04x}")?;
            } else {
                self.0.write_str(escape)?;
            }
            at += 1;
            plain_from = at;
        }
        self.0.write_str(&text[plain_from..])
    }
}

/// Whether any of the eight bytes is a control character, `"` or `\` (never false when
/// one is: each test is the exact "has a byte below n" / "has a zero byte" word trick).
fn may_need_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word;
    let control = below(word, 0x20);
    let quote = below(word ^ (ONES * u64::from(b'"')), 1);
    let backslash = below(word ^ (ONES * u64::from(b'\\')), 1);
    (control | quote | backslash) & HIGH_BITS != 0
}

#[cfg(test)]
mod tests {
    use super::write_str;

    fn ours(text: &str) -> String {
        let mut out = String::new();
        write_str(&mut out, text).expect("a String takes every write");
        out
    }

    #[test]
    fn writes_what_serde_json_writes_wherever_the_escapes_fall() {
        // Every kind of character at every position of texts of up to 39 characters, so each
        // lands at every offset of an eight-byte word, alone and beside another.
        assert_eq!(ours(""), "\"\"");
        let kinds = [
            "a", " ", "~", "\"", "\\", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{0}", "\u{1f}",
            "\u{7f}", "é", "€", "🦀", "!", "/", "\u{2028}",
        ];
        for len in 0..40 {
            for kind in kinds {
                for second in ["a", "\"", "\u{1}", "🦀"] {
                    for at in 0..len {
                        let mut text = String::new();
                        for i in 0..len {
                            text.push_str(if i == at {
                                kind
                            } else if i == (at + 3) % len.max(1) {
                                second
                            } else {
                                "x"
                            });
                        }
                        let serde = serde_json::to_string(&text).expect("a string serialises");
                        assert_eq!(ours(&text), serde, "{text:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_byte_value_is_escaped_as_serde_json_escapes_it() {
        for byte in 0u8..0x80 {
            let text = format!("abcdefg{}hijklmnopq", byte as char);
            let serde = serde_json::to_string(&text).expect("a string serialises");
            assert_eq!(ours(&text), serde, "byte {byte:#04x}");
        }
    }
}
