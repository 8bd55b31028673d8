fn main() -> std::process::ExitCode {
    demo_app::cli::main()
}
