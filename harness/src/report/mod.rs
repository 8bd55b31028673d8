//! Rendering results. Each format only renders; none runs anything.

pub mod html;
pub mod json;
pub mod junit;
pub mod style;
pub mod text;
pub mod timings;

use crate::runner::{Outcome, RunResult};

/// Counts for the closing line.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
}

impl Summary {
    pub fn of(results: &[RunResult]) -> Summary {
        let mut summary = Summary::default();
        for result in results {
            match result.outcome {
                Outcome::Passed => summary.passed += 1,
                Outcome::Failed => summary.failed += 1,
                Outcome::Error => summary.errors += 1,
            }
        }
        summary
    }

    /// `N passed, N failed` (errors count as failed; they are listed separately).
    pub fn line(&self) -> String {
        format!(
            "{} passed, {} failed",
            self.passed,
            self.failed + self.errors
        )
    }
}
