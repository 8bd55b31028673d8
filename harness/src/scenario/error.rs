//! Located, rustc-style errors for scenario files.

use std::fmt;
use std::ops::Range;

/// A problem in a scenario file, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
    /// The offending source line, for display.
    pub source_line: String,
    /// Length of the underline under the offending text.
    pub width: usize,
}

impl ScenarioError {
    /// An error at `span` (a byte range in `text`), or at the top of the file.
    pub fn at(
        file: &str,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> ScenarioError {
        let span = span.unwrap_or(0..0);
        let start = span.start.min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let source_line = text[line_start..line_end].to_string();
        let width = text[start..span.end.clamp(start, line_end)]
            .chars()
            .count()
            .max(1);
        ScenarioError {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            hint,
            source_line,
            width,
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = " ".repeat(self.line.to_string().len());
        writeln!(f, "error: {}", self.message)?;
        writeln!(f, "{gutter}--> {}:{}:{}", self.file, self.line, self.column)?;
        writeln!(f, "{gutter} |")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        write!(
            f,
            "{gutter} | {}{}",
            " ".repeat(self.column.saturating_sub(1)),
            "^".repeat(self.width)
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n{gutter} = help: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Turns the TOML parser's message into a short title plus a hint.
pub fn explain_toml_error(message: &str) -> (String, Option<String>) {
    let message = message.trim().to_string();
    let hint = if message.starts_with("unknown field") {
        Some(
            "Check the spelling; docs/scenario-format.md lists every key a scenario may use."
                .to_string(),
        )
    } else if message.starts_with("missing field") {
        Some("Add it; docs/scenario-format.md shows a complete example.".to_string())
    } else if message.starts_with("invalid type") {
        Some("The value has the wrong type, e.g. a number written as a string.".to_string())
    } else if message.starts_with("unknown variant") {
        None
    } else {
        Some("This is not valid TOML here; see https://toml.io for the syntax.".to_string())
    };
    (message, hint)
}
