//! The leak scanner against ripgrep on the same work, side by side in one run.
//!
//! Writes N MiB of clean JSON lines (`leaks::clean_json_lines`, deterministic) and the
//! rule set's body patterns (`leaks::body_patterns`, one per line), then times, single
//! threaded and best of R runs:
//! - `harness scan FILE` (the release binary next to this example),
//! - `rg -c -j1 -f PATTERNS FILE`,
//! - the scan in process, anchored and plain (every regex over the whole text), to show
//!   where the time goes.
//!
//! `cargo build --release -p harness && cargo run --release -p harness --example scan_speed`
//! Options: `--mib N` (64), `--runs R` (5), `--dir DIR` (a temp dir; the files are kept).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use harness::leaks;

fn main() {
    let mut mib = 64usize;
    let mut runs = 5usize;
    let mut dir = std::env::temp_dir().join("harness-scan-speed");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_default();
        match arg.as_str() {
            "--mib" => mib = value.parse().unwrap_or(mib),
            "--runs" => runs = value.parse().unwrap_or(runs).max(1),
            "--dir" => dir = PathBuf::from(value),
            _ => {
                eprintln!("usage: scan_speed [--mib N] [--runs R] [--dir DIR]");
                std::process::exit(2);
            }
        }
    }
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    let text = leaks::clean_json_lines(mib << 20);
    let file = dir.join("clean.jsonl");
    let patterns = dir.join("patterns.txt");
    let written = std::fs::write(&file, &text)
        .and_then(|()| std::fs::write(&patterns, leaks::body_patterns().join("\n") + "\n"));
    if let Err(e) = written {
        eprintln!("cannot write into {}: {e}", dir.display());
        std::process::exit(1);
    }
    let size = text.len() as f64 / f64::from(1 << 20);
    println!(
        "{:.1} MiB of clean JSON lines in {}, {} body patterns, best of {runs} runs\n",
        size,
        file.display(),
        leaks::body_patterns().len()
    );

    let response = leaks::Response {
        headers: &[],
        body: &text,
    };
    let _ = leaks::scan(&response); // compile the rules outside the timings
    let rate = |d: Duration| size / d.as_secs_f64();
    let mut rows: Vec<(String, Option<Duration>)> = Vec::new();
    rows.push((
        "leaks::scan (in process)".into(),
        Some(best(runs, || {
            assert!(
                leaks::scan(&response).is_empty(),
                "the clean traffic is clean"
            );
        })),
    ));
    let harness_bin = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("harness")))
        .filter(|bin| bin.exists());
    match &harness_bin {
        Some(bin) => rows.push((
            format!("{} scan FILE", bin.display()),
            run(runs, Command::new(bin).arg("scan").arg(&file), 0),
        )),
        None => println!(
            "(no harness binary next to this example: `cargo build --release -p harness` first)"
        ),
    }
    let mut rg = Command::new("rg");
    rg.args(["-c", "-j1", "-f"]).arg(&patterns).arg(&file);
    rows.push(("rg -c -j1 -f PATTERNS FILE".into(), run(runs, &mut rg, 1)));
    rows.push((
        "leaks::scan_plain (in process)".into(),
        Some(best(runs.min(2), || {
            let _ = leaks::scan_plain(&response);
        })),
    ));
    println!("{:<60} {:>10} {:>10}", "command", "seconds", "MiB/s");
    for (name, time) in &rows {
        match time {
            Some(t) => println!("{name:<60} {:>10.3} {:>10.0}", t.as_secs_f64(), rate(*t)),
            None => println!("{name:<60} {:>10} {:>10}", "failed", "-"),
        }
    }
    if let (Some((_, Some(scan))), Some((_, Some(rg)))) = (
        rows.iter().find(|r| r.0.ends_with("scan FILE")),
        rows.iter().find(|r| r.0.starts_with("rg ")),
    ) {
        println!(
            "\nharness scan vs rg: {:.2}x rg's speed",
            rg.as_secs_f64() / scan.as_secs_f64()
        );
    }
}

fn best(runs: usize, mut work: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Best wall time of a command that must exit with `code` (0: no finding; rg: 1, no match).
fn run(runs: usize, command: &mut Command, code: i32) -> Option<Duration> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let output = command.output();
        let elapsed = start.elapsed();
        match output {
            Ok(out) if out.status.code() == Some(code) => times.push(elapsed),
            Ok(out) => {
                eprintln!(
                    "{:?} exited with {:?}: {}",
                    command,
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .next()
                        .unwrap_or("")
                );
                return None;
            }
            Err(e) => {
                eprintln!("{:?}: {e}", command);
                return None;
            }
        }
    }
    times.into_iter().min()
}
