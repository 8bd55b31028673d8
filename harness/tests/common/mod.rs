//! What the command-line tests share: the harness binary run on a scenarios folder, and
//! temporary folders removed on drop.

use std::path::Path;
use std::process::{Command, Output};

pub fn harness(args: &[&str], scenarios: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("--scenarios")
        .arg(scenarios)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("harness runs")
}

pub mod tempdir {
    use std::path::Path;

    /// A temporary folder removed on drop (tempfile's, named after the test for a reader
    /// of /tmp).
    pub struct Dir(tempfile::TempDir);

    impl Dir {
        pub fn new(name: &str) -> Dir {
            Dir(tempfile::Builder::new()
                .prefix(&format!("harness-cli-{name}-"))
                .tempdir()
                .expect("temp folder"))
        }
        pub fn path(&self) -> &Path {
            self.0.path()
        }
    }
}
