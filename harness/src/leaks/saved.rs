//! A saved response as `harness scan` reads it from bytes: the status line and headers
//! (text by HTTP's rules), and a body that may not be text at all. A gzip or brotli body,
//! an image or an executable decoded as UTF-8 is noise in which rules "find" leaks that
//! are not there (an executable gave 39 findings), or find nothing without a word (a gzip
//! file gave 0). So the body is classified first, by its magic number, its
//! `Content-Encoding`, and its share of bytes that no text has; only text is scanned.

use std::borrow::Cow;

/// Bytes that are not text, and what they look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotText {
    /// `gzip-compressed data`, `a PNG image`, `binary data`, ...
    pub what: String,
    /// Compressed: decompressing it gives text to scan.
    pub compressed: bool,
    pub bytes: usize,
}

/// A saved response (or a bare body), split and classified.
#[derive(Debug)]
pub struct Saved<'a> {
    /// Whether the input started with a status line (`HTTP/...`).
    pub has_head: bool,
    /// Names lower-cased; empty for a bare body.
    pub headers: Vec<(String, String)>,
    /// The body as text; empty when it is not text.
    pub body: Cow<'a, str>,
    /// Set when the body is not text (and so was not kept).
    pub not_text: Option<NotText>,
}

/// Above this share of non-text bytes (control characters other than whitespace, and
/// invalid UTF-8), a body is binary. Text in a legacy encoding (Latin-1) stays far below
/// it; random or compressed bytes are far above (about half).
const MAX_NON_TEXT_SHARE: f64 = 0.10;

/// The share is measured on the body's first MiB, as `file` and git judge by a first block:
/// a 64 MiB body costs no more to classify than a small one.
const SAMPLE_BYTES: usize = 1 << 20;

/// Splits and classifies `raw`.
pub fn read_saved(raw: &[u8]) -> Saved<'_> {
    let (head, body) = split(raw);
    let headers = match head {
        Some(head) => super::split_saved_response(&String::from_utf8_lossy(head)).0,
        None => Vec::new(),
    };
    let encoding = headers
        .iter()
        .find(|(name, _)| name == "content-encoding")
        .map(|(_, value)| value.to_ascii_lowercase())
        .filter(|value| value != "identity");
    // Valid UTF-8 (nearly every response) is checked once, with SIMD.
    let utf8 = simdutf8::basic::from_utf8(body).ok();
    match classify(body, utf8.is_some(), encoding.as_deref()) {
        Some(not_text) => Saved {
            has_head: head.is_some(),
            headers,
            body: Cow::Borrowed(""),
            not_text: Some(not_text),
        },
        None => Saved {
            has_head: head.is_some(),
            headers,
            // Text in another encoding (Latin-1) is read lossily.
            body: match utf8 {
                Some(text) => Cow::Borrowed(text),
                None => String::from_utf8_lossy(body),
            },
            not_text: None,
        },
    }
}

/// The head (status line and headers) and the body; no head unless it starts `HTTP/`.
fn split(raw: &[u8]) -> (Option<&[u8]>, &[u8]) {
    if !raw.starts_with(b"HTTP/") {
        return (None, raw);
    }
    let find = |needle: &[u8]| raw.windows(needle.len()).position(|w| w == needle);
    match (find(b"\r\n\r\n"), find(b"\n\n")) {
        (Some(crlf), Some(lf)) if lf < crlf => (Some(&raw[..lf]), &raw[lf + 2..]),
        (Some(crlf), _) => (Some(&raw[..crlf]), &raw[crlf + 4..]),
        (None, Some(lf)) => (Some(&raw[..lf]), &raw[lf + 2..]),
        (None, None) => (Some(raw), &[]),
    }
}

/// `None` when `body` is text.
fn classify(body: &[u8], valid_utf8: bool, content_encoding: Option<&str>) -> Option<NotText> {
    if body.is_empty() {
        return None;
    }
    let not_text = |what: &str, compressed: bool| NotText {
        what: what.to_string(),
        compressed,
        bytes: body.len(),
    };
    if let Some((what, compressed)) = magic(body) {
        return Some(not_text(what, compressed));
    }
    if non_text_share(body, valid_utf8) <= MAX_NON_TEXT_SHARE {
        return None;
    }
    Some(match content_encoding {
        // brotli and deflate have no reliable magic number: the header says what it is.
        Some(encoding) => not_text(&format!("{encoding}-compressed data"), true),
        None => not_text("binary data", false),
    })
}

