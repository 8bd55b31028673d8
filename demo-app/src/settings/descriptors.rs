//! The open-files budget the resource.file-handles lesson runs under. An absolute limit
//! (`open_files_limit`) leaves a different number of descriptors for the lesson on every
//! machine: each HTTP worker holds 4 (its runtime's pollers, a waker, a socket), so the
//! same 64 gives 40 covers with 2 workers and none with 16. `open_files_headroom` counts
//! on top of what the started app holds, the same budget whatever the worker count.

use super::{ConfigError, Layers};

/// The two settings, checked: at most one of them is set.
#[derive(Debug, Clone, Copy)]
pub(super) struct OpenFiles {
    pub limit: u64,
    pub headroom: u64,
}

impl Layers {
    pub(super) fn open_files(&self, workers: usize) -> Result<OpenFiles, ConfigError> {
        // Below this the runtime itself cannot start (its epoll and wake-up descriptors,
        // measured: 2 workers need 24), and actix would panic instead of the lesson failing.
        let limit: u64 = self.parse(
            "open_files_limit",
            "Use a whole number of files, e.g. 64, or 0 to leave the limit alone.",
        )?;
        let floor = 32 + 4 * workers as u64;
        if limit != 0 && limit < floor {
            return Err(self.invalid(
                "open_files_limit",
                format!(
                    "is {limit}, below the {floor} that {workers} workers need to start \
                     (32 + 4 per worker)"
                ),
                &format!(
                    "Use 0 to leave the limit alone, at least {floor}, or open_files_headroom \
                     for a budget that does not depend on the worker count."
                ),
            ));
        }
        let headroom: u64 = self.parse(
            "open_files_headroom",
            "Use a whole number of files, e.g. 40, or 0 to leave the limit alone.",
        )?;
        if limit != 0 && headroom != 0 {
            return Err(self.invalid(
                "open_files_headroom",
                format!("is {headroom}, but open_files_limit is set too ({limit})"),
                "Set one of them: open_files_headroom counts on top of the descriptors the \
                 started app holds (the same budget on every machine), open_files_limit is \
                 absolute.",
            ));
        }
        Ok(OpenFiles { limit, headroom })
    }
}
