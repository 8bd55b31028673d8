#[allow(unsafe_code)]
fn main() -> std::process::ExitCode {
    // SAFETY: the first statement of `main`: no other thread exists yet.
    unsafe { harness::app::turn_off_library_backtraces() };
    harness::cli::main()
}
