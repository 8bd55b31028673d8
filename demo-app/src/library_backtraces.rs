//! Library backtraces: `std::backtrace::Backtrace::capture`, which anyhow calls for every
//! error it creates or wraps with `.context(..)`, walks the stack whenever
//! `RUST_LIB_BACKTRACE` (else `RUST_BACKTRACE`) is set to something other than `0`.
//! `RUST_BACKTRACE=1` is a common default on servers and laptops alike, and with it the prod
//! error path paid for a backtrace nobody reads: measured with `harness load`, it cost about
//! a quarter of the prod error path's throughput (docs/performance.md). dev does not need
//! them either: it captures its own per request (`request_context::capture_backtrace`), and
//! panics are recorded by the app's panic hook. So the binaries turn library captures off,
//! unless the operator chose a value for `RUST_LIB_BACKTRACE`.

/// Sets `RUST_LIB_BACKTRACE=0` unless it is already set.
///
/// # Safety
/// Writes the process environment: call it before any other thread exists, as the first
/// statement of `main`.
#[allow(unsafe_code)]
pub unsafe fn turn_off_unless_chosen() {
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: the caller guarantees that no other thread reads or writes the
        // environment while this runs (it is the first thing `main` does).
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
}
