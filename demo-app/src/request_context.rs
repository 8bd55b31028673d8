//! Per-request facts that code deep in a handler (error constructors, the panic hook) needs
//! without threading them through every call: the correlation id and whether to capture
//! backtraces. Kept in a tokio task-local scoped by the response middleware, so several
//! apps in one process (tests, benches) never share it.

use std::backtrace::Backtrace;
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
