//! `--format json`: one document, a stable interface (see docs/report-formats.md).

use serde::Serialize;

use super::Summary;
use crate::runner::RunResult;

/// Bumped when a field changes meaning or disappears; new fields may appear any time.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    summary: Summary,
    runs: &'a [RunResult],
}

pub fn render(results: &[RunResult]) -> String {
    let document = Document {
        format_version: FORMAT_VERSION,
        summary: Summary::of(results),
        runs: results,
    };
    serde_json::to_string_pretty(&document).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
