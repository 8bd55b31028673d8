#[allow(unsafe_code)]
fn main() -> std::process::ExitCode {
    // SAFETY: the first statement of `main`: no other thread exists yet.
    unsafe { demo_app::library_backtraces::turn_off_unless_chosen() };
    harness::cli::main()
}