/// Formats recognised by their first bytes: (what, compressed).
fn magic(body: &[u8]) -> Option<(&'static str, bool)> {
    const SIGNATURES: &[(&[u8], &str, bool)] = &[
        (b"\x1f\x8b", "gzip-compressed data", true),
        (b"\x28\xb5\x2f\xfd", "zstd-compressed data", true),
        (b"BZh", "bzip2-compressed data", true),
        (b"\xfd7zXZ\x00", "xz-compressed data", true),
        (b"PK\x03\x04", "a zip archive", false),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", false),
        (b"\x7fELF", "an ELF executable", false),
        (b"\x00asm", "a WebAssembly module", false),
        (b"\x89PNG\r\n\x1a\n", "a PNG image", false),
        (b"\xff\xd8\xff", "a JPEG image", false),
        (b"GIF87a", "a GIF image", false),
        (b"GIF89a", "a GIF image", false),
        (b"%PDF-", "a PDF document", false),
    ];
    // bzip2's "BZh" is followed by the block size digit; plain text may start "BZh" too.
    SIGNATURES
        .iter()
        .find(|(signature, what, _)| {
            body.starts_with(signature)
                && (*what != "bzip2-compressed data"
                    || body.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)))
        })
        .map(|(_, what, compressed)| (*what, *compressed))
}

/// The share of bytes no text has: control characters other than tab, line feed, carriage
/// return, form feed and escape, and bytes that are not valid UTF-8.
fn non_text_share(body: &[u8], valid_utf8: bool) -> f64 {
    let body = &body[..body.len().min(SAMPLE_BYTES)];
    let controls = body
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) || b == 0x7f)
        .count();
    let invalid = if valid_utf8 {
        0
    } else {
        invalid_utf8_bytes(body)
    };
    (controls + invalid) as f64 / body.len() as f64
}

/// Bytes that belong to no valid UTF-8 sequence.
fn invalid_utf8_bytes(mut bytes: &[u8]) -> usize {
    let mut invalid = 0;
    loop {
        match std::str::from_utf8(bytes) {
            Ok(_) => return invalid,
            Err(e) => {
                let skip = e.error_len().unwrap_or(bytes.len() - e.valid_up_to());
                invalid += skip;
                bytes = &bytes[e.valid_up_to() + skip..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(body: &[u8], encoding: Option<&str>) -> Option<NotText> {
        super::classify(body, std::str::from_utf8(body).is_ok(), encoding)
    }

    fn gzip_of_a_leak() -> Vec<u8> {
        // A real gzip stream (level 0, "stored"): the leak text is there verbatim after the
        // header, which is exactly what must not be reported as a finding in a body that
        // is not text as sent.
        let mut bytes = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03];
        bytes.extend_from_slice(b"thread 'actix-rt' panicked at src/routes/books.rs:12:5");
        bytes
    }

    #[test]
    fn text_is_text_in_utf8_and_in_latin1() {
        assert_eq!(classify(b"{\"error\":\"boom\"}\n", None), None);
        assert_eq!(classify("caf\u{e9} cr\u{e8}me".as_bytes(), None), None);
        let latin1 = b"Les donn\xe9es de l'\xe9t\xe9: une erreur s'est produite.";
        assert_eq!(classify(latin1, None), None);
        assert_eq!(classify(b"BZh is a word here", None), None);
        // A stray NUL in a page does not turn it into binary.
        assert_eq!(
            classify(
                b"panicked at src/main.rs:1:1 near \0 here, and more text",
                None
            ),
            None
        );
    }

    #[test]
    fn compressed_and_binary_bodies_are_named() {
        let gz = classify(&gzip_of_a_leak(), None).expect("gzip");
        assert!(gz.compressed && gz.what.starts_with("gzip"), "{gz:?}");
        let png = classify(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", None).expect("png");
        assert_eq!(png.what, "a PNG image");
        let random: Vec<u8> = (0u32..4096)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let binary = classify(&random, None).expect("binary");
        assert_eq!(binary.what, "binary data");
        let brotli = classify(&random, Some("br")).expect("br");
        assert!(
            brotli.compressed && brotli.what == "br-compressed data",
            "{brotli:?}"
        );
    }

    #[test]
    fn a_response_keeps_its_headers_when_its_body_is_not_text() {
        let mut raw = b"HTTP/1.1 500 Internal Server Error\r\nServer: nginx/1.18.0\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
        raw.extend(gzip_of_a_leak());
        let saved = read_saved(&raw);
        assert!(saved.has_head);
        assert!(
            saved
                .headers
                .iter()
                .any(|(k, v)| k == "server" && v == "nginx/1.18.0")
        );
        assert_eq!(saved.body, "");
        assert!(saved.not_text.is_some_and(|n| n.compressed));

        let plain = read_saved(b"HTTP/1.1 500 X\nA: b\n\nbody text");
        assert_eq!(plain.body, "body text");
        assert!(plain.not_text.is_none());
        let bare = read_saved(b"just a body");
        assert!(!bare.has_head && bare.headers.is_empty());
        assert_eq!(bare.body, "just a body");
    }

    #[test]
    fn invalid_bytes_are_counted_once_each() {
        assert_eq!(invalid_utf8_bytes(b"ok"), 0);
        assert_eq!(invalid_utf8_bytes(b"a\xffb\xfe"), 2);
        assert_eq!(invalid_utf8_bytes("\u{e9}".as_bytes()), 0);
        assert_eq!(invalid_utf8_bytes(b"\xe9"), 1);
    }
}
