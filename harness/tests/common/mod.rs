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
    use std::path::{Path, PathBuf};

    /// A temporary folder removed on drop.
    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new(name: &str) -> Dir {
            let path =
                std::env::temp_dir().join(format!("harness-cli-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).expect("temp folder");
            Dir(path)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
