//! How text looks on a terminal: colour, and widths counted in columns.
//!
//! Colour for terminals only. `--color auto` (the default) follows anstream's rules: colour
//! when stdout is a terminal that supports it, never with `NO_COLOR` set (or `CLICOLOR=0`),
//! always with `CLICOLOR_FORCE`; `--color always|never` overrides them. The escape codes
//! come from `anstyle`, and widths are counted on screen (escape codes excluded, wide
//! characters such as emoji as two columns).

use std::io::IsTerminal as _;

use anstream::ColorChoice;
use anstyle::{AnsiColor, Color, Effects};
use unicode_width::UnicodeWidthStr as _;

/// The width a report assumes when stdout is not a terminal.
pub const DEFAULT_WIDTH: usize = 140;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour as the `--color` choice (auto unless `choose` said otherwise) decides for stdout.
    pub fn detect() -> Style {
        let choice = anstream::AutoStream::choice(&std::io::stdout());
        Style {
            color: choice != ColorChoice::Never,
        }
    }

    pub fn plain() -> Style {
        Style { color: false }
    }

    fn paint(&self, style: anstyle::Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(anstyle::Style::new().effects(Effects::BOLD), text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint(anstyle::Style::new().effects(Effects::DIMMED), text)
    }
    pub fn red(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }
    pub fn green(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }
    pub fn yellow(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }
    /// Leak evidence: reverse video red, visible on light and dark themes.
    pub fn leak(&self, text: &str) -> String {
        let style = anstyle::Style::new()
            .bold()
            .bg_color(Some(Color::Ansi(AnsiColor::Red)))
            .fg_color(Some(Color::Ansi(AnsiColor::BrightWhite)));
        self.paint(style, text)
    }
}

/// Columns `text` takes on screen: escape codes take none, wide characters two.
pub fn visible_width(text: &str) -> usize {
    anstream::adapter::strip_str(text).to_string().width()
}

/// The first `most` lines of at most `width` columns that `text` cuts into (a glyph that
/// would not fit starts the next line). Widths are the string's, so a multi-character glyph
/// (an emoji with a skin tone, a flag) counts as the terminal shows it.
pub fn chunks_of_width(text: &str, width: usize, most: usize) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut rest = text;
    while !rest.is_empty() && chunks.len() < most {
        let cut = longest_prefix(rest, width).max(first_char_len(rest));
        chunks.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    chunks
}

/// The length in bytes of the longest prefix of `text` at most `width` columns wide.
fn longest_prefix(text: &str, width: usize) -> usize {
    let mut fits = 0;
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        if text[..end].width() > width {
            break;
        }
        fits = end;
    }
    fits
}

fn first_char_len(text: &str) -> usize {
    text.chars().next().map_or(0, char::len_utf8)
}

/// `text` in at most `width` columns, ending in `…` when cut.
pub fn clip(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let cut = longest_prefix(text, width.saturating_sub(1));
    format!("{}…", &text[..cut])
}

/// The terminal's width when stdout is one, else `DEFAULT_WIDTH`.
pub fn terminal_width() -> usize {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return DEFAULT_WIDTH;
    }
    terminal_size::terminal_size_of(&stdout).map_or(DEFAULT_WIDTH, |(w, _)| usize::from(w.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_style_writes_the_text_alone_and_colour_wraps_it_in_escape_codes() {
        assert_eq!(Style::plain().red("FAIL"), "FAIL");
        let red = Style { color: true }.red("FAIL");
        assert_ne!(red, "FAIL");
        assert!(red.starts_with('\x1b') && red.contains("FAIL"), "{red:?}");
        assert_eq!(visible_width(&red), 4);
    }

    #[test]
    fn emoji_take_two_columns_and_escape_codes_none() {
        assert_eq!(visible_width("a👍b"), 4);
        // A skin-tone sequence is one glyph, two columns wide.
        assert_eq!(visible_width("a👍🏽b"), 4);
        assert_eq!(visible_width(&Style { color: true }.leak("é")), 1);
    }

    #[test]
    fn clip_and_chunks_count_columns_not_chars() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
        assert_eq!(clip("👍👍👍", 4), "👍…");
        assert_eq!(chunks_of_width("ab👍c", 3, 9), vec!["ab", "👍c"]);
        assert_eq!(chunks_of_width("abcdefg", 3, 2), vec!["abc", "def"]);
        assert_eq!(chunks_of_width("a👍🏽b", 3, 9), vec!["a👍🏽", "b"]);
    }
}
