//! Per-request facts that code deep in a handler (error constructors, the panic hook) needs
//! without threading them through every call: the correlation id and whether to capture
//! backtraces. Kept in a tokio task-local scoped by the response middleware, so several
//! apps in one process (tests, benches) never share it.

use std::backtrace::Backtrace;
use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static CURRENT: RequestScope;
}

/// What the current request runs with.
#[derive(Debug, Clone)]
pub struct RequestScope {
    pub correlation_id: String,
    /// Dev captures a backtrace for every error; prod does not pay for it.
    pub capture_backtraces: bool,
    /// The failure class whose deliberate flaw is running (see `flaw::arm`).
    pub flaw: Cell<Option<&'static str>>,
}

impl RequestScope {
    pub fn new(correlation_id: String, capture_backtraces: bool) -> RequestScope {
        RequestScope {
            correlation_id,
            capture_backtraces,
            flaw: Cell::new(None),
        }
    }
}

/// Runs `future` with `scope` as the current request.
pub async fn run<F: Future>(scope: RequestScope, future: F) -> F::Output {
    CURRENT.scope(scope, future).await
}

/// A backtrace of the caller, if the current request captures them.
pub fn capture_backtrace() -> Option<Backtrace> {
    let wanted = CURRENT
        .try_with(|scope| scope.capture_backtraces)
        .unwrap_or(false);
    wanted.then(Backtrace::force_capture)
}

/// The current request's scope, or `None` outside a request.
pub fn current() -> Option<RequestScope> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Sets the armed flaw of the current request and returns the previous one (no-op outside
/// a request).
pub fn swap_flaw(class: Option<&'static str>) -> Option<&'static str> {
    CURRENT
        .try_with(|scope| scope.flaw.replace(class))
        .ok()
        .flatten()
}

/// The armed flaw of the current request.
pub fn flaw() -> Option<&'static str> {
    CURRENT.try_with(|scope| scope.flaw.get()).ok().flatten()
}
