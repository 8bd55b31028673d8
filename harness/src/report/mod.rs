//! Rendering results. Each format only renders; none runs anything.

pub mod audit;
pub mod audit_doc;
pub mod drill;
pub mod drill_html;
pub mod drill_postmortem;
pub mod fuzz;
pub mod fuzz_html;
pub mod html;
pub mod in_order;
pub mod json;
pub mod junit;
pub mod pretty_json;
pub mod sarif;
pub mod storm;
pub mod storm_html;
pub mod style;
pub mod svg;
pub mod text;
pub mod timings;
pub mod tracker;
pub mod transcript;

use crate::runner::{Outcome, RunResult, SqlRecord};

/// Counts for the closing line.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    /// Not run here: something they need is missing (said loudly in the report).
    pub skipped: usize,
}

impl Summary {
    pub fn of(results: &[RunResult]) -> Summary {
        let mut summary = Summary::default();
        for result in results {
            match result.outcome {
                Outcome::Passed => summary.passed += 1,
                Outcome::Failed => summary.failed += 1,
                Outcome::Error => summary.errors += 1,
                Outcome::Skipped => summary.skipped += 1,
            }
        }
        summary
    }

    /// `N passed, N failed` (errors count as failed; they are listed separately), and
    /// `, N SKIPPED` when some did not run.
    pub fn line(&self) -> String {
        let skipped = if self.skipped > 0 {
            format!(", {} SKIPPED", self.skipped)
        } else {
            String::new()
        };
        format!(
            "{} passed, {} failed{skipped}",
            self.passed,
            self.failed + self.errors
        )
    }
}

/// The SQL steps of one scenario's runs on one backend (setup, sabotage, a held lock). They
/// are the same in every mode, so reports show them once, where they ran; they come from
/// the run that got furthest (a run that stopped early has fewer).
pub(crate) fn sql_steps<'a>(group: &[&'a RunResult]) -> &'a [SqlRecord] {
    group
        .iter()
        .map(|r| r.sql.as_slice())
        .max_by_key(|sql| sql.len())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::Summary;

    #[test]
    fn the_closing_line_says_skipped_runs_loudly_and_only_when_there_are_some() {
        let mut summary = Summary {
            passed: 3,
            failed: 1,
            errors: 1,
            skipped: 0,
        };
        assert_eq!(summary.line(), "3 passed, 2 failed");
        summary.skipped = 2;
        assert_eq!(summary.line(), "3 passed, 2 failed, 2 SKIPPED");
    }
}
