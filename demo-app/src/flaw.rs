//! Which planted flaw an error comes from, so the logs (and the harness's fuzzer, which
//! reads them) can name the failure class of a 5xx without guessing from its text.
//!
//! A handler arms the class right where its deliberate flaw runs; the panic hook and
//! every `AppError` built while it is armed pick it up (an engine error raised where no
//! flaw is armed takes the class its code points at, `error::classify_database_error`).
//! Disarming happens when the guard drops: after the flawed statement succeeded, or
//! during the unwinding of the panic it caused (the panic hook has already read it by
//! then).

use crate::request_context;

/// Marks the flaw of `class` as running until the guard drops.
#[must_use = "the flaw is armed only while the guard lives"]
pub struct Armed {
    previous: Option<&'static str>,
}

/// Arms `class` (a failure class id such as `crash.unwrap-none`) for the current request.
pub fn arm(class: &'static str) -> Armed {
    Armed {
        previous: request_context::swap_flaw(Some(class)),
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        request_context::swap_flaw(self.previous);
    }
}

/// The class armed in the current request, if any.
pub fn current() -> Option<&'static str> {
    request_context::flaw()
}
